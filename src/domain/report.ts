// The agent's report body (DESIGN §3): validation of the wire form and conversion both ways.

import { parsePackageFullName, MAX_PACKAGE_FULL_NAME_LENGTH } from './appx.js';
import {
  IMAGE_STATES,
  type BitlockerState,
  type ImageState,
  type SysprepReport,
} from './types.js';
import { parseSysprepVersion } from './version.js';

export type FieldError = { field: string; message: string };

export type ParseReportResult = { ok: true; report: SysprepReport } | { ok: false; error: FieldError };

/** Wire names in the order of DESIGN §3's table; errors are reported in this order. */
export const REPORT_FIELDS = [
  'collected_at',
  'sysprep_version',
  'os_version',
  'os_edition',
  'image_state',
  'rearm_remaining',
  'skip_rearm',
  'upgraded_in_place',
  'appx_unprovisioned',
  'bitlocker_os_volume',
  'generalize_count',
  'sysprep_succeeded_tag',
  'pending_reboot',
  'domain_joined',
  'agent_version',
] as const;
export type ReportField = (typeof REPORT_FIELDS)[number];

const KNOWN_FIELDS: ReadonlySet<string> = new Set(REPORT_FIELDS);
const IMAGE_STATE_SET: ReadonlySet<string> = new Set(IMAGE_STATES);
const BITLOCKER_STATES: ReadonlySet<string> = new Set(['off', 'on', 'suspended', 'unknown']);

export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
export const MAX_APPX_PACKAGES = 1000;
export const MAX_GENERALIZE_COUNT = 1_000_000;
const MAX_UINT32 = 4294967295;
const MAX_TEXT = 64;

// RFC 3339 date-time; `t`/`z` may be lower case (RFC 3339 §5.6 note). Leap seconds are refused.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
// C0 controls and DEL: never meaningful in these facts, and PostgreSQL text refuses NUL.
const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** RFC 3339 date-time → UTC epoch ms (fraction truncated to ms), or null if invalid. */
export function parseRfc3339(text: string): number | null {
  if (text.length > 40) return null;
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1) return null;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day > monthDays || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const local = daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
  return local - offsetMinutes * 60_000;
}

function countCodePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function isShortText(value: unknown, max: number): value is string {
  return (
    typeof value === 'string' &&
    (value.length <= max || (value.length <= 2 * max && countCodePoints(value) <= max)) &&
    !CONTROL_CHAR.test(value)
  );
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function fail(field: string, message: string): ParseReportResult {
  return { ok: false, error: { field, message } };
}

/**
 * Validates the agent's report body and converts it to a SysprepReport. Unknown fields are
 * checked first (a typo must not pass silently), then the fields in table order; the first
 * error wins. `null` for an optional field means absent.
 */
export function parseReportBody(body: unknown, now: number): ParseReportResult {
  if (!isPlainObject(body)) return fail('body', 'The request body must be a JSON object.');
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) return fail(key, `${key} is an unknown field.`);
  }
  // Own properties only: an optional fact that is null or missing is absent.
  const get = (key: ReportField): unknown => (Object.hasOwn(body, key) ? body[key] : undefined) ?? undefined;

  const collectedAtText = get('collected_at');
  if (collectedAtText === undefined) return fail('collected_at', 'collected_at is required.');
  const collectedAt = typeof collectedAtText === 'string' ? parseRfc3339(collectedAtText) : null;
  if (collectedAt === null) return fail('collected_at', 'collected_at must be an RFC 3339 date-time.');
  if (collectedAt > now + MAX_CLOCK_SKEW_MS) {
    return fail('collected_at', 'collected_at must not be more than 5 minutes in the future.');
  }

  const sysprepText = get('sysprep_version');
  if (sysprepText === undefined) return fail('sysprep_version', 'sysprep_version is required.');
  const sysprepVersion = typeof sysprepText === 'string' ? parseSysprepVersion(sysprepText) : null;
  if (sysprepVersion === null) {
    return fail('sysprep_version', 'sysprep_version must be a file version like 10.0.19041.3636.');
  }
  const report: SysprepReport = { collectedAt, sysprepVersion };

  const osVersion = get('os_version');
  if (osVersion !== undefined) {
    if (!isShortText(osVersion, MAX_TEXT)) return fail('os_version', 'os_version must be a string of at most 64 characters, without control characters.');
    report.osVersion = osVersion;
  }
  const osEdition = get('os_edition');
  if (osEdition !== undefined) {
    if (!isShortText(osEdition, MAX_TEXT)) return fail('os_edition', 'os_edition must be a string of at most 64 characters, without control characters.');
    report.osEdition = osEdition;
  }
  const imageState = get('image_state');
  if (imageState !== undefined) {
    if (!isShortText(imageState, MAX_TEXT)) return fail('image_state', 'image_state must be a string of at most 64 characters, without control characters.');
    // Unrecognised text is kept as unknown, which blocks like any state that is not complete.
    report.imageState = IMAGE_STATE_SET.has(imageState) ? (imageState as ImageState) : 'IMAGE_STATE_UNKNOWN';
  }
  const rearm = get('rearm_remaining');
  if (rearm !== undefined) {
    if (!isIntegerIn(rearm, 0, MAX_UINT32)) {
      return fail('rearm_remaining', 'rearm_remaining must be an integer from 0 to 4294967295.');
    }
    report.rearmRemaining = rearm;
  }
  const skipRearm = get('skip_rearm');
  if (skipRearm !== undefined) {
    if (typeof skipRearm !== 'boolean') return fail('skip_rearm', 'skip_rearm must be a boolean.');
    report.skipRearm = skipRearm;
  }
  const upgraded = get('upgraded_in_place');
  if (upgraded !== undefined) {
    if (typeof upgraded !== 'boolean') return fail('upgraded_in_place', 'upgraded_in_place must be a boolean.');
    report.upgradedInPlace = upgraded;
  }
  const appx = get('appx_unprovisioned');
  if (appx !== undefined) {
    if (!Array.isArray(appx) || appx.length > MAX_APPX_PACKAGES) {
      return fail('appx_unprovisioned', 'appx_unprovisioned must be an array of at most 1000 package full names.');
    }
    for (let i = 0; i < appx.length; i++) {
      const name: unknown = appx[i];
      if (typeof name !== 'string' || name.length > MAX_PACKAGE_FULL_NAME_LENGTH || parsePackageFullName(name) === null) {
        return fail(`appx_unprovisioned[${i}]`, 'appx_unprovisioned items must be package full names like Name_1.0.0.0_x64__8wekyb3d8bbwe.');
      }
    }
    report.appxUnprovisioned = appx.slice() as string[];
  }
  const bitlocker = get('bitlocker_os_volume');
  if (bitlocker !== undefined) {
    if (typeof bitlocker !== 'string' || !BITLOCKER_STATES.has(bitlocker)) {
      return fail('bitlocker_os_volume', 'bitlocker_os_volume must be one of off, on, suspended, unknown.');
    }
    report.bitlockerOsVolume = bitlocker as BitlockerState;
  }
  const generalizeCount = get('generalize_count');
  if (generalizeCount !== undefined) {
    if (!isIntegerIn(generalizeCount, 0, MAX_GENERALIZE_COUNT)) {
      return fail('generalize_count', 'generalize_count must be an integer from 0 to 1000000.');
    }
    report.generalizeCount = generalizeCount;
  }
  const tag = get('sysprep_succeeded_tag');
  if (tag !== undefined) {
    if (typeof tag !== 'boolean') return fail('sysprep_succeeded_tag', 'sysprep_succeeded_tag must be a boolean.');
    report.sysprepSucceededTag = tag;
  }
  const pendingReboot = get('pending_reboot');
  if (pendingReboot !== undefined) {
    if (typeof pendingReboot !== 'boolean') return fail('pending_reboot', 'pending_reboot must be a boolean.');
    report.pendingReboot = pendingReboot;
  }
  const domainJoined = get('domain_joined');
  if (domainJoined !== undefined) {
    if (typeof domainJoined !== 'boolean') return fail('domain_joined', 'domain_joined must be a boolean.');
    report.domainJoined = domainJoined;
  }
  const agentVersion = get('agent_version');
  if (agentVersion !== undefined) {
    if (!isShortText(agentVersion, MAX_TEXT)) return fail('agent_version', 'agent_version must be a string of at most 64 characters, without control characters.');
    report.agentVersion = agentVersion;
  }
  return { ok: true, report };
}

/** The wire form of a report (snake_case, collected_at as UTC ISO with ms); absent facts omitted. */
export function reportToWire(report: SysprepReport): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    collected_at: new Date(report.collectedAt).toISOString(),
    sysprep_version: report.sysprepVersion,
  };
  const put = (key: ReportField, value: unknown): void => {
    if (value !== undefined) wire[key] = value;
  };
  put('os_version', report.osVersion);
  put('os_edition', report.osEdition);
  put('image_state', report.imageState);
  put('rearm_remaining', report.rearmRemaining);
  put('skip_rearm', report.skipRearm);
  put('upgraded_in_place', report.upgradedInPlace);
  put('appx_unprovisioned', report.appxUnprovisioned?.slice());
  put('bitlocker_os_volume', report.bitlockerOsVolume);
  put('generalize_count', report.generalizeCount);
  put('sysprep_succeeded_tag', report.sysprepSucceededTag);
  put('pending_reboot', report.pendingReboot);
  put('domain_joined', report.domainJoined);
  put('agent_version', report.agentVersion);
  return wire;
}
