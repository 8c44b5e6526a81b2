// The Keystone v3 identity API as Huawei IAM answers it (DESIGN §2.3; issue 3): tokens by
// project id or name, the token body, validation, revocation, project discovery, and the
// Keystone error family under /v3/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dummyVerifications, hashPassword } from '../../src/auth/passwords.js';
import { DEV } from '../../src/server/dev-seed.js';
import { buildTestApp, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import { expectHuaweiError, expectJson, expectKeystoneError, requestIdOf } from '../helpers/api-assert.js';

const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const SYSPREP = `/v2/${DEV_PROJECT}/desktops/24cf2487-67bb-43a1-a563-9f947e859613/sysprep`;
const WRONG = 'The username or password is wrong.';

let t: TestApp;
let domainId: string;

interface TokenBody {
  token: {
    expires_at: string;
    issued_at: string;
    methods: string[];
    catalog: { type: string; id: string; name: string; endpoints: { id: string; interface: string; region: string; region_id: string; url: string }[] }[];
    roles: { id: string; name: string }[];
    project: { domain: { id: string; name: string }; id: string; name: string };
    user: { domain: { id: string; name: string }; id: string; name: string; password_expires_at: string };
  };
}

type Scope = { id: string } | { name: string; domain?: { name: string } };
function authBody(user: string, password: string = DEV.password, scope: Scope = { id: DEV_PROJECT }, userDomain: object | null = { name: DEV.domain }) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, password, ...(userDomain ? { domain: userDomain } : {}) } } },
      scope: { project: scope },
    },
  };
}

