// Property: for random fleets registered through the admin API and reported through the
// agent's PUT (raw sysprep.exe version forms included), the seed API, the batch API and the
// readiness API always agree, and the version is the normalised four-part form.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_STATES } from '../../src/domain/types.js';
import { buildTestApp, devToken, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import { expectJson } from '../helpers/api-assert.js';

const DAY = 86_400_000;
const CALC = 'Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe';

let t: TestApp;
let admin: string;
let agent: string;
let viewer: string;
let run = 0;

beforeAll(async () => {
  t = await buildTestApp({ fleet: false });
  [admin, agent, viewer] = await Promise.all([devToken(t, 'devadmin'), devToken(t, 'devagent'), devToken(t, 'devviewer')]);
});
afterAll(async () => t?.close());

const part = fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(0, 6, 10, 14393, 17763, 19041));
/** A version as an agent may read it from sysprep.exe, with the normalised form we expect back. */
const rawVersion = fc
  .tuple(fc.tuple(part, part, part, part), fc.integer({ min: 2, max: 4 }), fc.constantFrom('dot', 'comma', 'zeros'), fc.constantFrom('', ' (WinBuild.160101.0800)'))
  .map(([p, n, form, trailer]) => {
    const used = p.slice(0, n);
    const text = form === 'comma' ? used.join(', ') : form === 'zeros' ? used.map((x) => `0${x}`).join('.') : used.join('.');
    return { raw: text + trailer, normalised: [...used, 0, 0, 0].slice(0, 4).join('.') };
  });

const reportBody = fc.record(
  {
    ageMs: fc.integer({ min: 0, max: 10 * DAY }),
    version: rawVersion,
    os_version: fc.constantFrom('6.1.7601', '6.3.9600', '10.0.14393.0', '10.0.19045.3636', 'Windows 11'),
    image_state: fc.oneof(fc.constantFrom(...IMAGE_STATES), fc.constantFrom('IMAGE_STATE_FUTURE', 'complete')),
    rearm_remaining: fc.constantFrom(0, 1, 4294967295),
    skip_rearm: fc.boolean(),
    upgraded_in_place: fc.boolean(),
    appx_unprovisioned: fc.constantFrom([], [CALC]),
    bitlocker_os_volume: fc.constantFrom('off', 'on', 'suspended', 'unknown'),
    generalize_count: fc.constantFrom(0, 1001),
    pending_reboot: fc.boolean(),
    domain_joined: fc.boolean(),
  },
  { requiredKeys: ['ageMs', 'version'] },
);

const fleet = fc.array(
  fc.record({
    os_type: fc.constantFrom('Windows', 'Windows', 'Windows', 'Linux'),
    status: fc.constantFrom('ACTIVE', 'SHUTOFF', 'ERROR'),
    report: fc.option(reportBody, { nil: null, freq: 4 }),
  }),
  { minLength: 1, maxLength: 40 },
);

/** A fleet, a random order of its desktops, and some of them asked again. */
const withOrder = fleet.chain((desktops) => {
  const indices = desktops.map((_, i) => i);
  return fc.record({
    desktops: fc.constant(desktops),
    order: fc.shuffledSubarray(indices, { minLength: indices.length, maxLength: indices.length }),
    duplicates: fc.array(fc.constantFrom(...indices), { maxLength: 20 }),
  });
});

const json = (method: 'POST' | 'PUT', url: string, token: string, payload: unknown) =>
  t.app.inject({ method, url, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

describe('the single, batch and readiness APIs agree for random fleets', () => {
  it('on sysprep_version and every capability', async () => {
    await fc.assert(
      fc.asyncProperty(withOrder, async ({ desktops, order, duplicates }) => {
        run++;
        const ids = desktops.map((_, i) => `agree-${run}-${i}`);
        const reg = await json('POST', `/admin/v1/projects/${DEV_PROJECT}/desktops`, admin, {
          desktops: desktops.map((d, i) => ({ desktop_id: ids[i], computer_name: `PC-${i}`, os_type: d.os_type, os_version: '10.0.19045.1', status: d.status })),
        });
        expect(reg.statusCode, reg.body).toBe(200);
        const expectedVersion = new Map<string, string>();
        for (const [i, d] of desktops.entries()) {
          if (d.report === null) {
            expectedVersion.set(ids[i], '');
            continue;
          }
          const { ageMs, version, ...facts } = d.report;
          const put = await json('PUT', `/v2/${DEV_PROJECT}/desktops/${ids[i]}/sysprep`, agent, {
            ...facts,
            collected_at: new Date(t.clock.now - ageMs).toISOString(),
            sysprep_version: version.raw,
          });
          expect(put.statusCode, put.body).toBe(200);
          expectedVersion.set(ids[i], version.normalised);
        }

        // The batch in a random order with duplicates: answered once each, first seen first.
        const asked = [...order.map((i) => ids[i]), ...duplicates.map((i) => ids[i])];
        const batch = expectJson(await json('POST', `/v2/${DEV_PROJECT}/sysprep`, viewer, { desktop_ids: asked })) as {
          sysprep_infos: { desktop_id: string; sysprep_version: string; support_hibernate: boolean; support_update_route: boolean }[];
        };
        expect(batch.sysprep_infos.map((x) => x.desktop_id)).toEqual([...new Set(asked)]);

        for (const info of batch.sysprep_infos) {
          const headers = { 'x-auth-token': viewer };
          const single = expectJson(await t.app.inject({ method: 'GET', url: `/v2/${DEV_PROJECT}/desktops/${info.desktop_id}/sysprep`, headers })) as {
            sysprep_version: string;
            support_create_image: boolean;
          };
          const why = expectJson(await t.app.inject({ method: 'GET', url: `/v2/${DEV_PROJECT}/desktops/${info.desktop_id}/sysprep/readiness`, headers })) as {
            sysprep_version: string;
            support_create_image: boolean;
            support_hibernate: boolean;
            support_update_route: boolean;
            blockers: unknown[];
          };
          expect(single.sysprep_version).toBe(expectedVersion.get(info.desktop_id));
          expect(info.sysprep_version).toBe(single.sysprep_version);
          expect(why.sysprep_version).toBe(single.sysprep_version);
          expect(why.support_create_image).toBe(single.support_create_image);
          expect(why.support_create_image).toBe(why.blockers.length === 0);
          expect([why.support_hibernate, why.support_update_route]).toEqual([info.support_hibernate, info.support_update_route]);
        }
      }),
      { numRuns: 20 },
    );
  });
});
