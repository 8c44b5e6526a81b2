import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLOCKER_CODES, DEFAULT_POLICY, evaluate, type Verdict } from '../../src/domain/policy.js';
import type { Desktop } from '../../src/domain/types.js';
import { parseFleet, parseIsoDuration, validateDesktopInput } from '../../src/fleet/fleet-file.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const exampleFleet: unknown = JSON.parse(readFileSync(new URL('../../examples/fleet.json', import.meta.url), 'utf8'));

function record(overrides: Record<string, unknown> = {}, index = 0): Record<string, unknown> {
  return {
    desktop_id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    computer_name: `WKS-FIN-${String(index).padStart(4, '0')}`,
    os_type: 'Windows',
    os_version: '10.0.19045.3636',
    status: 'ACTIVE',
    ...overrides,
  };
}
const fleetOf = (...desktops: unknown[]) => ({ desktops });

describe('parseIsoDuration', () => {
  it.each([
    ['PT2H', 2 * 3_600_000],
    ['PT45M', 45 * 60_000],
    ['P3D', 3 * 86_400_000],
    ['P1DT4H30M', 86_400_000 + 4 * 3_600_000 + 30 * 60_000],
    ['P10D', 10 * 86_400_000],
    ['PT1.5S', 1500],
    ['PT0,25S', 250],
    ['PT1H0M30S', 3_600_000 + 30_000],
    ['PT0S', 0],
    ['PT90M', 90 * 60_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each(['', 'P', 'PT', 'P1DT', 'P1Y', 'P1M', 'P1Y2M3D', 'P1W', 'PT1.5H', 'pt2h', '-PT1H', 'PT-1H', '2H', 'PT2H ', 'T2H', 'P99999999999999999D'])(
    'refuses %j',
    (text) => {
      expect(parseIsoDuration(text)).toBeNull();
    },
  );
});

describe('validateDesktopInput', () => {
  it('converts a record and defaults enterprise_project_id and tags', () => {
    expect(validateDesktopInput(record())).toEqual({
      ok: true,
      desktop: {
        desktopId: '00000000-0000-4000-8000-000000000000',
        computerName: 'WKS-FIN-0000',
        osType: 'Windows',
        osVersion: '10.0.19045.3636',
        status: 'ACTIVE',
        enterpriseProjectId: '0',
        tags: [],
      },
    });
  });

  it.each([
    [{ desktop_id: 'a/b' }, 'desktop_id'],
    [{ desktop_id: '' }, 'desktop_id'],
    [{ desktop_id: 'a'.repeat(256) }, 'desktop_id'],
    [{ computer_name: '' }, 'computer_name'],
    [{ computer_name: 'W'.repeat(65) }, 'computer_name'],
    [{ computer_name: 'WKS\u0000' }, 'computer_name'],
    [{ os_type: 'MacOS' }, 'os_type'],
    [{ os_version: 'x'.repeat(65) }, 'os_version'],
    [{ os_version: undefined }, 'os_version'],
    [{ status: 'active' }, 'status'],
    [{ enterprise_project_id: 0 }, 'enterprise_project_id'],
    [{ tags: {} }, 'tags'],
    [{ tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: '' })) }, 'tags'],
    [{ tags: [{ key: 'k'.repeat(129), value: 'v' }] }, 'tags[0].key'],
    [{ tags: [{ key: 'a', value: 'v' }, { key: 'b', value: 'v'.repeat(256) }] }, 'tags[1].value'],
    [{ tags: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] }, 'tags[1].key'],
    [{ tags: [{ key: 'a', value: '1', colour: 'red' }] }, 'tags[0].colour'],
    [{ colour: 'blue' }, 'colour'],
    [{ report: {} }, 'report'],
  ])('refuses %j (field %s)', (overrides, field) => {
    const result = validateDesktopInput(record(overrides));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.field).toBe(field);
  });

  it('accepts the limits', () => {
    const result = validateDesktopInput(
      record({
        desktop_id: 'a'.repeat(255),
        computer_name: 'W'.repeat(64),
        os_version: '',
        tags: Array.from({ length: 50 }, (_, i) => ({ key: `${i}`.padEnd(128, 'k'), value: 'v'.repeat(255) })),
      }),
    );
    expect(result.ok).toBe(true);
  });
});

