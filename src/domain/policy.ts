// The verdict: our rule set (DESIGN §3, docs/policy.md) — Huawei publishes none.
// evaluate() runs on every GET, so rules allocate nothing unless they block.

import type { SysprepReport, VerdictDesktop } from './types.js';
import { compareVersions, isOsVersion, parseSysprepVersion } from './version.js';

export interface Policy {
  minSysprepVersion: string;
  staleAfterMs: number;
  minHibernateVersion: string;
  minUpdateRouteVersion: string;
  generalizeLimit: number;
}

const DAY_MS = 86_400_000;

export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze({
  minSysprepVersion: '10.0.14393.0',
  staleAfterMs: 7 * DAY_MS,
  minHibernateVersion: '10.0.17763.0',
  minUpdateRouteVersion: '10.0.14393.0',
  generalizeLimit: 1001,
});

/** Rearm only limits Windows before 8 (6.2): later versions do not rearm during generalize. */
export const REARM_OS_BELOW = '6.2.0.0';
/** From Windows 8.1 (6.3) generalize may run at most generalizeLimit times on one image. */
export const GENERALIZE_OS_FROM = '6.3.0.0';
/** Sysprep refuses upgraded installations before Windows 10 1607 (10.0.14393). */
export const UPGRADED_OS_BELOW = '10.0.14393.0';

// Bounds of the policy file's values; generalize_limit above the largest accepted
// generalize_count (1000000) effectively disables the rule.
const MAX_STALE_AFTER_SECONDS = 3650 * 86_400;
const MAX_GENERALIZE_LIMIT = 1_000_001;

const POLICY_KEYS = [
  'min_sysprep_version',
  'stale_after_seconds',
  'min_hibernate_version',
  'min_update_route_version',
  'generalize_limit',
] as const;

function policyVersion(key: string, value: unknown): string {
  const v = typeof value === 'string' ? parseSysprepVersion(value) : null;
  if (v === null) throw new Error(`policy: ${key} must be a version like 10.0.14393.0`);
  return v;
}

