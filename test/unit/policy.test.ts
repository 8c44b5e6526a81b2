import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  BLOCKER_CODES,
  DEFAULT_POLICY,
  RULES,
  evaluate,
  parsePolicy,
  type Policy,
  type Verdict,
} from '../../src/domain/policy.js';
import { IMAGE_STATES, type BitlockerState, type Desktop, type ImageState, type SysprepReport } from '../../src/domain/types.js';

const NOW = Date.UTC(2026, 11, 3, 10);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CALC = 'Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe';

const desktop: Desktop = {
  projectId: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  desktopId: 'd-1',
  computerName: 'PC-1',
  osType: 'Windows',
  osVersion: '10.0.19045',
  status: 'ACTIVE',
  enterpriseProjectId: '0',
  tags: [],
  createdAt: 0,
  updatedAt: 0,
};

/** A healthy Windows 10 22H2 report: every fact present, nothing blocks. */
const good: SysprepReport = {
  collectedAt: NOW - HOUR,
  sysprepVersion: '10.0.19041.3636',
  osVersion: '10.0.19045.3636',
  osEdition: 'Professional',
  imageState: 'IMAGE_STATE_COMPLETE',
  rearmRemaining: 1,
  skipRearm: false,
  upgradedInPlace: false,
  appxUnprovisioned: [],
  bitlockerOsVolume: 'off',
  generalizeCount: 2,
  sysprepSucceededTag: false,
  pendingReboot: false,
  domainJoined: true,
  agentVersion: '1.0.0',
};

/** A Windows 7 SP1 report, for the rules that only apply to old versions. */
const win7: SysprepReport = { ...good, sysprepVersion: '6.1.7601.17514', osVersion: '6.1.7601' };

function verdict(report: SysprepReport | null, d: Partial<Desktop> = {}, policy: Policy = DEFAULT_POLICY, now = NOW) {
  return evaluate({ ...desktop, ...d }, report, policy, now);
}
const codes = (v: Verdict) => v.blockers.map((b) => b.code);

describe('evaluate: capabilities', () => {
  it('a healthy report supports everything', () => {
    expect(verdict(good)).toEqual({
      sysprepVersion: '10.0.19041.3636',
      supportCreateImage: true,
      supportHibernate: true,
      supportUpdateRoute: true,
      blockers: [],
      warnings: [],
      stale: false,
    });
  });

  it('only the required facts: absent facts never block', () => {
    const v = verdict({ collectedAt: NOW, sysprepVersion: '10.0.17763.1' });
    expect(v.blockers).toEqual([]);
    expect(v.supportCreateImage && v.supportHibernate && v.supportUpdateRoute).toBe(true);
  });

  it('no report: empty version, nothing supported, NO_REPORT', () => {
    expect(verdict(null)).toEqual({
      sysprepVersion: '',
      supportCreateImage: false,
      supportHibernate: false,
      supportUpdateRoute: false,
      blockers: [{ code: 'NO_REPORT', message: expect.any(String) }],
      warnings: [],
      stale: false,
    });
    expect(codes(verdict(null, { osType: 'Linux', status: 'ERROR' }))).toEqual(['NOT_WINDOWS', 'NO_REPORT', 'DESKTOP_IN_ERROR']);
  });

  it('hibernate needs Windows, a fresh report and sysprep ≥ 10.0.17763.0', () => {
    expect(verdict({ ...good, sysprepVersion: '10.0.17763.0' }).supportHibernate).toBe(true);
    expect(verdict({ ...good, sysprepVersion: '10.0.17134.1' }).supportHibernate).toBe(false);
    expect(verdict(good, { osType: 'Linux' }).supportHibernate).toBe(false);
    expect(verdict({ ...good, collectedAt: NOW - 8 * DAY }).supportHibernate).toBe(false);
  });

  it('update route needs a fresh report and sysprep ≥ 10.0.14393.0, whatever the OS type', () => {
    expect(verdict({ ...good, sysprepVersion: '10.0.14393.0' }).supportUpdateRoute).toBe(true);
    expect(verdict({ ...good, sysprepVersion: '10.0.10586.0' }).supportUpdateRoute).toBe(false);
    expect(verdict(good, { osType: 'Linux' }).supportUpdateRoute).toBe(true);
    expect(verdict({ ...good, collectedAt: NOW - 8 * DAY }).supportUpdateRoute).toBe(false);
  });

  it('compares versions as numbers: 10.0.9600 < 10.0.10240', () => {
    const policy = { ...DEFAULT_POLICY, minUpdateRouteVersion: '10.0.10240.0' };
    expect(verdict({ ...good, sysprepVersion: '10.0.9600.0' }, {}, policy).supportUpdateRoute).toBe(false);
  });

  it('the rule table mirrors BLOCKER_CODES and every rule names what it reads', () => {
    expect(RULES.map((r) => r.code)).toEqual(BLOCKER_CODES);
    for (const rule of RULES.filter((r) => r.code !== 'NO_REPORT')) expect(rule.reads.length).toBeGreaterThan(0);
  });
});