function postToken(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  return t.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers, payload: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function issue(user = 'devadmin'): Promise<{ token: string; body: TokenBody }> {
  const res = await postToken(authBody(user));
  expect(res.statusCode, res.body).toBe(201);
  return { token: res.headers['x-subject-token'] as string, body: JSON.parse(res.body) as TokenBody };
}

beforeAll(async () => {
  t = await buildTestApp();
  domainId = (await t.store.getDomainByName(DEV.domain))!.id;
});

afterAll(async () => {
  await t?.close();
});

describe('POST /v3/auth/tokens', () => {
  it('scoped by project id: 201, the token only in X-Subject-Token, Huawei’s token body', async () => {
    const res = await postToken(authBody('devadmin'));
    expect(res.statusCode).toBe(201);
    requestIdOf(res);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const token = res.headers['x-subject-token'] as string;
    expect(typeof token).toBe('string');
    expect(token.length).toBeGreaterThan(60);
    expect(res.body).not.toContain(token);

    const body = JSON.parse(res.body) as TokenBody;
    expect(Object.keys(body)).toEqual(['token']);
    expect(Object.keys(body.token).sort()).toEqual(['catalog', 'expires_at', 'issued_at', 'methods', 'project', 'roles', 'user']);
    expect(body.token.issued_at).toMatch(MICRO);
    expect(body.token.expires_at).toMatch(MICRO);
    expect(Date.parse(body.token.expires_at) - Date.parse(body.token.issued_at)).toBe(24 * 3_600_000);
    expect(body.token.issued_at).toBe(new Date(t.clock.now).toISOString().replace('Z', '000Z'));
    expect(body.token.methods).toEqual(['password']);
    const user = await t.store.getUserByName(domainId, 'devadmin');
    const domain = { id: domainId, name: DEV.domain };
    expect(body.token.user).toEqual({ domain, id: user!.id, name: 'devadmin', password_expires_at: '' });
    expect(body.token.project).toEqual({ domain, id: DEV_PROJECT, name: DEV.project.name });
    expect(body.token.roles).toEqual([{ id: 'a0000000000000000000000000000001', name: 'workspace_admin' }]);
    expect(Array.isArray(body.token.catalog)).toBe(true);
    const workspace = body.token.catalog.find((c) => c.type === 'workspace');
    expect(workspace?.endpoints[0]).toMatchObject({ interface: 'public', region: DEV.project.name, url: `http://localhost:80/v2/${DEV_PROJECT}` });
    const identity = body.token.catalog.find((c) => c.type === 'identity');
    expect(identity?.endpoints[0]).toMatchObject({ interface: 'public', url: 'http://localhost:80/v3' });

    expect((await t.app.inject({ method: 'GET', url: SYSPREP, headers: { 'x-auth-token': token } })).statusCode).toBe(200);
  });

  it('scoped by project name (with the user’s domain)', async () => {
    const res = await postToken(authBody('devviewer', DEV.password, { name: DEV.project.name }));
    expect(res.statusCode, res.body).toBe(201);
    const body = JSON.parse(res.body) as TokenBody;
    expect(body.token.project).toEqual({ domain: { id: domainId, name: DEV.domain }, id: DEV_PROJECT, name: DEV.project.name });
    expect(body.token.roles).toEqual([{ id: 'a0000000000000000000000000000002', name: 'workspace_viewer' }]);
    const token = res.headers['x-subject-token'] as string;
    expect((await t.app.inject({ method: 'GET', url: SYSPREP, headers: { 'x-auth-token': token } })).statusCode).toBe(200);
  });

  it('scoped by project name with the project’s domain given', async () => {
    const res = await postToken(authBody('devagent', DEV.password, { name: DEV.project.name, domain: { name: DEV.domain } }));
    expect(res.statusCode, res.body).toBe(201);
    expect((JSON.parse(res.body) as TokenBody).token.roles).toEqual([{ id: 'a0000000000000000000000000000003', name: 'workspace_agent' }]);
  });

  it('a user domain given by id works too', async () => {
    const res = await postToken(authBody('devadmin', DEV.password, { id: DEV_PROJECT }, { id: domainId }));
    expect(res.statusCode, res.body).toBe(201);
  });

  it('a configurable lifetime (--token-ttl)', async () => {
    const short = await buildTestApp({ fleet: false, config: { tokenTtl: 3600 } });
    try {
      const res = await short.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, payload: authBody('devadmin') });
      expect(res.statusCode).toBe(201);
      const body = JSON.parse(res.body) as TokenBody;
      expect(Date.parse(body.token.expires_at) - Date.parse(body.token.issued_at)).toBe(3_600_000);
    } finally {
      await short.close();
    }
  });

  it('a wrong password → 401 Keystone body', async () => {
    expectKeystoneError(await postToken(authBody('devadmin', 'wrongpassword')), 401, WRONG);
  });

  it('an unknown user → the same 401 (names cannot be probed)', async () => {
    expectKeystoneError(await postToken(authBody('nobody', DEV.password)), 401, WRONG);
  });

  it('every unknown user costs one dummy password verification, with the same 401 body', async () => {
    // A name two accounts use, given without an account, finds nobody either.
    const twinDomain = await t.store.ensureDomain('twinaccount');
    const twinHash = await hashPassword(DEV.password);
    await t.store.createUser({ id: 'a1'.repeat(16), domainId, name: 'twinuser', passwordHash: twinHash });
    await t.store.createUser({ id: 'a2'.repeat(16), domainId: twinDomain.id, name: 'twinuser', passwordHash: twinHash });
    const cases = [
      authBody('twinuser', DEV.password, { id: DEV_PROJECT }, null),
      authBody('nosuchuser'),
      authBody('nosuchuser', DEV.password, { id: DEV_PROJECT }, null),
      authBody('devadmin', DEV.password, { id: DEV_PROJECT }, { name: 'nosuchdomain' }),
      { auth: { identity: { methods: ['password'], password: { user: { id: 'f'.repeat(32), password: DEV.password } } }, scope: { project: { id: DEV_PROJECT } } } },
    ];
    for (const body of cases) {
      const before = dummyVerifications();
      expectKeystoneError(await postToken(body), 401, WRONG);
      expect(dummyVerifications()).toBe(before + 1);
    }
    // A known user with a wrong password verifies against the user's own hash instead.
    const before = dummyVerifications();
    expectKeystoneError(await postToken(authBody('devadmin', 'wrongpassword')), 401, WRONG);
    expect(dummyVerifications()).toBe(before);
  });

  it('an unknown user domain → 401', async () => {
    expectKeystoneError(await postToken(authBody('devadmin', DEV.password, { id: DEV_PROJECT }, { name: 'nodomain' })), 401, WRONG);
  });

  it('a project the user has no role in → 401', async () => {
    expectKeystoneError(await postToken(authBody('devadmin', DEV.password, { id: 'f'.repeat(32) })), 401, 'The user has no access to the requested project.');
    expectKeystoneError(await postToken(authBody('devadmin', DEV.password, { name: 'no-such-region' })), 401, 'The user has no access to the requested project.');
  });

  it('a project of another account → 401, even with a role there (no token reaches across accounts)', async () => {
    const other = await t.store.ensureDomain('elsewhere');
    const foreign = 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd';
    await t.store.createProject({ id: foreign, name: 'xx-foreign-1', domainId: other.id });
    const admin = (await t.store.getUserByName(domainId, 'devadmin'))!;
    // Only the store can make such a grant (the CLI refuses it): data from before that rule.
    await t.store.grantRole(admin.id, foreign, 'admin', t.clock.now - 60_000);
    try {
      expectKeystoneError(await postToken(authBody('devadmin', DEV.password, { id: foreign })), 401, 'The user has no access to the requested project.');
      expectKeystoneError(await postToken(authBody('devadmin', DEV.password, { name: 'xx-foreign-1', domain: { name: 'elsewhere' } })), 401, 'The user has no access to the requested project.');
    } finally {
      await t.store.revokeRole(admin.id, foreign, 'admin', t.clock.now - 60_000);
    }
  });

  it('a malformed body → 400 Keystone body', async () => {
    expectKeystoneError(await postToken({}), 400, 'Invalid request: auth is required.');
    expectKeystoneError(await postToken({ auth: { identity: { methods: ['token'] } } }), 400, 'Invalid request: auth.identity.methods must contain "password".');
    const noScope = authBody('devadmin') as { auth: Record<string, unknown> };
    delete noScope.auth.scope;
    expectKeystoneError(await postToken(noScope), 400, 'Invalid request: auth.scope.project is required (tokens are project-scoped).');
  });

  it('invalid JSON → 400 Keystone body', async () => {
    expectKeystoneError(await postToken('{"auth":'), 400, 'Invalid body: it is not valid JSON.');
  });

  it('no body → 400 Keystone body', async () => {
    expectKeystoneError(await t.app.inject({ method: 'POST', url: '/v3/auth/tokens' }), 400, 'The request body is missing or empty.');
  });

  it('a body that is not JSON → 415 Keystone body', async () => {
    expectKeystoneError(await postToken(JSON.stringify(authBody('devadmin')), { 'content-type': 'text/plain' }), 415, 'The request body must be application/json encoded in UTF-8.');
  });
});