function policyInteger(key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`policy: ${key} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** A policy file: any subset of the snake_case keys, merged over DEFAULT_POLICY. Throws on anything else. */
export function parsePolicy(json: unknown): Policy {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('policy: the policy file must contain a JSON object');
  }
  const input = json as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(POLICY_KEYS as readonly string[]).includes(key)) {
      throw new Error(`policy: unknown key ${JSON.stringify(key)} (known keys: ${POLICY_KEYS.join(', ')})`);
    }
  }
  const policy: Policy = { ...DEFAULT_POLICY };
  const has = (key: string): boolean => Object.hasOwn(input, key);
  if (has('min_sysprep_version')) policy.minSysprepVersion = policyVersion('min_sysprep_version', input.min_sysprep_version);
  if (has('stale_after_seconds')) {
    policy.staleAfterMs = policyInteger('stale_after_seconds', input.stale_after_seconds, 1, MAX_STALE_AFTER_SECONDS) * 1000;
  }
  if (has('min_hibernate_version')) {
    policy.minHibernateVersion = policyVersion('min_hibernate_version', input.min_hibernate_version);
  }
  if (has('min_update_route_version')) {
    policy.minUpdateRouteVersion = policyVersion('min_update_route_version', input.min_update_route_version);
  }
  if (has('generalize_limit')) {
    policy.generalizeLimit = policyInteger('generalize_limit', input.generalize_limit, 1, MAX_GENERALIZE_LIMIT);
  }
  return policy;
}

/** The policy in the policy file's own names (what an operator wrote, e.g. in a log line). */
export function policyToFile(p: Policy): Record<(typeof POLICY_KEYS)[number], string | number> {
  return {
    min_sysprep_version: p.minSysprepVersion,
    stale_after_seconds: p.staleAfterMs / 1000,
    min_hibernate_version: p.minHibernateVersion,
    min_update_route_version: p.minUpdateRouteVersion,
    generalize_limit: p.generalizeLimit,
  };
}

export type BlockerCode =
  | 'NOT_WINDOWS'
  | 'NO_REPORT'
  | 'REPORT_STALE'
  | 'SYSPREP_VERSION_TOO_OLD'
  | 'IMAGE_STATE_NOT_COMPLETE'
  | 'REARM_EXHAUSTED'
  | 'GENERALIZE_LIMIT_REACHED'
  | 'UPGRADED_OS'
  | 'APPX_NOT_PROVISIONED'
  | 'BITLOCKER_ON'
  | 'PENDING_REBOOT'
  | 'DESKTOP_IN_ERROR';

export const BLOCKER_CODES: readonly BlockerCode[] = [
  'NOT_WINDOWS',
  'NO_REPORT',
  'REPORT_STALE',
  'SYSPREP_VERSION_TOO_OLD',
  'IMAGE_STATE_NOT_COMPLETE',
  'REARM_EXHAUSTED',
  'GENERALIZE_LIMIT_REACHED',
  'UPGRADED_OS',
  'APPX_NOT_PROVISIONED',
  'BITLOCKER_ON',
  'PENDING_REBOOT',
  'DESKTOP_IN_ERROR',
];

export interface Blocker {
  code: BlockerCode;
  message: string;
  /** Wire name of the fact that triggered it (`os_type`/`status` for inventory facts). */
  fact?: string;
  value?: unknown;
}

export type WarningCode = 'BITLOCKER_SUSPENDED' | 'OS_VERSION_UNREADABLE';

export interface Warning {
  code: WarningCode | (string & {});
  message: string;
  fact?: string;
}

export interface Verdict {
  sysprepVersion: string;
  supportCreateImage: boolean;
  supportHibernate: boolean;
  supportUpdateRoute: boolean;
  blockers: Blocker[];
  warnings: Warning[];
  stale: boolean;
}

interface RuleInput {
  desktop: VerdictDesktop;
  report: SysprepReport | null;
  policy: Policy;
  stale: boolean;
}

export interface Rule {
  code: BlockerCode;
  /** Wire names of the facts the rule reads (inventory facts: os_type, status). */
  reads: readonly string[];
  /** The blocker when the rule applies, else null. Absent facts never block. */
  test(input: RuleInput): Blocker | null;
}

/**
 * The OS version the version-dependent rules compare: the report's os_version when it is a
 * numeric version, else sysprep_version (sysprep.exe carries the OS build it ships with).
 */
export function ruleOsVersion(report: SysprepReport): string {
  const os = report.osVersion;
  return os !== undefined && isOsVersion(os) ? os : report.sysprepVersion;
}

function describeDuration(ms: number): string {
  if (ms % DAY_MS === 0) return plural(ms / DAY_MS, 'day');
  if (ms % 3_600_000 === 0) return plural(ms / 3_600_000, 'hour');
  if (ms % 60_000 === 0) return plural(ms / 60_000, 'minute');
  return plural(ms / 1000, 'second');
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** How many package names an APPX message spells out; the blocker's value lists them all. */
const APPX_NAMED_IN_MESSAGE = 5;

/** DESIGN §3's table, in its order; evaluate() reports blockers in this order. */
export const RULES: readonly Rule[] = [
  {
    code: 'NOT_WINDOWS',
    reads: ['os_type'],
    test: ({ desktop }) =>
      desktop.osType === 'Windows'
        ? null
        : {
            code: 'NOT_WINDOWS',
            message: `The desktop runs ${desktop.osType}; Sysprep exists only on Windows.`,
            fact: 'os_type',
            value: desktop.osType,
          },
  },
  {
    code: 'NO_REPORT',
    reads: [],
    test: ({ report }) =>
      report !== null
        ? null
        : { code: 'NO_REPORT', message: 'The desktop agent has not reported any Sysprep facts yet.' },
  },
  {
    code: 'REPORT_STALE',
    reads: ['collected_at'],
    test: ({ report, policy, stale }) =>
      report === null || !stale
        ? null
        : {
            code: 'REPORT_STALE',
            message: `The latest report is older than ${describeDuration(policy.staleAfterMs)}; the facts may have changed.`,
            fact: 'collected_at',
            value: new Date(report.collectedAt).toISOString(),
          },
  },
  {
    code: 'SYSPREP_VERSION_TOO_OLD',
    reads: ['sysprep_version'],
    test: ({ report, policy }) =>
      report === null || compareVersions(report.sysprepVersion, policy.minSysprepVersion) >= 0
        ? null
        : {
            code: 'SYSPREP_VERSION_TOO_OLD',
            message: `sysprep.exe ${report.sysprepVersion} is older than the required ${policy.minSysprepVersion}.`,
            fact: 'sysprep_version',
            value: report.sysprepVersion,
          },
  },
  {
    code: 'IMAGE_STATE_NOT_COMPLETE',
    reads: ['image_state'],
    test: ({ report }) =>
      report?.imageState === undefined || report.imageState === 'IMAGE_STATE_COMPLETE'
        ? null
        : {
            code: 'IMAGE_STATE_NOT_COMPLETE',
            message: `Windows setup is in ${report.imageState}, not IMAGE_STATE_COMPLETE.`,
            fact: 'image_state',
            value: report.imageState,
          },
  },
  {
    code: 'REARM_EXHAUSTED',
    reads: ['rearm_remaining', 'skip_rearm', 'os_version', 'sysprep_version'],
    test: ({ report }) =>
      report?.rearmRemaining !== 0 ||
      report.skipRearm === true ||
      compareVersions(ruleOsVersion(report), REARM_OS_BELOW) >= 0
        ? null
        : {
            code: 'REARM_EXHAUSTED',
            message: 'No Windows rearm is left and SkipRearm is not set, so generalize would fail.',
            fact: 'rearm_remaining',
            value: 0,
          },
  },
  {
    code: 'GENERALIZE_LIMIT_REACHED',
    reads: ['generalize_count', 'os_version', 'sysprep_version'],
    test: ({ report, policy }) =>
      report?.generalizeCount === undefined ||
      report.generalizeCount < policy.generalizeLimit ||
      compareVersions(ruleOsVersion(report), GENERALIZE_OS_FROM) < 0
        ? null
        : {
            code: 'GENERALIZE_LIMIT_REACHED',
            message: `Windows has been generalized ${report.generalizeCount} times; the limit is ${policy.generalizeLimit}.`,
            fact: 'generalize_count',
            value: report.generalizeCount,
          },
  },
  {
    code: 'UPGRADED_OS',
    reads: ['upgraded_in_place', 'os_version', 'sysprep_version'],
    test: ({ report }) =>
      report?.upgradedInPlace !== true || compareVersions(ruleOsVersion(report), UPGRADED_OS_BELOW) >= 0
        ? null
        : {
            code: 'UPGRADED_OS',
            message: `Windows was upgraded in place; Sysprep supports upgraded installations only from ${UPGRADED_OS_BELOW}.`,
            fact: 'upgraded_in_place',
            value: true,
          },
  },
  {
    code: 'APPX_NOT_PROVISIONED',
    reads: ['appx_unprovisioned'],
    test: ({ report }) => {
      const packages = report?.appxUnprovisioned;
      if (packages === undefined || packages.length === 0) return null;
      const named = packages.slice(0, APPX_NAMED_IN_MESSAGE).join(', ');
      const more = packages.length > APPX_NAMED_IN_MESSAGE ? ` and ${packages.length - APPX_NAMED_IN_MESSAGE} more` : '';
      return {
        code: 'APPX_NOT_PROVISIONED',
        message: `${plural(packages.length, 'Appx package')} installed for a user but not provisioned for all users: ${named}${more}.`,
        fact: 'appx_unprovisioned',
        value: packages.slice(),
      };
    },
  },
  {
    code: 'BITLOCKER_ON',
    reads: ['bitlocker_os_volume'],
    test: ({ report }) =>
      report?.bitlockerOsVolume !== 'on'
        ? null
        : {
            code: 'BITLOCKER_ON',
            message: 'BitLocker protects the OS volume; Sysprep fails on it until BitLocker is turned off.',
            fact: 'bitlocker_os_volume',
            value: 'on',
          },
  },
  {
    code: 'PENDING_REBOOT',
    reads: ['pending_reboot'],
    test: ({ report }) =>
      report?.pendingReboot !== true
        ? null
        : {
            code: 'PENDING_REBOOT',
            message: 'A reboot is pending; restart the desktop before running Sysprep.',
            fact: 'pending_reboot',
            value: true,
          },
  },
  {
    code: 'DESKTOP_IN_ERROR',
    reads: ['status'],
    test: ({ desktop }) =>
      desktop.status !== 'ERROR'
        ? null
        : { code: 'DESKTOP_IN_ERROR', message: 'The desktop is in ERROR status.', fact: 'status', value: 'ERROR' },
  },
];

function warningsFor(report: SysprepReport | null): Warning[] {
  if (report === null) return [];
  let warnings: Warning[] | null = null;
  if (report.bitlockerOsVolume === 'suspended') {
    (warnings ??= []).push({
      code: 'BITLOCKER_SUSPENDED',
      message: 'BitLocker is suspended on the OS volume; it resumes at the next reboot and would then block Sysprep.',
      fact: 'bitlocker_os_volume',
    });
  }
  if (report.osVersion !== undefined && !isOsVersion(report.osVersion)) {
    (warnings ??= []).push({
      code: 'OS_VERSION_UNREADABLE',
      message: 'os_version is not a numeric version; the rules use sysprep_version instead.',
      fact: 'os_version',
    });
  }
  return warnings ?? [];
}

/** The verdict for one desktop: capabilities, the blockers of support_create_image, warnings. */
export function evaluate(desktop: VerdictDesktop, report: SysprepReport | null, policy: Policy, now: number): Verdict {
  const stale = report !== null && now - report.collectedAt > policy.staleAfterMs;
  const input: RuleInput = { desktop, report, policy, stale };
  const blockers: Blocker[] = [];
  for (const rule of RULES) {
    const blocker = rule.test(input);
    if (blocker !== null) blockers.push(blocker);
  }
  const fresh = report !== null && !stale;
  return {
    sysprepVersion: report === null ? '' : report.sysprepVersion,
    supportCreateImage: blockers.length === 0,
    supportHibernate:
      fresh && desktop.osType === 'Windows' && compareVersions(report.sysprepVersion, policy.minHibernateVersion) >= 0,
    supportUpdateRoute: fresh && compareVersions(report.sysprepVersion, policy.minUpdateRouteVersion) >= 0,
    blockers,
    warnings: warningsFor(report),
    stale,
  };
}
