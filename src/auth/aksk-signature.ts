/**
 * SDK-HMAC-SHA256 (Huawei Cloud AK/SK) request signatures: pure functions over a plain
 * request description (DESIGN §2.4, §2.6). No I/O; the caller looks up the SK, checks the
 * date window (checkSdkDate) and handles lockout.
 *
 * What the official Node SDK (@huaweicloud/huaweicloud-sdk-core 3.1.x, auth/AKSKSigner.js
 * and http/DefaultHttpClient.js) actually does, which this module mirrors:
 * - Canonical URI: `url.parse(endpoint).pathname` split on `/`, each segment escaped with
 *   its own urlEncode (unreserved `A-Za-z0-9-_.~`, `%` included in what is escaped, UTF-8
 *   bytes as `%XX` upper-case), trailing `/` appended. The pathname is the already-encoded
 *   URL path (legacy url.parse escapes space " < > ` { } | \ ^ ' but does not decode), so the
 *   SDK encodes the *encoded* path: `a%2Fb` is signed as `a%252Fb`. Axios sends the same
 *   path on the wire, so escaping the raw wire path (never decoding it) is what verifies.
 *   Known SDK-side mismatches that no server can fix: non-ASCII path characters (signed as
 *   their UTF-8 escape, sent escaped, so escaped twice by us) and `'`, `|` and `^`
 *   (url.parse escapes them, axios' WHATWG URL sends them raw). IDs here are ASCII
 *   `[A-Za-z0-9-]`, so real calls never hit this.
 * - An endpoint with a trailing slash makes the SDK sign `//v2/...` while axios sends
 *   `/v2/...`; verifySdkSignature tolerates that (see VerifyOptions).
 * - Canonical query: built from the *decoded* parameter object: keys sorted with JS's
 *   default sort (UTF-16 code units), array values sorted the same way, both escaped with
 *   urlEncode, `k=` for an empty value. The wire query comes from `querystring.stringify`
 *   (space as `%20`, `!'()*` left raw), so we decode form-style and re-encode strictly.
 * - Canonical headers: every header of the request plus `host` (and `X-Sdk-Date`), names
 *   lower-cased and sorted, values as given (not trimmed; Node's HTTP parser trims
 *   surrounding whitespace on receipt, so trimming here matches). `User-Agent` is added
 *   after signing and not signed, except on a fail-over retry.
 * - Payload hash: `X-Sdk-Content-Sha256` verbatim if set (the SDK sets `UNSIGNED-PAYLOAD`
 *   for non-JSON content types), else sha256 of JSON.stringify(data), which is also what
 *   axios sends; empty body = sha256("").
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequestParts {
  method: string;
  /** Path as received on the wire, still percent-encoded, without the query. */
  rawPath: string;
  /** Query as received, without the leading `?`; '' when there is none. */
  rawQuery: string;
  /** Lower-case header name → value as received (undefined when absent). */
  headers: (name: string) => string | undefined;
  body: Buffer;
}

export interface ParsedSdkAuthorization {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

export const SDK_SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const DEFAULT_MAX_SDK_DATE_SKEW_MS = 15 * 60 * 1000;

/** A `%` in the query not followed by two hex digits. */
export class MalformedQueryError extends Error {
  constructor(message = 'malformed percent-encoding in the query string') {
    super(message);
    this.name = 'MalformedQueryError';
  }
}

// ---- lookup tables, built once ----------------------------------------------------------

/** '%XX' for every byte value. */
const HEX: string[] = Array.from({ length: 256 }, (_, b) => '%' + b.toString(16).toUpperCase().padStart(2, '0'));

/** 1 for the unreserved ASCII set A-Za-z0-9-_.~ (kept as is), else 0. */
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-_.~]/.test(ch)) UNRESERVED[c] = 1;
}
/** Same, plus `/` (the segment separator of the canonical URI). */
const UNRESERVED_OR_SLASH = UNRESERVED.slice();
UNRESERVED_OR_SLASH[0x2f] = 1;

