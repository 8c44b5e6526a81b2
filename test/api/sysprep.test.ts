// The seed API (GET/HEAD /v2/{project_id}/desktops/{desktop_id}/sysprep, DESIGN §2.1) and the
// agent's report (PUT, DESIGN §3): exact bodies, the order of checks of §2.5, and the verdict.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesktopInput } from '../../src/domain/types.js';
import { buildTestApp, devToken, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import { ERROR_CT, expectHeadAnswer, expectHuaweiError, expectJson, requestIdOf } from '../helpers/api-assert.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613'; // Windows 11, imageable, reported 2 h ago
const NEVER = 'e1c68255-7dee-42a7-8d27-71d699ec9921'; // registered, never reported
const LINUX = 'aa60353f-bbbc-4fec-bfdf-b014d647e0ef'; // Linux desktop of the fleet
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const DESKTOP_ID_RULE = "Invalid parameter desktop_id: must be 1 to 255 characters of A-Z, a-z, 0-9 and '-'.";

const url = (desktopId: string, project = DEV_PROJECT) => `/v2/${project}/desktops/${desktopId}/sysprep`;
const forbidden = (action: string) => `Policy doesn't allow ${action} to be performed.`;
const forbiddenOn = (action: string, project: string) => `Policy doesn't allow ${action} to be performed on project ${project}.`;

let t: TestApp;
let admin: string;
let agent: string;
let viewer: string;

/** Fresh desktops for report tests, so each test owns its desktop's history. */
let seq = 0;
async function freshDesktop(over: Partial<DesktopInput> = {}): Promise<string> {
  seq++;
  const desktopId = `5e5e5e5e-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  await t.store.upsertDesktops(
    DEV_PROJECT,
    [{ desktopId, computerName: `TEST-${seq}`, osType: 'Windows', osVersion: '10.0.19045.3636', status: 'ACTIVE', enterpriseProjectId: '0', tags: [], ...over }],
    t.clock.now,
  );
  return desktopId;
}

const iso = (ms: number) => new Date(ms).toISOString();

function put(desktopId: string, body: unknown, token = agent, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'PUT',
    url: url(desktopId),
    headers: { 'x-auth-token': token, 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function get(desktopId: string, token: string | null = admin, project = DEV_PROJECT) {
  return t.app.inject({ method: 'GET', url: url(desktopId, project), headers: token === null ? {} : { 'x-auth-token': token } });
}

async function verdict(desktopId: string) {
  return expectJson(await get(desktopId));
}

beforeAll(async () => {
  t = await buildTestApp();
  admin = await devToken(t, 'devadmin');
  agent = await devToken(t, 'devagent');
  viewer = await devToken(t, 'devviewer');
});

afterAll(async () => {
  await t?.close();
});

describe('GET …/sysprep (the seed API)', () => {
  it('answers 200 with exactly the two keys and their JSON types', async () => {
    const res = await get(FIRST);
    expect(res.statusCode).toBe(200);
    requestIdOf(res);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['sysprep_version', 'support_create_image']);
    expect(typeof body.sysprep_version).toBe('string');
    expect(typeof body.support_create_image).toBe('boolean');
    expect(body).toEqual({ sysprep_version: '10.0.22621.2506', support_create_image: true });
  });

  it('answers the same to a viewer', async () => {
    expect(await verdict(FIRST)).toEqual(JSON.parse((await get(FIRST, viewer)).body));
  });

  it('answers {"sysprep_version":"","support_create_image":false} for a desktop whose agent never reported', async () => {
    const res = await get(NEVER);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"sysprep_version":"","support_create_image":false}');
  });

  it('accepts the Content-Type the SDK sends on this GET', async () => {
    const res = await t.app.inject({ method: 'GET', url: url(FIRST), headers: { 'x-auth-token': admin, 'content-type': 'application/json' } });
    expect(expectJson(res)).toEqual({ sysprep_version: '10.0.22621.2506', support_create_image: true });
  });

  it('answers 404 WKS.00000404 for a desktop that does not exist in the project', async () => {
    expectHuaweiError(await get(UNKNOWN), 404, { error_code: 'WKS.00000404', error_msg: `The desktop ${UNKNOWN} does not exist.` });
  });

  it('answers 401 APIGW.0301 without credentials', async () => {
    expectHuaweiError(await get(FIRST, null), 401, {
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: x-auth-token not found',
    });
  });

  it('refuses the agent role (403 APIGW.0302)', async () => {
    expectHuaweiError(await get(FIRST, agent), 403, { error_code: 'APIGW.0302', error_msg: forbidden('workspace:desktops:getSysprepVersion') });
  });

  describe('a project_id of the wrong form → 400 WKS.00000400 naming project_id, once authenticated', () => {
    const cases: [string, string][] = [
      ['uppercase hex', DEV_PROJECT.toUpperCase()],
      ['31 characters', DEV_PROJECT.slice(0, 31)],
      ['33 characters', DEV_PROJECT + 'a'],
      ['not hexadecimal', 'g'.repeat(32)],
    ];
    for (const [name, project] of cases) {
      it(name, async () => {
        expectHuaweiError(await get(FIRST, admin, project), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid parameter project_id: must be 32 lowercase hexadecimal characters.' });
      });
    }

    it('and 401 without credentials (authentication comes first)', async () => {
      expectHuaweiError(await get(FIRST, null, 'NOT-A-PROJECT'), 401, {
        error_code: 'APIGW.0301',
        error_msg: 'Incorrect IAM authentication information: x-auth-token not found',
      });
    });

    it('a well-formed project id that is not the token’s is also 403', async () => {
      const other = 'f'.repeat(32);
      expectHuaweiError(await get(FIRST, admin, other), 403, {
        error_code: 'APIGW.0302',
        error_msg: forbiddenOn('workspace:desktops:getSysprepVersion', other),
      });
    });
  });

  describe('a desktop_id of the wrong form → 400 WKS.00000400 naming desktop_id', () => {
    const cases: [string, string][] = [
      ['underscore', 'a_b'],
      ['encoded slash (decodes to a/b)', 'a%2Fb'],
      ['encoded space', 'a%20b'],
      ['non-ASCII letter', '%C3%A9t%C3%A9'],
      ['a dot', 'a.b'],
      ['256 characters', 'a'.repeat(256)],
      ['1024 characters', 'b'.repeat(1024)],
    ];
    for (const [name, id] of cases) {
      it(name, async () => {
        expectHuaweiError(await get(id), 400, { error_code: 'WKS.00000400', error_msg: DESKTOP_ID_RULE });
      });
    }
  });

  describe('a desktop_id of 101–255 valid characters reaches the existence check', () => {
    for (const n of [101, 200, 255]) {
      it(`${n} characters → 404 WKS.00000404`, async () => {
        const id = 'A1-'.repeat(100).slice(0, n);
        expect(id).toHaveLength(n);
        expectHuaweiError(await get(id), 404, { error_code: 'WKS.00000404', error_msg: `The desktop ${id} does not exist.` });
      });
    }
  });

  describe('malformed percent-encoding in the path', () => {
    it('without credentials → 401 APIGW.0301 (authentication comes before validation)', async () => {
      expectHuaweiError(await get('a%zz', null), 401, {
        error_code: 'APIGW.0301',
        error_msg: 'Incorrect IAM authentication information: x-auth-token not found',
      });
    });

    it('with a token → 400 WKS.00000400', async () => {
      expectHuaweiError(await get('a%zz'), 400, {
        error_code: 'WKS.00000400',
        error_msg: 'Invalid parameter: the path contains malformed percent-encoding.',
      });
    });

    it('with a garbled token → 401 APIGW.0301', async () => {
      expectHuaweiError(await get('a%zz', 'garbage'), 401, {
        error_code: 'APIGW.0301',
        error_msg: 'Incorrect IAM authentication information: decrypt token fail',
      });
    });

    it('with a role that lacks the action → 403 APIGW.0302 (authorization comes before validation)', async () => {
      expectHuaweiError(await get('a%zz', agent), 403, { error_code: 'APIGW.0302', error_msg: forbidden('workspace:desktops:getSysprepVersion') });
    });

    it('on another project’s path → 403 APIGW.0302 (authorization comes before validation)', async () => {
      const other = 'f'.repeat(32);
      expectHuaweiError(await get('a%zz', admin, other), 403, {
        error_code: 'APIGW.0302',
        error_msg: forbiddenOn('workspace:desktops:getSysprepVersion', other),
      });
    });

    it('on a path that is no API → 404 APIGW.0101 (no such API comes first)', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/no/such/api/a%zz', headers: { 'x-auth-token': admin } });
      expectHuaweiError(res, 404, { error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment' });
    });
  });
});

describe('HEAD …/sysprep is authenticated exactly like GET', () => {
  const head = (desktopId: string, token: string | null) =>
    t.app.inject({ method: 'HEAD', url: url(desktopId), headers: token === null ? {} : { 'x-auth-token': token } });

  it('401 without a token, no body', async () => {
    expectHeadAnswer(await head(FIRST, null), 401);
  });
  it('401 with a garbled token, no body', async () => {
    expectHeadAnswer(await head(FIRST, 'garbage'), 401);
  });
  it('200 with a token, no body', async () => {
    const res = await head(FIRST, admin);
    expectHeadAnswer(res, 200);
  });
  it('403 for the agent role, no body', async () => {
    expectHeadAnswer(await head(FIRST, agent), 403);
  });
  it('404 for an unknown desktop, no body', async () => {
    expectHeadAnswer(await head(UNKNOWN, admin), 404);
  });
  it('400 for a malformed desktop id, no body', async () => {
    expectHeadAnswer(await head('a_b', admin), 400);
  });
});

describe('PUT …/sysprep (agent report)', () => {
  const body = (collectedAt: number, over: Record<string, unknown> = {}) => ({
    collected_at: iso(collectedAt),
    sysprep_version: '10.0.19041.3636',
    os_version: '10.0.19045.3636',
    image_state: 'IMAGE_STATE_COMPLETE',
    ...over,
  });

  it('the agent may report: 200 {"applied":true,"collected_at":…}', async () => {
    const id = await freshDesktop();
    const at = t.clock.now - 60_000;
    const res = await put(id, body(at));
    expect(expectJson(res)).toEqual({ applied: true, collected_at: iso(at) });
    expect(await verdict(id)).toEqual({ sysprep_version: '10.0.19041.3636', support_create_image: true });
  });

  it('an admin may report', async () => {
    const id = await freshDesktop();
    const at = t.clock.now - 60_000;
    expect(expectJson(await put(id, body(at), admin))).toEqual({ applied: true, collected_at: iso(at) });
  });

  it('a viewer may not: 403 APIGW.0302, nothing stored', async () => {
    const id = await freshDesktop();
    expectHuaweiError(await put(id, body(t.clock.now - 1000), viewer), 403, {
      error_code: 'APIGW.0302',
      error_msg: forbidden('workspace:desktops:reportSysprep'),
    });
    expect(await verdict(id)).toEqual({ sysprep_version: '', support_create_image: false });
  });

  it('without credentials: 401 APIGW.0301, even with a broken body', async () => {
    const res = await t.app.inject({ method: 'PUT', url: url(FIRST), headers: { 'content-type': 'application/json' }, payload: '{broken' });
    expectHuaweiError(res, 401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: x-auth-token not found' });
  });

  it('a body that is missing → 400 WKS.0001', async () => {
    const res = await t.app.inject({ method: 'PUT', url: url(FIRST), headers: { 'x-auth-token': agent } });
    expectHuaweiError(res, 400, { error_code: 'WKS.0001', error_msg: 'The request body is missing or empty.' });
  });

  it('an empty body with Content-Type: application/json → 400 WKS.0001', async () => {
    expectHuaweiError(await put(FIRST, ''), 400, { error_code: 'WKS.0001', error_msg: 'The request body is missing or empty.' });
  });

  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=iso-8859-1', 'application/jsonx']) {
    it(`Content-Type ${ct} → 415 WKS.00000415`, async () => {
      const res = await put(FIRST, body(t.clock.now - 1000), agent, { 'content-type': ct });
      expectHuaweiError(res, 415, { error_code: 'WKS.00000415', error_msg: 'The request body must be application/json encoded in UTF-8.' });
    });
  }

  for (const ct of ['application/json; charset=UTF-8', 'application/json;charset=utf8', 'Application/JSON; charset="utf-8"']) {
    it(`Content-Type ${ct} is accepted`, async () => {
      const id = await freshDesktop();
      const at = t.clock.now - 5000;
      const res = await put(id, body(at), agent, { 'content-type': ct });
      expect(expectJson(res)).toEqual({ applied: true, collected_at: iso(at) });
    });
  }

  it('invalid JSON → 400 WKS.00000400', async () => {
    expectHuaweiError(await put(FIRST, '{"collected_at": '), 400, { error_code: 'WKS.00000400', error_msg: 'Invalid body: it is not valid JSON.' });
  });

  it('a JSON array → 400 naming the body', async () => {
    expectHuaweiError(await put(FIRST, '[]'), 400, {
      error_code: 'WKS.00000400',
      error_msg: 'Invalid field body: The request body must be a JSON object.',
    });
  });

  it('an unknown field → 400 naming it, nothing stored', async () => {
    const id = await freshDesktop();
    expectHuaweiError(await put(id, { ...body(t.clock.now - 1000), colected_at: iso(t.clock.now) }), 400, {
      error_code: 'WKS.00000400',
      error_msg: 'Invalid field colected_at: colected_at is an unknown field.',
    });
    expect(await verdict(id)).toEqual({ sysprep_version: '', support_create_image: false });
  });

  it('a missing collected_at → 400 naming it', async () => {
    expectHuaweiError(await put(FIRST, { sysprep_version: '10.0.19041.1' }), 400, {
      error_code: 'WKS.00000400',
      error_msg: 'Invalid field collected_at: collected_at is required.',
    });
  });

  it('a bad collected_at → 400 naming it, and the stored report is unchanged', async () => {
    const before = await verdict(FIRST);
    for (const bad of ['yesterday', '2026-02-30T00:00:00Z', '2026-01-01 00:00:00', 12345]) {
      expectHuaweiError(await put(FIRST, { collected_at: bad, sysprep_version: '6.1.7600.16385' }), 400, {
        error_code: 'WKS.00000400',
        error_msg: 'Invalid field collected_at: collected_at must be an RFC 3339 date-time.',
      });
    }
    expect(await verdict(FIRST)).toEqual(before);
  });

  it('a collected_at more than 5 minutes in the future → 400 naming it', async () => {
    const id = await freshDesktop();
    expectHuaweiError(await put(id, body(t.clock.now + 5 * 60_000 + 1000)), 400, {
      error_code: 'WKS.00000400',
      error_msg: 'Invalid field collected_at: collected_at must not be more than 5 minutes in the future.',
    });
    expect(await verdict(id)).toEqual({ sysprep_version: '', support_create_image: false });
  });

  it('a garbage sysprep_version → 400 naming it, and nothing is stored', async () => {
    const before = await verdict(FIRST);
    expectHuaweiError(await put(FIRST, { collected_at: iso(t.clock.now), sysprep_version: 'ten point oh' }), 400, {
      error_code: 'WKS.00000400',
      error_msg: 'Invalid field sysprep_version: sysprep_version must be a file version like 10.0.19041.3636.',
    });
    expect(await verdict(FIRST)).toEqual(before);
  });

  it('a field of the wrong type → 400 naming it', async () => {
    const id = await freshDesktop();
    expectHuaweiError(await put(id, body(t.clock.now - 1000, { pending_reboot: 'yes' })), 400, {
      error_code: 'WKS.00000400',
      error_msg: 'Invalid field pending_reboot: pending_reboot must be a boolean.',
    });
    expect(await verdict(id)).toEqual({ sysprep_version: '', support_create_image: false });
  });

  it('a valid report for an unknown desktop → 404 WKS.00000404', async () => {
    expectHuaweiError(await put(UNKNOWN, body(t.clock.now - 1000)), 404, {
      error_code: 'WKS.00000404',
      error_msg: `The desktop ${UNKNOWN} does not exist.`,
    });
  });

  it('an invalid report for an unknown desktop → 400 (validation before existence)', async () => {
    expectHuaweiError(await put(UNKNOWN, { collected_at: 'never', sysprep_version: '1.0' }), 400, {
      error_code: 'WKS.00000400',
      error_msg: 'Invalid field collected_at: collected_at must be an RFC 3339 date-time.',
    });
  });

  it('a malformed desktop id → 400 naming desktop_id', async () => {
    expectHuaweiError(await put('a_b', body(t.clock.now - 1000)), 400, { error_code: 'WKS.00000400', error_msg: DESKTOP_ID_RULE });
  });

  it('collected_at is answered as ISO UTC with milliseconds, whatever offset and precision was sent', async () => {
    const id = await freshDesktop();
    // 2 hours ago, written in +08:00 with 7 fraction digits.
    const base = Math.floor((t.clock.now - 7_200_000) / 1000) * 1000;
    const local = new Date(base + 8 * 3_600_000).toISOString().slice(0, 19);
    const res = await put(id, body(0, { collected_at: `${local}.1239999+08:00` }));
    const out = expectJson(res) as { applied: boolean; collected_at: string };
    expect(out).toEqual({ applied: true, collected_at: iso(base + 123) });
    expect(out.collected_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('an older collected_at never overwrites a newer report: applied false with the stored instant', async () => {
    const id = await freshDesktop();
    const newer = t.clock.now - 60_000;
    expect(expectJson(await put(id, body(newer)))).toEqual({ applied: true, collected_at: iso(newer) });
    const older = newer - 3_600_000;
    const res = await put(id, body(older, { sysprep_version: '6.1.7600.16385' }));
    expect(expectJson(res)).toEqual({ applied: false, collected_at: iso(newer) });
    expect(await verdict(id)).toEqual({ sysprep_version: '10.0.19041.3636', support_create_image: true });
  });

  it('an equal collected_at is not applied (retries are harmless)', async () => {
    const id = await freshDesktop();
    const at = t.clock.now - 60_000;
    expect(expectJson(await put(id, body(at)))).toEqual({ applied: true, collected_at: iso(at) });
    const res = await put(id, body(at, { image_state: 'IMAGE_STATE_UNDEPLOYABLE' }));
    expect(expectJson(res)).toEqual({ applied: false, collected_at: iso(at) });
    expect(await verdict(id)).toEqual({ sysprep_version: '10.0.19041.3636', support_create_image: true });
  });

  it('a strictly newer collected_at (by 1 ms) is applied', async () => {
    const id = await freshDesktop();
    const at = t.clock.now - 60_000;
    expect(expectJson(await put(id, body(at)))).toEqual({ applied: true, collected_at: iso(at) });
    const res = await put(id, body(at + 1, { sysprep_version: '10.0.22621.1' }));
    expect(expectJson(res)).toEqual({ applied: true, collected_at: iso(at + 1) });
    expect(await verdict(id)).toEqual({ sysprep_version: '10.0.22621.1', support_create_image: true });
  });

  it('sysprep_version is normalised on receipt', async () => {
    const id = await freshDesktop();
    expectJson(await put(id, body(t.clock.now - 1000, { sysprep_version: '10.0.22621.2506 (WinBuild.160101.0800)' })));
    expect(await verdict(id)).toEqual({ sysprep_version: '10.0.22621.2506', support_create_image: true });
    const id2 = await freshDesktop();
    expectJson(await put(id2, body(t.clock.now - 1000, { sysprep_version: '10, 0, 17763, 1' })));
    expect(await verdict(id2)).toEqual({ sysprep_version: '10.0.17763.1', support_create_image: true });
  });

  describe('the verdict reacts to the report', () => {
    it('image_state IMAGE_STATE_UNDEPLOYABLE → support_create_image false', async () => {
      const id = await freshDesktop();
      expectJson(await put(id, body(t.clock.now - 1000, { image_state: 'IMAGE_STATE_UNDEPLOYABLE' })));
      expect(await verdict(id)).toEqual({ sysprep_version: '10.0.19041.3636', support_create_image: false });
    });

    it('an unknown image_state text → false', async () => {
      const id = await freshDesktop();
      expectJson(await put(id, body(t.clock.now - 1000, { image_state: 'SOMETHING_ELSE' })));
      expect(await verdict(id)).toEqual({ sysprep_version: '10.0.19041.3636', support_create_image: false });
    });

    it('a sysprep_version below 10.0.14393.0 → false (compared as numbers)', async () => {
      const id = await freshDesktop();
      expectJson(await put(id, body(t.clock.now - 1000, { sysprep_version: '10.0.9600.0', os_version: '10.0.9600.0' })));
      expect(await verdict(id)).toEqual({ sysprep_version: '10.0.9600.0', support_create_image: false });
      const id2 = await freshDesktop();
      expectJson(await put(id2, body(t.clock.now - 1000, { sysprep_version: '10.0.14393.0', os_version: '10.0.14393.0' })));
      expect(await verdict(id2)).toEqual({ sysprep_version: '10.0.14393.0', support_create_image: true });
    });

    it('a Linux desktop → false', async () => {
      const before = await verdict(LINUX);
      expect((before as { support_create_image: boolean }).support_create_image).toBe(false);
      const id = await freshDesktop({ osType: 'Linux', osVersion: 'Ubuntu 22.04.4 LTS' });
      expectJson(await put(id, body(t.clock.now - 1000, { os_version: undefined })));
      expect(await verdict(id)).toEqual({ sysprep_version: '10.0.19041.3636', support_create_image: false });
    });

    it('pending_reboot true → false; a newer report without it → true again', async () => {
      const id = await freshDesktop();
      expectJson(await put(id, body(t.clock.now - 2000, { pending_reboot: true })));
      expect(await verdict(id)).toEqual({ sysprep_version: '10.0.19041.3636', support_create_image: false });
      expectJson(await put(id, body(t.clock.now - 1000, { pending_reboot: false })));
      expect(await verdict(id)).toEqual({ sysprep_version: '10.0.19041.3636', support_create_image: true });
    });

    it('a report older than 7 days → false', async () => {
      const id = await freshDesktop();
      expectJson(await put(id, body(t.clock.now - 8 * 86_400_000)));
      expect(await verdict(id)).toEqual({ sysprep_version: '10.0.19041.3636', support_create_image: false });
    });
  });

  it('error content-type is exactly application/json;charset=UTF-8', async () => {
    const res = await put(FIRST, '{');
    expect(res.headers['content-type']).toBe(ERROR_CT);
  });
});
