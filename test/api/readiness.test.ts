// The reasons behind the verdicts (issue 4 of the project, point 4): GET …/sysprep/readiness and
// GET /v2/{project_id}/sysprep/summary — exact bodies, agreement with the seed and batch APIs,
// the order of checks, and a summary that pages through the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCKER_CODES, DEFAULT_POLICY, parsePolicy } from '../../src/domain/policy.js';
import { SUMMARY_PAGE_SIZE, summariseProject } from '../../src/server/readiness.js';
import type { Store } from '../../src/store/store.js';
import { buildTestApp, devToken, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import { expectHeadAnswer, expectHuaweiError, expectJson } from '../helpers/api-assert.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613'; // Windows 11, imageable, reported 2 h ago
const NEVER = 'e1c68255-7dee-42a7-8d27-71d699ec9921'; // registered, never reported
const LINUX = 'aa60353f-bbbc-4fec-bfdf-b014d647e0ef';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CALC = 'Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe';
const BUNDLE = 'Contoso.Notes_2.1.0.0_neutral_~_abcdefghjkmnp';

let t: TestApp;
let admin: string;
let viewer: string;
let agent: string;

const get = (url: string, token: string | null = viewer) => t.app.inject({ method: 'GET', url, headers: token ? { 'x-auth-token': token } : {} });
const readiness = (id: string, token: string | null = viewer, project = DEV_PROJECT) => get(`/v2/${project}/desktops/${id}/sysprep/readiness`, token);
const summary = (token: string | null = viewer, project = DEV_PROJECT) => get(`/v2/${project}/sysprep/summary`, token);
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  t = await buildTestApp();
  admin = await devToken(t, 'devadmin');
  viewer = await devToken(t, 'devviewer');
  agent = await devToken(t, 'devagent');
});
afterAll(async () => t?.close());

/** The dev fleet, as a summary: what examples/fleet.json holds under the default policy. */
const FLEET_SUMMARY = {
  total_count: 200,
  ready_count: 159,
  blocked_count: 41,
  stale_count: 3,
  support_hibernate_count: 171,
  support_update_route_count: 175,
  blockers: [
    { code: 'NOT_WINDOWS', count: 6 },
    { code: 'NO_REPORT', count: 15 },
    { code: 'REPORT_STALE', count: 3 },
    { code: 'SYSPREP_VERSION_TOO_OLD', count: 7 },
    { code: 'IMAGE_STATE_NOT_COMPLETE', count: 3 },
    { code: 'REARM_EXHAUSTED', count: 3 },
    { code: 'GENERALIZE_LIMIT_REACHED', count: 2 },
    { code: 'UPGRADED_OS', count: 2 },
    { code: 'APPX_NOT_PROVISIONED', count: 3 },
    { code: 'BITLOCKER_ON', count: 3 },
    { code: 'PENDING_REBOOT', count: 3 },
    { code: 'DESKTOP_IN_ERROR', count: 2 },
  ],
  warnings: [
    { code: 'BITLOCKER_SUSPENDED', count: 2 },
    { code: 'OS_VERSION_UNREADABLE', count: 0 },
  ],
};