/** Hex digit value for ASCII codes, -1 otherwise. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let d = 0; d < 10; d++) HEX_VALUE[0x30 + d] = d;
for (let d = 0; d < 6; d++) {
  HEX_VALUE[0x41 + d] = 10 + d;
  HEX_VALUE[0x61 + d] = 10 + d;
}

const SIGNATURE_RE = /^[0-9a-f]{64}$/;
const HEX_SHA256_RE = /^[0-9a-fA-F]{64}$/;
/** RFC 9110 token, lower-case letters only (the SDKs lower-case SignedHeaders). */
const LOWER_TOKEN_RE = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const ACCESS_KEY_RE = /^[\x21-\x7e]+$/;
const SDK_DATE_RE = /^\d{8}T\d{6}Z$/;

// ---- Authorization header ----------------------------------------------------------------

/** Parses `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>`. Errors never echo values. */
export function parseSdkAuthorization(value: string): ParsedSdkAuthorization | { error: string } {
  if (!value.startsWith(SDK_SIGNING_ALGORITHM + ' ')) {
    return { error: `Authorization must start with "${SDK_SIGNING_ALGORITHM} "` };
  }
  let accessKey: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  // The SDKs write ", " between parameters; accept any run of spaces around them.
  for (const raw of value.slice(SDK_SIGNING_ALGORITHM.length + 1).split(',')) {
    const item = raw.trim();
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    const val = eq < 0 ? '' : item.slice(eq + 1);
    if (name === 'Access') {
      if (accessKey !== undefined) return { error: 'Authorization repeats Access' };
      accessKey = val;
    } else if (name === 'SignedHeaders') {
      if (signedHeaders !== undefined) return { error: 'Authorization repeats SignedHeaders' };
      signedHeaders = val;
    } else if (name === 'Signature') {
      if (signature !== undefined) return { error: 'Authorization repeats Signature' };
      signature = val;
    } else {
      return { error: 'Authorization has an unexpected parameter (expected Access, SignedHeaders, Signature)' };
    }
  }
  if (!accessKey) return { error: 'Authorization is missing Access' };
  if (!ACCESS_KEY_RE.test(accessKey)) return { error: 'Authorization Access is malformed' };
  if (!signedHeaders) return { error: 'Authorization is missing SignedHeaders' };
  if (!signature) return { error: 'Authorization is missing Signature' };
  if (!SIGNATURE_RE.test(signature)) return { error: 'Authorization Signature must be 64 lower-case hex digits' };

  const names = signedHeaders.split(';');
  for (let i = 0; i < names.length; i++) {
    if (!LOWER_TOKEN_RE.test(names[i])) {
      return { error: 'SignedHeaders must be lower-case header names separated by ";"' };
    }
    if (names.indexOf(names[i]) !== i) return { error: 'SignedHeaders lists a header twice' };
  }
  if (!names.includes('x-sdk-date')) return { error: 'SignedHeaders must include x-sdk-date' };
  return { accessKey, signedHeaders: names, signature };
}

// ---- canonical parts ---------------------------------------------------------------------

/** `%XX` of the UTF-8 bytes of the code point at s[i]; returns [escape, code units used]. */
function escapeNonAscii(s: string, i: number): [string, number] {
  const cp = s.codePointAt(i)!;
  const width = cp > 0xffff ? 2 : 1;
  let out = '';
  for (const b of Buffer.from(s.slice(i, i + width), 'utf8')) out += HEX[b];
  return [out, width];
}

/**
 * Canonical URI from the raw (still encoded) wire path: every character outside
 * `A-Za-z0-9-_.~` and `/` is escaped (a `%` becomes `%25`), trailing `/` appended.
 */
