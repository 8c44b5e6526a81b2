// Row ↔ domain mapping shared by both stores. SQLite gives 0/1 and numbers; PostgreSQL gives
// booleans, Date for timestamptz and strings for int8, so every reader here accepts both.
import type { Desktop, DesktopInput, DesktopWithReport, ImageState, BitlockerState, SysprepReport, Tag, VerdictInputs } from '../domain/types.js';
import type { AccessKey, Project, User } from './store.js';

type Row = Record<string, unknown>;

export function toMs(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') return Number(v);
  return v as number;
}
const toMsOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : toMs(v));
const toInt = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : typeof v === 'string' ? Number(v) : (v as number));
const toBool = (v: unknown): boolean | undefined => (v === null || v === undefined ? undefined : v === true || v === 1 || v === '1');
const toStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : (v as string));
const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

export const DESKTOP_COLUMNS = ['desktop_id', 'computer_name', 'os_type', 'os_version', 'status', 'enterprise_project_id', 'tags', 'created_at', 'updated_at'] as const;

export const REPORT_COLUMNS = [
  'collected_at',
  'received_at',
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

/** What a verdict reads: the desktop's os_type and status, then its report (qualified d. and r.). */
export const VERDICT_COLUMNS = ['d.os_type', 'd.status', ...REPORT_COLUMNS.map((c) => 'r.' + c)];

export function desktopFromRow(projectId: string, r: Row): Desktop {
  return {
    projectId,
    desktopId: r.desktop_id as string,
    computerName: r.computer_name as string,
    osType: r.os_type as Desktop['osType'],
    osVersion: r.os_version as string,
    status: r.status as Desktop['status'],
    enterpriseProjectId: r.enterprise_project_id as string,
    tags: parseJson<Tag[]>(r.tags),
    createdAt: toMs(r.created_at),
    updatedAt: toMs(r.updated_at),
  };
}

/** Reads report columns prefixed with `prefix` (joined queries use `r_`). */
export function reportFromRow(r: Row, prefix = ''): SysprepReport | null {
  const collected = r[prefix + 'collected_at'];
  if (collected === null || collected === undefined) return null;
  const report: SysprepReport = {
    collectedAt: toMs(collected),
    sysprepVersion: r[prefix + 'sysprep_version'] as string,
    receivedAt: toMs(r[prefix + 'received_at']),
  };
  const set = <K extends keyof SysprepReport>(k: K, v: SysprepReport[K] | undefined) => {
    if (v !== undefined) report[k] = v;
  };
  set('osVersion', toStr(r[prefix + 'os_version']));
  set('osEdition', toStr(r[prefix + 'os_edition']));
  set('imageState', toStr(r[prefix + 'image_state']) as ImageState | undefined);
  set('rearmRemaining', toInt(r[prefix + 'rearm_remaining']));
  set('skipRearm', toBool(r[prefix + 'skip_rearm']));
  set('upgradedInPlace', toBool(r[prefix + 'upgraded_in_place']));
  const appx = r[prefix + 'appx_unprovisioned'];
  if (appx !== null && appx !== undefined) report.appxUnprovisioned = parseJson<string[]>(appx);
  set('bitlockerOsVolume', toStr(r[prefix + 'bitlocker_os_volume']) as BitlockerState | undefined);
  set('generalizeCount', toInt(r[prefix + 'generalize_count']));
  set('sysprepSucceededTag', toBool(r[prefix + 'sysprep_succeeded_tag']));
  set('pendingReboot', toBool(r[prefix + 'pending_reboot']));
  set('domainJoined', toBool(r[prefix + 'domain_joined']));
  set('agentVersion', toStr(r[prefix + 'agent_version']));
  return report;
}

export function desktopWithReportFromRow(projectId: string, r: Row): DesktopWithReport {
  return { desktop: desktopFromRow(projectId, r), report: reportFromRow(r, 'r_') };
}

/**
 * The same from a raw row (an array: DESKTOP_COLUMNS then REPORT_COLUMNS, as JOINED_SELECT
 * reads them). The seed API's hot path: index access, no per-column names or closures.
 */
export function desktopWithReportFromValues(projectId: string, v: unknown[]): DesktopWithReport {
  const desktop: Desktop = {
    projectId,
    desktopId: v[0] as string,
    computerName: v[1] as string,
    osType: v[2] as Desktop['osType'],
    osVersion: v[3] as string,
    status: v[4] as Desktop['status'],
    enterpriseProjectId: v[5] as string,
    tags: parseJson<Tag[]>(v[6]),
    createdAt: toMs(v[7]),
    updatedAt: toMs(v[8]),
  };
  return { desktop, report: reportFromValues(v, DESKTOP_COLUMNS.length) };
}

/** Raw row of VERDICT_COLUMNS (os_type, status, then REPORT_COLUMNS): the seed API's read. */
export function verdictInputsFromValues(v: unknown[]): VerdictInputs {
  return { desktop: { osType: v[0] as Desktop['osType'], status: v[1] as Desktop['status'] }, report: reportFromValues(v, 2) };
}

/** The report whose REPORT_COLUMNS start at index R of a raw row; null when the join found none. */
function reportFromValues(v: unknown[], R: number): SysprepReport | null {
  if (v[R] === null || v[R] === undefined) return null;
  const report: SysprepReport = { collectedAt: toMs(v[R]), sysprepVersion: v[R + 2] as string, receivedAt: toMs(v[R + 1]) };
  if (v[R + 3] !== null) report.osVersion = v[R + 3] as string;
  if (v[R + 4] !== null) report.osEdition = v[R + 4] as string;
  if (v[R + 5] !== null) report.imageState = v[R + 5] as ImageState;
  if (v[R + 6] !== null) report.rearmRemaining = toInt(v[R + 6]);
  if (v[R + 7] !== null) report.skipRearm = toBool(v[R + 7]);
  if (v[R + 8] !== null) report.upgradedInPlace = toBool(v[R + 8]);
  if (v[R + 9] !== null) report.appxUnprovisioned = parseJson<string[]>(v[R + 9]);
  if (v[R + 10] !== null) report.bitlockerOsVolume = v[R + 10] as BitlockerState;
  if (v[R + 11] !== null) report.generalizeCount = toInt(v[R + 11]);
  if (v[R + 12] !== null) report.sysprepSucceededTag = toBool(v[R + 12]);
  if (v[R + 13] !== null) report.pendingReboot = toBool(v[R + 13]);
  if (v[R + 14] !== null) report.domainJoined = toBool(v[R + 14]);
  if (v[R + 15] !== null) report.agentVersion = v[R + 15] as string;
  return report;
}

/** Report values in REPORT_COLUMNS order; `bool` converts booleans for the driver. */
export function reportValues(report: SysprepReport, receivedAt: number, bool: (b: boolean | undefined) => unknown): unknown[] {
  const n = <T>(v: T | undefined) => (v === undefined ? null : v);
  return [
    report.collectedAt,
    receivedAt,
    report.sysprepVersion,
    n(report.osVersion),
    n(report.osEdition),
    n(report.imageState),
    n(report.rearmRemaining),
    bool(report.skipRearm),
    bool(report.upgradedInPlace),
    report.appxUnprovisioned === undefined ? null : JSON.stringify(report.appxUnprovisioned),
    n(report.bitlockerOsVolume),
    n(report.generalizeCount),
    bool(report.sysprepSucceededTag),
    bool(report.pendingReboot),
    bool(report.domainJoined),
    n(report.agentVersion),
  ];
}

export function desktopValues(d: DesktopInput): unknown[] {
  return [d.desktopId, d.computerName, d.osType, d.osVersion, d.status, d.enterpriseProjectId, JSON.stringify(d.tags)];
}

export function projectFromRow(r: Row): Project {
  return {
    id: r.id as string,
    name: r.name as string,
    domainId: r.domain_id as string,
    enabled: toBool(r.enabled) ?? true,
    description: (r.description as string) ?? '',
    createdAt: toMs(r.created_at),
  };
}

export function userFromRow(r: Row): User {
  return {
    id: r.id as string,
    domainId: r.domain_id as string,
    name: r.name as string,
    passwordHash: r.password_hash as string,
    enabled: toBool(r.enabled) ?? false,
    validAfter: toMs(r.valid_after),
    passwordChangedAt: toMs(r.password_changed_at),
    createdAt: toMs(r.created_at),
  };
}

export function accessKeyFromRow(r: Row): AccessKey {
  return {
    accessKey: r.access_key as string,
    userId: r.user_id as string,
    secretEncrypted: r.secret_encrypted as string,
    status: r.status as AccessKey['status'],
    description: (r.description as string) ?? '',
    createdAt: toMs(r.created_at),
    lastUsedAt: toMsOrNull(r.last_used_at),
    failedCount: toInt(r.failed_count) ?? 0,
    lockedUntil: toMsOrNull(r.locked_until),
  };
}