describe('GET /v2/{project_id}/desktops/{desktop_id}/sysprep/readiness', () => {
  it('a healthy desktop: every capability true, no blocker, facts split from information', async () => {
    expect(expectJson(await readiness(FIRST))).toEqual({
      desktop_id: FIRST,
      sysprep_version: '10.0.22621.2506',
      support_create_image: true,
      support_hibernate: true,
      support_update_route: true,
      blockers: [],
      warnings: [],
      facts: {
        os_type: 'Windows',
        status: 'ACTIVE',
        collected_at: iso(t.clock.now - 2 * HOUR),
        sysprep_version: '10.0.22621.2506',
        os_version: '10.0.22631.2715',
        image_state: 'IMAGE_STATE_COMPLETE',
        rearm_remaining: 1000,
        skip_rearm: false,
        upgraded_in_place: false,
        appx_unprovisioned: [],
        bitlocker_os_volume: 'off',
        generalize_count: 1,
        pending_reboot: false,
      },
      information: { os_edition: 'Professional', sysprep_succeeded_tag: false, domain_joined: true, agent_version: '1.4.2' },
      collected_at: iso(t.clock.now - 2 * HOUR),
      stale: false,
      evaluated_at: iso(t.clock.now),
    });
  });

  it('a desktop that never reported: NO_REPORT, inventory facts only, collected_at null', async () => {
    expect(expectJson(await readiness(NEVER))).toEqual({
      desktop_id: NEVER,
      sysprep_version: '',
      support_create_image: false,
      support_hibernate: false,
      support_update_route: false,
      blockers: [{ code: 'NO_REPORT', message: 'The desktop agent has not reported any Sysprep facts yet.' }],
      warnings: [],
      facts: { os_type: 'Windows', status: 'ACTIVE' },
      information: {},
      collected_at: null,
      stale: false,
      evaluated_at: iso(t.clock.now),
    });
  });

  it('a Linux desktop: NOT_WINDOWS names os_type, then NO_REPORT', async () => {
    const body = expectJson(await readiness(LINUX)) as Record<string, unknown>;
    expect(body.blockers).toEqual([
      { code: 'NOT_WINDOWS', message: 'The desktop runs Linux; Sysprep exists only on Windows.', fact: 'os_type', value: 'Linux' },
      { code: 'NO_REPORT', message: 'The desktop agent has not reported any Sysprep facts yet.' },
    ]);
    expect(body.facts).toEqual({ os_type: 'Linux', status: 'ACTIVE' });
  });

  it('a report with many blockers, as an agent sends it: each names its fact and value; appx packages are split', async () => {
    const id = 'readiness-many-blockers';
    const reg = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/projects/${DEV_PROJECT}/desktops`,
      headers: { 'x-auth-token': admin, 'content-type': 'application/json' },
      payload: { desktops: [{ desktop_id: id, computer_name: 'WKS-OLD-0001', os_type: 'Windows', os_version: '6.1.7601', status: 'ERROR' }] },
    });
    expect(reg.statusCode, reg.body).toBe(200);
    const collected = t.clock.now - 8 * DAY;
    const put = await t.app.inject({
      method: 'PUT',
      url: `/v2/${DEV_PROJECT}/desktops/${id}/sysprep`,
      headers: { 'x-auth-token': agent, 'content-type': 'application/json' },
      payload: {
        collected_at: iso(collected).replace('Z', '+00:00'),
        sysprep_version: '6, 1, 7601, 17514',
        os_version: '6.1.7601',
        os_edition: 'Enterprise',
        image_state: 'IMAGE_STATE_SOMETHING_NEW',
        rearm_remaining: 0,
        upgraded_in_place: true,
        appx_unprovisioned: [CALC, BUNDLE],
        bitlocker_os_volume: 'on',
        generalize_count: 3,
        pending_reboot: true,
        domain_joined: false,
      },
    });
    expect(put.statusCode, put.body).toBe(200);

    expect(expectJson(await readiness(id))).toEqual({
      desktop_id: id,
      sysprep_version: '6.1.7601.17514',
      support_create_image: false,
      support_hibernate: false,
      support_update_route: false,
      blockers: [
        { code: 'REPORT_STALE', message: 'The latest report is older than 7 days; the facts may have changed.', fact: 'collected_at', value: iso(collected) },
        { code: 'SYSPREP_VERSION_TOO_OLD', message: 'sysprep.exe 6.1.7601.17514 is older than the required 10.0.14393.0.', fact: 'sysprep_version', value: '6.1.7601.17514' },
        { code: 'IMAGE_STATE_NOT_COMPLETE', message: 'Windows setup is in IMAGE_STATE_UNKNOWN, not IMAGE_STATE_COMPLETE.', fact: 'image_state', value: 'IMAGE_STATE_UNKNOWN' },
        { code: 'REARM_EXHAUSTED', message: 'No Windows rearm is left and SkipRearm is not set, so generalize would fail.', fact: 'rearm_remaining', value: 0 },
        {
          code: 'UPGRADED_OS',
          message: 'Windows was upgraded in place; Sysprep supports upgraded installations only from 10.0.14393.0.',
          fact: 'upgraded_in_place',
          value: true,
        },
        {
          code: 'APPX_NOT_PROVISIONED',
          message: `2 Appx packages installed for a user but not provisioned for all users: ${CALC}, ${BUNDLE}.`,
          fact: 'appx_unprovisioned',
          value: [CALC, BUNDLE],
          packages: [
            { full_name: CALC, name: 'Microsoft.WindowsCalculator', version: '11.2210.0.0', architecture: 'x64', resource_id: '', publisher_id: '8wekyb3d8bbwe' },
            { full_name: BUNDLE, name: 'Contoso.Notes', version: '2.1.0.0', architecture: 'neutral', resource_id: '~', publisher_id: 'abcdefghjkmnp' },
          ],
        },
        { code: 'BITLOCKER_ON', message: 'BitLocker protects the OS volume; Sysprep fails on it until BitLocker is turned off.', fact: 'bitlocker_os_volume', value: 'on' },
        { code: 'PENDING_REBOOT', message: 'A reboot is pending; restart the desktop before running Sysprep.', fact: 'pending_reboot', value: true },
        { code: 'DESKTOP_IN_ERROR', message: 'The desktop is in ERROR status.', fact: 'status', value: 'ERROR' },
      ],
      warnings: [],
      facts: {
        os_type: 'Windows',
        status: 'ERROR',
        collected_at: iso(collected),
        sysprep_version: '6.1.7601.17514',
        os_version: '6.1.7601',
        image_state: 'IMAGE_STATE_UNKNOWN',
        rearm_remaining: 0,
        upgraded_in_place: true,
        appx_unprovisioned: [CALC, BUNDLE],
        bitlocker_os_volume: 'on',
        generalize_count: 3,
        pending_reboot: true,
      },
      information: { os_edition: 'Enterprise', domain_joined: false },
      collected_at: iso(collected),
      stale: true,
      evaluated_at: iso(t.clock.now),
    });
    // Every blocker's fact is a key of facts, with the same value.
    const body = expectJson(await readiness(id)) as { blockers: { fact?: string; value?: unknown }[]; facts: Record<string, unknown> };
    for (const b of body.blockers) if (b.fact) expect(body.facts[b.fact]).toEqual(b.value);
  });

  it('warnings: BitLocker suspended and an unreadable os_version, with support_create_image still true', async () => {
    const id = 'readiness-warnings';
    await t.store.upsertDesktops(DEV_PROJECT, [{ desktopId: id, computerName: 'W', osType: 'Windows', osVersion: '10.0.19045.1', status: 'SHUTOFF', enterpriseProjectId: '0', tags: [] }], t.clock.now);
    await t.store.putReport(DEV_PROJECT, id, { collectedAt: t.clock.now - 1000, sysprepVersion: '10.0.19041.3636', osVersion: 'Windows 10 Pro', bitlockerOsVolume: 'suspended' }, t.clock.now);
    const body = expectJson(await readiness(id)) as Record<string, unknown>;
    expect(body).toMatchObject({ support_create_image: true, support_hibernate: true, support_update_route: true, blockers: [] });
    expect(body.warnings).toEqual([
      {
        code: 'BITLOCKER_SUSPENDED',
        message: 'BitLocker is suspended on the OS volume; it resumes at the next reboot and would then block Sysprep.',
        fact: 'bitlocker_os_volume',
      },
      { code: 'OS_VERSION_UNREADABLE', message: 'os_version is not a numeric version; the rules use sysprep_version instead.', fact: 'os_version' },
    ]);
  });

  it('stale exactly when now − collected_at > 7 days; a fresh report makes it ready again', async () => {
    const edge = 'readiness-edge';
    const past = 'readiness-past';
    const inventory = (desktopId: string) => ({ desktopId, computerName: 'A', osType: 'Windows' as const, osVersion: '10.0.22631.1', status: 'ACTIVE' as const, enterpriseProjectId: '0', tags: [] });
    await t.store.upsertDesktops(DEV_PROJECT, [inventory(edge), inventory(past)], t.clock.now);
    await t.store.putReport(DEV_PROJECT, edge, { collectedAt: t.clock.now - 7 * DAY, sysprepVersion: '10.0.22621.2506' }, t.clock.now);
    await t.store.putReport(DEV_PROJECT, past, { collectedAt: t.clock.now - 7 * DAY - 1, sysprepVersion: '10.0.22621.2506' }, t.clock.now);
    expect(expectJson(await readiness(edge))).toMatchObject({ stale: false, support_create_image: true, support_hibernate: true, blockers: [] });
    expect(expectJson(await readiness(past))).toMatchObject({
      stale: true,
      support_create_image: false,
      support_hibernate: false,
      support_update_route: false,
      blockers: [{ code: 'REPORT_STALE', fact: 'collected_at', value: iso(t.clock.now - 7 * DAY - 1) }],
      collected_at: iso(t.clock.now - 7 * DAY - 1),
    });
    const put = await t.app.inject({
      method: 'PUT',
      url: `/v2/${DEV_PROJECT}/desktops/${past}/sysprep`,
      headers: { 'x-auth-token': agent, 'content-type': 'application/json' },
      payload: { collected_at: iso(t.clock.now - 1000), sysprep_version: '10.0.22621.2506' },
    });
    expect(expectJson(put)).toEqual({ applied: true, collected_at: iso(t.clock.now - 1000) });
    expect(expectJson(await readiness(past))).toMatchObject({ stale: false, support_create_image: true, blockers: [], collected_at: iso(t.clock.now - 1000) });
  });

  it('agrees with the seed API and the batch API for every desktop of the dev fleet', async () => {
    const ids: string[] = [];
    for (let after: string | null = null; ; ) {
      const page = await t.store.listDesktopsWithReportsAfter(DEV_PROJECT, after, 100);
      if (page.length === 0) break;
      ids.push(...page.map((x) => x.desktop.desktopId));
      after = ids[ids.length - 1];
    }
    expect(ids.length).toBeGreaterThanOrEqual(200);
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const res = await t.app.inject({
        method: 'POST',
        url: `/v2/${DEV_PROJECT}/sysprep`,
        headers: { 'x-auth-token': viewer, 'content-type': 'application/json' },
        payload: { desktop_ids: chunk },
      });
      const infos = (expectJson(res) as { sysprep_infos: Record<string, unknown>[] }).sysprep_infos;
      for (const info of infos) {
        const r = expectJson(await readiness(info.desktop_id as string)) as Record<string, unknown>;
        const single = expectJson(await get(`/v2/${DEV_PROJECT}/desktops/${info.desktop_id}/sysprep`)) as Record<string, unknown>;
        expect(single).toEqual({ sysprep_version: r.sysprep_version, support_create_image: r.support_create_image });
        expect(info).toEqual({ desktop_id: r.desktop_id, sysprep_version: r.sysprep_version, support_hibernate: r.support_hibernate, support_update_route: r.support_update_route });
        expect(r.support_create_image).toBe((r.blockers as unknown[]).length === 0);
      }
    }
  });

  it('HEAD answers the status and headers only', async () => {
    expectHeadAnswer(await t.app.inject({ method: 'HEAD', url: `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep/readiness`, headers: { 'x-auth-token': viewer } }), 200);
    expectHeadAnswer(await t.app.inject({ method: 'HEAD', url: `/v2/${DEV_PROJECT}/desktops/${UNKNOWN}/sysprep/readiness`, headers: { 'x-auth-token': viewer } }), 404);
  });

  describe('errors, in the order of DESIGN §2.5', () => {
    it('an unknown desktop → 404 WKS.00000404', async () => {
      expectHuaweiError(await readiness(UNKNOWN), 404, { error_code: 'WKS.00000404', error_msg: `The desktop ${UNKNOWN} does not exist.` });
    });
    it('a malformed desktop id → 400 naming the parameter', async () => {
      expectHuaweiError(await readiness('a%2Fb'), 400, {
        error_code: 'WKS.00000400',
        error_msg: "Invalid parameter desktop_id: must be 1 to 255 characters of A-Z, a-z, 0-9 and '-'.",
      });
    });
    it('no credentials → 401 before anything else', async () => {
      expectHuaweiError(await readiness('a%2Fb', null), 401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: x-auth-token not found' });
    });
    it('another project → 403 naming workspace:desktops:get, before validation and existence', async () => {
      const other = 'f'.repeat(32);
      expectHuaweiError(await readiness(UNKNOWN, viewer, other), 403, {
        error_code: 'APIGW.0302',
        error_msg: `Policy doesn't allow workspace:desktops:get to be performed on project ${other}.`,
      });
    });
    it('an agent → 403', async () => {
      expectHuaweiError(await readiness(FIRST, agent), 403, { error_code: 'APIGW.0302', error_msg: "Policy doesn't allow workspace:desktops:get to be performed." });
    });
    it('a method the path does not have → 404 APIGW.0101', async () => {
      const res = await t.app.inject({ method: 'POST', url: `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep/readiness`, headers: { 'x-auth-token': admin } });
      expectHuaweiError(res, 404, { error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment' });
    });
  });
});

