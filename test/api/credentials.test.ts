// Permanent access keys over HTTP in Huawei IAM's shape (/v3.0/OS-CREDENTIAL/credentials):
// create / list / show / update / delete, the two-key limit, who may manage whose keys, and
// that the SK appears exactly once — in the creation answer — and never in a log.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { createLogger } from '../../src/logger.js';
import { createApp, createServices } from '../../src/server/app.js';
import { authenticatorsFor } from '../../src/server/authenticators.js';
import { DEV } from '../../src/server/dev-seed.js';
import { buildTestApp, devToken, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import { expectHuaweiError, expectJson, expectKeystoneError, requestIdOf } from '../helpers/api-assert.js';
import { signHeaders } from '../helpers/sign.js';

const BASE = '/v3.0/OS-CREDENTIAL/credentials';
const SYSPREP = `/v2/${DEV_PROJECT}/desktops/24cf2487-67bb-43a1-a563-9f947e859613/sysprep`;
const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const DENIED = { error_code: 'APIGW.0302', error_msg: "Policy doesn't allow iam:users:manage to be performed." };

let t: TestApp;
let domainId: string;
let adminToken: string;

interface Created {
  access: string;
  secret: string;
  user_id: string;
  status: string;
  description: string;
  create_time: string;
}

let seq = 0;
/** A user of its own (viewer in the dev project) and a token for it. */
async function newUser(domain = domainId): Promise<{ id: string; token: string | null }> {
  seq++;
  const id = `c4ed${String(seq).padStart(28, '0')}`;
  await t.store.createUser({ id, domainId: domain, name: `creduser${seq}`, passwordHash: await hashPassword('firstpassword1') });
  if (domain !== domainId) return { id, token: null };
  await t.store.grantRole(id, DEV_PROJECT, 'viewer', t.clock.now - 5000);
  const res = await t.app.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    headers: { 'content-type': 'application/json' },
    payload: { auth: { identity: { methods: ['password'], password: { user: { id, password: 'firstpassword1' } } }, scope: { project: { id: DEV_PROJECT } } } },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { id, token: res.headers['x-subject-token'] as string };
}

const json = (token: string) => ({ 'x-auth-token': token, 'content-type': 'application/json' });
const create = (token: string, credential: Record<string, unknown>) => t.app.inject({ method: 'POST', url: BASE, headers: json(token), payload: { credential } });

async function createOk(token: string, userId: string, description?: string): Promise<Created> {
  const res = await create(token, { user_id: userId, ...(description !== undefined ? { description } : {}) });
  return (expectJson(res, 201) as { credential: Created }).credential;
}

function sysprepWith(key: { access: string; secret: string }) {
  const headers = signHeaders({ ak: key.access, sk: key.secret, method: 'GET', url: SYSPREP, headers: { Host: 'localhost', 'Content-Type': 'application/json' }, date: new Date(t.clock.now) });
  return t.app.inject({ method: 'GET', url: SYSPREP, headers });
}

beforeAll(async () => {
  t = await buildTestApp();
  domainId = (await t.store.getDomainByName(DEV.domain))!.id;
  adminToken = await devToken(t, 'devadmin');
});

afterAll(async () => {
  await t?.close();
});

describe('own keys, with a token (any role)', () => {
  it('create → 201 with the SK once; the key signs at once; list and show never carry the SK', async () => {
    const u = await newUser();
    const res = await create(u.token!, { user_id: u.id, description: 'ci runner' });
    const c = (expectJson(res, 201) as { credential: Created }).credential;
    expect(Object.keys(c).sort()).toEqual(['access', 'create_time', 'description', 'secret', 'status', 'user_id']);
    expect(c).toMatchObject({ user_id: u.id, status: 'active', description: 'ci runner' });
    expect(c.access).toMatch(/^[A-Z0-9]{20}$/);
    expect(c.secret).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(c.create_time).toMatch(MICRO);
    expect(Date.parse(c.create_time)).toBe(t.clock.now);

    const used = await sysprepWith(c);
    expect(used.statusCode, used.body).toBe(200);

    const list = expectJson(await t.app.inject({ method: 'GET', url: BASE, headers: { 'x-auth-token': u.token! } }));
    expect(list).toEqual({ credentials: [{ access: c.access, user_id: u.id, status: 'active', description: 'ci runner', create_time: c.create_time }] });
    const shown = expectJson(await t.app.inject({ method: 'GET', url: `${BASE}/${c.access}`, headers: { 'x-auth-token': u.token! } }));
    expect(shown).toEqual({ credential: { access: c.access, user_id: u.id, status: 'active', description: 'ci runner', create_time: c.create_time, last_use_time: c.create_time } });
    // The SK is stored sealed, never in clear.
    const stored = await t.store.getAccessKey(c.access);
    expect(stored!.secretEncrypted).not.toContain(c.secret);
  });

  it('last_use_time: the creation time until the key is used, then its last use, kept to the minute', async () => {
    const u = await newUser();
    const c = await createOk(u.token!, u.id);
    const lastUse = async () =>
      (expectJson(await t.app.inject({ method: 'GET', url: `${BASE}/${c.access}`, headers: { 'x-auth-token': u.token! } })) as { credential: { last_use_time: string } }).credential.last_use_time;
    const start = t.clock.now;
    try {
      expect(await lastUse()).toBe(c.create_time);
      t.clock.now += 5_000;
      expect((await sysprepWith(c)).statusCode).toBe(200);
      expect(Date.parse(await lastUse())).toBe(t.clock.now);
      const first = t.clock.now;
      t.clock.now += 30_000; // within the minute: no new write
      expect((await sysprepWith(c)).statusCode).toBe(200);
      expect(Date.parse(await lastUse())).toBe(first);
      t.clock.now += 31_000;
      expect((await sysprepWith(c)).statusCode).toBe(200);
      expect(Date.parse(await lastUse())).toBe(t.clock.now);
      // A failed signature is not a use.
      t.clock.now += 61_000;
      expect((await sysprepWith({ access: c.access, secret: 'x'.repeat(40) })).statusCode).toBe(401);
      expect(Date.parse(await lastUse())).toBe(t.clock.now - 61_000);
    } finally {
      t.clock.now = start;
    }
  });

  it('PUT on another user’s key by a viewer → 403 before the body is looked at (415, broken JSON, invalid field)', async () => {
    const owner = await newUser();
    const c = await createOk(owner.token!, owner.id);
    const other = await newUser();
    const put = (contentType: string, payload: string) =>
      t.app.inject({ method: 'PUT', url: `${BASE}/${c.access}`, headers: { 'x-auth-token': other.token!, 'content-type': contentType }, payload });
    for (const [ct, body] of [
      ['text/plain', '{"credential":{"status":"inactive"}}'],
      [';', '{"credential":{"status":"inactive"}}'],
      ['application/json', '{'],
      ['application/json', '{"credential":{"status":"gone"}}'],
    ]) {
      expectHuaweiError(await put(ct, body), 403, DENIED);
    }
    // The owner with the same bodies gets the body's errors.
    const own = (contentType: string, payload: string) =>
      t.app.inject({ method: 'PUT', url: `${BASE}/${c.access}`, headers: { 'x-auth-token': owner.token!, 'content-type': contentType }, payload });
    expectHuaweiError(await own('text/plain', '{}'), 415, { error_code: 'WKS.00000415', error_msg: 'The request body must be application/json encoded in UTF-8.' });
    expectHuaweiError(await own('application/json', '{'), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid body: it is not valid JSON.' });
    expect((await t.store.getAccessKey(c.access))?.status).toBe('active');
  });

  it('update status → the key stops (and restarts) at once in this process; update description', async () => {
    const u = await newUser();
    const c = await createOk(u.token!, u.id);
    expect((await sysprepWith(c)).statusCode).toBe(200);
    const put = (credential: Record<string, unknown>) => t.app.inject({ method: 'PUT', url: `${BASE}/${c.access}`, headers: json(u.token!), payload: { credential } });

    const off = await put({ status: 'inactive' });
    expect(expectJson(off)).toEqual({ credential: { access: c.access, user_id: u.id, status: 'inactive', description: '', create_time: c.create_time } });
    expectHuaweiError(await sysprepWith(c), 401, { error_code: 'APIGW.0301', error_msg: `Incorrect IAM authentication information: Get secretKey failed,ak:${c.access},err:ak is inactive` });

    expect(expectJson(await put({ status: 'active', description: 'renamed' }))).toEqual({
      credential: { access: c.access, user_id: u.id, status: 'active', description: 'renamed', create_time: c.create_time },
    });
    expect((await sysprepWith(c)).statusCode).toBe(200);
  });

  it('delete → 204; the key fails at once and is gone', async () => {
    const u = await newUser();
    const c = await createOk(u.token!, u.id);
    expect((await sysprepWith(c)).statusCode).toBe(200);
    const del = await t.app.inject({ method: 'DELETE', url: `${BASE}/${c.access}`, headers: { 'x-auth-token': u.token! } });
    expect(del.statusCode).toBe(204);
    requestIdOf(del);
    expect(del.body).toBe('');
    expectHuaweiError(await sysprepWith(c), 401, { error_code: 'APIGW.0301', error_msg: `Incorrect IAM authentication information: Get secretKey failed,ak:${c.access},err:ak not exist` });
    const gone = { error_code: 'WKS.00000404', error_msg: `The access key ${c.access} does not exist.` };
    expectHuaweiError(await t.app.inject({ method: 'GET', url: `${BASE}/${c.access}`, headers: { 'x-auth-token': u.token! } }), 404, gone);
    expectHuaweiError(await t.app.inject({ method: 'DELETE', url: `${BASE}/${c.access}`, headers: { 'x-auth-token': u.token! } }), 404, gone);
  });

  it('at most two keys per user, whatever their status', async () => {
    const u = await newUser();
    const first = await createOk(u.token!, u.id);
    await createOk(u.token!, u.id);
    await t.app.inject({ method: 'PUT', url: `${BASE}/${first.access}`, headers: json(u.token!), payload: { credential: { status: 'inactive' } } });
    expectHuaweiError(await create(u.token!, { user_id: u.id }), 400, {
      error_code: 'WKS.00000400',
      error_msg: `The user ${u.id} already has 2 access keys, the maximum; delete one first.`,
    });
    expect(await t.store.listAccessKeys(u.id)).toHaveLength(2);
    await t.app.inject({ method: 'DELETE', url: `${BASE}/${first.access}`, headers: { 'x-auth-token': u.token! } });
    await createOk(u.token!, u.id);
  });

  it('the credentials API itself accepts a signature (the key manages its own user’s keys)', async () => {
    const u = await newUser();
    const c = await createOk(u.token!, u.id);
    const headers = signHeaders({ ak: c.access, sk: c.secret, method: 'GET', url: BASE, headers: { Host: 'localhost' }, date: new Date(t.clock.now) });
    const res = await t.app.inject({ method: 'GET', url: BASE, headers });
    expect((expectJson(res) as { credentials: { access: string }[] }).credentials.map((k) => k.access)).toEqual([c.access]);
  });
});

describe('other users’ keys', () => {
  it('without iam:users:manage: 403 for another user, whether or not they exist', async () => {
    const u = await newUser();
    const other = await newUser();
    const key = await createOk(other.token!, other.id);
    expectHuaweiError(await create(u.token!, { user_id: other.id }), 403, DENIED);
    expectHuaweiError(await create(u.token!, { user_id: 'f'.repeat(32) }), 403, DENIED);
    expectHuaweiError(await t.app.inject({ method: 'GET', url: `${BASE}?user_id=${other.id}`, headers: { 'x-auth-token': u.token! } }), 403, DENIED);
    expectHuaweiError(await t.app.inject({ method: 'GET', url: `${BASE}/${key.access}`, headers: { 'x-auth-token': u.token! } }), 403, DENIED);
    expectHuaweiError(await t.app.inject({ method: 'PUT', url: `${BASE}/${key.access}`, headers: json(u.token!), payload: { credential: { status: 'inactive' } } }), 403, DENIED);
    // Authorization comes before body validation.
    expectHuaweiError(await t.app.inject({ method: 'PUT', url: `${BASE}/${key.access}`, headers: json(u.token!), payload: { credential: { status: 'off' } } }), 403, DENIED);
    expectHuaweiError(await t.app.inject({ method: 'DELETE', url: `${BASE}/${key.access}`, headers: { 'x-auth-token': u.token! } }), 403, DENIED);
    expect((await t.store.getAccessKey(key.access))!.status).toBe('active');
  });

  it('an admin manages the keys of users of the same account', async () => {
    const other = await newUser();
    const c = await createOk(adminToken, other.id, 'made by the admin');
    expect(c.user_id).toBe(other.id);
    const list = expectJson(await t.app.inject({ method: 'GET', url: `${BASE}?user_id=${other.id}`, headers: { 'x-auth-token': adminToken } })) as { credentials: { access: string }[] };
    expect(list.credentials.map((k) => k.access)).toEqual([c.access]);
    expect(expectJson(await t.app.inject({ method: 'PUT', url: `${BASE}/${c.access}`, headers: json(adminToken), payload: { credential: { status: 'inactive' } } }))).toMatchObject({
      credential: { status: 'inactive' },
    });
    expect((await t.app.inject({ method: 'DELETE', url: `${BASE}/${c.access}`, headers: { 'x-auth-token': adminToken } })).statusCode).toBe(204);
  });

  it('an admin signing with a key has the same rights (its roles over its projects)', async () => {
    const other = await newUser();
    const key = await createOk(adminToken, (await t.store.getUserByName(domainId, 'devadmin'))!.id);
    const headers = signHeaders({ ak: key.access, sk: key.secret, method: 'GET', url: `${BASE}?user_id=${other.id}`, headers: { Host: 'localhost' }, date: new Date(t.clock.now) });
    expect(expectJson(await t.app.inject({ method: 'GET', url: `${BASE}?user_id=${other.id}`, headers }))).toEqual({ credentials: [] });
    await t.app.inject({ method: 'DELETE', url: `${BASE}/${key.access}`, headers: { 'x-auth-token': adminToken } });
  });

  it('another account’s users and keys do not exist, even for an admin', async () => {
    const foreign = await t.store.ensureDomain('otheraccount');
    const stranger = await newUser(foreign.id);
    expectHuaweiError(await create(adminToken, { user_id: stranger.id }), 404, { error_code: 'WKS.00000404', error_msg: `The user ${stranger.id} does not exist.` });
    expectHuaweiError(await t.app.inject({ method: 'GET', url: `${BASE}?user_id=${stranger.id}`, headers: { 'x-auth-token': adminToken } }), 404, {
      error_code: 'WKS.00000404',
      error_msg: `The user ${stranger.id} does not exist.`,
    });
    const { issueAccessKey } = await import('../../src/auth/access-keys.js');
    const { key } = await issueAccessKey(t.store, t.services.secret, stranger.id, '', t.clock.now);
    const notFound = { error_code: 'WKS.00000404', error_msg: `The access key ${key.accessKey} does not exist.` };
    expectHuaweiError(await t.app.inject({ method: 'GET', url: `${BASE}/${key.accessKey}`, headers: { 'x-auth-token': adminToken } }), 404, notFound);
    expectHuaweiError(await t.app.inject({ method: 'DELETE', url: `${BASE}/${key.accessKey}`, headers: { 'x-auth-token': adminToken } }), 404, notFound);
    expect(await t.store.getAccessKey(key.accessKey)).not.toBeNull();
  });
});

describe('bad requests change nothing', () => {
  it('401 without credentials, in the Huawei shape (this is not under /v3/)', async () => {
    expectHuaweiError(await t.app.inject({ method: 'GET', url: BASE }), 401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: x-auth-token not found' });
  });

  it('create: body and field errors', async () => {
    const u = await newUser();
    const post = (payload: string, contentType = 'application/json') => t.app.inject({ method: 'POST', url: BASE, headers: { 'x-auth-token': u.token!, 'content-type': contentType }, payload });
    expectHuaweiError(await t.app.inject({ method: 'POST', url: BASE, headers: { 'x-auth-token': u.token! } }), 400, { error_code: 'WKS.0001', error_msg: 'The request body is missing or empty.' });
    expectHuaweiError(await post('{}'), 400, { error_code: 'WKS.0001', error_msg: 'The request body must contain credential.' });
    expectHuaweiError(await post('{"credential":'), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid body: it is not valid JSON.' });
    expectHuaweiError(await post('{"credential":{}}', 'text/plain'), 415, { error_code: 'WKS.00000415', error_msg: 'The request body must be application/json encoded in UTF-8.' });
    expectHuaweiError(await post('[]'), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field body: it must be a JSON object.' });
    expectHuaweiError(await post('{"credential":[]}'), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field credential: it must be a JSON object.' });
    expectHuaweiError(await post('{"credential":{},"extra":1}'), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field extra: unknown field.' });
    expectHuaweiError(await post('{"credential":{}}'), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field credential.user_id: it is required: the ID of the user who gets the key.' });
    expectHuaweiError(await post(`{"credential":{"user_id":"${u.id}","secret":"mine"}}`), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field credential.secret: unknown field.' });
    expectHuaweiError(await post(`{"credential":{"user_id":"${u.id}","description":"${'d'.repeat(256)}"}}`), 400, {
      error_code: 'WKS.00000400',
      error_msg: 'Invalid field credential.description: it must be a string of at most 255 characters.',
    });
    expect(await t.store.listAccessKeys(u.id)).toEqual([]);
  });

  it('update: body and field errors; unknown keys are 404 after validation', async () => {
    const u = await newUser();
    const c = await createOk(u.token!, u.id, 'keep');
    const put = (access: string, payload: unknown) => t.app.inject({ method: 'PUT', url: `${BASE}/${access}`, headers: json(u.token!), payload: payload as object });
    expectHuaweiError(await put(c.access, { credential: {} }), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field credential: it must contain status or description.' });
    expectHuaweiError(await put(c.access, { credential: { status: 'disabled' } }), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field credential.status: it must be "active" or "inactive".' });
    expectHuaweiError(await put(c.access, { credential: { description: 7 } }), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field credential.description: it must be a string of at most 255 characters.' });
    expectHuaweiError(await put(c.access, { credential: { status: 'inactive', user_id: 'x' } }), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field credential.user_id: unknown field.' });
    expectHuaweiError(await put('NOSUCHKEY00000000000', { credential: { status: 'inactive' } }), 404, { error_code: 'WKS.00000404', error_msg: 'The access key NOSUCHKEY00000000000 does not exist.' });
    expectHuaweiError(await t.app.inject({ method: 'GET', url: `${BASE}/${'A'.repeat(65)}`, headers: { 'x-auth-token': u.token! } }), 400, {
      error_code: 'WKS.00000400',
      error_msg: 'Invalid parameter access_key: must NOT have more than 64 characters.',
    });
    expect(await t.store.getAccessKey(c.access)).toMatchObject({ status: 'active', description: 'keep' });
  });
});

/** An app on the shared store whose logs (at `level`) are captured in `lines`. */
async function loggedApp(level: string) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = createLogger(level, sink);
  const services = createServices(t.config, t.store, t.services.secret, { clock: () => t.clock.now, logger: log, authenticators: (base) => authenticatorsFor(base, { log }) });
  return { app: await createApp(services, log), lines };
}

describe('the SK never reaches a log', () => {
  it('a mismatch on a signed X-Subject-Token: the debug line shows the header, not the token', async () => {
    const { app, lines } = await loggedApp('debug');
    try {
      const u = await newUser();
      const c = await createOk(u.token!, u.id);
      const url = '/v3/auth/tokens';
      const headers = signHeaders({ ak: c.access, sk: c.secret, method: 'GET', url, headers: { Host: 'localhost', 'X-Subject-Token': u.token! }, date: new Date(t.clock.now) });
      const signed = await app.inject({ method: 'GET', url, headers });
      expect(signed.statusCode, signed.body).toBe(200);
      expectKeystoneError(
        await app.inject({ method: 'GET', url: `${url}?tampered=1`, headers }),
        401,
        'Incorrect IAM authentication information: verify aksk signature fail, the signature does not match the request (check the SK, and that the method, path, query, signed headers and body are sent exactly as signed)',
      );
      const text = lines.join('');
      expect(text).toContain('AK/SK signature mismatch');
      expect(text).toContain('x-subject-token:[REDACTED]');
      expect(text).not.toContain(u.token!);
      expect(text).not.toContain(c.secret);
    } finally {
      await app.close();
    }
  });

  it('creating and using a key at trace level logs neither the SK nor the signature', async () => {
    const { app, lines } = await loggedApp('trace');
    try {
      const u = await newUser();
      const res = await app.inject({ method: 'POST', url: BASE, headers: json(u.token!), payload: { credential: { user_id: u.id } } });
      const c = (expectJson(res, 201) as { credential: Created }).credential;
      const headers = signHeaders({ ak: c.access, sk: c.secret, method: 'GET', url: SYSPREP, headers: { Host: 'localhost' }, date: new Date(t.clock.now) });
      expect((await app.inject({ method: 'GET', url: SYSPREP, headers })).statusCode).toBe(200);
      const signature = /Signature=([0-9a-f]{64})/.exec(headers.Authorization)![1];
      // A mismatch logs its canonical request at debug level (to help a client author), still without secrets.
      expect((await app.inject({ method: 'GET', url: SYSPREP + '?tampered=1', headers })).statusCode).toBe(401);
      const text = lines.join('');
      expect(text).toContain('AK/SK signature mismatch');
      expect(text).toContain('tampered=1');
      expect(text).not.toContain(c.secret);
      expect(text).not.toContain(signature);
    } finally {
      await app.close();
    }
  });
});
