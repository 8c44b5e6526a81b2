// The dev fleet's reports carry ages: every dev start renews them, so a dev store reused for
// weeks never turns stale, while a newer report (an agent's) and a removed desktop stay as they are.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretFromMasters } from '../../src/auth/server-secret.js';
import { DEV, ensureDevIdentity, loadFleetIfEmpty, refreshFleetReports } from '../../src/server/dev-seed.js';
import type { Store } from '../../src/store/store.js';
import { FLEET_FILE } from '../helpers/app.js';
import { openTestStore } from '../helpers/store.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613'; // age PT2H in examples/fleet.json
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
let dir: string;
let store: Store;
let drop: () => Promise<void>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wks-devfleet-'));
  ({ store, drop } = await openTestStore(dir));
  await ensureDevIdentity(store, secretFromMasters([Buffer.alloc(32, 1)]), T0);
  expect(await loadFleetIfEmpty(store, DEV.project.id, FLEET_FILE, T0)).toBe(200);
});
afterAll(async () => {
  await store?.close();
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('renewing the dev fleet on a later start', () => {
  it('a second load of a non-empty project loads nothing', async () => {
    expect(await loadFleetIfEmpty(store, DEV.project.id, FLEET_FILE, T0 + DAY)).toBe(0);
  });

  it('30 days later every aged report is renewed to its age as of then; a newer one and a removed desktop stay', async () => {
    const later = T0 + 30 * DAY;
    const agentSent = { collectedAt: later - 60_000, sysprepVersion: '10.0.26100.1' };
    const other = (await store.listDesktopsWithReports(DEV.project.id, 200, 0)).find((d) => d.report && d.desktop.desktopId !== FIRST)!;
    await store.putReport(DEV.project.id, other.desktop.desktopId, agentSent, later);
    const removed = (await store.listDesktopsWithReports(DEV.project.id, 200, 0)).find((d) => d.report && d.desktop.desktopId !== FIRST && d.desktop.desktopId !== other.desktop.desktopId)!;
    await store.deleteDesktop(DEV.project.id, removed.desktop.desktopId);

    const reportsBefore = (await store.listDesktopsWithReports(DEV.project.id, 200, 0)).filter((d) => d.report).length;
    const renewed = await refreshFleetReports(store, DEV.project.id, FLEET_FILE, later);
    expect(renewed).toBe(reportsBefore - 1); // all but the agent's newer report

    expect((await store.getDesktopWithReport(DEV.project.id, FIRST))?.report?.collectedAt).toBe(later - 2 * 3_600_000);
    expect((await store.getDesktopWithReport(DEV.project.id, other.desktop.desktopId))?.report).toMatchObject(agentSent);
    expect(await store.getDesktopWithReport(DEV.project.id, removed.desktop.desktopId)).toBeNull();
    expect(await store.countDesktops(DEV.project.id)).toBe(199);
  });
});
