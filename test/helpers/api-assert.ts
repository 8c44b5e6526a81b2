// Assertions shared by the API tests: the exact error shapes of DESIGN §2.5, the request id,
// and a raw HTTP/1.1 client for what inject() and fetch() cannot send (duplicate headers,
// oversized request lines, malformed requests).
import { connect } from 'node:net';
import { expect } from 'vitest';

export const ERROR_CT = 'application/json;charset=UTF-8';
export const REQUEST_ID = /^[0-9a-f]{32}$/;

/** Anything with a status, headers and a text body: inject()'s answer or rawRequest()'s. */
export interface AnyResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

export function requestIdOf(res: AnyResponse): string {
  const id = res.headers['x-request-id'];
  expect(typeof id, 'x-request-id header is present').toBe('string');
  expect(id as string).toMatch(REQUEST_ID);
  return id as string;
}

/** Fastify's default error body must never reach a client, in any shape. */
export function expectNoFastifyDefault(res: AnyResponse): void {
  if (res.body === '') return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    throw new Error(`body is not JSON: ${res.body.slice(0, 200)}`);
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const keys = Object.keys(parsed);
    expect(keys).not.toContain('statusCode');
    expect(keys.includes('error') && keys.includes('message')).toBe(false);
    expect(keys).not.toContain('code');
  }
}

export interface HuaweiErrorExpectation {
  error_code: string;
  error_msg: string;
  error_detail?: string;
}

/**
 * A Huawei-family error: exact status, content type, X-Request-Id, and exactly this body
 * (plus `request_id` equal to the header for APIGW.* codes).
 */
export function expectHuaweiError(res: AnyResponse, status: number, expected: HuaweiErrorExpectation): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toBe(ERROR_CT);
  const id = requestIdOf(res);
  expectNoFastifyDefault(res);
  const body: Record<string, string> = { error_code: expected.error_code, error_msg: expected.error_msg };
  if (expected.error_detail !== undefined) body.error_detail = expected.error_detail;
  if (expected.error_code.startsWith('APIGW.')) body.request_id = id;
  expect(JSON.parse(res.body)).toEqual(body);
}

/** A Huawei-family error whose message is only partly fixed (e.g. it names a value); returns the body. */
export function expectHuaweiErrorMatching(res: AnyResponse, status: number, code: string, msg: RegExp): Record<string, string> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toBe(ERROR_CT);
  const id = requestIdOf(res);
  expectNoFastifyDefault(res);
  const body = JSON.parse(res.body) as Record<string, string>;
  const keys = ['error_code', 'error_msg', ...(code.startsWith('APIGW.') ? ['request_id'] : [])];
  expect(Object.keys(body).sort()).toEqual(keys.sort());
  expect(body.error_code).toBe(code);
  expect(body.error_msg).toMatch(msg);
  expect(body.error_msg.length).toBeLessThanOrEqual(1000);
  if (code.startsWith('APIGW.')) expect(body.request_id).toBe(id);
  return body;
}

const KEYSTONE_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
};

/** A Keystone-family error (under /v3/): `{"error":{"code","title","message"}}`. */
export function expectKeystoneError(res: AnyResponse, status: number, message: string | RegExp): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toBe(ERROR_CT);
  requestIdOf(res);
  expectNoFastifyDefault(res);
  const body = JSON.parse(res.body) as { error: { code: number; title: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'title']);
  expect(body.error.code).toBe(status);
  expect(body.error.title).toBe(KEYSTONE_TITLES[status]);
  if (typeof message === 'string') expect(body.error.message).toBe(message);
  else expect(body.error.message).toMatch(message);
}

/** A HEAD answer: status and headers only. */
export function expectHeadAnswer(res: AnyResponse, status: number): void {
  expect(res.statusCode).toBe(status);
  requestIdOf(res);
  expect(res.body).toBe('');
  if (status >= 400) expect(res.headers['content-type']).toBe(ERROR_CT);
}

/** A 2xx JSON answer; returns the parsed body. */
export function expectJson(res: AnyResponse, status = 200): unknown {
  expect(res.statusCode, res.body).toBe(status);
  requestIdOf(res);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  return JSON.parse(res.body);
}

export interface RawResponse extends AnyResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** Every header line as received, in order (repeats kept). */
  rawHeaders: [string, string][];
  body: string;
}

function dechunk(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = Number.parseInt(buf.subarray(i, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(buf.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Parses one HTTP/1.1 response (the server closes the connection after it). */
export function parseRawResponse(buf: Buffer, method = 'GET'): RawResponse {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response head: ${buf.toString('latin1').slice(0, 200)}`);
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!m) throw new Error(`bad status line: ${lines[0]}`);
  const headers: Record<string, string> = {};
  const rawHeaders: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    const name = line.slice(0, c).trim();
    const value = line.slice(c + 1).trim();
    rawHeaders.push([name, value]);
    headers[name.toLowerCase()] = value;
  }
  let body = buf.subarray(end + 4);
  if (method === 'HEAD') body = Buffer.alloc(0);
  else if (headers['transfer-encoding']?.toLowerCase() === 'chunked') body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { statusCode: Number(m[1]), headers, rawHeaders, body: body.toString('utf8') };
}

/**
 * Sends `head` (request line and header lines, without the final blank line) plus `body`
 * over a fresh socket, with `Connection: close`, and parses the answer.
 */
export function rawRequest(port: number, head: string, body: string | Buffer = '', opts: { method?: string; timeoutMs?: number } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw request timed out'));
    }, opts.timeoutMs ?? 15_000);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (err) => {
      // The server may reset after answering an oversized request: keep what arrived.
      if (chunks.length > 0) return;
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseRawResponse(Buffer.concat(chunks), opts.method ?? head.split(' ')[0]));
      } catch (err) {
        reject(err);
      }
    });
    socket.on('connect', () => {
      const h = head.endsWith('\r\n') ? head : head + '\r\n';
      socket.write(h + 'Connection: close\r\n\r\n');
      if (body.length > 0) socket.write(body);
    });
  });
}

/** Builds a request head from a request line and header pairs (repeats allowed). */
export function rawHead(requestLine: string, headers: [string, string][]): string {
  return [requestLine, 'Host: 127.0.0.1', ...headers.map(([k, v]) => `${k}: ${v}`)].join('\r\n');
}