describe('parseFleet', () => {
  it('resolves age to collected_at = now − age', () => {
    const result = parseFleet(fleetOf(record({ report: { age: 'P1DT4H30M', sysprep_version: '10.0.19041.3636' } })), NOW);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.reports).toHaveLength(1);
    expect(result.reports[0].desktopId).toBe('00000000-0000-4000-8000-000000000000');
    expect(result.reports[0].report.collectedAt).toBe(NOW - (86_400_000 + 4 * 3_600_000 + 30 * 60_000));
    expect(result.reports[0].report.sysprepVersion).toBe('10.0.19041.3636');
  });

  it('accepts collected_at instants', () => {
    const result = parseFleet(
      fleetOf(record({ report: { collected_at: '2026-03-01T19:00:00+08:00', sysprep_version: '10.0.22621.2506' } })),
      NOW,
    );
    expect(result.ok && result.reports[0].report.collectedAt).toBe(Date.UTC(2026, 2, 1, 11));
  });

  it('reports the first bad record with its index, desktop id and field', () => {
    const desktops = [0, 1, 2, 3, 4].map((i) => record({}, i));
    desktops[3].os_type = 'Solaris';
    desktops[4].status = 'BROKEN';
    expect(parseFleet(fleetOf(...desktops), NOW)).toEqual({
      ok: false,
      error: {
        index: 3,
        desktopId: '00000000-0000-4000-8000-000000000003',
        field: 'os_type',
        message: expect.any(String),
      },
    });
  });

  it('prefixes report field errors with report.', () => {
    const bad = (report: unknown) => parseFleet(fleetOf(record(), record({ report }, 1)), NOW);
    const cases: [unknown, string][] = [
      [{ age: 'PT2H' }, 'report.sysprep_version'],
      [{ age: 'PT2H', sysprep_version: '10.0.19041.3636', bitlocker: 'on' }, 'report.bitlocker'],
      [{ age: 'PT2H', sysprep_version: '10.0.19041.3636', image_state: 7 }, 'report.image_state'],
      [{ age: 'P1Y', sysprep_version: '10.0.19041.3636' }, 'report.age'],
      [{ age: 120, sysprep_version: '10.0.19041.3636' }, 'report.age'],
      [{ age: 'PT2H', collected_at: '2026-03-01T10:00:00Z', sysprep_version: '10.0.19041.3636' }, 'report.age'],
      [{ sysprep_version: '10.0.19041.3636' }, 'report.collected_at'],
      [{ collected_at: '2026-03-01T13:00:00Z', sysprep_version: '10.0.19041.3636' }, 'report.collected_at'],
      [[], 'report'],
    ];
    for (const [report, field] of cases) {
      const result = bad(report);
      expect(result.ok ? null : result.error, JSON.stringify(report)).toMatchObject({ index: 1, field });
    }
  });

  it('refuses a duplicate desktop_id at its second occurrence', () => {
    const result = parseFleet(fleetOf(record({}, 0), record({}, 1), record({ computer_name: 'WKS-FIN-0100' }, 0)), NOW);
    expect(result.ok ? null : result.error).toMatchObject({
      index: 2,
      desktopId: '00000000-0000-4000-8000-000000000000',
      field: 'desktop_id',
      message: expect.stringContaining('index 0'),
    });
  });

  it('refuses unknown keys on a desktop and at the top level', () => {
    const onDesktop = parseFleet(fleetOf(record(), record({ age: 'PT2H' }, 1)), NOW);
    expect(onDesktop.ok ? null : onDesktop.error).toMatchObject({ index: 1, field: 'age' });
    const topLevel = parseFleet({ desktops: [], description: 'dev fleet' }, NOW);
    expect(topLevel.ok ? null : topLevel.error).toMatchObject({ index: null, field: 'description' });
  });

  it('refuses a file without a desktops array, and non-object records', () => {
    for (const value of [null, [], 'x', {}, { desktops: {} }]) {
      const result = parseFleet(value, NOW);
      expect(result.ok ? null : result.error.index).toBeNull();
    }
    const result = parseFleet(fleetOf(record(), 'desktop'), NOW);
    expect(result.ok ? null : result.error).toEqual({ index: 1, field: 'desktop', message: expect.any(String) });
  });

  it('accepts an empty fleet', () => {
    expect(parseFleet({ desktops: [] }, NOW)).toEqual({ ok: true, desktops: [], reports: [] });
  });
});