describe('GET /v3/auth/tokens (validate)', () => {
  it('200 with the same body as at issue, and the subject token echoed', async () => {
    const { token, body } = await issue('devviewer');
    const res = await t.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': token, 'x-subject-token': token } });
    expect(expectJson(res)).toEqual(body);
    expect(res.headers['x-subject-token']).toBe(token);
  });

  it('a project admin may validate another user’s token', async () => {
    const { token, body } = await issue('devviewer');
    const { token: adminToken } = await issue('devadmin');
    const res = await t.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': adminToken, 'x-subject-token': token } });
    expect(expectJson(res)).toEqual(body);
  });

  it('a non-admin may not validate another user’s token → 403 Keystone body', async () => {
    const { token: adminToken } = await issue('devadmin');
    const { token } = await issue('devviewer');
    const res = await t.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': token, 'x-subject-token': adminToken } });
    expectKeystoneError(res, 403, 'You are not authorized to perform the requested action.');
  });

  it('without X-Subject-Token → 400 Keystone body', async () => {
    const { token } = await issue('devviewer');
    expectKeystoneError(await t.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': token } }), 400, 'X-Subject-Token is required.');
  });

  it('a garbled X-Subject-Token → 404 Keystone body', async () => {
    const { token } = await issue('devviewer');
    const res = await t.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': token, 'x-subject-token': 'garbage' } });
    expectKeystoneError(res, 404, 'The token could not be found.');
  });

  it('without X-Auth-Token → 401 Keystone body', async () => {
    const { token } = await issue('devviewer');
    const res = await t.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-subject-token': token } });
    expectKeystoneError(res, 401, 'Incorrect IAM authentication information: x-auth-token not found');
  });
});

describe('DELETE /v3/auth/tokens (revoke)', () => {
  it('204 with no body, then the token fails everywhere', async () => {
    const { token } = await issue('devviewer');
    const { token: other } = await issue('devviewer');
    const res = await t.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-auth-token': token, 'x-subject-token': token } });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    requestIdOf(res);

    expectHuaweiError(await t.app.inject({ method: 'GET', url: SYSPREP, headers: { 'x-auth-token': token } }), 401, {
      error_code: 'APIGW.0307',
      error_msg: 'The token must be updated.',
    });
    expectKeystoneError(await t.app.inject({ method: 'GET', url: '/v3/projects', headers: { 'x-auth-token': token } }), 401, 'The token must be updated.');
    // Validating the revoked token with another one: Keystone answers 404 for it.
    const check = await t.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-auth-token': other, 'x-subject-token': token } });
    expectKeystoneError(check, 404, 'The token could not be found.');
    // The other token of the same user is unaffected.
    expect((await t.app.inject({ method: 'GET', url: SYSPREP, headers: { 'x-auth-token': other } })).statusCode).toBe(200);
  });
});

describe('GET /v3/projects', () => {
  it('?name=cn-north-4 lists exactly the dev project', async () => {
    const { token } = await issue('devagent');
    const res = await t.app.inject({ method: 'GET', url: '/v3/projects?name=cn-north-4', headers: { 'x-auth-token': token } });
    const body = expectJson(res) as { projects: Record<string, unknown>[]; links: unknown };
    expect(body.projects).toHaveLength(1);
    expect(body.projects[0]).toEqual({
      id: DEV_PROJECT,
      name: DEV.project.name,
      domain_id: domainId,
      parent_id: domainId,
      enabled: true,
      description: 'dev project',
      is_domain: false,
      links: { self: `http://localhost:80/v3/projects/${DEV_PROJECT}` },
    });
  });

  it('tolerates the SDK’s 2-byte {} body on the GET', async () => {
    const { token } = await issue('devadmin');
    const res = await t.app.inject({
      method: 'GET',
      url: '/v3/projects?name=cn-north-4',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect((expectJson(res) as { projects: { id: string }[] }).projects.map((p) => p.id)).toEqual([DEV_PROJECT]);
  });

  it('an unknown name → an empty list', async () => {
    const { token } = await issue('devadmin');
    const res = await t.app.inject({ method: 'GET', url: '/v3/projects?name=xx-none-9', headers: { 'x-auth-token': token } });
    expect((expectJson(res) as { projects: unknown[] }).projects).toEqual([]);
  });

  it('only projects the caller holds a role in', async () => {
    await t.store.createProject({ id: 'c1c2c3c4c5c6c7c8c9cacbcccdcecfd0', name: 'ap-southeast-1', domainId });
    const { token } = await issue('devadmin');
    const res = await t.app.inject({ method: 'GET', url: '/v3/projects', headers: { 'x-auth-token': token } });
    expect((expectJson(res) as { projects: { id: string }[] }).projects.map((p) => p.id)).toEqual([DEV_PROJECT]);
  });
});

describe('GET /v3/projects/{project_id} (what links.self points at)', () => {
  const show = (id: string, token?: string) => t.app.inject({ method: 'GET', url: `/v3/projects/${id}`, headers: token ? { 'x-auth-token': token } : {} });

  it('a project the caller holds a role in → 200 {"project"} equal to its entry in the list', async () => {
    const { token } = await issue('devviewer');
    const listed = (expectJson(await t.app.inject({ method: 'GET', url: '/v3/projects', headers: { 'x-auth-token': token } })) as { projects: unknown[] }).projects[0];
    expect(expectJson(await show(DEV_PROJECT, token))).toEqual({ project: listed });
  });

  it('a project without a role there, one that does not exist, or garbage → the same Keystone 404', async () => {
    const other = 'e1e2e3e4e5e6e7e8e9eaebecedeeeff0';
    await t.store.createProject({ id: other, name: 'eu-north-9', domainId });
    const { token } = await issue('devadmin');
    for (const id of [other, 'f'.repeat(32), 'not-a-project']) expectKeystoneError(await show(id, token), 404, `Could not find project: ${id}.`);
  });

  it('without a token → 401 in the Keystone shape', async () => {
    expectKeystoneError(await show(DEV_PROJECT), 401, 'Incorrect IAM authentication information: x-auth-token not found');
  });
});

describe('GET /v3/projects: its query parameters', () => {
  const list = async (query: string, user = 'devadmin') => {
    const { token } = await issue(user);
    return t.app.inject({ method: 'GET', url: `/v3/projects?${query}`, headers: { 'x-auth-token': token } });
  };
  const ids = async (query: string) => (expectJson(await list(query)) as { projects: { id: string }[] }).projects.map((p) => p.id);

  it('a repeated parameter → 400 Keystone body (not a 500), for each of them', async () => {
    expectKeystoneError(await list('name=a&name=b'), 400, 'Invalid parameter name: must be string.');
    expectKeystoneError(await list('domain_id=a&domain_id=b'), 400, 'Invalid parameter domain_id: must be string.');
    expectKeystoneError(await list('enabled=true&enabled=false'), 400, 'Invalid parameter enabled: must be string.');
  });

  it('enabled is "true" or "false"; an unknown parameter is refused (a filter we lack must not be ignored)', async () => {
    expectKeystoneError(await list('enabled=yes'), 400, 'Invalid parameter enabled: must be equal to one of the allowed values.');
    expectKeystoneError(await list('enabled='), 400, 'Invalid parameter enabled: must be equal to one of the allowed values.');
    expectKeystoneError(await list('parent_id=x'), 400, 'Unknown query parameter parent_id.');
    expectKeystoneError(await list(`name=${'n'.repeat(256)}`), 400, 'Invalid parameter name: must NOT have more than 255 characters.');
  });

  it('authentication still comes first', async () => {
    expectKeystoneError(await t.app.inject({ method: 'GET', url: '/v3/projects?name=a&name=b' }), 401, 'Incorrect IAM authentication information: x-auth-token not found');
  });

  it('enabled=true|false filters', async () => {
    const off = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
    await t.store.createProject({ id: off, name: 'eu-west-0', domainId });
    const admin = (await t.store.getUserByName(domainId, 'devadmin'))!;
    await t.store.grantRole(admin.id, off, 'viewer', t.clock.now - 5000);
    expect(await t.store.setProjectEnabled(off, false)).toBe(true);
    expect((await ids('')).sort()).toEqual([DEV_PROJECT, off].sort());
    expect(await ids('enabled=true')).toEqual([DEV_PROJECT]);
    expect(await ids('enabled=false')).toEqual([off]);
    expect(await ids('enabled=false&name=cn-north-4')).toEqual([]);
    await t.store.revokeRole(admin.id, off, 'viewer', t.clock.now - 5000);
  });

  it('domain_id filters: the caller’s own domain lists, any other lists nothing', async () => {
    expect(await ids(`domain_id=${domainId}&name=cn-north-4`)).toEqual([DEV_PROJECT]);
    expect(await ids(`domain_id=${'e'.repeat(32)}`)).toEqual([]);
    const foreign = await t.store.ensureDomain('projectsforeign');
    expect(await ids(`domain_id=${foreign.id}`)).toEqual([]);
  });
});

describe('the Keystone error family under /v3/', () => {
  it('an unknown /v3 route → 404 Keystone body', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v3/no-such-thing' });
    expectKeystoneError(res, 404, 'The API does not exist or has not been published in the environment');
  });

  it('a known /v3 path with a method it does not have → 404 Keystone body', async () => {
    const res = await t.app.inject({ method: 'PUT', url: '/v3/auth/tokens' });
    expectKeystoneError(res, 404, 'The API does not exist or has not been published in the environment');
    expectKeystoneError(await t.app.inject({ method: 'POST', url: '/v3/projects' }), 404, 'The API does not exist or has not been published in the environment');
  });

  it('/v3.0/ is Huawei-style', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v3.0/OS-CREDENTIAL/nothing-here' });
    expectHuaweiError(res, 404, { error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment' });
  });
});

describe('the token catalog behind a load balancer (WKS_PUBLIC_URL)', () => {
  it('lists the configured public URL, not the request Host', async () => {
    const p = await buildTestApp({ fleet: false, config: { publicUrl: 'https://workspace.example.com/' } });
    try {
      const res = await p.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        headers: { 'content-type': 'application/json', host: 'evil.example.com' },
        payload: JSON.stringify(authBody('devadmin')),
      });
      expect(res.statusCode, res.body).toBe(201);
      const body = JSON.parse(res.body) as TokenBody;
      const urls = body.token.catalog.flatMap((c) => c.endpoints.map((e) => e.url)).sort();
      expect(urls).toEqual([`https://workspace.example.com/v2/${DEV_PROJECT}`, 'https://workspace.example.com/v3']);
    } finally {
      await p.close();
    }
  });
});

describe('identity input edges', () => {
  it('unknown query parameters on /v3/auth/tokens and /v3/projects/{id} → 400 (Keystone shape); Keystone’s own flags pass', async () => {
    const { token } = await issue('devadmin');
    expectKeystoneError(await t.app.inject({ method: 'POST', url: '/v3/auth/tokens?foo=1', headers: { 'content-type': 'application/json' }, payload: authBody('devadmin') }), 400, 'Unknown query parameter foo.');
    expectKeystoneError(await t.app.inject({ method: 'GET', url: `/v3/projects/${DEV_PROJECT}?foo=1`, headers: { 'x-auth-token': token } }), 400, 'Unknown query parameter foo.');
    const flagged = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens?nocatalog=true', headers: { 'content-type': 'application/json' }, payload: authBody('devadmin') });
    expect(flagged.statusCode, flagged.body).toBe(201);
  });

  it('a project id of any length that is not the caller’s → 404, not a 400', async () => {
    const { token } = await issue('devadmin');
    const long = 'a'.repeat(2000);
    const res = await t.app.inject({ method: 'GET', url: `/v3/projects/${long}`, headers: { 'x-auth-token': token } });
    expectKeystoneError(res, 404, `Could not find project: ${long}.`.slice(0, 1000));
  });

  it('a value that is too long is named as such, not as missing', async () => {
    const cases: [unknown, string][] = [
      [authBody('devadmin', 'p'.repeat(5000)), 'Invalid request: auth.identity.password.user.password must be a string of 1 to 1024 characters.'],
      [authBody('u'.repeat(300)), 'Invalid request: auth.identity.password.user.name must be a string of 1 to 255 characters.'],
      [authBody('devadmin', DEV.password, { name: 'n'.repeat(20_000) }), 'Invalid request: auth.scope.project.name must be a string of 1 to 255 characters.'],
      [authBody('devadmin', DEV.password, { id: DEV_PROJECT }, { name: 7 }), 'Invalid request: auth.identity.password.user.domain.name must be a string of 1 to 255 characters.'],
    ];
    for (const [body, message] of cases) expectKeystoneError(await postToken(body), 400, message);
  });

  it('a Host header that is no host is never copied into a URL: 400 where the answer would carry one', async () => {
    for (const host of ['a b', 'x/y?z#', 'evil"host']) {
      const res = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json', host }, payload: authBody('devadmin') });
      expectKeystoneError(res, 400, 'Invalid header Host: it must be a host name or address with an optional port.');
    }
    for (const host of ['localhost', 'api.example.com:8443', '10.0.0.1:80', '[::1]:8080']) {
      const res = await t.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json', host }, payload: authBody('devadmin') });
      expect(res.statusCode, `${host}: ${res.body}`).toBe(201);
      expect(res.body).toContain(`http://${host}/v2/`);
    }
  });
});