describe('evaluate: each blocker on and off', () => {
  it('NOT_WINDOWS', () => {
    expect(verdict(good, { osType: 'Linux' }).blockers).toEqual([
      { code: 'NOT_WINDOWS', message: expect.any(String), fact: 'os_type', value: 'Linux' },
    ]);
    expect(codes(verdict(good, { osType: 'Windows' }))).toEqual([]);
  });

  it('REPORT_STALE after 7 days (strictly), with stale = true', () => {
    const old = verdict({ ...good, collectedAt: NOW - 7 * DAY - 1 });
    expect(old.stale).toBe(true);
    expect(old.blockers).toEqual([
      { code: 'REPORT_STALE', message: expect.stringContaining('7 days'), fact: 'collected_at', value: new Date(NOW - 7 * DAY - 1).toISOString() },
    ]);
    const edge = verdict({ ...good, collectedAt: NOW - 7 * DAY });
    expect(edge.stale).toBe(false);
    expect(codes(edge)).toEqual([]);
    // A report from slightly in the future (clock skew) is fresh.
    expect(verdict({ ...good, collectedAt: NOW + 60_000 }).stale).toBe(false);
  });

  it('SYSPREP_VERSION_TOO_OLD below 10.0.14393.0', () => {
    expect(verdict({ ...good, sysprepVersion: '10.0.14392.9999', osVersion: undefined }).blockers).toEqual([
      { code: 'SYSPREP_VERSION_TOO_OLD', message: expect.any(String), fact: 'sysprep_version', value: '10.0.14392.9999' },
    ]);
    expect(codes(verdict({ ...good, sysprepVersion: '10.0.14393.0' }))).toEqual([]);
  });

  it('IMAGE_STATE_NOT_COMPLETE for every other state, unknown included', () => {
    for (const state of [...IMAGE_STATES.filter((s) => s !== 'IMAGE_STATE_COMPLETE'), 'IMAGE_STATE_UNKNOWN' as const]) {
      expect(verdict({ ...good, imageState: state }).blockers).toEqual([
        { code: 'IMAGE_STATE_NOT_COMPLETE', message: expect.any(String), fact: 'image_state', value: state },
      ]);
    }
    expect(codes(verdict({ ...good, imageState: undefined }))).toEqual([]);
  });

  it('REARM_EXHAUSTED: OS < 6.2, no rearm left, SkipRearm not set', () => {
    const base = { ...win7, rearmRemaining: 0, skipRearm: undefined };
    expect(codes(verdict(base))).toEqual(['SYSPREP_VERSION_TOO_OLD', 'REARM_EXHAUSTED']);
    expect(verdict(base).blockers[1]).toMatchObject({ fact: 'rearm_remaining', value: 0 });
    expect(codes(verdict({ ...base, skipRearm: false }))).toContain('REARM_EXHAUSTED');
    expect(codes(verdict({ ...base, skipRearm: true }))).not.toContain('REARM_EXHAUSTED');
    expect(codes(verdict({ ...base, rearmRemaining: 1 }))).not.toContain('REARM_EXHAUSTED');
    expect(codes(verdict({ ...base, rearmRemaining: 4294967295 }))).not.toContain('REARM_EXHAUSTED');
    expect(codes(verdict({ ...base, rearmRemaining: undefined }))).not.toContain('REARM_EXHAUSTED');
    expect(codes(verdict({ ...base, osVersion: '6.2.9200' }))).not.toContain('REARM_EXHAUSTED');
    expect(codes(verdict({ ...base, osVersion: '6.2' }))).not.toContain('REARM_EXHAUSTED');
    expect(codes(verdict({ ...base, osVersion: '6.1.65535.65535' }))).toContain('REARM_EXHAUSTED');
  });

  it('REARM_EXHAUSTED falls back to sysprep_version when os_version is absent or unreadable', () => {
    const base = { ...win7, rearmRemaining: 0, osVersion: undefined };
    expect(codes(verdict(base))).toContain('REARM_EXHAUSTED');
    const unreadable = verdict({ ...base, osVersion: 'Windows 7 SP1' });
    expect(codes(unreadable)).toContain('REARM_EXHAUSTED');
    expect(unreadable.warnings).toEqual([{ code: 'OS_VERSION_UNREADABLE', message: expect.any(String), fact: 'os_version' }]);
    // os_version wins over sysprep_version when present.
    expect(codes(verdict({ ...good, rearmRemaining: 0, osVersion: '6.1.7601' }))).toContain('REARM_EXHAUSTED');
  });

  it('GENERALIZE_LIMIT_REACHED: OS ≥ 6.3 and generalize_count ≥ 1001', () => {
    expect(verdict({ ...good, generalizeCount: 1001 }).blockers).toEqual([
      { code: 'GENERALIZE_LIMIT_REACHED', message: expect.stringContaining('1001'), fact: 'generalize_count', value: 1001 },
    ]);
    expect(codes(verdict({ ...good, generalizeCount: 1000 }))).toEqual([]);
    expect(codes(verdict({ ...good, generalizeCount: undefined }))).toEqual([]);
    expect(codes(verdict({ ...good, generalizeCount: 5000, osVersion: '6.3' }))).toEqual(['GENERALIZE_LIMIT_REACHED']);
    expect(codes(verdict({ ...win7, generalizeCount: 5000, osVersion: '6.2.9200' }))).not.toContain('GENERALIZE_LIMIT_REACHED');
  });

  it('UPGRADED_OS: upgraded in place and OS < 10.0.14393', () => {
    const upgraded = { ...good, sysprepVersion: '10.0.14393.0', osVersion: '10.0.10586.0', upgradedInPlace: true };
    expect(verdict(upgraded).blockers).toEqual([
      { code: 'UPGRADED_OS', message: expect.any(String), fact: 'upgraded_in_place', value: true },
    ]);
    expect(codes(verdict({ ...upgraded, osVersion: '10.0.14393' }))).toEqual([]);
    expect(codes(verdict({ ...upgraded, upgradedInPlace: false }))).toEqual([]);
    expect(codes(verdict({ ...upgraded, upgradedInPlace: undefined }))).toEqual([]);
  });

  it('APPX_NOT_PROVISIONED names the packages', () => {
    const v = verdict({ ...good, appxUnprovisioned: [CALC] });
    expect(v.blockers).toEqual([
      { code: 'APPX_NOT_PROVISIONED', message: expect.stringContaining(CALC), fact: 'appx_unprovisioned', value: [CALC] },
    ]);
    const many = Array.from({ length: 8 }, (_, i) => CALC.replace('Calculator', `App${i}`));
    const m = verdict({ ...good, appxUnprovisioned: many }).blockers[0];
    expect(m.message).toContain('and 3 more');
    expect(m.value).toEqual(many);
    expect(codes(verdict({ ...good, appxUnprovisioned: [] }))).toEqual([]);
    expect(codes(verdict({ ...good, appxUnprovisioned: undefined }))).toEqual([]);
  });

  it('BITLOCKER_ON blocks; suspended only warns', () => {
    expect(verdict({ ...good, bitlockerOsVolume: 'on' }).blockers).toEqual([
      { code: 'BITLOCKER_ON', message: expect.any(String), fact: 'bitlocker_os_volume', value: 'on' },
    ]);
    const suspended = verdict({ ...good, bitlockerOsVolume: 'suspended' });
    expect(suspended.blockers).toEqual([]);
    expect(suspended.supportCreateImage).toBe(true);
    expect(suspended.warnings).toEqual([
      { code: 'BITLOCKER_SUSPENDED', message: expect.any(String), fact: 'bitlocker_os_volume' },
    ]);
    expect(codes(verdict({ ...good, bitlockerOsVolume: 'unknown' }))).toEqual([]);
  });

  it('PENDING_REBOOT', () => {
    expect(verdict({ ...good, pendingReboot: true }).blockers).toEqual([
      { code: 'PENDING_REBOOT', message: expect.any(String), fact: 'pending_reboot', value: true },
    ]);
    expect(codes(verdict({ ...good, pendingReboot: undefined }))).toEqual([]);
  });

  it('DESKTOP_IN_ERROR', () => {
    expect(verdict(good, { status: 'ERROR' }).blockers).toEqual([
      { code: 'DESKTOP_IN_ERROR', message: expect.any(String), fact: 'status', value: 'ERROR' },
    ]);
    expect(codes(verdict(good, { status: 'SHUTOFF' }))).toEqual([]);
  });

  it('facts without a rule never block', () => {
    const v = verdict({ ...good, domainJoined: true, sysprepSucceededTag: true, osEdition: 'ServerDatacenter', agentVersion: 'x' });
    expect(v.blockers).toEqual([]);
  });

  it('lists several blockers in table order', () => {
    const bad: SysprepReport = {
      ...win7,
      collectedAt: NOW - 30 * DAY,
      imageState: 'IMAGE_STATE_UNDEPLOYABLE',
      rearmRemaining: 0,
      upgradedInPlace: true,
      appxUnprovisioned: [CALC],
      bitlockerOsVolume: 'on',
      pendingReboot: true,
    };
    expect(codes(verdict(bad, { osType: 'Linux', status: 'ERROR' }))).toEqual(
      BLOCKER_CODES.filter((c) => c !== 'NO_REPORT' && c !== 'GENERALIZE_LIMIT_REACHED'),
    );
  });
});

