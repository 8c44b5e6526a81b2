// POST /v2/{project_id}/sysprep — the batch sibling of the seed API (DESIGN §2.2): limits,
// duplicates, WKS.0001 for a missing or empty list, 404 listing unknown ids, and agreement
// with the single API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWithin } from '../../src/api/batch-sysprep-routes.js';
import { buildTestApp, devToken, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import { expectHuaweiError, expectJson } from '../helpers/api-assert.js';
import { countingStore, type CountingStore } from '../helpers/counting-store.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613'; // Windows 11, imageable, reported 2 h ago
const NEVER = 'e1c68255-7dee-42a7-8d27-71d699ec9921'; // registered, never reported
const LINUX = 'aa60353f-bbbc-4fec-bfdf-b014d647e0ef';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

let t: TestApp;
let admin: string;
let viewer: string;

const batch = (body: unknown, token: string | null = admin, project = DEV_PROJECT, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: `/v2/${project}/sysprep`,
    headers: { ...(token ? { 'x-auth-token': token } : {}), 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

beforeAll(async () => {
  t = await buildTestApp();
  admin = await devToken(t, 'devadmin');
  viewer = await devToken(t, 'devviewer');
});
afterAll(async () => t?.close());

describe('POST /v2/{project_id}/sysprep', () => {
  it('answers every id in first-seen order, duplicates once', async () => {
    const body = expectJson(await batch({ desktop_ids: [NEVER, FIRST, NEVER, LINUX, FIRST] }, viewer));
    expect(body).toEqual({
      sysprep_infos: [
        { desktop_id: NEVER, sysprep_version: '', support_hibernate: false, support_update_route: false },
        { desktop_id: FIRST, sysprep_version: '10.0.22621.2506', support_hibernate: true, support_update_route: true },
        expect.objectContaining({ desktop_id: LINUX, support_hibernate: false }),
      ],
    });
  });

  it('agrees with the single API on the version of every desktop of the fleet', async () => {
    const list = expectJson(await t.app.inject({ method: 'GET', url: `/v2/${DEV_PROJECT}/desktops?limit=1000`, headers: { 'x-auth-token': admin } })) as {
      desktops: { desktop_id: string }[];
    };
    const ids = list.desktops.map((d) => d.desktop_id);
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const infos = (expectJson(await batch({ desktop_ids: chunk })) as { sysprep_infos: { desktop_id: string; sysprep_version: string }[] }).sysprep_infos;
      expect(infos.map((x) => x.desktop_id)).toEqual(chunk);
      for (const info of infos) {
        const single = expectJson(await t.app.inject({ method: 'GET', url: `/v2/${DEV_PROJECT}/desktops/${info.desktop_id}/sysprep`, headers: { 'x-auth-token': admin } })) as {
          sysprep_version: string;
        };
        expect(info.sysprep_version).toBe(single.sysprep_version);
      }
    }
  });

  it('accepts exactly 100 ids (a few unknown ones → 404 listing them)', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => (i < 98 ? FIRST : `ffffffff-0000-4000-8000-${String(i).padStart(12, '0')}`));
    expectHuaweiError(await batch({ desktop_ids: ids }), 404, {
      error_code: 'WKS.00000404',
      error_msg: '2 of the desktops do not exist in this project.',
      error_detail: 'ffffffff-0000-4000-8000-000000000098, ffffffff-0000-4000-8000-000000000099',
    });
  });

  it('101 ids → 400 WKS.00000400', async () => {
    expectHuaweiError(await batch({ desktop_ids: Array.from({ length: 101 }, () => FIRST) }), 400, {
      error_code: 'WKS.00000400',
      error_msg: 'Invalid field desktop_ids: at most 100 desktop ids per request, got 101.',
    });
  });

  it('unknown ids → 404 whose detail lists them, cut to 1000 characters', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `eeeeeeee-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const res = await batch({ desktop_ids: ids });
    const detail = listWithin(ids);
    expect(detail.length).toBeLessThanOrEqual(1000);
    const m = /^(.*) … and (\d+) more$/.exec(detail);
    expect(m).not.toBeNull();
    const listed = m![1].split(', ');
    expect(listed).toEqual(ids.slice(0, listed.length));
    expect(listed.length + Number(m![2])).toBe(100);
    expectHuaweiError(res, 404, { error_code: 'WKS.00000404', error_msg: '100 of the desktops do not exist in this project.', error_detail: detail });
  });

  it('a desktop of another project counts as unknown', async () => {
    expectHuaweiError(await batch({ desktop_ids: [UNKNOWN] }), 404, {
      error_code: 'WKS.00000404',
      error_msg: '1 of the desktops do not exist in this project.',
      error_detail: UNKNOWN,
    });
  });

  describe('WKS.0001 for a missing or empty list', () => {
    const cases: [string, unknown][] = [
      ['no body', undefined],
      ['an empty body', ''],
      ['{}', {}],
      ['desktop_ids: null', { desktop_ids: null }],
    ];
    for (const [name, body] of cases) {
      it(name, async () => {
        const res = await batch(body);
        const msg = body === undefined || body === '' ? 'The request body is missing or empty.' : 'The request body must contain desktop_ids.';
        expectHuaweiError(res, 400, { error_code: 'WKS.0001', error_msg: msg });
      });
    }
    it('desktop_ids: []', async () => {
      expectHuaweiError(await batch({ desktop_ids: [] }), 400, { error_code: 'WKS.0001', error_msg: 'The desktop_ids list is empty.' });
    });
  });

  describe('WKS.00000400 for a malformed list', () => {
    const cases: [string, unknown, string][] = [
      ['a non-string id', { desktop_ids: [FIRST, 7] }, 'Invalid field desktop_ids[1]: it must be a string.'],
      ['an id with a slash', { desktop_ids: ['a/b'] }, "Invalid field desktop_ids[0]: it must be 1 to 255 characters of A-Z, a-z, 0-9 and '-'."],
      ['an empty id', { desktop_ids: [''] }, "Invalid field desktop_ids[0]: it must be 1 to 255 characters of A-Z, a-z, 0-9 and '-'."],
      ['a 256-character id', { desktop_ids: ['a'.repeat(256)] }, "Invalid field desktop_ids[0]: it must be 1 to 255 characters of A-Z, a-z, 0-9 and '-'."],
      ['a string instead of a list', { desktop_ids: FIRST }, 'Invalid field desktop_ids: it must be an array of desktop ids.'],
      ['an unknown field', { desktop_ids: [FIRST], limit: 1 }, 'Invalid field limit: unknown field.'],
      ['an array body', [FIRST], 'Invalid field body: it must be a JSON object.'],
      ['broken JSON', '{"desktop_ids": [', 'Invalid body: it is not valid JSON.'],
    ];
    for (const [name, body, msg] of cases) {
      it(name, async () => {
        expectHuaweiError(await batch(body), 400, { error_code: 'WKS.00000400', error_msg: msg });
      });
    }
    it('a body that is not JSON → 415', async () => {
      expectHuaweiError(await batch('desktop_ids=x', admin, DEV_PROJECT, { 'content-type': 'text/plain' }), 415, {
        error_code: 'WKS.00000415',
        error_msg: 'The request body must be application/json encoded in UTF-8.',
      });
    });
  });

  describe('order of checks (DESIGN §2.5)', () => {
    it('broken JSON without credentials → 401, not 400', async () => {
      expectHuaweiError(await batch('{', null), 401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: x-auth-token not found' });
    });
    it('another project → 403 before validation', async () => {
      const other = 'f'.repeat(32);
      expectHuaweiError(await batch({ desktop_ids: 'x' }, admin, other), 403, {
        error_code: 'APIGW.0302',
        error_msg: `Policy doesn't allow workspace:desktops:getSysPrepInfo to be performed on project ${other}.`,
      });
    });
    it('a malformed project id → 400 naming project_id once authenticated', async () => {
      expectHuaweiError(await batch({ desktop_ids: [FIRST] }, admin, 'NOT-A-PROJECT'), 400, {
        error_code: 'WKS.00000400',
        error_msg: 'Invalid parameter project_id: must be 32 lowercase hexadecimal characters.',
      });
    });
  });
});

