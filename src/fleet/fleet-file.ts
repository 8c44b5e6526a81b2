// Fleet files: a JSON inventory of desktops with optional reports, loaded by `import` and dev mode.
// Pure: the caller reads and JSON-parses the file; nothing here touches the store.

import type { DesktopInput, DesktopStatus, OsType, SysprepReport, Tag } from '../domain/types.js';
import { parseReportBody } from '../domain/report.js';

export type FleetError = { index: number | null; desktopId?: string; field: string; message: string };
export type FleetReport = { desktopId: string; report: SysprepReport };
export type FleetResult =
  | { ok: true; desktops: DesktopInput[]; reports: FleetReport[] }
  | { ok: false; error: FleetError };

type FieldError = { field: string; message: string };

const DESKTOP_ID = /^[A-Za-z0-9-]{1,255}$/;
const OS_TYPES: readonly OsType[] = ['Windows', 'Linux'];
const STATUSES: readonly DesktopStatus[] = ['ACTIVE', 'SHUTOFF', 'ERROR'];
const DESKTOP_KEYS = new Set([
  'desktop_id',
  'computer_name',
  'os_type',
  'os_version',
  'status',
  'enterprise_project_id',
  'tags',
]);
const MAX_TAGS = 50;
// C0 controls and DEL: never meaningful in names or tags, and PostgreSQL text refuses NUL.
const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An ISO 8601 duration in ms: `P…D` and `T…H…M…S` (seconds may have a fraction).
 * Years and months are refused: their length depends on the calendar. Returns null when invalid.
 */
export function parseIsoDuration(text: string): number | null {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return null;
  const [, days, hours, minutes, seconds] = m;
  const ms =
    Number(days ?? 0) * 86_400_000 +
    Number(hours ?? 0) * 3_600_000 +
    Number(minutes ?? 0) * 60_000 +
    Math.round(Number((seconds ?? '0').replace(',', '.')) * 1000);
  return Number.isSafeInteger(ms) ? ms : null;
}

function checkString(record: Record<string, unknown>, field: string, min: number, max: number): FieldError | null {
  const value = record[field];
  if (typeof value !== 'string') return { field, message: `${field} must be a string` };
  // Code points, as the report fields count them (a UTF-16 length over 2×max is too long anyway).
  const length = value.length > 2 * max ? value.length : [...value].length;
  if (length < min || length > max) return { field, message: `${field} must be ${min}..${max} characters` };
  if (CONTROL_CHAR.test(value)) return { field, message: `${field} must not contain control characters` };
  return null;
}

function parseTags(value: unknown): { ok: true; tags: Tag[] } | { ok: false; error: FieldError } {
  if (value === undefined) return { ok: true, tags: [] };
  if (!Array.isArray(value)) return { ok: false, error: { field: 'tags', message: 'tags must be an array' } };
  if (value.length > MAX_TAGS) {
    return { ok: false, error: { field: 'tags', message: `at most ${MAX_TAGS} tags are allowed` } };
  }
  const tags: Tag[] = [];
  const seen = new Set<string>();
  for (const [i, tag] of value.entries()) {
    const at = `tags[${i}]`;
    if (!isPlainObject(tag)) return { ok: false, error: { field: at, message: `${at} must be an object` } };
    const extra = Object.keys(tag).find((k) => k !== 'key' && k !== 'value');
    if (extra !== undefined) return { ok: false, error: { field: `${at}.${extra}`, message: `unknown field ${extra}` } };
    const bad = checkString(tag, 'key', 1, 128) ?? checkString(tag, 'value', 0, 255);
    if (bad) return { ok: false, error: { field: `${at}.${bad.field}`, message: bad.message } };
    const key = tag.key as string;
    if (seen.has(key)) return { ok: false, error: { field: `${at}.key`, message: `duplicate tag key ${key}` } };
    seen.add(key);
    tags.push({ key, value: tag.value as string });
  }
  return { ok: true, tags };
}

