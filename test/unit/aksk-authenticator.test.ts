// The AK/SK authenticator on a real store, driven by the known-answer vectors of
// shared/vectors/aksk-signing.json (the Go SDK's conventions included: only x-sdk-date signed,
// a JSON body ending in a newline) and by generated keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessKeyCache } from '../../src/auth/access-key-cache.js';
import { ACCESS_KEY_ID_RE, generateAccessKeyId, generateSecretKey, issueAccessKey, AccessKeyLimitError } from '../../src/auth/access-keys.js';
import { AkskAuthenticator } from '../../src/auth/aksk-authenticator.js';
import { signRequest } from '../../src/auth/aksk-signature.js';
import type { AuthInput } from '../../src/auth/principal.js';
import { sealSecret } from '../../src/auth/secret-box.js';
import { secretFromMasters } from '../../src/auth/server-secret.js';
import { createLogger } from '../../src/logger.js';
import { ApiError } from '../../src/server/errors.js';
import type { Store } from '../../src/store/store.js';
import { signingFixture, type SigningVector } from '../helpers/sign.js';
import { openTestStore } from '../helpers/store.js';

const vectors = signingFixture.signing_vectors;

const secret = secretFromMasters([Buffer.alloc(32, 3)]);
const PROJECT = '0bcc05efb100f2a92f53c011f262dfa0';
let dir: string;
let store: Store;
let drop: () => Promise<void>;
let userId: string;

/** "YYYYMMDDTHHMMSSZ" → epoch ms. */
const sdkDateMs = (d: string) => Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));

function inputOf(v: SigningVector, over: { signature?: string; now?: number; body?: string } = {}): AuthInput {
  const headers = new Map(Object.entries(v.headers).map(([k, val]) => [k.toLowerCase(), val]));
  headers.set('authorization', `SDK-HMAC-SHA256 Access=${v.ak}, SignedHeaders=${v.signed_headers.join(';')}, Signature=${over.signature ?? v.signature}`);
  return {
    method: v.method,
    rawUrl: v.query ? `${v.path}?${v.query}` : v.path,
    header: (n) => headers.get(n),
    headerCount: (n) => (headers.has(n) ? 1 : 0),
    body: async () => Buffer.from(over.body ?? v.body, 'utf8'),
    pathProjectId: v.path.startsWith('/v2/') ? v.path.split('/')[2] : null,
    now: over.now ?? sdkDateMs(v.headers['x-sdk-date']),
  };
}

const authenticator = () => new AkskAuthenticator(store, new AccessKeyCache(store, secret, 1000, () => 0), { lockThreshold: 5, lockMs: 300_000 });

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe('APIGW.0301');
  return (err as ApiError).message;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wks-aksk-'));
  ({ store, drop } = await openTestStore(dir));
  const domain = await store.ensureDomain('vectors');
  await store.createProject({ id: PROJECT, name: 'cn-north-4', domainId: domain.id });
  userId = 'fe'.repeat(16);
  await store.createUser({ id: userId, domainId: domain.id, name: 'vector-user', passwordHash: 'x' });
  await store.grantRole(userId, PROJECT, 'viewer', 0);
  // The vectors' key, as a stored key (its AK is not of our generated shape, which is fine).
  await store.createAccessKey({ accessKey: 'AccessKey', userId, secretEncrypted: sealSecret(secret.skKey, 'SecretKey'), description: '', createdAt: 0 });
});