export function canonicalUri(rawPath: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c < 0x80 && UNRESERVED_OR_SLASH[c] === 1) continue;
    if (last < i) out += rawPath.slice(last, i);
    if (c < 0x80) {
      out += HEX[c];
    } else {
      // Node's HTTP parser rejects raw non-ASCII in the request target; this is for completeness.
      const [escaped, width] = escapeNonAscii(rawPath, i);
      out += escaped;
      i += width - 1;
    }
    last = i + 1;
  }
  const uri = last === 0 ? rawPath : out + rawPath.slice(last);
  return uri.endsWith('/') ? uri : uri + '/';
}

/**
 * Decodes one form-urlencoded component into a byte string (one char per byte, 0-255), so
 * that any byte sequence, valid UTF-8 or not, re-encodes to exactly what was escaped.
 * A malformed `%` throws when strict, else stays a literal `%`.
 */
function decodeToBytes(s: string, strict: boolean): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2b /* + */) {
      out += s.slice(last, i) + ' ';
      last = i + 1;
    } else if (c === 0x25 /* % */) {
      const hi = i + 2 < s.length ? HEX_VALUE[s.charCodeAt(i + 1)] ?? -1 : -1;
      const lo = hi >= 0 ? HEX_VALUE[s.charCodeAt(i + 2)] ?? -1 : -1;
      if (lo < 0) {
        if (strict) throw new MalformedQueryError();
        continue; // lenient: the '%' is an ordinary character
      }
      out += s.slice(last, i) + String.fromCharCode((hi << 4) | lo);
      i += 2;
      last = i + 1;
    } else if (c >= 0x80) {
      // Raw non-ASCII (Node's HTTP parser rejects it; for completeness): its UTF-8 bytes.
      const width = s.codePointAt(i)! > 0xffff ? 2 : 1;
      out += s.slice(last, i) + Buffer.from(s.slice(i, i + width), 'utf8').toString('latin1');
      i += width - 1;
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}

/** Escapes a byte string with the strict unreserved set. */
function encodeBytes(bytes: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes.charCodeAt(i);
    if (b < 0x80 && UNRESERVED[b] === 1) continue;
    out += bytes.slice(last, i) + HEX[b];
    last = i + 1;
  }
  return last === 0 ? bytes : out + bytes.slice(last);
}

/**
 * Orders UTF-8 byte strings as the Node SDK orders the decoded JS strings (UTF-16 code units,
 * JS's default sort). That equals byte order except that a 4-byte character (lead F0-F4, a
 * surrogate pair in UTF-16) sorts before U+E000..U+FFFF (lead EE/EF). The Go and Python SDKs
 * use byte order; they differ from the Node SDK only in that corner.
 */
function compareUtf16Order(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xf0 && (y === 0xee || y === 0xef)) return -1;
    if (y >= 0xf0 && (x === 0xee || x === 0xef)) return 1;
    return x - y;
  }
  return a.length - b.length;
}

function canonicalizeQuery(rawQuery: string, strict: boolean): string {
  if (rawQuery === '') return '';
  const pairs: [string, string][] = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue; // "a=1&&b=2": empty pieces carry no parameter
    const eq = piece.indexOf('=');
    pairs.push(
      eq < 0
        ? [decodeToBytes(piece, strict), '']
        : [decodeToBytes(piece.slice(0, eq), strict), decodeToBytes(piece.slice(eq + 1), strict)],
    );
  }
  pairs.sort((p, q) => compareUtf16Order(p[0], q[0]) || compareUtf16Order(p[1], q[1]));
  let out = '';
  for (let i = 0; i < pairs.length; i++) {
    out += (i === 0 ? '' : '&') + encodeBytes(pairs[i][0]) + '=' + encodeBytes(pairs[i][1]);
  }
  return out;
}

/**
 * Canonical query: pairs decoded form-style (`+` is a space), sorted by key then value,
 * re-encoded strictly, `k=` for a key without value. Throws MalformedQueryError on a bad `%`.
 */
export function canonicalQuery(rawQuery: string): string {
  return canonicalizeQuery(rawQuery, true);
}