/** One desktop record (fleet file or `POST /admin/v1/projects/{project_id}/desktops`), snake_case keys. */
export function validateDesktopInput(record: unknown): { ok: true; desktop: DesktopInput } | { ok: false; error: FieldError } {
  if (!isPlainObject(record)) return { ok: false, error: { field: 'desktop', message: 'a desktop must be an object' } };
  const extra = Object.keys(record).find((k) => !DESKTOP_KEYS.has(k));
  if (extra !== undefined) return { ok: false, error: { field: extra, message: `unknown field ${extra}` } };

  if (typeof record.desktop_id !== 'string' || !DESKTOP_ID.test(record.desktop_id)) {
    return { ok: false, error: { field: 'desktop_id', message: 'desktop_id must be 1..255 characters of A-Z, a-z, 0-9 and -' } };
  }
  const bad = checkString(record, 'computer_name', 1, 64) ?? checkString(record, 'os_version', 0, 64);
  if (bad) return { ok: false, error: bad };
  if (!OS_TYPES.includes(record.os_type as OsType)) {
    return { ok: false, error: { field: 'os_type', message: `os_type must be one of ${OS_TYPES.join(', ')}` } };
  }
  if (!STATUSES.includes(record.status as DesktopStatus)) {
    return { ok: false, error: { field: 'status', message: `status must be one of ${STATUSES.join(', ')}` } };
  }
  if (record.enterprise_project_id !== undefined) {
    const badEp = checkString(record, 'enterprise_project_id', 1, 64);
    if (badEp) return { ok: false, error: badEp };
  }
  const tags = parseTags(record.tags);
  if (!tags.ok) return tags;

  return {
    ok: true,
    desktop: {
      desktopId: record.desktop_id,
      computerName: record.computer_name as string,
      osType: record.os_type as OsType,
      osVersion: record.os_version as string,
      status: record.status as DesktopStatus,
      enterpriseProjectId: (record.enterprise_project_id as string | undefined) ?? '0',
      tags: tags.tags,
    },
  };
}

/** A fleet report: the report body of DESIGN §3, where `age` may stand in for `collected_at`. */
function parseFleetReport(value: unknown, now: number): { ok: true; report: SysprepReport } | { ok: false; error: FieldError } {
  if (!isPlainObject(value)) return { ok: false, error: { field: 'report', message: 'report must be an object' } };
  const { age, ...body } = value;
  if (age !== undefined) {
    if (body.collected_at !== undefined) {
      return { ok: false, error: { field: 'report.age', message: 'give either age or collected_at, not both' } };
    }
    const ms = typeof age === 'string' ? parseIsoDuration(age) : null;
    const collectedAt = ms === null ? NaN : new Date(now - ms).getTime();
    if (Number.isNaN(collectedAt)) {
      return { ok: false, error: { field: 'report.age', message: 'age must be an ISO 8601 duration such as PT2H or P1DT4H30M' } };
    }
    body.collected_at = new Date(collectedAt).toISOString();
  }
  const parsed = parseReportBody(body, now);
  if (!parsed.ok) return { ok: false, error: { field: `report.${parsed.error.field}`, message: parsed.error.message } };
  return parsed;
}

/** Parses a whole fleet file; the first bad record is reported with its index in `desktops`. */
export function parseFleet(value: unknown, now: number): FleetResult {
  if (!isPlainObject(value)) {
    return { ok: false, error: { index: null, field: 'desktops', message: 'a fleet file must be a JSON object with a desktops array' } };
  }
  const extra = Object.keys(value).find((k) => k !== 'desktops');
  if (extra !== undefined) return { ok: false, error: { index: null, field: extra, message: `unknown field ${extra}` } };
  if (!Array.isArray(value.desktops)) {
    return { ok: false, error: { index: null, field: 'desktops', message: 'desktops must be an array' } };
  }

  const desktops: DesktopInput[] = [];
  const reports: FleetReport[] = [];
  const firstIndex = new Map<string, number>();
  for (const [index, record] of value.desktops.entries()) {
    const desktopId = isPlainObject(record) && typeof record.desktop_id === 'string' ? record.desktop_id : undefined;
    const fail = (error: FieldError): FleetResult => ({
      ok: false,
      error: { index, ...(desktopId !== undefined && { desktopId }), ...error },
    });
    if (!isPlainObject(record)) return fail({ field: 'desktop', message: 'a desktop must be an object' });

    const { report, ...fields } = record;
    const checked = validateDesktopInput(fields);
    if (!checked.ok) return fail(checked.error);
    const { desktop } = checked;
    const seenAt = firstIndex.get(desktop.desktopId);
    if (seenAt !== undefined) return fail({ field: 'desktop_id', message: `duplicate desktop_id, first at index ${seenAt}` });
    firstIndex.set(desktop.desktopId, index);
    desktops.push(desktop);

    if (report !== undefined) {
      const parsed = parseFleetReport(report, now);
      if (!parsed.ok) return fail(parsed.error);
      reports.push({ desktopId: desktop.desktopId, report: parsed.report });
    }
  }
  return { ok: true, desktops, reports };
}
