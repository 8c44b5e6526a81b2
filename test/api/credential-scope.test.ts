// Whose access keys an admin may manage when roles are project-scoped (DESIGN §2.6, §3: "a
// credential for project A never reads project B"): another user's keys only when the caller
// is admin in every project where that user holds any role. The escalation this guards
// against: an admin of project A creating a key for a user who is admin of project B only,
// and then acting as admin in B with it. Checked for token and AK/SK callers on all five
// operations of /v3.0/OS-CREDENTIAL/credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessKey } from '../../src/auth/access-keys.js';
import { hashPassword } from '../../src/auth/passwords.js';
import type { Role } from '../../src/domain/types.js';
import { DEV } from '../../src/server/dev-seed.js';
import { buildTestApp, devToken, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import { expectHuaweiError, expectJson, expectKeystoneError } from '../helpers/api-assert.js';
import { signHeaders } from '../helpers/sign.js';

const BASE = '/v3.0/OS-CREDENTIAL/credentials';
const PROJECT_A = DEV_PROJECT;
const PROJECT_B = 'b1b2b3b4b5b6b7b8b9babbbcbdbebfc0';
const DENIED = { error_code: 'APIGW.0302', error_msg: "Policy doesn't allow iam:users:manage to be performed." };
const PASSWORD = 'firstpassword1';

let t: TestApp;
let domainId: string;

let seq = 0;
/** A user with the given roles (project → role), a token scoped to `scope` when given. */
async function newUser(roles: [string, Role][], scope?: string): Promise<{ id: string; token: string | null }> {
  seq++;
  const id = `5c0be${String(seq).padStart(27, '0')}`;
  await t.store.createUser({ id, domainId, name: `scopeuser${seq}`, passwordHash: await hashPassword(PASSWORD) });
  for (const [project, role] of roles) await t.store.grantRole(id, project, role, t.clock.now - 5000);
  if (!scope) return { id, token: null };
  const res = await t.app.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    headers: { 'content-type': 'application/json' },
    payload: { auth: { identity: { methods: ['password'], password: { user: { id, password: PASSWORD } } }, scope: { project: { id: scope } } } },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { id, token: res.headers['x-subject-token'] as string };
}

/** A caller: a token, or an access key whose requests are signed (on these project-less paths). */
type Caller = { token: string } | { ak: string; sk: string };

function call(caller: Caller, method: string, url: string, payload?: object) {
  const base: Record<string, string> = payload ? { 'content-type': 'application/json' } : {};
  if ('token' in caller) return t.app.inject({ method: method as 'GET', url, headers: { ...base, 'x-auth-token': caller.token }, payload });
  const headers = signHeaders({ ak: caller.ak, sk: caller.sk, method, url, headers: { Host: 'localhost', ...base }, body: payload, date: new Date(t.clock.now) });
  return t.app.inject({ method: method as 'GET', url, headers, payload: payload ? JSON.stringify(payload) : undefined });
}

/** A key of the user's own, as the CLI would make it. */
async function keyOf(userId: string): Promise<{ ak: string; sk: string }> {
  const { key, secretKey } = await issueAccessKey(t.store, t.services.secret, userId, 'own key', t.clock.now);
  return { ak: key.accessKey, sk: secretKey };
}

/** All five operations on `target`'s keys answer 403 for `caller`, and nothing changes. */
async function expectAllDenied(caller: Caller, targetId: string) {
  const existing = await keyOf(targetId);
  const before = await t.store.listAccessKeys(targetId);
  expectHuaweiError(await call(caller, 'POST', BASE, { credential: { user_id: targetId } }), 403, DENIED);
  expectHuaweiError(await call(caller, 'GET', `${BASE}?user_id=${targetId}`), 403, DENIED);
  expectHuaweiError(await call(caller, 'GET', `${BASE}/${existing.ak}`), 403, DENIED);
  expectHuaweiError(await call(caller, 'PUT', `${BASE}/${existing.ak}`, { credential: { status: 'inactive' } }), 403, DENIED);
  expectHuaweiError(await call(caller, 'DELETE', `${BASE}/${existing.ak}`), 403, DENIED);
  expect(await t.store.listAccessKeys(targetId)).toEqual(before);
  await t.store.deleteAccessKey(existing.ak);
}

/** All five operations on `target`'s keys succeed for `caller`. */
async function expectAllAllowed(caller: Caller, targetId: string) {
  const created = expectJson(await call(caller, 'POST', BASE, { credential: { user_id: targetId } }), 201) as { credential: { access: string; user_id: string } };
  expect(created.credential.user_id).toBe(targetId);
  const ak = created.credential.access;
  const listed = expectJson(await call(caller, 'GET', `${BASE}?user_id=${targetId}`)) as { credentials: { access: string }[] };
  expect(listed.credentials.map((k) => k.access)).toEqual([ak]);
  expect(expectJson(await call(caller, 'GET', `${BASE}/${ak}`))).toMatchObject({ credential: { access: ak, user_id: targetId } });
  expect(expectJson(await call(caller, 'PUT', `${BASE}/${ak}`, { credential: { status: 'inactive' } }))).toMatchObject({ credential: { access: ak, status: 'inactive' } });
  expect((await call(caller, 'DELETE', `${BASE}/${ak}`)).statusCode).toBe(204);
  expect(await t.store.listAccessKeys(targetId)).toEqual([]);
}

let adminA: { token: string; key: { ak: string; sk: string }; id: string };
let adminB: { id: string; token: string };

beforeAll(async () => {
  t = await buildTestApp({ fleet: false });
  domainId = (await t.store.getDomainByName(DEV.domain))!.id;
  await t.store.createProject({ id: PROJECT_B, name: 'cn-south-1', domainId });
  // devadmin: admin of project A only; its dev key signs as devadmin.
  const devadmin = (await t.store.getUserByName(domainId, 'devadmin'))!;
  adminA = { id: devadmin.id, token: await devToken(t, 'devadmin'), key: { ak: DEV.users[0].ak, sk: DEV.users[0].sk } };
  const b = await newUser([[PROJECT_B, 'admin']], PROJECT_B);
  adminB = { id: b.id, token: b.token! };
});

afterAll(async () => {
  await t?.close();
});

describe('an admin of project A only, on a user who is admin of project B only', () => {
  it('with a token of A: 403 on create, list, show, update and delete', async () => {
    await expectAllDenied({ token: adminA.token }, adminB.id);
  });

  it('signing with its access key: 403 on all five as well', async () => {
    await expectAllDenied(adminA.key, adminB.id);
  });

  it('B’s admin still manages its own keys', async () => {
    await expectAllAllowed({ token: adminB.token }, adminB.id);
  });
});

describe('a target with roles in several projects', () => {
  it('admin in A and viewer in B: 403 for the admin of A (a role anywhere in B is enough)', async () => {
    const target = await newUser([
      [PROJECT_A, 'viewer'],
      [PROJECT_B, 'agent'],
    ]);
    await expectAllDenied({ token: adminA.token }, target.id);
    await expectAllDenied(adminA.key, target.id);
  });

  it('an admin of both A and B manages them, with a token of either project or a key', async () => {
    const target = await newUser([
      [PROJECT_A, 'viewer'],
      [PROJECT_B, 'admin'],
    ]);
    const both = await newUser(
      [
        [PROJECT_A, 'admin'],
        [PROJECT_B, 'admin'],
      ],
      PROJECT_A,
    );
    await expectAllAllowed({ token: both.token! }, target.id);
    await expectAllAllowed(await keyOf(both.id), target.id);
  });

  it('a user with roles in A only is managed by the admin of A (token and key)', async () => {
    const target = await newUser([[PROJECT_A, 'agent']]);
    await expectAllAllowed({ token: adminA.token }, target.id);
    await expectAllAllowed(adminA.key, target.id);
  });

  it('a user with no role anywhere is managed by any admin of the account', async () => {
    const target = await newUser([]);
    await expectAllAllowed({ token: adminA.token }, target.id);
    await expectAllAllowed(adminA.key, target.id);
    await expectAllAllowed({ token: adminB.token }, target.id);
  });
});

describe('a key’s account-wide roles never widen what a user may do', () => {
  it('viewer in A and admin in B, signing: not an admin over A’s users, an admin over B’s', async () => {
    const mixed = await newUser([
      [PROJECT_A, 'viewer'],
      [PROJECT_B, 'admin'],
    ]);
    const key = await keyOf(mixed.id);
    await expectAllDenied(key, (await newUser([[PROJECT_A, 'viewer']])).id);
    await expectAllDenied(key, adminA.id);
    await expectAllAllowed(key, (await newUser([[PROJECT_B, 'viewer']])).id);
  });

  it('the same user with a token of A (where it is a viewer) manages nobody else’s keys', async () => {
    const mixed = await newUser(
      [
        [PROJECT_A, 'viewer'],
        [PROJECT_B, 'admin'],
      ],
      PROJECT_A,
    );
    await expectAllDenied({ token: mixed.token! }, (await newUser([[PROJECT_B, 'viewer']])).id);
    await expectAllDenied({ token: mixed.token! }, (await newUser([])).id);
  });

  it('an admin of A signing cannot validate a token of B’s admin (GET /v3/auth/tokens)', async () => {
    const headers = signHeaders({ ak: adminA.key.ak, sk: adminA.key.sk, method: 'GET', url: '/v3/auth/tokens', headers: { Host: 'localhost', 'X-Subject-Token': adminB.token }, date: new Date(t.clock.now) });
    expectKeystoneError(await t.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers }), 403, 'You are not authorized to perform the requested action.');
  });
});