describe('evaluate: thresholds from a custom policy', () => {
  const custom = parsePolicy({
    min_sysprep_version: '6.1.7600.0',
    stale_after_seconds: 3600,
    min_hibernate_version: '10.0.22000.0',
    min_update_route_version: '10.0.19041.0',
    generalize_limit: 3,
  });

  it('uses every configurable threshold', () => {
    expect(codes(verdict(win7, {}, custom))).toEqual([]);
    expect(codes(verdict(win7))).toEqual(['SYSPREP_VERSION_TOO_OLD']);
    const stale = verdict({ ...good, collectedAt: NOW - HOUR - 1 }, {}, custom);
    expect(stale.stale).toBe(true);
    expect(stale.blockers[0]).toMatchObject({ code: 'REPORT_STALE', message: expect.stringContaining('1 hour') });
    expect(verdict(good, {}, custom).supportHibernate).toBe(false);
    expect(verdict({ ...good, sysprepVersion: '10.0.22000.1' }, {}, custom).supportHibernate).toBe(true);
    expect(verdict({ ...good, sysprepVersion: '10.0.18362.1' }, {}, custom).supportUpdateRoute).toBe(false);
    expect(verdict(good, {}, custom).supportUpdateRoute).toBe(true);
    expect(codes(verdict({ ...good, generalizeCount: 3 }, {}, custom))).toEqual(['GENERALIZE_LIMIT_REACHED']);
    expect(codes(verdict({ ...good, generalizeCount: 2 }, {}, custom))).toEqual([]);
  });
});

