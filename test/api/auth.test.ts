// Authentication and authorization (DESIGN §2.5, §2.6; issues 3 and 4): 401 APIGW.0301 /
// APIGW.0307, 403 APIGW.0302, invalidation within 1 s, and a protection matrix over the roles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessKey } from '../../src/auth/access-keys.js';
import { hashPassword } from '../../src/auth/passwords.js';
import type { Role } from '../../src/domain/types.js';
import { DEV } from '../../src/server/dev-seed.js';
import { buildTestApp, devToken, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import {
  expectHeadAnswer,
  expectHuaweiError,
  expectHuaweiErrorMatching,
  expectKeystoneError,
  rawHead,
  rawRequest,
  requestIdOf,
} from '../helpers/api-assert.js';
import { signHeaders } from '../helpers/sign.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613';
const SYSPREP = `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep`;
const NOT_FOUND_MSG = 'Incorrect IAM authentication information: x-auth-token not found';
const GARBLED_MSG = 'Incorrect IAM authentication information: decrypt token fail';
const MUST_UPDATE = { error_code: 'APIGW.0307', error_msg: 'The token must be updated.' };
const OTHER_PROJECT = { id: 'b0b1b2b3b4b5b6b7b8b9babbbcbdbebf', name: 'cn-south-1' };

let t: TestApp;
let admin: string;
let agent: string;
let viewer: string;
let domainId: string;
let port: number;

async function tokenFor(user: string, password: string, projectId = DEV_PROJECT): Promise<{ status: number; token?: string; body: string }> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    headers: { 'content-type': 'application/json' },
    payload: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: DEV.domain } } } },
        scope: { project: { id: projectId } },
      },
    },
  });
  return { status: res.statusCode, token: res.headers['x-subject-token'] as string | undefined, body: res.body };
}

/** A user of its own (so changing it cannot disturb other tests), with `role` in `project`. */
let userSeq = 0;
async function newUser(role: Role, project = DEV_PROJECT): Promise<{ id: string; name: string; token: string }> {
  userSeq++;
  const name = `authuser${userSeq}`;
  const id = `c0ffee${String(userSeq).padStart(26, '0')}`;
  await t.store.createUser({ id, domainId, name, passwordHash: await hashPassword('firstpassword1') });
  await t.store.grantRole(id, project, role, t.clock.now - 5000);
  const r = await tokenFor(name, 'firstpassword1', project);
  expect(r.status, r.body).toBe(201);
  return { id, name, token: r.token as string };
}

const sysprep = (token: string | null) => t.app.inject({ method: 'GET', url: SYSPREP, headers: token === null ? {} : { 'x-auth-token': token } });

beforeAll(async () => {
  t = await buildTestApp();
  admin = await devToken(t, 'devadmin');
  agent = await devToken(t, 'devagent');
  viewer = await devToken(t, 'devviewer');
  domainId = (await t.store.getDomainByName(DEV.domain))!.id;
  await t.store.createProject({ id: OTHER_PROJECT.id, name: OTHER_PROJECT.name, domainId });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await t?.close();
});