/** sha256 hex digest. */
function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The payload hash that goes into the canonical request: the `X-Sdk-Content-Sha256` value
 * verbatim when present (a hex value must be the body's sha256; `UNSIGNED-PAYLOAD` only
 * without a body), else sha256 of the raw body bytes.
 */
export function payloadHash(parts: SignedRequestParts): string | { error: string } {
  const declared = parts.headers('x-sdk-content-sha256');
  if (declared === undefined) return parts.body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(parts.body);
  if (declared === UNSIGNED_PAYLOAD) {
    return parts.body.length === 0
      ? declared
      : { error: 'X-Sdk-Content-Sha256 UNSIGNED-PAYLOAD is only accepted on a request without a body' };
  }
  if (!HEX_SHA256_RE.test(declared)) {
    return { error: 'X-Sdk-Content-Sha256 must be a SHA-256 hex digest or UNSIGNED-PAYLOAD' };
  }
  const actual = parts.body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(parts.body);
  return declared.toLowerCase() === actual ? declared : { error: 'X-Sdk-Content-Sha256 does not match the body' };
}

/** Strips HTTP optional whitespace (SP, HTAB) around a header value. */
function trimOws(v: string): string {
  let start = 0;
  let end = v.length;
  while (start < end && (v.charCodeAt(start) === 0x20 || v.charCodeAt(start) === 0x09)) start++;
  while (end > start && (v.charCodeAt(end - 1) === 0x20 || v.charCodeAt(end - 1) === 0x09)) end--;
  return start === 0 && end === v.length ? v : v.slice(start, end);
}

function canonicalHeaders(parts: SignedRequestParts, signedHeaders: string[]): string {
  let out = '';
  for (const name of signedHeaders) out += name + ':' + trimOws(parts.headers(name) ?? '') + '\n';
  return out;
}

function joinCanonicalRequest(
  method: string,
  uri: string,
  query: string,
  headerBlock: string,
  signedHeaders: string[],
  payloadHashHex: string,
): string {
  return method + '\n' + uri + '\n' + query + '\n' + headerBlock + '\n' + signedHeaders.join(';') + '\n' + payloadHashHex;
}

/**
 * The canonical request: method, URI, query, `name:value\n` per signed header (so the block
 * ends with a newline and is followed by the separator), signed header names, payload hash.
 * A missing signed header contributes an empty value (verifySdkSignature rejects it first).
 * A malformed `%` in the query is kept literally (`%25`) instead of throwing, so that a
 * correctly signed request with a bad query still authenticates and then gets its 400 from
 * validation, as the order of checks in DESIGN §2.5 requires.
 */
export function canonicalRequest(parts: SignedRequestParts, signedHeaders: string[], payloadHashHex: string): string {
  return joinCanonicalRequest(
    parts.method,
    canonicalUri(parts.rawPath),
    canonicalizeQuery(parts.rawQuery, false),
    canonicalHeaders(parts, signedHeaders),
    signedHeaders,
    payloadHashHex,
  );
}

export function stringToSign(sdkDate: string, canonicalRequestText: string): string {
  return SDK_SIGNING_ALGORITHM + '\n' + sdkDate + '\n' + sha256Hex(canonicalRequestText);
}

/** Hex HMAC-SHA256 of the string to sign, keyed with the secret key. */
export function signRequest(secretKey: string, stringToSignText: string): string {
  return createHmac('sha256', secretKey).update(stringToSignText).digest('hex');
}

// ---- X-Sdk-Date ------------------------------------------------------------------------

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Epoch ms of a basic-format UTC date `YYYYMMDDTHHMMSSZ`, NaN if malformed or not a real date. */
function parseSdkDate(value: string): number {
  if (!SDK_DATE_RE.test(value)) return NaN;
  const y = +value.slice(0, 4);
  const mo = +value.slice(4, 6);
  const d = +value.slice(6, 8);
  const h = +value.slice(9, 11);
  const mi = +value.slice(11, 13);
  const s = +value.slice(13, 15);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1] + (mo === 2 && leap ? 1 : 0)) return NaN;
  if (h > 23 || mi > 59 || s > 59) return NaN;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC maps years 0-99 to 1900-1999.
  return y < 100 ? new Date(ms).setUTCFullYear(y) : ms;
}

