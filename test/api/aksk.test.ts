// AK/SK request signatures on the real app (DESIGN §2.4, §2.6; issue 3): what verifies, every
// failure class with its exact body, the lockout, key changes seen within 1 s by every process,
// and that a signed request is authorized exactly like a token.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { issueAccessKey } from '../../src/auth/access-keys.js';
import { hashPassword } from '../../src/auth/passwords.js';
import type { Role } from '../../src/domain/types.js';
import { createApp, createServices } from '../../src/server/app.js';
import { authenticatorsFor } from '../../src/server/authenticators.js';
import { DEV } from '../../src/server/dev-seed.js';
import type { Store } from '../../src/store/store.js';
import { buildTestApp, devToken, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import { expectHeadAnswer, expectHuaweiError, expectKeystoneError, rawHead, rawRequest, requestIdOf } from '../helpers/api-assert.js';
import { bodyBytes, sdkDate, signHeaders, type SignHeadersInput } from '../helpers/sign.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613';
const FIRST_VERDICT = { sysprep_version: '10.0.22621.2506', support_create_image: true };
const SYSPREP = `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep`;
const OTHER_PROJECT = 'b0b1b2b3b4b5b6b7b8b9babbbcbdbebf';
const P = 'Incorrect IAM authentication information: ';
const MISMATCH = `${P}verify aksk signature fail, the signature does not match the request (check the SK, and that the method, path, query, signed headers and body are sent exactly as signed)`;
const LOCKED = `${P}AK access failed to reach the limit, forbidden`;
const apigw = (error_msg: string) => ({ error_code: 'APIGW.0301', error_msg });

let t: TestApp;
let domainId: string;
let admin: { ak: string; sk: string };

interface Key {
  ak: string;
  sk: string;
  userId: string;
}

let userSeq = 0;
/** A user of its own with `role` in the dev project and one access key. */
async function newKey(role: Role | null = 'admin', app: TestApp = t): Promise<Key> {
  userSeq++;
  const id = `a1c0de${String(userSeq).padStart(26, '0')}`;
  const domainId = (await app.store.getDomainByName(DEV.domain))!.id;
  await app.store.createUser({ id, domainId, name: `akskuser${userSeq}`, passwordHash: await hashPassword('firstpassword1') });
  if (role) await app.store.grantRole(id, DEV_PROJECT, role, app.clock.now - 5000);
  const { key, secretKey } = await issueAccessKey(app.store, app.services.secret, id, 'test key', app.clock.now);
  return { ak: key.accessKey, sk: secretKey, userId: id };
}

interface SendOptions extends Partial<Omit<SignHeadersInput, 'ak' | 'sk'>> {
  key?: { ak: string; sk: string };
  /** What is sent when it differs from what was signed (tampering). */
  send?: { method?: string; url?: string; body?: string | Buffer; headers?: Record<string, string> };
  app?: TestApp;
}

/** Signs like the Node SDK (content-type;host;x-project-id;x-sdk-date by default) and injects. */
function signed(o: SendOptions = {}) {
  const app = o.app ?? t;
  const key = o.key ?? admin;
  const method = o.method ?? 'GET';
  const url = o.url ?? SYSPREP;
  const headers = o.headers ?? { 'Content-Type': 'application/json', Host: 'localhost', 'X-Project-Id': DEV_PROJECT };
  const h = signHeaders({ ak: key.ak, sk: key.sk, method, url, headers, body: o.body, date: o.date ?? new Date(app.clock.now), signedHeaders: o.signedHeaders });
  const body = o.send?.body ?? (o.body === undefined ? undefined : bodyBytes(o.body));
  return app.app.inject({
    method: (o.send?.method ?? method) as 'GET',
    url: o.send?.url ?? url,
    headers: { ...h, ...o.send?.headers },
    ...(body !== undefined ? { payload: body } : {}),
  });
}

async function failedCount(ak: string, store: Store = t.store): Promise<number> {
  return (await store.getAccessKey(ak))!.failedCount;
}

beforeAll(async () => {
  t = await buildTestApp();
  domainId = (await t.store.getDomainByName(DEV.domain))!.id;
  await t.store.createProject({ id: OTHER_PROJECT, name: 'cn-south-1', domainId });
  admin = await newKey('admin');
});

afterAll(async () => {
  await t?.close();
});

describe('signatures that verify', () => {
  it('GET sysprep signed as the Node SDK signs it', async () => {
    const res = await signed();
    expect(res.statusCode, res.body).toBe(200);
    requestIdOf(res);
    expect(JSON.parse(res.body)).toEqual(FIRST_VERDICT);
  });

  it('the dev keys of DESIGN §6 work (the agent may report, not read)', async () => {
    const dev = { ak: DEV.users[0].ak!, sk: DEV.users[0].sk! };
    expect(JSON.parse((await signed({ key: dev })).body)).toEqual(FIRST_VERDICT);
    const agent = { ak: DEV.users[1].ak!, sk: DEV.users[1].sk! };
    expectHuaweiError(await signed({ key: agent }), 403, { error_code: 'APIGW.0302', error_msg: "Policy doesn't allow workspace:desktops:getSysprepVersion to be performed." });
  });

  it('only x-sdk-date signed (the Go SDK convention)', async () => {
    const res = await signed({ headers: {}, signedHeaders: ['x-sdk-date'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body)).toEqual(FIRST_VERDICT);
  });

  it('HEAD sysprep', async () => {
    expectHeadAnswer(await signed({ method: 'HEAD' }), 200);
  });

  it('PUT with a JSON body ending in a newline (the Go SDK encoder): the raw bytes are hashed', async () => {
    const body = JSON.stringify({ collected_at: new Date(t.clock.now - 60_000).toISOString(), sysprep_version: '10.0.22621.2506' }) + '\n';
    const res = await signed({ method: 'PUT', body });
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ applied: expect.any(Boolean) });
  });

  it('a GET with a body: the body bytes are signed and hashed (the IAM project lookup sends {})', async () => {
    const res = await signed({ url: '/v3/projects?name=cn-north-4', headers: { 'Content-Type': 'application/json', Host: 'localhost' }, body: '{}' });
    expect(res.statusCode, res.body).toBe(200);
    // Signed without the body but sent with it: a mismatch.
    expectKeystoneError(
      await signed({ url: '/v3/projects?name=cn-north-4', headers: { 'Content-Type': 'application/json', Host: 'localhost' }, send: { body: '{}' } }),
      401,
      MISMATCH,
    );
  });

  it('query parameters in another order or form-encoded (+ for space) still verify; unsigned headers are free', async () => {
    const url = `/v2/${DEV_PROJECT}/desktops?limit=2&offset=1`;
    expect((await signed({ url, send: { url: `/v2/${DEV_PROJECT}/desktops?offset=1&limit=2` } })).statusCode).toBe(200);
    expect((await signed({ url, send: { headers: { 'User-Agent': 'changed after signing', 'X-Unsigned': 'x' } } })).statusCode).toBe(200);
  });

  it('X-Sdk-Content-Sha256 replaces the body hash: a matching hex value, or UNSIGNED-PAYLOAD without a body', async () => {
    const body = JSON.stringify({ collected_at: new Date(t.clock.now - 50_000).toISOString(), sysprep_version: '10.0.22621.2506' });
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(body).digest('hex');
    const headers = { 'Content-Type': 'application/json', Host: 'localhost', 'X-Sdk-Content-Sha256': hash.toUpperCase() };
    expect((await signed({ method: 'PUT', headers, body })).statusCode).toBe(200);
    const unsigned = { Host: 'localhost', 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' };
    expect((await signed({ headers: unsigned })).statusCode).toBe(200);
  });

  it('a header value with surrounding whitespace verifies trimmed', async () => {
    const res = await signed({ headers: { Host: 'localhost', 'X-Project-Id': `  ${DEV_PROJECT}  ` } });
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('401 APIGW.0301 for every failure class (exact bodies)', () => {
  it('wrong SK', async () => {
    const k = await newKey();
    expectHuaweiError(await signed({ key: { ak: k.ak, sk: 'not-the-secret-key-0000000000000000000000' } }), 401, apigw(MISMATCH));
  });

  it('unknown AK: named, and not counted anywhere', async () => {
    expectHuaweiError(await signed({ key: { ak: 'NOSUCHKEY00000000000', sk: admin.sk } }), 401, apigw(`${P}Get secretKey failed,ak:NOSUCHKEY00000000000,err:ak not exist`));
  });

  it('inactive AK (even with a correct signature)', async () => {
    const k = await newKey();
    await t.store.setAccessKeyStatus(k.ak, 'inactive');
    expectHuaweiError(await signed({ key: k }), 401, apigw(`${P}Get secretKey failed,ak:${k.ak},err:ak is inactive`));
  });

  it('a disabled user’s AK', async () => {
    const k = await newKey();
    await t.store.setUserEnabled(k.userId, false, t.clock.now);
    expectHuaweiError(await signed({ key: k }), 401, apigw(`${P}Get secretKey failed,ak:${k.ak},err:the user of the ak is disabled`));
  });

  it('a tampered method, path, query, signed header or body', async () => {
    const k = await newKey();
    const other = `/v2/${DEV_PROJECT}/desktops/ebd1c2c4-4df0-4d0a-8b33-23e8e2a6e1b7/sysprep`;
    expectHuaweiError(await signed({ key: k, send: { url: other } }), 401, apigw(MISMATCH));
    expectHeadAnswer(await signed({ key: k, send: { method: 'HEAD' } }), 401);
    expectHuaweiError(await signed({ key: k, url: `/v2/${DEV_PROJECT}/desktops?limit=2`, send: { url: `/v2/${DEV_PROJECT}/desktops?limit=3` } }), 401, apigw(MISMATCH));
    expectHuaweiError(await signed({ key: k, send: { headers: { 'Content-Type': 'text/plain' } } }), 401, apigw(MISMATCH));
    const body = JSON.stringify({ collected_at: new Date(t.clock.now - 40_000).toISOString(), sysprep_version: '10.0.22621.2506' });
    expectHuaweiError(await signed({ key: k, method: 'PUT', body, send: { body: body.replace('2506', '2507') } }), 401, apigw(MISMATCH));
    // Nothing was stored by the tampered PUT.
    const report = await t.store.getDesktopWithReport(DEV_PROJECT, FIRST);
    expect(report?.report?.sysprepVersion).toBe('10.0.22621.2506');
  });

  it('a tampered body under X-Sdk-Content-Sha256, or UNSIGNED-PAYLOAD with a body', async () => {
    const body = '{"collected_at":"2020-01-01T00:00:00Z","sysprep_version":"1.0.0.0"}';
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(body).digest('hex');
    expectHuaweiError(
      await signed({ method: 'PUT', headers: { 'Content-Type': 'application/json', Host: 'localhost', 'X-Sdk-Content-Sha256': hash }, body, send: { body: body + ' ' } }),
      401,
      apigw(`${P}verify aksk signature fail, X-Sdk-Content-Sha256 does not match the body`),
    );
    expectHuaweiError(
      await signed({ method: 'PUT', headers: { 'Content-Type': 'application/json', Host: 'localhost', 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' }, body }),
      401,
      apigw(`${P}verify aksk signature fail, X-Sdk-Content-Sha256 UNSIGNED-PAYLOAD is only accepted on a request without a body`),
    );
    expectHuaweiError(
      await signed({ headers: { Host: 'localhost', 'X-Sdk-Content-Sha256': 'abc' } }),
      401,
      apigw(`${P}verify aksk signature fail, X-Sdk-Content-Sha256 must be a SHA-256 hex digest or UNSIGNED-PAYLOAD`),
    );
  });

  it('a stale, future or malformed X-Sdk-Date (15 minutes either way is the limit)', async () => {
    const now = t.clock.now;
    const expired = apigw(`${P}signature expired: X-Sdk-Date is too far from the server time`);
    expectHuaweiError(await signed({ date: new Date(now - 15 * 60_000 - 1000) }), 401, expired);
    expectHuaweiError(await signed({ date: new Date(now + 15 * 60_000 + 1000) }), 401, expired);
    expect((await signed({ date: new Date(now - 14 * 60_000) })).statusCode).toBe(200);
    expect((await signed({ date: new Date(now + 14 * 60_000) })).statusCode).toBe(200);
    const malformed = apigw(`${P}signature expired: X-Sdk-Date must be a UTC date in the format YYYYMMDDTHHMMSSZ`);
    for (const bad of [new Date(now).toISOString(), sdkDate(new Date(now)).replace('Z', ''), '20261332T000000Z', 'yesterday']) {
      expectHuaweiError(await signed({ date: bad }), 401, malformed);
    }
  });

  it('a signed X-Sdk-Date that is not sent', async () => {
    const h = signHeaders({ ak: admin.ak, sk: admin.sk, method: 'GET', url: SYSPREP, headers: { Host: 'localhost' }, date: new Date(t.clock.now) });
    delete h['X-Sdk-Date'];
    expectHuaweiError(await t.app.inject({ method: 'GET', url: SYSPREP, headers: h }), 401, apigw(`${P}signature expired: X-Sdk-Date is missing`));
  });

  it('a signed header that is not sent', async () => {
    const h = signHeaders({ ak: admin.ak, sk: admin.sk, method: 'GET', url: SYSPREP, headers: { Host: 'localhost', 'X-Extra': 'v' }, date: new Date(t.clock.now) });
    delete h['X-Extra'];
    expectHuaweiError(await t.app.inject({ method: 'GET', url: SYSPREP, headers: h }), 401, apigw(`${P}verify aksk signature fail, signed header x-extra is missing`));
  });

  it('a malformed Authorization header, with the reason', async () => {
    const good = signHeaders({ ak: admin.ak, sk: admin.sk, method: 'GET', url: SYSPREP, headers: { Host: 'localhost' }, date: new Date(t.clock.now) });
    const sig = /Signature=([0-9a-f]{64})/.exec(good.Authorization)![1];
    const cases: [string, string][] = [
      [`SDK-HMAC-SHA256 Access=${admin.ak}, SignedHeaders=host;x-sdk-date`, 'Authorization is missing Signature'],
      [`SDK-HMAC-SHA256 SignedHeaders=host;x-sdk-date, Signature=${sig}`, 'Authorization is missing Access'],
      [`SDK-HMAC-SHA256 Access=${admin.ak}, Signature=${sig}`, 'Authorization is missing SignedHeaders'],
      [`SDK-HMAC-SHA256 Access=${admin.ak}, SignedHeaders=host;x-sdk-date, Signature=${sig.toUpperCase()}`, 'Authorization Signature must be 64 lower-case hex digits'],
      [`SDK-HMAC-SHA256 Access=${admin.ak}, SignedHeaders=host, Signature=${sig}`, 'SignedHeaders must include x-sdk-date'],
      [`SDK-HMAC-SHA256 Access=${admin.ak}, SignedHeaders=Host;x-sdk-date, Signature=${sig}`, 'SignedHeaders must be lower-case header names separated by ";"'],
      [`SDK-HMAC-SHA256 Access=${admin.ak}, SignedHeaders=host;x-sdk-date, Signature=${sig}, Region=x`, 'Authorization has an unexpected parameter (expected Access, SignedHeaders, Signature)'],
      [`SDK-HMAC-SHA256Access=${admin.ak}`, 'Authorization must start with "SDK-HMAC-SHA256 "'],
    ];
    for (const [authorization, reason] of cases) {
      const res = await t.app.inject({ method: 'GET', url: SYSPREP, headers: { ...good, Authorization: authorization } });
      expectHuaweiError(res, 401, apigw(P + reason));
    }
  });

  it('an unsupported scheme, the derived V11 variant and temporary keys (X-Security-Token)', async () => {
    const basic = await t.app.inject({ method: 'GET', url: SYSPREP, headers: { authorization: 'Basic ZGV2YWRtaW46ZGV2cGFzc3dvcmQ=' } });
    expectHuaweiError(basic, 401, apigw(`${P}unsupported Authorization scheme`));
    const v11 = await t.app.inject({ method: 'GET', url: SYSPREP, headers: { authorization: `V11-HMAC-SHA256 Access=${admin.ak}, SignedHeaders=x-sdk-date, Signature=${'0'.repeat(64)}`, 'x-sdk-date': sdkDate(new Date(t.clock.now)) } });
    expectHuaweiError(v11, 401, apigw(`${P}the V11-HMAC-SHA256 (derived AK/SK) signing algorithm is not supported; sign with SDK-HMAC-SHA256`));
    // A correct signature that also covers X-Security-Token: refused until temporary keys exist.
    const temp = await signed({ headers: { Host: 'localhost', 'X-Security-Token': 'gQpjbi1ub3J0aC00' } });
    expectHuaweiError(temp, 401, apigw(`${P}temporary access keys (X-Security-Token) are not supported; sign with a permanent access key`));
  });

  it('a signed X-Project-Id that is not the path’s project; an unsigned one is ignored', async () => {
    const res = await signed({ headers: { Host: 'localhost', 'X-Project-Id': OTHER_PROJECT } });
    expectHuaweiError(res, 401, apigw(`${P}X-Project-Id ${OTHER_PROJECT} does not match the project ${DEV_PROJECT} in the path`));
    const unsigned = await signed({ headers: { Host: 'localhost' }, send: { headers: { 'X-Project-Id': OTHER_PROJECT } } });
    expect(unsigned.statusCode).toBe(200);
  });

  it('a signed X-Domain-Id that is not the key’s account', async () => {
    const res = await signed({ headers: { Host: 'localhost', 'X-Domain-Id': 'f'.repeat(32) } });
    expectHuaweiError(res, 401, apigw(`${P}X-Domain-Id does not match the account of the access key`));
    expect((await signed({ headers: { Host: 'localhost', 'X-Domain-Id': domainId } })).statusCode).toBe(200);
  });

  it('signed for "//v2/…" (an SDK endpoint ending in "/") but sent as "/v2/…": refused like the cloud, and explained', async () => {
    const k = await newKey();
    const h = signHeaders({ ak: k.ak, sk: k.sk, method: 'GET', url: '/' + SYSPREP, headers: { Host: 'localhost' }, date: new Date(t.clock.now) });
    expectHuaweiError(
      await t.app.inject({ method: 'GET', url: SYSPREP, headers: h }),
      401,
      apigw(`${P}verify aksk signature fail, the request was signed for a path starting with "//" (an endpoint ending in "/"); remove the trailing "/" from the endpoint`),
    );
    // It proves the SK: not a mismatch that counts toward the lock.
    expect(await failedCount(k.ak)).toBe(0);
  });

  it('repeated Authorization or X-Sdk-Date headers (read from the raw request)', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.server.address() as { port: number }).port;
    const h = signHeaders({ ak: admin.ak, sk: admin.sk, method: 'GET', url: SYSPREP, headers: { Host: '127.0.0.1' }, signedHeaders: ['x-sdk-date'], date: new Date(t.clock.now) });
    const line = `GET ${SYSPREP} HTTP/1.1`;
    const twoAuth = await rawRequest(port, rawHead(line, [['Authorization', h.Authorization], ['X-Sdk-Date', h['X-Sdk-Date']], ['authorization', h.Authorization]]));
    expectHuaweiError(twoAuth, 401, apigw(`${P}repeated authorization header`));
    const twoDates = await rawRequest(port, rawHead(line, [['Authorization', h.Authorization], ['X-Sdk-Date', h['X-Sdk-Date']], ['X-Sdk-Date', h['X-Sdk-Date']]]));
    expectHuaweiError(twoDates, 401, apigw(`${P}repeated x-sdk-date header`));
    const once = await rawRequest(port, rawHead(line, [['Authorization', h.Authorization], ['X-Sdk-Date', h['X-Sdk-Date']]]));
    expect(once.statusCode, once.body).toBe(200);
    expect(JSON.parse(once.body)).toEqual(FIRST_VERDICT);
  });

  it('under /v3/ the same failures use the Keystone body', async () => {
    expectKeystoneError(await signed({ url: '/v3/projects', key: { ak: admin.ak, sk: 'wrong' } }), 401, MISMATCH);
    expectKeystoneError(await signed({ url: '/v3/projects', date: '20200101T000000Z' }), 401, `${P}signature expired: X-Sdk-Date is too far from the server time`);
  });

  it('an error never shows the SK or the expected signature', async () => {
    const k = await newKey();
    const h = signHeaders({ ak: k.ak, sk: k.sk, method: 'GET', url: SYSPREP, headers: { Host: 'localhost' }, date: new Date(t.clock.now) });
    const expected = /Signature=([0-9a-f]{64})/.exec(h.Authorization)![1];
    const tampered = await t.app.inject({ method: 'GET', url: SYSPREP + '?x=1', headers: h });
    expectHuaweiError(tampered, 401, apigw(MISMATCH));
    const wrongSk = await signed({ key: { ak: k.ak, sk: 'x' } });
    for (const res of [tampered, wrongSk]) {
      expect(res.body).not.toContain(k.sk);
      expect(res.body).not.toContain(expected);
      expect(JSON.stringify(res.headers)).not.toContain(k.sk);
    }
  });
});

describe('both schemes on one request', () => {
  it('an X-Auth-Token and a signature together are refused, whichever is valid', async () => {
    const token = await devToken(t, 'devadmin');
    const h = signHeaders({ ak: admin.ak, sk: admin.sk, method: 'GET', url: SYSPREP, headers: { Host: 'localhost' }, date: new Date(t.clock.now) });
    const both = await t.app.inject({ method: 'GET', url: SYSPREP, headers: { ...h, 'X-Auth-Token': token } });
    expectHuaweiError(both, 401, apigw(`${P}both X-Auth-Token and an AK/SK signature were sent; use one`));
    // Each alone works.
    expect((await t.app.inject({ method: 'GET', url: SYSPREP, headers: h })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: SYSPREP, headers: { 'X-Auth-Token': token } })).statusCode).toBe(200);
    // An empty X-Auth-Token counts as absent, so the signature alone decides.
    expect((await t.app.inject({ method: 'GET', url: SYSPREP, headers: { ...h, 'X-Auth-Token': '' } })).statusCode).toBe(200);
  });
});

describe('lockout (DESIGN §2.6): 5 consecutive mismatches lock the AK for 300 s', () => {
  const wrong = (k: Key) => signed({ key: { ak: k.ak, sk: k.sk.slice(0, -1) + (k.sk.endsWith('A') ? 'B' : 'A') } });

  beforeEach(() => {
    t.clock.now = Date.now();
  });

  it('the sixth request is refused even with the right SK, until the lock expires', async () => {
    const k = await newKey();
    for (let i = 1; i <= 5; i++) {
      expectHuaweiError(await wrong(k), 401, apigw(MISMATCH));
    }
    expect((await t.store.getAccessKey(k.ak))!.lockedUntil).toBe(t.clock.now + 300_000);
    expectHuaweiError(await signed({ key: k }), 401, apigw(LOCKED));
    // While locked nothing is verified, so nothing counts.
    expectHuaweiError(await wrong(k), 401, apigw(LOCKED));
    expect(await failedCount(k.ak)).toBe(0);
    t.clock.now += 299_000;
    expectHuaweiError(await signed({ key: k }), 401, apigw(LOCKED));
    t.clock.now += 1_001;
    const res = await signed({ key: k });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('a success resets the count: mismatches must be consecutive', async () => {
    const k = await newKey();
    for (let i = 0; i < 4; i++) await wrong(k);
    expect(await failedCount(k.ak)).toBe(4);
    expect((await signed({ key: k })).statusCode).toBe(200);
    expect(await failedCount(k.ak)).toBe(0);
    for (let i = 0; i < 4; i++) expectHuaweiError(await wrong(k), 401, apigw(MISMATCH));
    expect((await signed({ key: k })).statusCode).toBe(200);
  });

  it('unknown AKs, malformed or expired dates, and malformed Authorization do not count', async () => {
    const k = await newKey();
    for (let i = 0; i < 6; i++) {
      await signed({ key: { ak: k.ak, sk: 'wrong' }, date: new Date(t.clock.now - 3_600_000) });
      await signed({ key: { ak: k.ak, sk: 'wrong' }, date: 'not-a-date' });
      await t.app.inject({ method: 'GET', url: SYSPREP, headers: { authorization: `SDK-HMAC-SHA256 Access=${k.ak}, SignedHeaders=x-sdk-date`, 'x-sdk-date': sdkDate(new Date(t.clock.now)) } });
    }
    expect(await failedCount(k.ak)).toBe(0);
    expect((await signed({ key: k })).statusCode).toBe(200);
  });

  it('the lock is in the store: another process refuses the key too, and the count is shared', async () => {
    const k = await newKey();
    const second = await secondProcess();
    // Two mismatches here, three in the other process: locked for both.
    for (let i = 0; i < 2; i++) await wrong(k);
    for (let i = 0; i < 3; i++) expectHuaweiError(await signed({ app: second, key: { ak: k.ak, sk: 'wrong' } }), 401, apigw(MISMATCH));
    expectHuaweiError(await signed({ app: second, key: k }), 401, apigw(LOCKED));
    // This process read the key before the lock: within a second it refuses it too.
    t.clock.now += 1000;
    expectHuaweiError(await signed({ key: k }), 401, apigw(LOCKED));
    await second.app.close();
  });

  it('the threshold and duration are configurable', async () => {
    const small = await buildTestApp({ fleet: true, config: { akLockThreshold: 2, akLockSeconds: 10 } });
    try {
      const k = await newKey('admin', small);
      const bad = { ak: k.ak, sk: 'wrong' };
      expectHuaweiError(await signed({ app: small, key: bad }), 401, apigw(MISMATCH));
      expectHuaweiError(await signed({ app: small, key: bad }), 401, apigw(MISMATCH));
      expectHuaweiError(await signed({ app: small, key: k }), 401, apigw(LOCKED));
      small.clock.now += 10_001;
      expect((await signed({ app: small, key: k })).statusCode).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('a good signature costs no store write, and about one key read per second', async () => {
    const k = await newKey();
    const calls: string[] = [];
    const counting = new Proxy(t.store, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          calls.push(String(prop));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as Store;
    const services = createServices(t.config, counting, t.services.secret, { clock: () => t.clock.now, authenticators: authenticatorsFor });
    const app = await createApp(services, false);
    try {
      const proc = { ...t, app, services, store: counting };
      for (let i = 0; i < 20; i++) expect((await signed({ app: proc, key: k })).statusCode).toBe(200);
      expect(calls.filter((c) => c === 'getAccessKey')).toHaveLength(1);
      expect(calls.filter((c) => c === 'resetSignatureFailures' || c === 'recordSignatureFailure')).toEqual([]);
      // After a mismatch the next success resets the count once, then writes nothing again.
      await signed({ app: proc, key: { ak: k.ak, sk: 'wrong' } });
      for (let i = 0; i < 5; i++) expect((await signed({ app: proc, key: k })).statusCode).toBe(200);
      expect(calls.filter((c) => c === 'recordSignatureFailure')).toHaveLength(1);
      expect(calls.filter((c) => c === 'resetSignatureFailures')).toHaveLength(1);
      expect(await failedCount(k.ak)).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe('key changes reach every process within 1 s', () => {
  it('disabling or deleting a key in the store (as the CLI does) fails it within a second', async () => {
    t.clock.now = Date.now();
    const k = await newKey();
    const second = await secondProcess();
    try {
      expect((await signed({ key: k })).statusCode).toBe(200);
      expect((await signed({ app: second, key: k })).statusCode).toBe(200);
      await t.store.setAccessKeyStatus(k.ak, 'inactive');
      t.clock.now += 1000;
      const inactive = apigw(`${P}Get secretKey failed,ak:${k.ak},err:ak is inactive`);
      expectHuaweiError(await signed({ key: k }), 401, inactive);
      expectHuaweiError(await signed({ app: second, key: k }), 401, inactive);
      await t.store.setAccessKeyStatus(k.ak, 'active');
      t.clock.now += 1000;
      expect((await signed({ key: k })).statusCode).toBe(200);
      await t.store.deleteAccessKey(k.ak);
      t.clock.now += 1000;
      const gone = apigw(`${P}Get secretKey failed,ak:${k.ak},err:ak not exist`);
      expectHuaweiError(await signed({ key: k }), 401, gone);
      expectHuaweiError(await signed({ app: second, key: k }), 401, gone);
    } finally {
      await second.app.close();
    }
  });

  it('a role change applies to signed requests within a second', async () => {
    t.clock.now = Date.now();
    const k = await newKey('viewer');
    expect((await signed({ key: k })).statusCode).toBe(200);
    await t.store.revokeRole(k.userId, DEV_PROJECT, 'viewer', t.clock.now);
    t.clock.now += 1000;
    expectHuaweiError(await signed({ key: k }), 403, { error_code: 'APIGW.0302', error_msg: `Policy doesn't allow workspace:desktops:getSysprepVersion to be performed on project ${DEV_PROJECT}.` });
  });
});

describe('same authorization as tokens', () => {
  it('a key of a user without a role in the path’s project: the 403 a token of another project gets', async () => {
    const k = await newKey(null);
    await t.store.grantRole(k.userId, OTHER_PROJECT, 'admin', t.clock.now - 5000);
    const res = await signed({ key: k });
    expectHuaweiError(res, 403, { error_code: 'APIGW.0302', error_msg: `Policy doesn't allow workspace:desktops:getSysprepVersion to be performed on project ${DEV_PROJECT}.` });
    const own = await signed({ key: k, url: `/v2/${OTHER_PROJECT}/desktops`, headers: { Host: 'localhost', 'X-Project-Id': OTHER_PROJECT } });
    expect(own.statusCode, own.body).toBe(200);
    expect(JSON.parse(own.body)).toEqual({ desktops: [], total_count: 0 });
  });

  it('a malformed project_id in the path is a 400 naming it, once authenticated', async () => {
    const res = await signed({ url: '/v2/NOT-A-PROJECT/desktops', headers: { Host: 'localhost' } });
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Invalid parameter project_id: must be 32 lowercase hexadecimal characters.' });
  });

  it('a path with malformed percent-encoding: the raw path is what is signed, and the 400 comes after authentication', async () => {
    const url = `/v2/${DEV_PROJECT}/desktops/a%zz/sysprep`;
    expectHuaweiError(await signed({ url }), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid parameter: the path contains malformed percent-encoding.' });
    expectHuaweiError(await signed({ url, key: { ak: admin.ak, sk: 'wrong' } }), 401, apigw(MISMATCH));
    await t.store.resetSignatureFailures(admin.ak);
  });

  it('a signed request with broken JSON is a 400 (authentication first, then the body)', async () => {
    const res = await signed({ method: 'PUT', body: '{"collected_at":' });
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Invalid body: it is not valid JSON.' });
  });

  it('GET /v3/projects?name= lists the caller’s projects with that name (how an SDK finds a region’s project)', async () => {
    const res = await signed({ url: '/v3/projects?name=cn-north-4', headers: { 'Content-Type': 'application/json', Host: 'localhost' }, body: '{}' });
    expect(res.statusCode, res.body).toBe(200);
    const body = JSON.parse(res.body) as { projects: Record<string, unknown>[] };
    expect(body.projects).toEqual([
      {
        id: DEV_PROJECT,
        name: 'cn-north-4',
        domain_id: domainId,
        parent_id: domainId,
        enabled: true,
        description: 'dev project',
        is_domain: false,
        links: { self: `http://localhost/v3/projects/${DEV_PROJECT}` },
      },
    ]);
    const none = await signed({ url: '/v3/projects?name=cn-south-1', headers: { Host: 'localhost' } });
    expect(JSON.parse(none.body).projects).toEqual([]); // no role there
  });
});

/** Another API process on the same store: its own key cache, its own clock. */
async function secondProcess(): Promise<TestApp> {
  const clock = { now: t.clock.now };
  const services = createServices(t.config, t.store, t.services.secret, { clock: () => clock.now, authenticators: authenticatorsFor });
  const app = await createApp(services, false);
  // Follow the shared clock so both processes agree on "now".
  Object.defineProperty(clock, 'now', { get: () => t.clock.now });
  return { ...t, app, services, clock };
}
