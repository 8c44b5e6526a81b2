// The desktop inventory: list/show with Huawei's field names, and the admin API that registers
// (up to 1000, atomically) and removes desktops (DESIGN §3, §6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { hashPassword } from '../../src/auth/passwords.js';
import { DEV } from '../../src/server/dev-seed.js';
import { buildTestApp, devToken, DEV_PROJECT, FLEET_FILE, type TestApp } from '../helpers/app.js';
import { expectHuaweiError, expectJson, requestIdOf } from '../helpers/api-assert.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const B = { id: 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf', name: 'eu-west-101' };
const WIRE_KEYS = ['desktop_id', 'computer_name', 'os_type', 'os_version', 'status', 'enterprise_project_id', 'tags', 'created', 'metadata'];
/** Huawei's desktop details carry the OS in metadata too. */
const meta = (d: { os_type: unknown; os_version: unknown }) => ({ metadata: { os_type: d.os_type, desktop_os_version: d.os_version } });
const LIMIT_MSG = 'Invalid parameter limit: must be an integer from 0 to 1000.';
const OFFSET_MSG = 'Invalid parameter offset: must be a non-negative integer.';

interface WireDesktop {
  desktop_id: string;
  computer_name: string;
  os_type: string;
  os_version: string;
  status: string;
  enterprise_project_id: string;
  tags: { key: string; value: string }[];
  created: string;
}

const fleet = (JSON.parse(readFileSync(FLEET_FILE, 'utf8')) as { desktops: (Omit<WireDesktop, 'created'> & { report?: unknown })[] }).desktops;

let t: TestApp;
let admin: string;
let agent: string;
let viewer: string;
/** Admin of project B: mutations happen there so the dev fleet stays as loaded. */
let adminB: string;
let viewerB: string;

const list = (query = '', token = admin, project = DEV_PROJECT) =>
  t.app.inject({ method: 'GET', url: `/v2/${project}/desktops${query}`, headers: { 'x-auth-token': token } });
const show = (id: string, token = admin, project = DEV_PROJECT) =>
  t.app.inject({ method: 'GET', url: `/v2/${project}/desktops/${id}`, headers: { 'x-auth-token': token } });