describe('examples/fleet.json', () => {
  const result = parseFleet(exampleFleet, NOW);

  it('parses with no error and holds about 200 desktops', () => {
    expect(result.ok ? null : result.error).toBeNull();
    if (!result.ok) return;
    expect(result.desktops.length).toBeGreaterThanOrEqual(180);
    expect(result.desktops.length).toBeLessThanOrEqual(220);
    const withoutReport = result.desktops.length - result.reports.length;
    expect(withoutReport).toBeGreaterThanOrEqual(10);
    expect(withoutReport).toBeLessThanOrEqual(20);
  });

  it('starts with a reported Windows 11 desktop, then a Windows desktop that never reported', () => {
    if (!result.ok) throw new Error('fleet does not parse');
    const [first, second] = result.desktops;
    expect(first).toMatchObject({ osType: 'Windows', status: 'ACTIVE' });
    expect(first.osVersion).toMatch(/^10\.0\.2(2631|6100)\./);
    expect(result.reports.some((r) => r.desktopId === first.desktopId)).toBe(true);
    expect(second.osType).toBe('Windows');
    expect(result.reports.some((r) => r.desktopId === second.desktopId)).toBe(false);
  });

  it('is exactly what examples/generate-fleet.mjs produces (the generator and the file are in sync)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wks-fleet-'));
    try {
      const out = join(dir, 'fleet.json');
      const generator = new URL('../../examples/generate-fleet.mjs', import.meta.url).pathname;
      expect(execFileSync(process.execPath, [generator, out], { encoding: 'utf8' })).toBe(`wrote ${out}: 200 desktops\n`);
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(new URL('../../examples/fleet.json', import.meta.url), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the desktop ids the README and the tests rely on', () => {
    if (!result.ok) throw new Error('fleet does not parse');
    const byId = new Map(result.desktops.map((d) => [d.desktopId, d]));
    const reported = new Set(result.reports.map((r) => r.desktopId));
    expect(result.desktops[0].desktopId).toBe('24cf2487-67bb-43a1-a563-9f947e859613');
    expect(reported.has('24cf2487-67bb-43a1-a563-9f947e859613')).toBe(true);
    expect(result.desktops[1].desktopId).toBe('e1c68255-7dee-42a7-8d27-71d699ec9921');
    expect(reported.has('e1c68255-7dee-42a7-8d27-71d699ec9921')).toBe(false);
    expect(byId.get('aa60353f-bbbc-4fec-bfdf-b014d647e0ef')).toMatchObject({ osType: 'Linux', status: 'ACTIVE' });
  });

  it('uses ages, never instants, so it never goes stale', () => {
    const desktops = (exampleFleet as { desktops: { report?: Record<string, unknown> }[] }).desktops;
    for (const d of desktops) {
      if (d.report) {
        expect(d.report).toHaveProperty('age');
        expect(d.report).not.toHaveProperty('collected_at');
      }
    }
  });

  describe('evaluated with the default policy', () => {
    if (!result.ok) throw new Error('fleet does not parse');
    const reports = new Map(result.reports.map((r) => [r.desktopId, r.report]));
    const verdicts: Verdict[] = result.desktops.map((input) => {
      const desktop: Desktop = { ...input, projectId: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', createdAt: NOW, updatedAt: NOW };
      return evaluate(desktop, reports.get(input.desktopId) ?? null, DEFAULT_POLICY, NOW);
    });
    const count = (code: string) => verdicts.filter((v) => v.blockers.some((b) => b.code === code)).length;

    it.each(BLOCKER_CODES)('at least two desktops show %s', (code) => {
      expect(count(code)).toBeGreaterThanOrEqual(2);
    });

    it('the first desktop is imageable and the second has no report', () => {
      expect(verdicts[0]).toMatchObject({ supportCreateImage: true, blockers: [] });
      expect(verdicts[0].sysprepVersion).not.toBe('');
      expect(verdicts[1].blockers.map((b) => b.code)).toEqual(['NO_REPORT']);
    });

    it('most Windows desktops are imageable, and BitLocker suspended is only a warning', () => {
      const windows = verdicts.filter((_, i) => result.desktops[i].osType === 'Windows');
      expect(windows.filter((v) => v.supportCreateImage).length / windows.length).toBeGreaterThan(0.7);
      const suspended = verdicts.filter((v) => v.warnings.some((w) => w.code === 'BITLOCKER_SUSPENDED'));
      expect(suspended.length).toBeGreaterThanOrEqual(1);
      expect(suspended.some((v) => v.supportCreateImage)).toBe(true);
    });
  });
});