describe('401 APIGW.0301', () => {
  it('no credentials', async () => {
    expectHuaweiError(await sysprep(null), 401, { error_code: 'APIGW.0301', error_msg: NOT_FOUND_MSG });
  });

  it('an empty X-Auth-Token counts as absent', async () => {
    expectHuaweiError(await sysprep(''), 401, { error_code: 'APIGW.0301', error_msg: NOT_FOUND_MSG });
  });

  it('an empty X-Auth-Token over a real socket counts as absent', async () => {
    const res = await rawRequest(port, rawHead(`GET ${SYSPREP} HTTP/1.1`, [['X-Auth-Token', '']]));
    expectHuaweiError(res, 401, { error_code: 'APIGW.0301', error_msg: NOT_FOUND_MSG });
  });

  it('a garbled token, with the reason in error_msg', async () => {
    for (const bad of ['garbage', 'x'.repeat(300), admin.slice(0, -4) + (admin.endsWith('AAAA') ? 'BBBB' : 'AAAA'), admin + 'x']) {
      expectHuaweiError(await sysprep(bad), 401, { error_code: 'APIGW.0301', error_msg: GARBLED_MSG });
    }
  });

  it('a token spelled any other way than as issued (same bytes under a lenient decoder) is garbled', async () => {
    const mid = admin.length >> 1;
    const variants = [admin.slice(0, mid) + '!!!' + admin.slice(mid), admin.slice(0, mid) + '.' + admin.slice(mid), admin.slice(0, mid) + ' ' + admin.slice(mid), admin + '=='];
    // The standard alphabet (every variant is covered deterministically in test/unit/token-provider.test.ts).
    const standard = admin.replace(/-/g, '+').replace(/_/g, '/');
    if (standard !== admin) variants.push(standard);
    for (const bad of variants) {
      expect(bad).not.toBe(admin);
      expectHuaweiError(await sysprep(bad), 401, { error_code: 'APIGW.0301', error_msg: GARBLED_MSG });
    }
    expect((await sysprep(admin)).statusCode).toBe(200);
  });

  it('an unsupported Authorization scheme', async () => {
    const res = await t.app.inject({ method: 'GET', url: SYSPREP, headers: { authorization: 'Basic ZGV2YWRtaW46ZGV2cGFzc3dvcmQ=' } });
    expectHuaweiErrorMatching(res, 401, 'APIGW.0301', /^Incorrect IAM authentication information: /);
  });

  it('an expired token: "token expires, expires_at: " and a microsecond UTC timestamp', async () => {
    // Its own app: moving this clock a day ahead and back would confuse the shared app's
    // invalidation cache (see the report: it never refreshes while the clock is behind).
    const e = await buildTestApp({ fleet: true });
    try {
      const tok = await devToken(e, 'devviewer');
      const get = () => e.app.inject({ method: 'GET', url: SYSPREP, headers: { 'x-auth-token': tok } });
      const issued = await e.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': tok, 'x-subject-token': tok } });
      const expiresAt = (JSON.parse(issued.body) as { token: { expires_at: string } }).token.expires_at;
      expect(expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      e.clock.now = Date.parse(expiresAt) - 1;
      expect((await get()).statusCode).toBe(200);
      e.clock.now = Date.parse(expiresAt);
      expectHuaweiError(await get(), 401, {
        error_code: 'APIGW.0301',
        error_msg: `Incorrect IAM authentication information: token expires, expires_at: ${expiresAt}`,
      });
      e.clock.now += 3_600_000;
      const body = expectHuaweiErrorMatching(await get(), 401, 'APIGW.0301', /token expires, expires_at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(body.error_msg).toContain(`token expires, expires_at: ${expiresAt}`);
      // Under /v3/ the same failure uses the Keystone body.
      expectKeystoneError(await e.app.inject({ method: 'GET', url: '/v3/projects', headers: { 'x-auth-token': tok } }), 401, `Incorrect IAM authentication information: token expires, expires_at: ${expiresAt}`);
    } finally {
      await e.close();
    }
  });

  describe('repeated authentication headers (read from rawHeaders)', () => {
    it('two X-Auth-Token headers, both valid → 401', async () => {
      const res = await rawRequest(port, rawHead(`GET ${SYSPREP} HTTP/1.1`, [['X-Auth-Token', admin], ['X-Auth-Token', admin]]));
      expectHuaweiError(res, 401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: repeated x-auth-token header' });
    });

    it('two X-Auth-Token headers with different case in the name → 401', async () => {
      const res = await rawRequest(port, rawHead(`GET ${SYSPREP} HTTP/1.1`, [['X-Auth-Token', admin], ['x-auth-token', viewer]]));
      expectHuaweiError(res, 401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: repeated x-auth-token header' });
    });

    it('two Authorization headers → 401', async () => {
      const res = await rawRequest(port, rawHead(`GET ${SYSPREP} HTTP/1.1`, [['X-Auth-Token', admin], ['Authorization', 'a'], ['Authorization', 'b']]));
      expectHuaweiError(res, 401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: repeated authorization header' });
    });

    it('two X-Sdk-Date headers → 401', async () => {
      const res = await rawRequest(port, rawHead(`GET ${SYSPREP} HTTP/1.1`, [['X-Auth-Token', admin], ['X-Sdk-Date', '20260101T000000Z'], ['X-Sdk-Date', '20260101T000000Z']]));
      expectHuaweiError(res, 401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: repeated x-sdk-date header' });
    });

    it('one X-Auth-Token over the same socket path → 200 (control)', async () => {
      const res = await rawRequest(port, rawHead(`GET ${SYSPREP} HTTP/1.1`, [['X-Auth-Token', admin]]));
      expect(res.statusCode).toBe(200);
      requestIdOf(res);
      expect(JSON.parse(res.body)).toEqual({ sysprep_version: '10.0.22621.2506', support_create_image: true });
    });
  });
});

describe('401 APIGW.0307: revoked or invalidated tokens', () => {
  it('revoked via DELETE /v3/auth/tokens', async () => {
    const u = await newUser('viewer');
    expect((await sysprep(u.token)).statusCode).toBe(200);
    const del = await t.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-auth-token': u.token, 'x-subject-token': u.token } });
    expect(del.statusCode).toBe(204);
    expectHuaweiError(await sysprep(u.token), 401, MUST_UPDATE);
    // Under /v3/ the same failure uses the Keystone body.
    const own = await t.app.inject({ method: 'GET', url: '/v3/projects', headers: { 'x-auth-token': u.token } });
    expectKeystoneError(own, 401, 'The token must be updated.');
  });

  it('revoked by a project admin: the user’s other tokens stay valid', async () => {
    const u = await newUser('viewer');
    const second = (await tokenFor(u.name, 'firstpassword1')).token as string;
    const del = await t.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': u.token } });
    expect(del.statusCode).toBe(204);
    expectHuaweiError(await sysprep(u.token), 401, MUST_UPDATE);
    expect((await sysprep(second)).statusCode).toBe(200);
  });

  it('a password change invalidates older tokens within 1 s', async () => {
    const u = await newUser('viewer');
    expect((await sysprep(u.token)).statusCode).toBe(200);
    t.clock.now += 1;
    await t.store.setPassword(u.id, await hashPassword('secondpassword2'), t.clock.now);
    t.clock.now += 1001;
    expectHuaweiError(await sysprep(u.token), 401, MUST_UPDATE);
    // The old password no longer works; the new one gives a working token.
    expectKeystoneError(await t.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: { auth: { identity: { methods: ['password'], password: { user: { name: u.name, password: 'firstpassword1', domain: { name: DEV.domain } } } }, scope: { project: { id: DEV_PROJECT } } } },
    }), 401, 'The username or password is wrong.');
    const fresh = await tokenFor(u.name, 'secondpassword2');
    expect(fresh.status).toBe(201);
    expect((await sysprep(fresh.token as string)).statusCode).toBe(200);
  });

  it('disabling the user invalidates their tokens within 1 s', async () => {
    const u = await newUser('viewer');
    expect((await sysprep(u.token)).statusCode).toBe(200);
    t.clock.now += 1;
    await t.store.setUserEnabled(u.id, false, t.clock.now);
    t.clock.now += 1001;
    expectHuaweiError(await sysprep(u.token), 401, MUST_UPDATE);
    const again = await tokenFor(u.name, 'firstpassword1');
    expect(again.status).toBe(401);
  });

  it('revoking a role invalidates the user’s tokens within 1 s', async () => {
    const u = await newUser('viewer');
    expect((await sysprep(u.token)).statusCode).toBe(200);
    t.clock.now += 1;
    await t.store.revokeRole(u.id, DEV_PROJECT, 'viewer', t.clock.now);
    t.clock.now += 1001;
    expectHuaweiError(await sysprep(u.token), 401, MUST_UPDATE);
  });

  it('granting a role invalidates the user’s tokens too (tokens carry roles)', async () => {
    const u = await newUser('viewer');
    t.clock.now += 1;
    await t.store.grantRole(u.id, DEV_PROJECT, 'agent', t.clock.now);
    t.clock.now += 1001;
    expectHuaweiError(await sysprep(u.token), 401, MUST_UPDATE);
    const fresh = (await tokenFor(u.name, 'firstpassword1')).token as string;
    expect((await sysprep(fresh)).statusCode).toBe(200);
  });

  it('a new token does not invalidate an older one', async () => {
    const u = await newUser('viewer');
    const second = await tokenFor(u.name, 'firstpassword1');
    const third = await tokenFor(u.name, 'firstpassword1');
    t.clock.now += 1001;
    for (const tok of [u.token, second.token as string, third.token as string]) expect((await sysprep(tok)).statusCode).toBe(200);
  });

  it('HEAD with a revoked token → 401, no body', async () => {
    const u = await newUser('viewer');
    await t.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-auth-token': u.token, 'x-subject-token': u.token } });
    expectHeadAnswer(await t.app.inject({ method: 'HEAD', url: SYSPREP, headers: { 'x-auth-token': u.token } }), 401);
  });
});

describe('403 APIGW.0302', () => {
  it('a token of project A on project B’s path', async () => {
    const b = await newUser('admin', OTHER_PROJECT.id);
    const res = await t.app.inject({ method: 'GET', url: SYSPREP, headers: { 'x-auth-token': b.token } });
    expectHuaweiError(res, 403, {
      error_code: 'APIGW.0302',
      error_msg: `Policy doesn't allow workspace:desktops:getSysprepVersion to be performed on project ${DEV_PROJECT}.`,
    });
    const list = await t.app.inject({ method: 'GET', url: `/v2/${OTHER_PROJECT.id}/desktops`, headers: { 'x-auth-token': admin } });
    expectHuaweiError(list, 403, {
      error_code: 'APIGW.0302',
      error_msg: `Policy doesn't allow workspace:desktops:list to be performed on project ${OTHER_PROJECT.id}.`,
    });
    // B's own project is fine (and empty).
    const own = await t.app.inject({ method: 'GET', url: `/v2/${OTHER_PROJECT.id}/desktops`, headers: { 'x-auth-token': b.token } });
    expect(own.statusCode).toBe(200);
    expect(JSON.parse(own.body)).toEqual({ desktops: [], total_count: 0 });
  });

  it('a viewer cannot PUT a report', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: SYSPREP,
      headers: { 'x-auth-token': viewer, 'content-type': 'application/json' },
      payload: { collected_at: new Date(t.clock.now).toISOString(), sysprep_version: '10.0.1.1' },
    });
    expectHuaweiError(res, 403, { error_code: 'APIGW.0302', error_msg: "Policy doesn't allow workspace:desktops:reportSysprep to be performed." });
  });

  it('an agent cannot GET the sysprep version or list desktops', async () => {
    expectHuaweiError(await sysprep(agent), 403, { error_code: 'APIGW.0302', error_msg: "Policy doesn't allow workspace:desktops:getSysprepVersion to be performed." });
    const res = await t.app.inject({ method: 'GET', url: `/v2/${DEV_PROJECT}/desktops`, headers: { 'x-auth-token': agent } });
    expectHuaweiError(res, 403, { error_code: 'APIGW.0302', error_msg: "Policy doesn't allow workspace:desktops:list to be performed." });
  });

  it('authorization comes before body validation: a viewer with a broken body still gets 403', async () => {
    const res = await t.app.inject({ method: 'PUT', url: SYSPREP, headers: { 'x-auth-token': viewer, 'content-type': 'text/plain' }, payload: 'nope' });
    expectHuaweiError(res, 403, { error_code: 'APIGW.0302', error_msg: "Policy doesn't allow workspace:desktops:reportSysprep to be performed." });
  });
});

// ---------------------------------------------------------------------------------------------
// Protection matrix over DESIGN §2.6's roles table: every route × (none, admin, viewer, agent).

type Persona = 'none' | 'admin' | 'viewer' | 'agent';
interface Route {
  name: string;
  action: string | null;
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  url: () => string;
  body?: () => unknown;
  headers?: (token: string) => Record<string, string>;
  /** Status when allowed. */
  ok: number;
  allowed: Persona[];
  keystone?: boolean;
}

let regSeq = 0;
const ROUTES: Route[] = [
  { name: 'GET sysprep', action: 'workspace:desktops:getSysprepVersion', method: 'GET', url: () => SYSPREP, ok: 200, allowed: ['admin', 'viewer'] },
  { name: 'HEAD sysprep', action: 'workspace:desktops:getSysprepVersion', method: 'HEAD', url: () => SYSPREP, ok: 200, allowed: ['admin', 'viewer'] },
  {
    name: 'POST batch sysprep (DESIGN §2.2)',
    action: 'workspace:desktops:getSysPrepInfo',
    method: 'POST',
    url: () => `/v2/${DEV_PROJECT}/sysprep`,
    body: () => ({ desktop_ids: [FIRST] }),
    ok: 200,
    allowed: ['admin', 'viewer'],
  },
  {
    name: 'GET sysprep readiness',
    action: 'workspace:desktops:get',
    method: 'GET',
    url: () => `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep/readiness`,
    ok: 200,
    allowed: ['admin', 'viewer'],
  },
  { name: 'HEAD sysprep readiness', action: 'workspace:desktops:get', method: 'HEAD', url: () => `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep/readiness`, ok: 200, allowed: ['admin', 'viewer'] },
  { name: 'GET sysprep summary', action: 'workspace:desktops:list', method: 'GET', url: () => `/v2/${DEV_PROJECT}/sysprep/summary`, ok: 200, allowed: ['admin', 'viewer'] },
  { name: 'GET desktops (list)', action: 'workspace:desktops:list', method: 'GET', url: () => `/v2/${DEV_PROJECT}/desktops`, ok: 200, allowed: ['admin', 'viewer'] },
  { name: 'GET desktop (show)', action: 'workspace:desktops:get', method: 'GET', url: () => `/v2/${DEV_PROJECT}/desktops/${FIRST}`, ok: 200, allowed: ['admin', 'viewer'] },
  {
    name: 'PUT sysprep (report)',
    action: 'workspace:desktops:reportSysprep',
    method: 'PUT',
    url: () => SYSPREP,
    body: () => ({ collected_at: new Date(t.clock.now - 60_000).toISOString(), sysprep_version: '10.0.22621.2506' }),
    ok: 200,
    allowed: ['admin', 'agent'],
  },
  {
    name: 'POST admin register',
    action: 'workspace:desktops:manage',
    method: 'POST',
    url: () => `/admin/v1/projects/${DEV_PROJECT}/desktops`,
    body: () => ({
      desktops: [{ desktop_id: `matrix-${++regSeq}`, computer_name: 'MATRIX', os_type: 'Windows', os_version: '10.0.19045.1', status: 'ACTIVE' }],
    }),
    ok: 200,
    allowed: ['admin'],
  },
  {
    name: 'DELETE admin desktop',
    action: 'workspace:desktops:manage',
    method: 'DELETE',
    url: () => `/admin/v1/projects/${DEV_PROJECT}/desktops/matrix-delete-me`,
    ok: 204,
    allowed: ['admin'],
  },
  { name: 'GET /v3/projects', action: null, method: 'GET', url: () => '/v3/projects', ok: 200, allowed: ['admin', 'viewer', 'agent'], keystone: true },
  {
    name: 'GET /v3/auth/tokens (own token)',
    action: null,
    method: 'GET',
    url: () => '/v3/auth/tokens',
    headers: (tok) => ({ 'x-subject-token': tok }),
    ok: 200,
    allowed: ['admin', 'viewer', 'agent'],
    keystone: true,
  },
];

describe('protection matrix (DESIGN §2.6)', () => {
  const tokenOf = (p: Persona) => (p === 'admin' ? admin : p === 'viewer' ? viewer : agent);

  for (const route of ROUTES) {
    for (const persona of ['none', 'admin', 'viewer', 'agent'] as Persona[]) {
      const allowed = route.allowed.includes(persona);
      const expected = persona === 'none' ? 401 : allowed ? route.ok : 403;
      it(`${route.name} as ${persona} → ${expected}`, async () => {
        if (route.method === 'DELETE' && allowed) {
          await t.store.upsertDesktops(DEV_PROJECT, [{ desktopId: 'matrix-delete-me', computerName: 'X', osType: 'Windows', osVersion: '10.0.1.1', status: 'ACTIVE', enterpriseProjectId: '0', tags: [] }], t.clock.now);
        }
        const token = persona === 'none' ? null : tokenOf(persona);
        const headers: Record<string, string> = { ...(token ? { 'x-auth-token': token, ...(route.headers?.(token) ?? {}) } : {}) };
        const body = route.body?.();
        if (body !== undefined) headers['content-type'] = 'application/json';
        const res = await t.app.inject({ method: route.method, url: route.url(), headers, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
        if (route.method === 'HEAD') return expectHeadAnswer(res, expected);
        if (expected === 401) {
          if (route.keystone) expectKeystoneError(res, 401, NOT_FOUND_MSG);
          else expectHuaweiError(res, 401, { error_code: 'APIGW.0301', error_msg: NOT_FOUND_MSG });
        } else if (expected === 403) {
          expectHuaweiError(res, 403, { error_code: 'APIGW.0302', error_msg: `Policy doesn't allow ${route.action} to be performed.` });
        } else {
          expect(res.statusCode, res.body).toBe(expected);
          requestIdOf(res);
        }
      });
    }
  }
});

// The same matrix signed with each persona's access key (AK/SK, DESIGN §2.4): the same actions,
// the same answers and the same 403s as tokens.
describe('protection matrix by AK/SK signature (DESIGN §2.6)', () => {
  const keys = new Map<Persona, { ak: string; sk: string }>();

  beforeAll(async () => {
    keys.set('admin', { ak: DEV.users[0].ak!, sk: DEV.users[0].sk! });
    keys.set('agent', { ak: DEV.users[1].ak!, sk: DEV.users[1].sk! });
    const devviewer = (await t.store.getUserByName(domainId, 'devviewer'))!;
    const { key, secretKey } = await issueAccessKey(t.store, t.services.secret, devviewer.id, 'matrix', t.clock.now);
    keys.set('viewer', { ak: key.accessKey, sk: secretKey });
  });

  const tokenOf = (p: Persona) => (p === 'admin' ? admin : p === 'viewer' ? viewer : agent);

  for (const route of ROUTES) {
    for (const persona of ['admin', 'viewer', 'agent'] as Persona[]) {
      const allowed = route.allowed.includes(persona);
      const expected = allowed ? route.ok : 403;
      it(`${route.name} signed as ${persona} → ${expected}`, async () => {
        if (route.method === 'DELETE' && allowed) {
          await t.store.upsertDesktops(DEV_PROJECT, [{ desktopId: 'matrix-delete-me', computerName: 'X', osType: 'Windows', osVersion: '10.0.1.1', status: 'ACTIVE', enterpriseProjectId: '0', tags: [] }], t.clock.now);
        }
        const url = route.url();
        const body = route.body?.();
        const headers: Record<string, string> = { Host: 'localhost', ...(route.headers?.(tokenOf(persona)) ?? {}) };
        if (url.includes(DEV_PROJECT)) headers['X-Project-Id'] = DEV_PROJECT;
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        const key = keys.get(persona)!;
        const signed = signHeaders({ ak: key.ak, sk: key.sk, method: route.method, url, headers, body: body as object | undefined, date: new Date(t.clock.now) });
        const res = await t.app.inject({ method: route.method, url, headers: signed, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
        if (route.method === 'HEAD') return expectHeadAnswer(res, expected);
        if (expected === 403) {
          expectHuaweiError(res, 403, { error_code: 'APIGW.0302', error_msg: `Policy doesn't allow ${route.action} to be performed.` });
        } else {
          expect(res.statusCode, res.body).toBe(expected);
          requestIdOf(res);
        }
      });
    }
  }
});
