// Windows file/OS versions: parsing what agents read from sysprep.exe, and numeric comparison.
// Versions are compared part by part as numbers, never as text (10.0.9600.0 < 10.0.10240.0).

const MAX_INPUT_LENGTH = 128;
const MAX_PART = 65535;
const DOT = 46;
const COMMA = 44;
const ZERO = 48;
const NINE = 57;

/** What may follow the numeric part: nothing, or text after whitespace or a parenthesis. */
const TRAILER_START = /^[\s(]/;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Normalises a version as read from sysprep.exe's file version to `a.b.c.d`.
 * Accepts dot form (`10.0.19041.3636`), the comma form of VERSIONINFO (`6, 1, 7600, 16385`),
 * leading zeros (`9.00.7600.45000`), 2..4 parts (padded with `.0`) and trailing text after
 * whitespace or `(` (`10.0.28000.322 (WinBuild.160101.0800)`). Anything else → null.
 */
export function parseSysprepVersion(text: string): string | null {
  if (typeof text !== 'string' || text.length > MAX_INPUT_LENGTH) return null;
  const s = text.trim();
  const parts: number[] = [];
  let separator = 0; // 0 until the first separator fixes the form: DOT or COMMA
  let i = 0;
  for (;;) {
    const start = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    if (i === start) return null;
    const value = Number(s.slice(start, i));
    if (value > MAX_PART) return null;
    parts.push(value);
    if (parts.length > 4) return null;

    const c = s.charCodeAt(i);
    if (c === DOT && separator !== COMMA) {
      separator = DOT;
      i++;
      continue;
    }
    if (separator !== DOT) {
      // Comma form: blanks are allowed around the comma (`6, 1, 7600, 16385`).
      let j = i;
      while (j < s.length && isBlank(s.charCodeAt(j))) j++;
      if (s.charCodeAt(j) === COMMA) {
        separator = COMMA;
        j++;
        while (j < s.length && isBlank(s.charCodeAt(j))) j++;
        i = j;
        continue;
      }
    }
    break;
  }
  if (parts.length < 2) return null;
  if (i < s.length && !TRAILER_START.test(s.slice(i, i + 1))) return null;
  while (parts.length < 4) parts.push(0);
  return parts.join('.');
}

/** `a.b.c.d` from four numbers; the inverse of parseSysprepVersion on normalised versions. */
export function formatVersion(parts: readonly number[]): string {
  return parts.join('.');
}

/**
 * Compares two dotted numeric versions part by part; missing parts count as 0, so `10.0`
 * equals `10.0.0.0`. Inputs must be numeric versions (normalised, or checked with
 * isOsVersion). Allocation-free because it runs on every verdict.
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let x = 0;
    for (; i < a.length; i++) {
      const c = a.charCodeAt(i);
      if (c === DOT) break;
      x = x * 10 + (c - ZERO);
    }
    i++;
    let y = 0;
    for (; j < b.length; j++) {
      const c = b.charCodeAt(j);
      if (c === DOT) break;
      y = y * 10 + (c - ZERO);
    }
    j++;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** True for an OS version of 1..4 dot-separated numeric parts (`6.1`, `6.3.9600`, `10.0.19045.3636`). */
export function isOsVersion(text: string): boolean {
  if (text.length === 0 || text.length > 23) return false;
  let parts = 0;
  let i = 0;
  for (;;) {
    let value = 0;
    const start = i;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (!isDigit(c)) break;
      value = value * 10 + (c - ZERO);
    }
    if (i === start || value > MAX_PART) return false;
    parts++;
    if (i === text.length) return parts <= 4;
    if (text.charCodeAt(i) !== DOT || parts === 4) return false;
    i++;
  }
}

/** An OS version padded to four parts (`6.1` → `6.1.0.0`), or null if it is not one. */
export function normaliseOsVersion(text: string): string | null {
  const s = text.trim();
  if (!isOsVersion(s)) return null;
  const parts = s.split('.').map(Number);
  while (parts.length < 4) parts.push(0);
  return parts.join('.');
}

/** Compares an OS version (1..4 parts) against a threshold; null if it is not a version. */
export function compareOsVersion(osVersion: string, threshold: string): -1 | 0 | 1 | null {
  return isOsVersion(osVersion) ? compareVersions(osVersion, threshold) : null;
}
