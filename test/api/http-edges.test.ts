// HTTP edges on a real socket (DESIGN §2.5): size limits (414/413/431 APIGW.0201), requests that
// are not HTTP (400), known paths with a method they lack (404 APIGW.0101) and HEAD on unknown
// paths — all in the Huawei error shape with X-Request-Id, never Fastify's default body. Sent raw,
// because fetch() and inject() cannot send most of these.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, devToken, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import { expectHeadAnswer, expectHuaweiError, expectJson, expectKeystoneError, rawHead, rawRequest } from '../helpers/api-assert.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613';
const SYSPREP = `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep`;
const KiB = 1024;
const MiB = 1024 * KiB;

const NO_SUCH_API = { error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment' };
const NO_TOKEN = { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: x-auth-token not found' };
const GARBLED = { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: decrypt token fail' };
const URI_TOO_LONG = { error_code: 'APIGW.0201', error_msg: 'The request URI is too long.' };
const HEADERS_TOO_LARGE = { error_code: 'APIGW.0201', error_msg: 'The request headers are too large.' };
const BODY_TOO_LARGE = { error_code: 'APIGW.0201', error_msg: 'The request body is too large.' };
const NOT_HTTP = { error_code: 'WKS.00000400', error_msg: 'The request is not valid HTTP.' };

let t: TestApp;
let port: number;
let admin: string;

const get = (path: string, headers: [string, string][] = []) => rawRequest(port, rawHead(`GET ${path} HTTP/1.1`, headers));

beforeAll(async () => {
  t = await buildTestApp();
  admin = await devToken(t);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await t?.close();
});

describe('header sizes', () => {
  it('a 30 KiB X-Auth-Token is accepted and reaches token verification (garbage → 401, not 431)', async () => {
    expectHuaweiError(await get(SYSPREP, [['X-Auth-Token', 'a'.repeat(30 * KiB)]]), 401, GARBLED);
  });

  it('a valid token beside a 30 KiB header of another name → 200', async () => {
    expectJson(await get(SYSPREP, [['X-Auth-Token', admin], ['X-Padding', 'p'.repeat(30 * KiB)]]));
  });

  it('a single 33 KiB header → 431 APIGW.0201 naming it, before authentication', async () => {
    expectHuaweiError(await get(SYSPREP, [['X-Padding', 'p'.repeat(33 * KiB)]]), 431, { error_code: 'APIGW.0201', error_msg: 'The request header X-Padding is too large.' });
  });

  it('a 33 KiB X-Auth-Token → 431, even with a valid token beside it', async () => {
    expectHuaweiError(await get(SYSPREP, [['X-Auth-Token', 'a'.repeat(33 * KiB)]]), 431, { error_code: 'APIGW.0201', error_msg: 'The request header X-Auth-Token is too large.' });
  });

  it('four 20 KiB headers (80 KiB in all) → 431', async () => {
    const headers = [1, 2, 3, 4].map((i) => [`X-Padding-${i}`, 'p'.repeat(20 * KiB)] as [string, string]);
    expectHuaweiError(await get(SYSPREP, [['X-Auth-Token', admin], ...headers]), 431, HEADERS_TOO_LARGE);
  });

  it('headers beyond what the HTTP parser buffers (fourteen 20 KiB headers) → the same 431 body', async () => {
    const headers = Array.from({ length: 14 }, (_, i) => [`X-Padding-${i}`, 'p'.repeat(20 * KiB)] as [string, string]);
    expectHuaweiError(await get(SYSPREP, headers), 431, HEADERS_TOO_LARGE);
  });

  it('under /v3/ the 431 is in the Keystone shape', async () => {
    expectKeystoneError(await get('/v3/auth/tokens', [['X-Padding', 'p'.repeat(33 * KiB)]]), 431, 'The request header X-Padding is too large.');
  });
});

describe('URI length', () => {
  it('a URI of exactly 32 KiB is not refused for its size', async () => {
    const path = `${SYSPREP}?q=`;
    expectHuaweiError(await get(path + 'x'.repeat(32 * KiB - path.length)), 401, NO_TOKEN);
  });

  it('a 33 KiB query → 414 APIGW.0201, before authentication', async () => {
    expectHuaweiError(await get(`${SYSPREP}?q=${'x'.repeat(33 * KiB)}`, [['X-Auth-Token', admin]]), 414, URI_TOO_LONG);
  });

  it('a 33 KiB desktop id in the path → 414 (the router does not answer first)', async () => {
    expectHuaweiError(await get(`/v2/${DEV_PROJECT}/desktops/${'d'.repeat(33 * KiB)}/sysprep`), 414, URI_TOO_LONG);
  });

  it('a 33 KiB path parameter on a path that is no API → 404 APIGW.0101 (no such API comes first)', async () => {
    expectHuaweiError(await get(`/v2/${DEV_PROJECT}/desktops/${'d'.repeat(33 * KiB)}/nope`), 404, NO_SUCH_API);
  });

  it('under /v3/ the 414 is in the Keystone shape', async () => {
    expectKeystoneError(await get(`/v3/projects?name=${'x'.repeat(33 * KiB)}`), 414, 'The request URI is too long.');
  });
});

describe('body size', () => {
  const put = (headers: [string, string][], body: string | Buffer = '') => rawRequest(port, rawHead(`PUT ${SYSPREP} HTTP/1.1`, headers), body);

  it('a declared body over 1 MiB → 413 APIGW.0201, before authentication', async () => {
    expectHuaweiError(await put([['Content-Type', 'application/json'], ['Content-Length', String(MiB + 1)]]), 413, BODY_TOO_LARGE);
  });

  it('… also with a valid token, and nothing is stored', async () => {
    const before = await t.store.getDesktopWithReport(DEV_PROJECT, FIRST);
    expectHuaweiError(await put([['X-Auth-Token', admin], ['Content-Type', 'application/json'], ['Content-Length', String(2 * MiB)]]), 413, BODY_TOO_LARGE);
    expect(await t.store.getDesktopWithReport(DEV_PROJECT, FIRST)).toEqual(before);
  });

  it('a chunked body over 1 MiB → 413', async () => {
    const body = 'x'.repeat(MiB + 1);
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const res = await rawRequest(port, rawHead(`POST /v2/${DEV_PROJECT}/sysprep HTTP/1.1`, [['X-Auth-Token', admin], ['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']]), chunked);
    expectHuaweiError(res, 413, BODY_TOO_LARGE);
  });

  it('a declared body over 1 MiB on a GET → 413 too (size limits come before authentication)', async () => {
    expectHuaweiError(await get(SYSPREP, [['Content-Length', String(MiB + 1)]]), 413, BODY_TOO_LARGE);
  });

  it('a body of exactly 1 MiB is not refused for its size (but it is not JSON → 400 after authentication)', async () => {
    const body = Buffer.alloc(MiB, 'x');
    const res = await put([['X-Auth-Token', admin], ['Content-Type', 'application/json'], ['Content-Length', String(body.length)]], body);
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Invalid body: it is not valid JSON.' });
  });
});

describe('requests that are not HTTP → 400 in the Huawei shape', () => {
  const cases: [string, string][] = [
    ['a line of text', 'THIS IS NOT HTTP'],
    ['an unknown HTTP version', `GET ${SYSPREP} HTTP/9.9\r\nHost: 127.0.0.1`],
    ['a header line without a colon', `GET ${SYSPREP} HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here`],
    ['a space inside the method', `G ET ${SYSPREP} HTTP/1.1\r\nHost: 127.0.0.1`],
    ['a bad Content-Length', `PUT ${SYSPREP} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ten`],
  ];
  for (const [name, head] of cases) {
    it(name, async () => {
      expectHuaweiError(await rawRequest(port, head, '', { method: 'GET' }), 400, NOT_HTTP);
    });
  }
});

describe('a known path with a method it does not have → 404 APIGW.0101 (no 405)', () => {
  const cases: [string, string][] = [
    ['PATCH', SYSPREP],
    ['DELETE', SYSPREP],
    ['POST', SYSPREP],
    ['DELETE', `/v2/${DEV_PROJECT}/desktops`],
    ['PUT', `/v2/${DEV_PROJECT}/desktops/${FIRST}`],
    ['GET', `/v2/${DEV_PROJECT}/sysprep`],
    ['GET', `/admin/v1/projects/${DEV_PROJECT}/desktops`],
    ['POST', '/healthz'],
  ];
  for (const [method, path] of cases) {
    it(`${method} ${path.replace(DEV_PROJECT, '{p}').replace(FIRST, '{d}')}`, async () => {
      const res = await rawRequest(port, rawHead(`${method} ${path} HTTP/1.1`, [['X-Auth-Token', admin], ['Content-Length', '0']]));
      expectHuaweiError(res, 404, NO_SUCH_API);
    });
  }

  it('without credentials too: no such API comes before authentication', async () => {
    expectHuaweiError(await rawRequest(port, rawHead(`PATCH ${SYSPREP} HTTP/1.1`, [])), 404, NO_SUCH_API);
  });
});

describe('HEAD on an unknown path → 404, headers only', () => {
  for (const path of ['/nope', `/v2/${DEV_PROJECT}/nope`, '/v3/nope']) {
    it(path.replace(DEV_PROJECT, '{p}'), async () => {
      const res = await rawRequest(port, rawHead(`HEAD ${path} HTTP/1.1`, []));
      expectHeadAnswer(res, 404);
      expect(res.rawHeaders.filter(([k]) => k.toLowerCase() === 'x-request-id')).toHaveLength(1);
    });
  }
});
