/**
 * Client-side SDK-HMAC-SHA256 signing for tests, built on src/auth/aksk-signature.ts.
 * Returns the headers to send: the given ones, X-Sdk-Date and Authorization.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import {
  canonicalRequest,
  signRequest,
  stringToSign,
  SDK_SIGNING_ALGORITHM,
  type SignedRequestParts,
} from '../../src/auth/aksk-signature.js';

export interface SignHeadersInput {
  ak: string;
  sk: string;
  method: string;
  /** Path plus optional `?query`, exactly as it will be sent (still percent-encoded). */
  url: string;
  /** Headers to send; their names are signed unless `signedHeaders` says otherwise. */
  headers?: Record<string, string>;
  /** The exact body bytes; an object is sent as JSON.stringify(body). */
  body?: string | Buffer | object;
  /** `YYYYMMDDTHHMMSSZ` or a Date; default now. Ignored when headers has X-Sdk-Date. */
  date?: string | Date;
  /** Lower-case names to sign, in order; default: all given headers plus x-sdk-date, sorted. */
  signedHeaders?: string[];
}

/** `YYYYMMDDTHHMMSSZ` of a date (UTC). */
export function sdkDate(d: Date = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Serialises a body as the helper does, so tests can send the bytes that were signed. */
export function bodyBytes(body: SignHeadersInput['body']): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

export function signHeaders(input: SignHeadersInput): Record<string, string> {
  const given = input.headers ?? {};
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(given)) lower.set(name.toLowerCase(), value);

  const out: Record<string, string> = { ...given };
  if (!lower.has('x-sdk-date')) {
    const date = typeof input.date === 'string' ? input.date : sdkDate(input.date);
    lower.set('x-sdk-date', date);
    out['X-Sdk-Date'] = date;
  }
  const signed = input.signedHeaders ?? [...lower.keys()].sort();

  const q = input.url.indexOf('?');
  const body = bodyBytes(input.body);
  const parts: SignedRequestParts = {
    method: input.method.toUpperCase(),
    rawPath: q < 0 ? input.url : input.url.slice(0, q),
    rawQuery: q < 0 ? '' : input.url.slice(q + 1),
    headers: (name) => lower.get(name),
    body,
  };
  // A client signs whatever X-Sdk-Content-Sha256 it sends, even a wrong one (for negative tests).
  const hash = lower.get('x-sdk-content-sha256') ?? createHash('sha256').update(body).digest('hex');
  const signature = signRequest(input.sk, stringToSign(lower.get('x-sdk-date')!, canonicalRequest(parts, signed, hash)));
  out.Authorization = `${SDK_SIGNING_ALGORITHM} Access=${input.ak}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  return out;
}

/** One known-answer vector of test/fixtures/aksk-signing.json (a copy of the shared vectors). */
export interface SigningVector {
  name: string;
  ak: string;
  sk: string;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  signed_headers: string[];
  body: string;
  canonical_uri?: string;
  signature: string;
}

export interface SigningFixture {
  signing_vectors: SigningVector[];
  canonical_query_vectors: { wire_query: string; canonical: string }[];
}

export const signingFixture = JSON.parse(readFileSync(new URL('../fixtures/aksk-signing.json', import.meta.url), 'utf8')) as SigningFixture;