describe('parsePolicy', () => {
  it('returns the defaults for an empty object', () => {
    expect(parsePolicy({})).toEqual(DEFAULT_POLICY);
    expect(DEFAULT_POLICY).toEqual({
      minSysprepVersion: '10.0.14393.0',
      staleAfterMs: 7 * DAY,
      minHibernateVersion: '10.0.17763.0',
      minUpdateRouteVersion: '10.0.14393.0',
      generalizeLimit: 1001,
    });
  });

  it('merges a subset over the defaults and normalises versions', () => {
    expect(parsePolicy({ min_sysprep_version: '10.0', stale_after_seconds: 86400 })).toEqual({
      ...DEFAULT_POLICY,
      minSysprepVersion: '10.0.0.0',
      staleAfterMs: DAY,
    });
  });

  it.each([
    [null, /JSON object/],
    [[], /JSON object/],
    ['x', /JSON object/],
    [{ stale_after: 5 }, /unknown key "stale_after"/],
    [{ min_sysprep_version: 'new' }, /min_sysprep_version must be a version/],
    [{ min_hibernate_version: 10 }, /min_hibernate_version must be a version/],
    [{ min_update_route_version: '1.2.3.4.5' }, /min_update_route_version must be a version/],
    [{ stale_after_seconds: 0 }, /stale_after_seconds must be an integer/],
    [{ stale_after_seconds: 1.5 }, /stale_after_seconds must be an integer/],
    [{ stale_after_seconds: '60' }, /stale_after_seconds must be an integer/],
    [{ generalize_limit: 0 }, /generalize_limit must be an integer/],
    [{ generalize_limit: 2_000_000 }, /generalize_limit must be an integer/],
  ])('refuses %j', (json, message) => {
    expect(() => parsePolicy(json)).toThrow(message);
  });
});