afterAll(async () => {
  await store?.close();
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('known-answer vectors through the authenticator', () => {
  for (const v of vectors) {
    it(`${v.name} authenticates as the key's user`, async () => {
      const p = await authenticator().authenticate(inputOf(v));
      expect(p).toMatchObject({ scheme: 'aksk', userId, userName: 'vector-user', accessKey: 'AccessKey' });
      if (v.path.startsWith('/v2/')) expect(p).toMatchObject({ projectId: PROJECT, roles: ['viewer'] });
      else expect(p).toMatchObject({ projectId: null, roles: ['viewer'] });
    });

    it(`${v.name} with one signature digit changed is a mismatch`, async () => {
      const flipped = (v.signature[0] === '0' ? '1' : '0') + v.signature.slice(1);
      expect(await refusal(authenticator().authenticate(inputOf(v, { signature: flipped })))).toMatch(/verify aksk signature fail, the signature does not match/);
      await store.resetSignatureFailures('AccessKey');
    });

    it(`${v.name} 16 minutes later is expired`, async () => {
      const now = sdkDateMs(v.headers['x-sdk-date']) + 16 * 60_000;
      expect(await refusal(authenticator().authenticate(inputOf(v, { now })))).toBe('Incorrect IAM authentication information: signature expired: X-Sdk-Date is too far from the server time');
    });
  }

  it('the Go SDK body vector: the trailing newline is part of the signed bytes', async () => {
    const v = vectors.find((x) => x.name === 'go-sdk-post-body-with-trailing-newline')!;
    expect(v.body.endsWith('\n')).toBe(true);
    expect(v.signed_headers).toEqual(['x-sdk-date']);
    expect(await refusal(authenticator().authenticate(inputOf(v, { body: v.body.trimEnd() })))).toMatch(/the signature does not match/);
    await store.resetSignatureFailures('AccessKey');
  });
});

describe('rotating the server secret (a new first line, the old one kept below it)', () => {
  it('an SK sealed under the old secret still verifies; the wrong secret does not open it', async () => {
    const rotated = secretFromMasters([Buffer.alloc(32, 9), Buffer.alloc(32, 3)]);
    expect(rotated.skKey.equals(secret.skKey)).toBe(false);
    const v = vectors[0];
    const viaRotated = new AkskAuthenticator(store, new AccessKeyCache(store, rotated, 1000, () => 0), { lockThreshold: 5, lockMs: 300_000 });
    expect(await viaRotated.authenticate(inputOf(v))).toMatchObject({ scheme: 'aksk', userId, accessKey: 'AccessKey' });
    const unrelated = secretFromMasters([Buffer.alloc(32, 9)]);
    const viaUnrelated = new AkskAuthenticator(store, new AccessKeyCache(store, unrelated, 1000, () => 0), { lockThreshold: 5, lockMs: 300_000 });
    await expect(viaUnrelated.authenticate(inputOf(v))).rejects.toThrow("the SK of AccessKey cannot be decrypted with this server's secret: is --secret-key-file the file the other nodes use?");
  });
});

describe('access key generation', () => {
  it('AKs are 20 upper-case letters and digits, SKs 40 letters and digits, all distinct', () => {
    const aks = new Set(Array.from({ length: 200 }, generateAccessKeyId));
    const sks = new Set(Array.from({ length: 200 }, generateSecretKey));
    expect(aks.size).toBe(200);
    expect(sks.size).toBe(200);
    for (const ak of aks) expect(ak).toMatch(ACCESS_KEY_ID_RE);
    for (const sk of sks) expect(sk).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  it('issueAccessKey seals the SK at rest and stops at two keys per user', async () => {
    const u = await store.createUser({ id: 'ab'.repeat(16), domainId: (await store.ensureDomain('vectors')).id, name: 'two-keys', passwordHash: 'x' });
    const first = await issueAccessKey(store, secret, u.id, 'one', 1000);
    expect(first.key).toMatchObject({ userId: u.id, status: 'active', description: 'one', createdAt: 1000 });
    expect(first.key.secretEncrypted).not.toContain(first.secretKey);
    expect(first.key.secretEncrypted.startsWith('v1.')).toBe(true);
    await issueAccessKey(store, secret, u.id, 'two', 1001);
    await expect(issueAccessKey(store, secret, u.id, 'three', 1002)).rejects.toBeInstanceOf(AccessKeyLimitError);
    expect(await store.listAccessKeys(u.id)).toHaveLength(2);
  });
});

describe('the debug line of a mismatch', () => {
  it('shows the canonical request with the values of credential headers redacted (a real logger at debug level)', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const log = createLogger('debug', sink);
    const { key, secretKey } = await issueAccessKey(store, secret, userId, 'logged', 0);
    const subject = 'SUBJECTTOKEN' + 'a'.repeat(80);
    const authToken = 'AUTHTOKEN' + 'b'.repeat(80);
    const date = '20260105T100000Z';
    const headers = new Map<string, string>([
      ['host', 'localhost'],
      ['x-sdk-date', date],
      ['x-subject-token', subject],
      ['x-auth-token', authToken],
      ['x-project-id', PROJECT],
    ]);
    const signed = ['authorization', 'host', 'x-auth-token', 'x-project-id', 'x-sdk-date', 'x-subject-token'];
    // A signature that does not match (made with another key), over headers that include credentials.
    const signature = signRequest('not-the-sk', 'anything');
    headers.set('authorization', `SDK-HMAC-SHA256 Access=${key.accessKey}, SignedHeaders=${signed.join(';')}, Signature=${signature}`);
    const input: AuthInput = {
      method: 'GET',
      rawUrl: '/v3/auth/tokens?probe=1',
      header: (n) => headers.get(n),
      headerCount: (n) => (headers.has(n) ? 1 : 0),
      body: async () => Buffer.alloc(0),
      pathProjectId: null,
      now: sdkDateMs(date),
    };
    const aksk = new AkskAuthenticator(store, new AccessKeyCache(store, secret, 1000, () => 0), { lockThreshold: 5, lockMs: 300_000, log });
    expect(await refusal(aksk.authenticate(input))).toMatch(/the signature does not match/);

    const entry = lines.map((l) => JSON.parse(l) as { msg: string; canonicalRequest?: string }).find((l) => l.msg === 'AK/SK signature mismatch');
    expect(entry?.canonicalRequest).toBe(
      [
        'GET',
        '/v3/auth/tokens/',
        'probe=1',
        'authorization:[REDACTED]',
        'host:localhost',
        'x-auth-token:[REDACTED]',
        `x-project-id:${PROJECT}`,
        `x-sdk-date:${date}`,
        'x-subject-token:[REDACTED]',
        '',
        signed.join(';'),
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    const text = lines.join('');
    for (const secretText of [subject, authToken, signature, secretKey]) expect(text).not.toContain(secretText);
    await store.deleteAccessKey(key.accessKey);
  });
});