const register = (body: unknown, token = adminB, project = B.id) =>
  t.app.inject({
    method: 'POST',
    url: `/admin/v1/projects/${project}/desktops`,
    headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
const remove = (id: string, token = adminB, project = B.id) =>
  t.app.inject({ method: 'DELETE', url: `/admin/v1/projects/${project}/desktops/${id}`, headers: { 'x-auth-token': token } });

const rec = (id: string, over: Record<string, unknown> = {}) => ({
  desktop_id: id,
  computer_name: `PC-${id.slice(0, 8)}`,
  os_type: 'Windows',
  os_version: '10.0.19045.3636',
  status: 'ACTIVE',
  ...over,
});

async function userIn(project: string, name: string, role: 'admin' | 'viewer'): Promise<string> {
  const domainId = (await t.store.getDomainByName(DEV.domain))!.id;
  const id = `dd${name.padEnd(30, '0')}`.slice(0, 32);
  await t.store.createUser({ id, domainId, name, passwordHash: await hashPassword('projectbpass1') });
  await t.store.grantRole(id, project, role, t.clock.now - 5000);
  const res = await t.app.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    headers: { 'content-type': 'application/json' },
    payload: { auth: { identity: { methods: ['password'], password: { user: { name, password: 'projectbpass1', domain: { name: DEV.domain } } } }, scope: { project: { id: project } } } },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.headers['x-subject-token'] as string;
}

beforeAll(async () => {
  t = await buildTestApp();
  admin = await devToken(t, 'devadmin');
  agent = await devToken(t, 'devagent');
  viewer = await devToken(t, 'devviewer');
  const domainId = (await t.store.getDomainByName(DEV.domain))!.id;
  await t.store.createProject({ id: B.id, name: B.name, domainId });
  adminB = await userIn(B.id, 'badmin', 'admin');
  viewerB = await userIn(B.id, 'bviewer', 'viewer');
});

afterAll(async () => {
  await t?.close();
});

describe('GET /v2/{project_id}/desktops', () => {
  it('lists the whole fleet by default with total_count and Huawei’s field names', async () => {
    const body = expectJson(await list()) as { desktops: WireDesktop[]; total_count: number };
    expect(Object.keys(body)).toEqual(['desktops', 'total_count']);
    expect(body.total_count).toBe(fleet.length);
    expect(body.desktops).toHaveLength(fleet.length);
    for (const d of body.desktops) expect(Object.keys(d)).toEqual(WIRE_KEYS);
    expect(new Set(body.desktops.map((d) => d.desktop_id))).toEqual(new Set(fleet.map((d) => d.desktop_id)));
    const first = body.desktops.find((d) => d.desktop_id === FIRST)!;
    const { report: _r, ...wire } = fleet[0];
    expect(first).toEqual({ ...wire, created: new Date(t.clock.now).toISOString(), ...meta(wire) });
  });

  it('pages with limit and offset; total_count stays the project’s total', async () => {
    const all = (expectJson(await list()) as { desktops: WireDesktop[] }).desktops.map((d) => d.desktop_id);
    const page = expectJson(await list('?limit=5&offset=10')) as { desktops: WireDesktop[]; total_count: number };
    expect(page.total_count).toBe(fleet.length);
    expect(page.desktops.map((d) => d.desktop_id)).toEqual(all.slice(10, 15));
    const tail = expectJson(await list(`?offset=${fleet.length - 2}`)) as { desktops: WireDesktop[]; total_count: number };
    expect(tail.desktops.map((d) => d.desktop_id)).toEqual(all.slice(-2));
    expect(expectJson(await list(`?offset=${fleet.length + 10}`))).toEqual({ desktops: [], total_count: fleet.length });
  });

  it('limit 0 and limit 1000 are within bounds', async () => {
    expect(expectJson(await list('?limit=0'))).toEqual({ desktops: [], total_count: fleet.length });
    expect((expectJson(await list('?limit=1000')) as { desktops: unknown[] }).desktops).toHaveLength(fleet.length);
  });

  for (const bad of ['1001', '-1', 'abc', '1.5', '']) {
    it(`limit=${bad} → 400 naming limit`, async () => {
      expectHuaweiError(await list(`?limit=${bad}`), 400, { error_code: 'WKS.00000400', error_msg: LIMIT_MSG });
    });
  }

  for (const bad of ['-1', 'x']) {
    it(`offset=${bad} → 400 naming offset`, async () => {
      expectHuaweiError(await list(`?offset=${bad}`), 400, { error_code: 'WKS.00000400', error_msg: OFFSET_MSG });
    });
  }

  it('a viewer may list; an agent may not', async () => {
    expect((expectJson(await list('?limit=1', viewer)) as { total_count: number }).total_count).toBe(fleet.length);
    expectHuaweiError(await list('', agent), 403, { error_code: 'APIGW.0302', error_msg: "Policy doesn't allow workspace:desktops:list to be performed." });
  });

  it('a malformed project id → 400 naming project_id', async () => {
    expectHuaweiError(await list('', admin, 'ABC'), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid parameter project_id: must be 32 lowercase hexadecimal characters.' });
  });

  it('a project never reads another: B’s admin sees B’s desktops only', async () => {
    const res = await list('', adminB, B.id);
    const body = expectJson(res) as { desktops: WireDesktop[] };
    expect(body.desktops.some((d) => d.desktop_id === FIRST)).toBe(false);
  });
});

describe('GET /v2/{project_id}/desktops/{desktop_id}', () => {
  it('shows one desktop', async () => {
    const { report: _r, ...wire } = fleet[0];
    expect(expectJson(await show(FIRST))).toEqual({ desktop: { ...wire, created: new Date(t.clock.now).toISOString(), ...meta(wire) } });
  });

  it('404 WKS.00000404 for an unknown desktop', async () => {
    expectHuaweiError(await show(UNKNOWN), 404, { error_code: 'WKS.00000404', error_msg: `The desktop ${UNKNOWN} does not exist.` });
  });

  it('404 for a desktop of another project (B cannot see A’s)', async () => {
    expectHuaweiError(await show(FIRST, adminB, B.id), 404, { error_code: 'WKS.00000404', error_msg: `The desktop ${FIRST} does not exist.` });
  });

  it('400 naming desktop_id for a malformed id', async () => {
    expectHuaweiError(await show('a_b'), 400, {
      error_code: 'WKS.00000400',
      error_msg: "Invalid parameter desktop_id: must be 1 to 255 characters of A-Z, a-z, 0-9 and '-'.",
    });
  });
});

describe('POST /admin/v1/projects/{project_id}/desktops', () => {
  it('registers desktops: 200 with the stored desktops (defaults filled in)', async () => {
    const res = await register({ desktops: [rec('reg-1'), rec('reg-2', { os_type: 'Linux', os_version: 'Ubuntu 24.04', status: 'SHUTOFF', enterprise_project_id: 'ep-1', tags: [{ key: 'k', value: 'v' }] })] });
    const created = new Date(t.clock.now).toISOString();
    expect(expectJson(res)).toEqual({
      desktops: [
        { ...rec('reg-1'), enterprise_project_id: '0', tags: [], created, ...meta(rec('reg-1')) },
        {
          ...rec('reg-2', { os_type: 'Linux', os_version: 'Ubuntu 24.04', status: 'SHUTOFF' }),
          enterprise_project_id: 'ep-1',
          tags: [{ key: 'k', value: 'v' }],
          created,
          metadata: { os_type: 'Linux', desktop_os_version: 'Ubuntu 24.04' },
        },
      ],
    });
    expect(expectJson(await show('reg-1', adminB, B.id))).toEqual({ desktop: { ...rec('reg-1'), enterprise_project_id: '0', tags: [], created, ...meta(rec('reg-1')) } });
  });

  it('updates an existing desktop (keeps its created instant)', async () => {
    expectJson(await register({ desktops: [rec('upd-1')] }));
    const created = new Date(t.clock.now).toISOString();
    t.clock.now += 5000;
    const res = await register({ desktops: [rec('upd-1', { computer_name: 'RENAMED', status: 'ERROR' })] });
    expect(expectJson(res)).toEqual({ desktops: [{ ...rec('upd-1', { computer_name: 'RENAMED', status: 'ERROR' }), enterprise_project_id: '0', tags: [], created, ...meta(rec('upd-1')) }] });
  });

  it('a batch with one bad record → 400 naming desktops[i].field, and nothing stored', async () => {
    const res = await register({ desktops: [rec('atomic-1'), rec('atomic-2', { os_type: 'Mac' })] });
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field desktops[1].os_type: os_type must be one of Windows, Linux' });
    expectHuaweiError(await show('atomic-1', adminB, B.id), 404, { error_code: 'WKS.00000404', error_msg: 'The desktop atomic-1 does not exist.' });
  });

  it('a bad record does not roll back an earlier update either', async () => {
    expectJson(await register({ desktops: [rec('atomic-3')] }));
    const before = expectJson(await show('atomic-3', adminB, B.id));
    const res = await register({ desktops: [rec('atomic-3', { computer_name: 'CHANGED' }), rec('a_b')] });
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field desktops[1].desktop_id: desktop_id must be 1..255 characters of A-Z, a-z, 0-9 and -' });
    expect(expectJson(await show('atomic-3', adminB, B.id))).toEqual(before);
  });

  it('an unknown field in a record → 400 naming it', async () => {
    const res = await register({ desktops: [rec('unk-1', { colour: 'red' })] });
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field desktops[0].colour: unknown field colour' });
  });

  it('up to 1000 desktops in one request', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => rec(`bulk-${i}`));
    const res = await register({ desktops: many });
    expect((expectJson(res) as { desktops: unknown[] }).desktops).toHaveLength(1000);
    const page = expectJson(await list('?limit=0', adminB, B.id)) as { total_count: number };
    expect(page.total_count).toBeGreaterThanOrEqual(1000);
  });

  it('1001 desktops → 400, nothing stored', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => rec(`over-${i}`));
    expectHuaweiError(await register({ desktops: many }), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field desktops: at most 1000 desktops per request.' });
    expectHuaweiError(await show('over-0', adminB, B.id), 404, { error_code: 'WKS.00000404', error_msg: 'The desktop over-0 does not exist.' });
  });

  it('an empty list → 400 WKS.0001', async () => {
    expectHuaweiError(await register({ desktops: [] }), 400, { error_code: 'WKS.0001', error_msg: 'The desktops list is empty.' });
  });

  it('no desktops key → 400 WKS.0001', async () => {
    expectHuaweiError(await register({}), 400, { error_code: 'WKS.0001', error_msg: 'The request body must contain desktops.' });
  });

  it('no body → 400 WKS.0001', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/admin/v1/projects/${B.id}/desktops`, headers: { 'x-auth-token': adminB } });
    expectHuaweiError(res, 400, { error_code: 'WKS.0001', error_msg: 'The request body is missing or empty.' });
  });

  it('duplicate ids in one batch → 400, nothing stored', async () => {
    const res = await register({ desktops: [rec('dup-1'), rec('dup-2'), rec('dup-1', { computer_name: 'OTHER' })] });
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field desktops[2].desktop_id: the same desktop_id appears twice.' });
    expectHuaweiError(await show('dup-2', adminB, B.id), 404, { error_code: 'WKS.00000404', error_msg: 'The desktop dup-2 does not exist.' });
  });

  it('desktops not an array → 400 naming it', async () => {
    expectHuaweiError(await register({ desktops: 'x' }), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field desktops: it must be an array.' });
  });

  it('an unknown top-level field → 400 naming it', async () => {
    expectHuaweiError(await register({ desktops: [rec('top-1')], extra: 1 }), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid field extra: unknown field.' });
  });

  it('a body that is not JSON → 415', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/admin/v1/projects/${B.id}/desktops`, headers: { 'x-auth-token': adminB, 'content-type': 'text/csv' }, payload: 'a,b' });
    expectHuaweiError(res, 415, { error_code: 'WKS.00000415', error_msg: 'The request body must be application/json encoded in UTF-8.' });
  });

  it('viewer and agent → 403; another project’s admin → 403', async () => {
    const msg = "Policy doesn't allow workspace:desktops:manage to be performed.";
    expectHuaweiError(await register({ desktops: [rec('x-1')] }, viewer, DEV_PROJECT), 403, { error_code: 'APIGW.0302', error_msg: msg });
    expectHuaweiError(await register({ desktops: [rec('x-1')] }, agent, DEV_PROJECT), 403, { error_code: 'APIGW.0302', error_msg: msg });
    expectHuaweiError(await register({ desktops: [rec('x-1')] }, viewerB), 403, { error_code: 'APIGW.0302', error_msg: msg });
    expectHuaweiError(await register({ desktops: [rec('x-1')] }, admin), 403, {
      error_code: 'APIGW.0302',
      error_msg: `Policy doesn't allow workspace:desktops:manage to be performed on project ${B.id}.`,
    });
  });
});

