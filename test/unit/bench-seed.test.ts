// The benchmark's seeding: a deterministic fleet the product accepts, loaded into a dev store
// that `serve --dev` then serves (bench/lib). No timing here: only what is stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { desktopIdLines, seedDevStore } from '../../bench/lib/seed-store.js';
import { desktopIdAt, fleetChunk } from '../../bench/lib/synthetic-fleet.js';
import { evaluate, DEFAULT_POLICY } from '../../src/domain/policy.js';
import { DEV } from '../../src/server/dev-seed.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const NOW = Date.UTC(2026, 11, 3, 10);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('synthetic fleet', () => {
  it('gives every index its own valid desktop id, the same on every call', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => desktopIdAt(i));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(desktopIdAt(12_345)).toBe(ids[12_345]);
    expect(fleetChunk(100, 200, NOW)).toEqual(fleetChunk(100, 200, NOW));
  });

  it('mixes answers: most desktops can be imaged, some cannot, some never reported', () => {
    const { desktops, reports } = fleetChunk(0, 2_000, NOW);
    const byId = new Map(reports.map((r) => [r.desktopId, r.report]));
    const verdicts = desktops.map((d) => evaluate(d, byId.get(d.desktopId) ?? null, DEFAULT_POLICY, NOW));
    const yes = verdicts.filter((v) => v.supportCreateImage).length;
    const unreported = desktops.filter((d) => !byId.has(d.desktopId)).length;
    expect(yes).toBeGreaterThan(desktops.length / 4);
    expect(yes).toBeLessThan(desktops.length);
    expect(unreported).toBeGreaterThan(0);
    expect(new Set(verdicts.flatMap((v) => v.blockers.map((b) => b.code))).size).toBeGreaterThan(3);
  });
});

describe('seedDevStore', () => {
  it('loads the dev identity and N desktops with their reports, across chunk boundaries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wks-bench-seed-'));
    dirs.push(dir);
    const progress: number[] = [];
    await seedDevStore(dir, 45_000, (done) => progress.push(done));
    expect(progress).toEqual([20_000, 40_000, 45_000]);
    const store = new SqliteStore(join(dir, 'dev.db'));
    try {
      expect(await store.countDesktops(DEV.project.id)).toBe(45_000);
      expect(await store.getAccessKey(DEV.users[0].ak)).toMatchObject({ status: 'active' });
      const expected = fleetChunk(44_999, 45_000, NOW);
      const got = await store.getDesktopWithReport(DEV.project.id, desktopIdAt(44_999));
      expect(got?.desktop).toMatchObject(expected.desktops[0]);
      expect(got?.report === null).toBe(expected.reports.length === 0);
      expect(await store.getDesktop(DEV.project.id, desktopIdAt(45_000))).toBeNull();
    } finally {
      await store.close();
    }
    const lines = desktopIdLines(45_000).split('\n');
    expect(lines).toHaveLength(45_001);
    expect(lines[0]).toBe(desktopIdAt(0));
    expect(lines[45_000]).toBe('');
  });
});
