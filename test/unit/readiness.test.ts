// The reasons behind a verdict: which facts the verdict used, which are information, and the
// project tally.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCKER_CODES, DEFAULT_POLICY, RULES, evaluate } from '../../src/domain/policy.js';
import { INFORMATION_FACTS, RULE_FACTS, ReadinessTally, WARNING_CODES, readinessFacts } from '../../src/domain/readiness.js';
import { REPORT_FIELDS } from '../../src/domain/report.js';
import type { Desktop, SysprepReport } from '../../src/domain/types.js';

const NOW = Date.UTC(2026, 11, 3, 10);
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
const full: SysprepReport = {
  collectedAt: NOW - 1000,
  sysprepVersion: '10.0.19041.3636',
  osVersion: '10.0.19045.3636',
  osEdition: 'Professional',
  imageState: 'IMAGE_STATE_COMPLETE',
  rearmRemaining: 4294967295,
  skipRearm: true,
  upgradedInPlace: false,
  appxUnprovisioned: [],
  bitlockerOsVolume: 'off',
  generalizeCount: 2,
  sysprepSucceededTag: true,
  pendingReboot: false,
  domainJoined: true,
  agentVersion: '1.5.1',
  receivedAt: NOW,
};

describe('facts and information', () => {
  it('every report field is either read by a rule or a capability, or information — never both', () => {
    const read = REPORT_FIELDS.filter((f) => RULE_FACTS.has(f));
    expect(read).toEqual([
      'collected_at',
      'sysprep_version',
      'os_version',
      'image_state',
      'rearm_remaining',
      'skip_rearm',
      'upgraded_in_place',
      'appx_unprovisioned',
      'bitlocker_os_volume',
      'generalize_count',
      'pending_reboot',
    ]);
    expect(REPORT_FIELDS.filter((f) => !RULE_FACTS.has(f))).toEqual([...INFORMATION_FACTS].sort((a, b) => REPORT_FIELDS.indexOf(a) - REPORT_FIELDS.indexOf(b)));
    // Inventory facts the rules read.
    expect([...RULE_FACTS].filter((f) => !(REPORT_FIELDS as readonly string[]).includes(f)).sort()).toEqual(['os_type', 'status']);
  });

  it('splits a full report, leaving out received_at', () => {
    expect(readinessFacts(desktop, full)).toEqual({
      facts: {
        os_type: 'Windows',
        status: 'ACTIVE',
        collected_at: new Date(NOW - 1000).toISOString(),
        sysprep_version: '10.0.19041.3636',
        os_version: '10.0.19045.3636',
        image_state: 'IMAGE_STATE_COMPLETE',
        rearm_remaining: 4294967295,
        skip_rearm: true,
        upgraded_in_place: false,
        appx_unprovisioned: [],
        bitlocker_os_volume: 'off',
        generalize_count: 2,
        pending_reboot: false,
      },
      information: { os_edition: 'Professional', sysprep_succeeded_tag: true, domain_joined: true, agent_version: '1.5.1' },
    });
  });

  it('absent facts are left out; no report leaves the inventory facts only', () => {
    expect(readinessFacts(desktop, { collectedAt: NOW, sysprepVersion: '10.0.1.0' })).toEqual({
      facts: { os_type: 'Windows', status: 'ACTIVE', collected_at: new Date(NOW).toISOString(), sysprep_version: '10.0.1.0' },
      information: {},
    });
    expect(readinessFacts({ ...desktop, osType: 'Linux', status: 'ERROR' }, null)).toEqual({ facts: { os_type: 'Linux', status: 'ERROR' }, information: {} });
  });

  it('the fact a blocker names is one its rule reads, and a key of facts', () => {
    const bad: SysprepReport = {
      ...full,
      collectedAt: NOW - 30 * 86_400_000,
      sysprepVersion: '6.1.7601.17514',
      osVersion: '6.1.7601',
      imageState: 'IMAGE_STATE_UNKNOWN',
      rearmRemaining: 0,
      skipRearm: false,
      upgradedInPlace: true,
      appxUnprovisioned: ['Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe'],
      bitlockerOsVolume: 'on',
      pendingReboot: true,
    };
    const d = { ...desktop, osType: 'Linux' as const, status: 'ERROR' as const };
    const v = evaluate(d, bad, DEFAULT_POLICY, NOW);
    expect(v.blockers).toHaveLength(BLOCKER_CODES.length - 2); // all but NO_REPORT and GENERALIZE_LIMIT_REACHED (OS < 6.3)
    const { facts } = readinessFacts(d, bad);
    for (const b of v.blockers) {
      expect(RULES.find((r) => r.code === b.code)!.reads).toContain(b.fact);
      expect(facts[b.fact!], b.code).toEqual(b.value);
    }
  });
});

describe('ReadinessTally', () => {
  it('an empty tally: zeros for every code, in table order', () => {
    expect(new ReadinessTally().summary()).toEqual({
      total: 0,
      ready: 0,
      blocked: 0,
      stale: 0,
      supportHibernate: 0,
      supportUpdateRoute: 0,
      blockers: BLOCKER_CODES.map((code) => ({ code, count: 0 })),
      warnings: WARNING_CODES.map((code) => ({ code, count: 0 })),
    });
  });

  it('counts a desktop once under each of its blockers, and totals always add up', () => {
    const report = fc.record(
      {
        collectedAt: fc.integer({ min: NOW - 10 * 86_400_000, max: NOW }),
        sysprepVersion: fc.constantFrom('6.1.7601.17514', '10.0.14393.0', '10.0.19041.3636'),
        imageState: fc.constantFrom('IMAGE_STATE_COMPLETE' as const, 'IMAGE_STATE_UNDEPLOYABLE' as const),
        bitlockerOsVolume: fc.constantFrom('off' as const, 'on' as const, 'suspended' as const),
        pendingReboot: fc.boolean(),
      },
      { requiredKeys: ['collectedAt', 'sysprepVersion'] },
    );
    const entry = fc.record({ osType: fc.constantFrom('Windows' as const, 'Linux' as const), status: fc.constantFrom('ACTIVE' as const, 'ERROR' as const), report: fc.option(report, { nil: null }) });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), (entries) => {
        const tally = new ReadinessTally();
        const verdicts = entries.map((e) => evaluate({ ...desktop, osType: e.osType, status: e.status }, e.report, DEFAULT_POLICY, NOW));
        for (const v of verdicts) tally.add(v);
        const s = tally.summary();
        expect(s.total).toBe(entries.length);
        expect(s.ready).toBe(verdicts.filter((v) => v.supportCreateImage).length);
        expect(s.ready + s.blocked).toBe(s.total);
        expect(s.stale).toBe(verdicts.filter((v) => v.stale).length);
        expect(s.supportHibernate).toBe(verdicts.filter((v) => v.supportHibernate).length);
        expect(s.supportUpdateRoute).toBe(verdicts.filter((v) => v.supportUpdateRoute).length);
        for (const { code, count } of s.blockers) expect(count).toBe(verdicts.filter((v) => v.blockers.some((b) => b.code === code)).length);
        for (const { code, count } of s.warnings) expect(count).toBe(verdicts.filter((v) => v.warnings.some((w) => w.code === code)).length);
        // A blocked desktop has at least one code, so the codes add up to at least the blocked count.
        expect(s.blockers.reduce((n, b) => n + b.count, 0)).toBeGreaterThanOrEqual(s.blocked);
      }),
    );
  });
});