describe('DELETE /admin/v1/projects/{project_id}/desktops/{desktop_id}', () => {
  it('204, then 404; its report goes with it', async () => {
    expectJson(await register({ desktops: [rec('del-1')] }));
    const at = t.clock.now - 60_000;
    const put = await t.app.inject({
      method: 'PUT',
      url: `/v2/${B.id}/desktops/del-1/sysprep`,
      headers: { 'x-auth-token': adminB, 'content-type': 'application/json' },
      payload: { collected_at: new Date(at).toISOString(), sysprep_version: '10.0.22621.2506' },
    });
    expect(expectJson(put)).toEqual({ applied: true, collected_at: new Date(at).toISOString() });
    const sysprep = () => t.app.inject({ method: 'GET', url: `/v2/${B.id}/desktops/del-1/sysprep`, headers: { 'x-auth-token': adminB } });
    expect(expectJson(await sysprep())).toEqual({ sysprep_version: '10.0.22621.2506', support_create_image: true });

    const res = await remove('del-1');
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    requestIdOf(res);
    expectHuaweiError(await show('del-1', adminB, B.id), 404, { error_code: 'WKS.00000404', error_msg: 'The desktop del-1 does not exist.' });
    expectHuaweiError(await sysprep(), 404, { error_code: 'WKS.00000404', error_msg: 'The desktop del-1 does not exist.' });
    expectHuaweiError(await remove('del-1'), 404, { error_code: 'WKS.00000404', error_msg: 'The desktop del-1 does not exist.' });

    // Registered again, it has no report.
    expectJson(await register({ desktops: [rec('del-1')] }));
    expect(expectJson(await sysprep())).toEqual({ sysprep_version: '', support_create_image: false });
  });

  it('a malformed id → 400 naming desktop_id', async () => {
    expectHuaweiError(await remove('a_b'), 400, {
      error_code: 'WKS.00000400',
      error_msg: "Invalid parameter desktop_id: must be 1 to 255 characters of A-Z, a-z, 0-9 and '-'.",
    });
  });

  it('viewer/agent → 403, and the desktop stays', async () => {
    const msg = "Policy doesn't allow workspace:desktops:manage to be performed.";
    expectHuaweiError(await remove(FIRST, viewer, DEV_PROJECT), 403, { error_code: 'APIGW.0302', error_msg: msg });
    expectHuaweiError(await remove(FIRST, agent, DEV_PROJECT), 403, { error_code: 'APIGW.0302', error_msg: msg });
    expect((await show(FIRST)).statusCode).toBe(200);
  });

  it('another project’s admin → 403, and the desktop stays', async () => {
    expectHuaweiError(await remove(FIRST, adminB, DEV_PROJECT), 403, {
      error_code: 'APIGW.0302',
      error_msg: `Policy doesn't allow workspace:desktops:manage to be performed on project ${DEV_PROJECT}.`,
    });
    expect((await show(FIRST)).statusCode).toBe(200);
  });
});