describe('one store query for the whole batch', () => {
  let c: TestApp;
  let counting: CountingStore;
  let token: string;
  beforeAll(async () => {
    c = await buildTestApp({ wrapStore: (store) => (counting = countingStore(store)).store });
    token = await devToken(c, 'devviewer');
  });
  afterAll(async () => c?.close());

  it('100 ids (known, repeated, unknown) are read with a single getDesktopsWithReports call', async () => {
    const known = (await c.store.listDesktops(DEV_PROJECT, 90, 0)).desktops.map((d) => d.desktopId);
    const unknown = Array.from({ length: 5 }, (_, i) => `dddddddd-0000-4000-8000-00000000000${i}`);
    // Authentication may refresh its invalidation cache; what matters here is desktop reads.
    const desktopReads = () => Object.fromEntries([...counting.calls].filter(([name]) => /desktop/i.test(name)));
    const ask = (desktop_ids: string[]) =>
      c.app.inject({ method: 'POST', url: `/v2/${DEV_PROJECT}/sysprep`, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, payload: { desktop_ids } });

    counting.reset();
    const found = expectJson(await ask([...known, ...known.slice(0, 10)])) as { sysprep_infos: { desktop_id: string }[] };
    expect(found.sysprep_infos.map((x) => x.desktop_id)).toEqual(known);
    expect(desktopReads()).toEqual({ getDesktopsWithReports: 1 });

    counting.reset();
    expect((await ask([...known, ...unknown])).statusCode).toBe(404);
    expect(desktopReads()).toEqual({ getDesktopsWithReports: 1 });
  });
});