describe('properties', () => {
  const version = fc.constantFrom('6.1.7601.17514', '6.3.9600.0', '10.0.10586.0', '10.0.14393.0', '10.0.17763.1', '10.0.19041.3636');
  const report: fc.Arbitrary<SysprepReport> = fc.record(
    {
      collectedAt: fc.integer({ min: NOW - 10 * DAY, max: NOW + 5 * 60_000 }),
      sysprepVersion: version,
      osVersion: fc.oneof(version, fc.constantFrom('6.1', '6.2.9200', '10.0.14393', 'Windows')),
      imageState: fc.constantFrom(...IMAGE_STATES, 'IMAGE_STATE_UNKNOWN' as const),
      rearmRemaining: fc.constantFrom(0, 1, 4294967295),
      skipRearm: fc.boolean(),
      upgradedInPlace: fc.boolean(),
      appxUnprovisioned: fc.array(fc.constant(CALC), { maxLength: 2 }),
      bitlockerOsVolume: fc.constantFrom('off' as const, 'on' as const, 'suspended' as const, 'unknown' as const),
      generalizeCount: fc.constantFrom(0, 1000, 1001, 5000),
      pendingReboot: fc.boolean(),
      domainJoined: fc.boolean(),
    },
    { requiredKeys: ['collectedAt', 'sysprepVersion'] },
  );
  const desktops = fc.record({
    osType: fc.constantFrom('Windows' as const, 'Linux' as const),
    status: fc.constantFrom('ACTIVE' as const, 'SHUTOFF' as const, 'ERROR' as const),
  });
  /** Wire fact name → SysprepReport key, for the optional facts a blocker can name. */
  const KEY_OF: Record<string, keyof SysprepReport> = {
    image_state: 'imageState',
    rearm_remaining: 'rearmRemaining',
    generalize_count: 'generalizeCount',
    upgraded_in_place: 'upgradedInPlace',
    appx_unprovisioned: 'appxUnprovisioned',
    bitlocker_os_volume: 'bitlockerOsVolume',
    pending_reboot: 'pendingReboot',
  };

  function noWorse(before: Verdict, after: Verdict): void {
    for (const code of codes(after)) expect(codes(before)).toContain(code);
    if (before.supportCreateImage) expect(after.supportCreateImage).toBe(true);
    if (before.supportHibernate) expect(after.supportHibernate).toBe(true);
    if (before.supportUpdateRoute) expect(after.supportUpdateRoute).toBe(true);
  }

  it("removing a blocker's triggering fact never adds blockers nor turns a capability off", () => {
    fc.assert(
      fc.property(report, desktops, (r, d) => {
        const before = verdict(r, d);
        for (const blocker of before.blockers) {
          const key = blocker.fact === undefined ? undefined : KEY_OF[blocker.fact];
          if (key === undefined) continue; // required or inventory facts cannot be removed
          const after = verdict({ ...r, [key]: undefined }, d);
          noWorse(before, after);
          expect(codes(after)).not.toContain(blocker.code);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('removing any optional fact other than an exemption or the OS version never makes things worse', () => {
    // skip_rearm only exempts (absent = not set), and os_version selects which version the
    // version-dependent rules compare, so removing those two may legitimately block.
    const removable = Object.values(KEY_OF);
    fc.assert(
      fc.property(report, desktops, fc.constantFrom(...removable), (r, d, key) => {
        noWorse(verdict(r, d), verdict({ ...r, [key]: undefined }, d));
      }),
      { numRuns: 500 },
    );
  });

  // Reports as Windows produces them: sysprep.exe ships with the OS, so os_version and
  // sysprep_version share major.minor and fall on the same side of every OS boundary of the
  // rule table (6.2, 6.3, 10.0.14393), e.g. sysprep 10.0.19041.x on OS 10.0.19045.y.
  const FAMILIES: [sysprep: string, os: string][] = [
    ['6.1.7601', '6.1.7601'],
    ['6.2.9200', '6.2.9200'],
    ['6.3.9600', '6.3.9600'],
    ['10.0.10240', '10.0.10240'],
    ['10.0.10586', '10.0.10586'],
    ['10.0.14393', '10.0.14393'],
    ['10.0.17763', '10.0.17763'],
    ['10.0.19041', '10.0.19045'],
    ['10.0.22621', '10.0.22631'],
    ['10.0.26100', '10.0.26100'],
  ];
  /** Mostly the healthy value, so that many generated desktops start imageable. */
  const mostly = <T,>(healthy: T, ...others: T[]) => fc.oneof({ arbitrary: fc.constant(healthy), weight: 5 }, { arbitrary: fc.constantFrom(...others), weight: 1 });
  const windowsReport: fc.Arbitrary<SysprepReport> = fc
    .tuple(fc.constantFrom(...FAMILIES), fc.nat(9999), fc.option(fc.nat(9999), { nil: undefined }))
    .chain(([[sysprep, os], rev, ubr]) =>
      fc.record(
        {
          collectedAt: fc.oneof({ arbitrary: fc.integer({ min: NOW - DAY, max: NOW + 5 * 60_000 }), weight: 4 }, { arbitrary: fc.integer({ min: NOW - 40 * DAY, max: NOW }), weight: 1 }),
          sysprepVersion: fc.constant(`${sysprep}.${rev}`),
          osVersion: fc.constant(ubr === undefined ? os : `${os}.${ubr}`),
          osEdition: fc.constantFrom('Professional', 'Enterprise', 'ServerDatacenter'),
          imageState: mostly<ImageState>('IMAGE_STATE_COMPLETE', ...IMAGE_STATES.slice(1), 'IMAGE_STATE_UNKNOWN'),
          rearmRemaining: fc.constantFrom(0, 1, 3, 1000, 4294967295),
          skipRearm: fc.boolean(),
          upgradedInPlace: fc.boolean(),
          appxUnprovisioned: mostly<string[]>([], [CALC], [CALC, CALC.replace('Calculator', 'Terminal')]),
          bitlockerOsVolume: mostly<BitlockerState>('off', 'on', 'suspended', 'unknown'),
          generalizeCount: fc.constantFrom(0, 2, 499, 500, 1000, 1001, 5000),
          sysprepSucceededTag: fc.boolean(),
          pendingReboot: mostly(false, true),
          domainJoined: fc.boolean(),
          agentVersion: fc.constantFrom('1.4.2', '1.5.0'),
        },
        { requiredKeys: ['collectedAt', 'sysprepVersion'] },
      ),
    );
  const windowsDesktops = fc.record({ osType: mostly<Desktop['osType']>('Windows', 'Linux'), status: mostly<Desktop['status']>('ACTIVE', 'SHUTOFF', 'ERROR') });
  const anyPolicy: fc.Arbitrary<Policy> = fc
    .record({
      min_sysprep_version: fc.constantFrom('6.0', '6.1.7601.0', '10.0.10240.0', '10.0.14393.0', '10.0.19041.0', '10.0.26100.0'),
      stale_after_seconds: fc.constantFrom(3600, 86400, 7 * 86400, 30 * 86400),
      min_hibernate_version: fc.constantFrom('6.1', '10.0.17763.0', '10.0.22000.0'),
      min_update_route_version: fc.constantFrom('6.1', '10.0.14393.0', '10.0.19041.0'),
      generalize_limit: fc.constantFrom(1, 500, 1001, 1_000_001),
    }, { requiredKeys: [] })
    .map(parsePolicy);
  /** Every optional report fact, by its SysprepReport key. */
  const OPTIONAL_FACTS: (keyof SysprepReport)[] = [
    'osVersion', 'osEdition', 'imageState', 'rearmRemaining', 'skipRearm', 'upgradedInPlace', 'appxUnprovisioned',
    'bitlockerOsVolume', 'generalizeCount', 'sysprepSucceededTag', 'pendingReboot', 'domainJoined', 'agentVersion',
  ];
  const evaluateWith = (r: SysprepReport, d: Partial<Desktop>, p: Policy) => evaluate({ ...desktop, ...d }, r, p, NOW);

  it('monotonicity: removing any present fact of a Windows report never turns a true verdict false (any policy)', () => {
    // skip_rearm is the one fact whose presence can only exempt (absent = SkipRearm not set),
    // so it is checked separately below.
    const removable = OPTIONAL_FACTS.filter((k) => k !== 'skipRearm');
    let imageable = 0;
    fc.assert(
      fc.property(windowsReport, windowsDesktops, anyPolicy, (r, d, p) => {
        const before = evaluateWith(r, d, p);
        if (before.supportCreateImage) imageable++;
        for (const key of removable) {
          if (r[key] === undefined) continue;
          noWorse(before, evaluateWith({ ...r, [key]: undefined }, d, p));
        }
      }),
      { numRuns: 1000 },
    );
    // Not vacuous: a good share of the generated desktops start imageable.
    expect(imageable).toBeGreaterThan(50); // about 115 of 1000 on average
  });

  it('monotonicity: removing all optional facts at once never turns a true verdict false', () => {
    fc.assert(
      fc.property(windowsReport, windowsDesktops, anyPolicy, (r, d, p) => {
        const before = evaluateWith(r, d, p);
        const bare = evaluateWith({ collectedAt: r.collectedAt, sysprepVersion: r.sysprepVersion }, d, p);
        noWorse(before, bare);
        // Only the required facts and the inventory can block a bare report.
        for (const code of codes(bare)) expect(['NOT_WINDOWS', 'REPORT_STALE', 'SYSPREP_VERSION_TOO_OLD', 'DESKTOP_IN_ERROR']).toContain(code);
      }),
      { numRuns: 500 },
    );
  });

  it('skip_rearm only exempts: removing it can add REARM_EXHAUSTED and nothing else', () => {
    fc.assert(
      fc.property(windowsReport, windowsDesktops, anyPolicy, (r, d, p) => {
        const before = evaluateWith(r, d, p);
        const after = evaluateWith({ ...r, skipRearm: undefined }, d, p);
        expect(codes(after).filter((c) => c !== 'REARM_EXHAUSTED')).toEqual(codes(before).filter((c) => c !== 'REARM_EXHAUSTED'));
        if (r.skipRearm !== true) expect(codes(after)).toEqual(codes(before));
      }),
      { numRuns: 500 },
    );
  });

  it('os_version only chooses the version the OS-dependent rules compare, even when it disagrees with sysprep_version', () => {
    const OS_RULES = ['REARM_EXHAUSTED', 'GENERALIZE_LIMIT_REACHED', 'UPGRADED_OS'];
    fc.assert(
      fc.property(report, desktops, anyPolicy, (r, d, p) => {
        const before = evaluateWith(r, d, p);
        const after = evaluateWith({ ...r, osVersion: undefined }, d, p);
        expect(codes(after).filter((c) => !OS_RULES.includes(c))).toEqual(codes(before).filter((c) => !OS_RULES.includes(c)));
        expect([after.supportHibernate, after.supportUpdateRoute]).toEqual([before.supportHibernate, before.supportUpdateRoute]);
      }),
      { numRuns: 500 },
    );
  });

  it('relaxing a threshold of the policy never turns a true verdict false', () => {
    fc.assert(
      fc.property(windowsReport, windowsDesktops, anyPolicy, (r, d, p) => {
        const before = evaluateWith(r, d, p);
        noWorse(before, evaluateWith(r, d, { ...p, minSysprepVersion: '0.0.0.0' }));
        noWorse(before, evaluateWith(r, d, { ...p, staleAfterMs: p.staleAfterMs * 2 }));
        noWorse(before, evaluateWith(r, d, { ...p, generalizeLimit: 1_000_001 }));
        noWorse(before, evaluateWith(r, d, { ...p, minHibernateVersion: '0.0.0.0', minUpdateRouteVersion: '0.0.0.0' }));
      }),
      { numRuns: 500 },
    );
  });

  it('supportCreateImage is exactly "no blockers", and blockers follow BLOCKER_CODES order', () => {
    fc.assert(
      fc.property(fc.option(report, { nil: null }), desktops, (r, d) => {
        const v = verdict(r, d);
        expect(v.supportCreateImage).toBe(v.blockers.length === 0);
        const order = codes(v).map((c) => BLOCKER_CODES.indexOf(c));
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(v.stale).toBe(r !== null && NOW - r.collectedAt > DEFAULT_POLICY.staleAfterMs);
      }),
    );
  });
});