export function isValidSdkDate(value: string): boolean {
  return !Number.isNaN(parseSdkDate(value));
}

/** Signed distance of the date from now (positive = in the future); NaN for an invalid date. */
export function sdkDateSkewMs(value: string, nowMs: number): number {
  return parseSdkDate(value) - nowMs;
}

/** The date rule of DESIGN §2.4 (7): basic format, at most maxSkewMs from now either way. */
export function checkSdkDate(
  value: string | undefined,
  nowMs: number,
  maxSkewMs = DEFAULT_MAX_SDK_DATE_SKEW_MS,
): { ok: true } | { ok: false; reason: string } {
  if (value === undefined) return { ok: false, reason: 'signature expired: X-Sdk-Date is missing' };
  const skew = sdkDateSkewMs(value, nowMs);
  if (Number.isNaN(skew)) {
    return { ok: false, reason: 'signature expired: X-Sdk-Date must be a UTC date in the format YYYYMMDDTHHMMSSZ' };
  }
  if (Math.abs(skew) > maxSkewMs) {
    return { ok: false, reason: 'signature expired: X-Sdk-Date is too far from the server time' };
  }
  return { ok: true };
}

// ---- verification ------------------------------------------------------------------------

export interface VerifyOptions {
  /**
   * The Node SDK with an endpoint ending in `/` signs `//v2/...` but sends `/v2/...`
   * (shared/vectors rules). When true (default), a mismatch is retried once with that extra
   * leading `/` in the canonical URI. Costs one more hash only on failures; the signature
   * still needs the SK and covers everything else.
   */
  allowDoubledLeadingSlash?: boolean;
}

/**
 * Checks that every signed header is present, applies the payload hash rule and compares the
 * signature in constant time. Does not check the date window or lockout (see checkSdkDate).
 */
export function verifySdkSignature(
  parts: SignedRequestParts,
  parsed: ParsedSdkAuthorization,
  secretKey: string,
  options: VerifyOptions = {},
): { ok: true } | { ok: false; reason: string; canonicalRequest?: string } {
  for (const name of parsed.signedHeaders) {
    if (parts.headers(name) === undefined) return { ok: false, reason: `signed header ${name} is missing` };
  }
  const hash = payloadHash(parts);
  if (typeof hash !== 'string') return { ok: false, reason: hash.error };

  const expected = Buffer.from(parsed.signature, 'hex');
  if (expected.length !== 32) return { ok: false, reason: 'signature is malformed' };
  const sdkDate = parts.headers('x-sdk-date')!; // present: x-sdk-date is always signed
  const uri = canonicalUri(parts.rawPath);
  const query = canonicalizeQuery(parts.rawQuery, false);
  const headerBlock = canonicalHeaders(parts, parsed.signedHeaders);
  const matches = (canonical: string): boolean =>
    timingSafeEqual(
      createHmac('sha256', secretKey).update(stringToSign(trimOws(sdkDate), canonical)).digest(),
      expected,
    );

  const canonical = joinCanonicalRequest(parts.method, uri, query, headerBlock, parsed.signedHeaders, hash);
  if (matches(canonical)) return { ok: true };
  if (
    options.allowDoubledLeadingSlash !== false &&
    uri.charCodeAt(0) === 0x2f &&
    uri.charCodeAt(1) !== 0x2f &&
    matches(joinCanonicalRequest(parts.method, '/' + uri, query, headerBlock, parsed.signedHeaders, hash))
  ) {
    return { ok: true };
  }
  return { ok: false, reason: 'signature mismatch', canonicalRequest: canonical };
}