describe('GET /v2/{project_id}/sysprep/summary', () => {
  // Its own app: the readiness tests above add desktops to the dev project.
  let s: TestApp;
  let token: string;
  beforeAll(async () => {
    s = await buildTestApp();
    token = await devToken(s, 'devviewer');
  });
  afterAll(async () => s?.close());
  const sum = (tok: string | null = token, project = DEV_PROJECT) =>
    s.app.inject({ method: 'GET', url: `/v2/${project}/sysprep/summary`, headers: tok ? { 'x-auth-token': tok } : {} });

  it('the dev fleet: ready, blocked per code (all codes, table order), warnings, capabilities', async () => {
    expect(expectJson(await sum())).toEqual({ ...FLEET_SUMMARY, evaluated_at: iso(s.clock.now) });
  });

  it('every blocker code occurs in the dev fleet, so a new user can see every reason', async () => {
    const body = expectJson(await sum()) as typeof FLEET_SUMMARY;
    expect(body.blockers.map((b) => b.code)).toEqual([...BLOCKER_CODES]);
    for (const b of body.blockers) expect(b.count, b.code).toBeGreaterThanOrEqual(1);
  });

  it('equals the tally of the readiness answers of every desktop', async () => {
    const ids = (await s.store.listDesktopsWithReportsAfter(DEV_PROJECT, null, 10_000)).map((x) => x.desktop.desktopId);
    const counts = new Map<string, number>();
    let ready = 0;
    for (const id of ids) {
      const r = (await s.app.inject({ method: 'GET', url: `/v2/${DEV_PROJECT}/desktops/${id}/sysprep/readiness`, headers: { 'x-auth-token': token } })).json() as {
        support_create_image: boolean;
        blockers: { code: string }[];
      };
      if (r.support_create_image) ready++;
      for (const b of r.blockers) counts.set(b.code, (counts.get(b.code) ?? 0) + 1);
    }
    const body = expectJson(await sum()) as typeof FLEET_SUMMARY;
    expect(body.total_count).toBe(ids.length);
    expect(body.ready_count).toBe(ready);
    expect(body.blocked_count).toBe(ids.length - ready);
    for (const b of body.blockers) expect(b.count).toBe(counts.get(b.code) ?? 0);
  });

  it('follows the policy in force', async () => {
    const saved = s.services.policy.current;
    try {
      s.services.policy.current = parsePolicy({ min_sysprep_version: '6.0', stale_after_seconds: 20 * 86400 });
      const body = expectJson(await sum()) as typeof FLEET_SUMMARY;
      const count = (code: string) => body.blockers.find((b) => b.code === code)!.count;
      expect(count('SYSPREP_VERSION_TOO_OLD')).toBe(0);
      expect(count('REPORT_STALE')).toBe(1); // only the P30D report: 10 and 14 days are fresh under 20 days
      expect(body.stale_count).toBe(1);
      expect(body.ready_count).toBeGreaterThan(FLEET_SUMMARY.ready_count);
    } finally {
      s.services.policy.current = saved;
    }
  });

  it('reads the store in pages: never more than a page in memory, the same answer for any page size', async () => {
    const reads: number[] = [];
    const counting = new Proxy(s.store, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'listDesktopsWithReportsAfter') {
          return async (...args: Parameters<Store['listDesktopsWithReportsAfter']>) => {
            const page = await target.listDesktopsWithReportsAfter(...args);
            reads.push(page.length);
            return page;
          };
        }
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const now = s.clock.now;
    const expected = { ...FLEET_SUMMARY, evaluated_at: iso(now) };
    expect(await summariseProject(counting, DEV_PROJECT, DEFAULT_POLICY, now, 7)).toEqual(expected);
    expect(reads).toEqual([...Array.from({ length: 28 }, () => 7), 4]); // 200 = 28 × 7 + 4
    reads.length = 0;
    expect(await summariseProject(counting, DEV_PROJECT, DEFAULT_POLICY, now, 50)).toEqual(expected);
    expect(reads).toEqual([50, 50, 50, 50, 0]);
    reads.length = 0;
    expect(await summariseProject(counting, DEV_PROJECT, DEFAULT_POLICY, now)).toEqual(expected);
    expect(reads).toEqual([200]);
    expect(SUMMARY_PAGE_SIZE).toBe(1000);
  });

  it('a project without desktops: zeros for every code', async () => {
    const domain = (await s.store.getDomainByName('devaccount'))!;
    const empty = 'e'.repeat(32);
    await s.store.createProject({ id: empty, name: 'cn-east-3', domainId: domain.id });
    const body = await summariseProject(s.store, empty, DEFAULT_POLICY, s.clock.now);
    expect(body).toEqual({
      total_count: 0,
      ready_count: 0,
      blocked_count: 0,
      stale_count: 0,
      support_hibernate_count: 0,
      support_update_route_count: 0,
      blockers: FLEET_SUMMARY.blockers.map((b) => ({ code: b.code, count: 0 })),
      warnings: FLEET_SUMMARY.warnings.map((w) => ({ code: w.code, count: 0 })),
      evaluated_at: iso(s.clock.now),
    });
  });

  describe('errors', () => {
    it('no credentials → 401', async () => {
      expectHuaweiError(await sum(null), 401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: x-auth-token not found' });
    });
    it('another project → 403 naming workspace:desktops:list; a malformed project id → 400', async () => {
      const other = 'f'.repeat(32);
      expectHuaweiError(await sum(token, other), 403, {
        error_code: 'APIGW.0302',
        error_msg: `Policy doesn't allow workspace:desktops:list to be performed on project ${other}.`,
      });
      expectHuaweiError(await sum(token, 'NOT-A-PROJECT'), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid parameter project_id: must be 32 lowercase hexadecimal characters.' });
    });
    it('an agent → 403', async () => {
      const agentToken = await devToken(s, 'devagent');
      expectHuaweiError(await sum(agentToken), 403, { error_code: 'APIGW.0302', error_msg: "Policy doesn't allow workspace:desktops:list to be performed." });
    });
    it('takes no query parameters and refuses any, like the seed API', async () => {
      const res = await s.app.inject({ method: 'GET', url: `/v2/${DEV_PROJECT}/sysprep/summary?limit=5`, headers: { 'x-auth-token': token } });
      expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Unknown query parameter limit.' });
    });
  });
});

describe('OpenAPI', () => {
  it('documents both routes with their response schemas', async () => {
    const doc = expectJson(await t.app.inject({ method: 'GET', url: '/openapi.json' })) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }> }>> };
    const r = doc.paths['/v2/{project_id}/desktops/{desktop_id}/sysprep/readiness'].get;
    const s = doc.paths['/v2/{project_id}/sysprep/summary'].get;
    expect(Object.keys(r.responses['200'].content!['application/json'].schema.properties!)).toEqual([
      'desktop_id', 'sysprep_version', 'support_create_image', 'support_hibernate', 'support_update_route', 'blockers', 'warnings', 'facts', 'information', 'collected_at', 'stale', 'evaluated_at',
    ]);
    expect(Object.keys(s.responses['200'].content!['application/json'].schema.properties!)).toEqual([
      'total_count', 'ready_count', 'blocked_count', 'stale_count', 'support_hibernate_count', 'support_update_route_count', 'blockers', 'warnings', 'evaluated_at',
    ]);
    expect(Object.keys(r.responses).sort()).toEqual(['200', '400', '401', '403', '404', '500']);
  });
});
