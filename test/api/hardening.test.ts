// Edges found by attacking the server: no such API before size limits, malformed escapes in
// the query, bodies that are not UTF-8, requests without Host, clients that never finish.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, devToken, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import { DEV } from '../../src/server/dev-seed.js';
import { expectHuaweiError, expectHuaweiErrorMatching, expectJson, expectKeystoneError, parseRawResponse, rawHead, rawRequest } from '../helpers/api-assert.js';
import { signHeaders } from '../helpers/sign.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613';
const SYSPREP = `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep`;
const NO_SUCH_API = { error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment' };
const NOT_UTF8 = { error_code: 'WKS.00000415', error_msg: 'The request body must be application/json encoded in UTF-8.' };
const BAD_QUERY = { error_code: 'WKS.00000400', error_msg: 'Invalid parameter: the query string contains malformed percent-encoding.' };

let t: TestApp;
let port: number;
let admin: string;
let agent: string;
let viewer: string;

beforeAll(async () => {
  t = await buildTestApp({ config: { requestTimeout: 1 } });
  admin = await devToken(t);
  agent = await devToken(t, 'devagent');
  viewer = await devToken(t, 'devviewer');
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as { port: number }).port;
});
afterAll(async () => t?.close());

describe('no such API comes before the size limits', () => {
  const big = Buffer.alloc(1024 * 1024 + 1, 'a');
  for (const line of ['POST /nope HTTP/1.1', `PATCH ${SYSPREP} HTTP/1.1`, `PUT /v2/${DEV_PROJECT}/desktops HTTP/1.1`]) {
    it(`${line} with a body over 1 MiB → 404 APIGW.0101`, async () => {
      const res = await rawRequest(port, rawHead(line, [['Content-Type', 'application/json'], ['Content-Length', String(big.length)]]), big);
      expectHuaweiError(res, 404, NO_SUCH_API);
    });
  }
  it('a known route with a body over 1 MiB is still 413', async () => {
    const res = await rawRequest(port, rawHead(`PUT ${SYSPREP} HTTP/1.1`, [['X-Auth-Token', agent], ['Content-Type', 'application/json'], ['Content-Length', String(big.length)]]), big);
    expectHuaweiError(res, 413, { error_code: 'APIGW.0201', error_msg: 'The request body is too large.' });
  });
});

describe('a malformed %XX in the query is a 400, after authentication', () => {
  for (const q of ['x=%zz', 'x=%', 'x=%4', '%g1=1']) {
    it(`?${q} with a token → 400`, async () => {
      const res = await t.app.inject({ method: 'GET', url: `/v2/${DEV_PROJECT}/desktops?${q}`, headers: { 'x-auth-token': admin } });
      expectHuaweiError(res, 400, BAD_QUERY);
    });
  }
  it('?x=%zz without credentials → 401', async () => {
    const res = await t.app.inject({ method: 'GET', url: `${SYSPREP}?x=%zz` });
    expectHuaweiError(res, 401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: x-auth-token not found' });
  });
  it('a well-formed escape passes to validation (unknown parameter)', async () => {
    const res = await t.app.inject({ method: 'GET', url: `${SYSPREP}?x=%41`, headers: { 'x-auth-token': admin } });
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Unknown query parameter x.' });
  });
});

describe('a body that is not UTF-8 → 415, nothing stored', () => {
  it('raw 0xFF 0xFE bytes inside a string', async () => {
    const before = await t.store.getDesktopWithReport(DEV_PROJECT, FIRST);
    const json = Buffer.concat([
      Buffer.from(`{"collected_at":"${new Date(t.clock.now).toISOString()}","sysprep_version":"10.0.22621.2506","agent_version":"`),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}'),
    ]);
    const res = await t.app.inject({ method: 'PUT', url: SYSPREP, headers: { 'x-auth-token': agent, 'content-type': 'application/json' }, payload: json });
    expectHuaweiError(res, 415, NOT_UTF8);
    expect(await t.store.getDesktopWithReport(DEV_PROJECT, FIRST)).toEqual(before);
  });
  it('a UTF-8 body with non-ASCII text is fine', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v2/${DEV_PROJECT}/sysprep`,
      headers: { 'x-auth-token': admin, 'content-type': 'application/json' },
      payload: Buffer.from(JSON.stringify({ desktop_ids: ['桌面'] }), 'utf8'),
    });
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: "Invalid field desktop_ids[0]: it must be 1 to 255 characters of A-Z, a-z, 0-9 and '-'." });
  });
});

describe('raw HTTP oddities get our answer', () => {
  it('a request without a Host header is served (with X-Request-Id), not refused by Node', async () => {
    const res = await rawRequest(port, `GET ${SYSPREP} HTTP/1.1\r\nX-Auth-Token: ${admin}`);
    expectJson(res);
  });

  it('a client that never finishes its body gets 408 in the Huawei shape', async () => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    const closed = new Promise((r) => socket.on('close', r));
    socket.on('connect', () => socket.write(`POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"auth":`));
    await closed;
    // Under /v3/ the 408 is in the Keystone shape, like every identity error.
    expectKeystoneError(parseRawResponse(Buffer.concat(chunks)), 408, 'The request was not received in time.');
  }, 15_000);

  it('… and in the Huawei shape elsewhere', async () => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    const closed = new Promise((r) => socket.on('close', r));
    socket.on('connect', () => socket.write(`PUT ${SYSPREP} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${agent}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"collected_at":`));
    await closed;
    expectHuaweiError(parseRawResponse(Buffer.concat(chunks)), 408, { error_code: 'WKS.00000400', error_msg: 'The request was not received in time.' });
  }, 15_000);

  it('an Expect other than 100-continue is ignored: the request is answered as usual, not with a bare 417', async () => {
    expectJson(await rawRequest(port, rawHead(`GET ${SYSPREP} HTTP/1.1`, [['Host', 'x'], ['X-Auth-Token', admin], ['Expect', 'foo']])));
    expectHuaweiError(await rawRequest(port, rawHead(`GET ${SYSPREP} HTTP/1.1`, [['Host', 'x'], ['Expect', 'foo']])), 401, {
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: x-auth-token not found',
    });
  });

  it('a URI far beyond what the HTTP parser buffers (100 KiB) is a 414, not a 431', async () => {
    const res = await rawRequest(port, rawHead(`GET /v2/${DEV_PROJECT}/desktops?${'a'.repeat(100 * 1024)} HTTP/1.1`, [['Host', 'x']]));
    expectHuaweiError(res, 414, { error_code: 'APIGW.0201', error_msg: 'The request URI is too long.' });
  });

  it('headers beyond what the HTTP parser buffers under /v3/ → 431 in the Keystone shape', async () => {
    const padding = [1, 2, 3, 4, 5, 6].map((i) => [`X-Padding-${i}`, 'p'.repeat(20 * 1024)] as [string, string]);
    expectKeystoneError(await rawRequest(port, rawHead('GET /v3/auth/tokens HTTP/1.1', [['Host', 'x'], ...padding])), 431, 'The request headers are too large.');
  });
});

describe('a chunked body on a GET or HEAD is bounded like any other (size limits before authentication)', () => {
  const MiB = 1024 * 1024;
  const chunked = (n: number) => `${n.toString(16)}\r\n${'x'.repeat(n)}\r\n0\r\n\r\n`;
  for (const method of ['GET', 'HEAD']) {
    it(`${method} with a token and a chunked body over 1 MiB → 413`, async () => {
      const res = await rawRequest(port, rawHead(`${method} ${SYSPREP} HTTP/1.1`, [['Host', 'x'], ['X-Auth-Token', admin], ['Transfer-Encoding', 'chunked']]), chunked(MiB + 1));
      expect(res.statusCode).toBe(413);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      if (method === 'GET') expectHuaweiError(res, 413, { error_code: 'APIGW.0201', error_msg: 'The request body is too large.' });
    });
  }
  it('GET without credentials and a chunked body over 1 MiB → 413, not 401', async () => {
    const res = await rawRequest(port, rawHead(`GET ${SYSPREP} HTTP/1.1`, [['Host', 'x'], ['Transfer-Encoding', 'chunked']]), chunked(MiB + 1));
    expectHuaweiError(res, 413, { error_code: 'APIGW.0201', error_msg: 'The request body is too large.' });
  });
  it('a small chunked body on a GET with a token is read and ignored → 200', async () => {
    expectJson(await rawRequest(port, rawHead(`GET ${SYSPREP} HTTP/1.1`, [['Host', 'x'], ['X-Auth-Token', admin], ['Transfer-Encoding', 'chunked']]), chunked(10)));
  });
});

describe('an unparsable Content-Type is refused only after authentication and authorization', () => {
  const put = (headers: Record<string, string>) => t.app.inject({ method: 'PUT', url: SYSPREP, headers, payload: '{}' });
  for (const ct of [';', 'a b', '"x"', '']) {
    it(`Content-Type ${JSON.stringify(ct)}: none → 401, viewer → 403, agent → 415`, async () => {
      expectHuaweiError(await put({ 'content-type': ct }), 401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information: x-auth-token not found' });
      expectHuaweiError(await put({ 'content-type': ct, 'x-auth-token': viewer }), 403, {
        error_code: 'APIGW.0302',
        error_msg: "Policy doesn't allow workspace:desktops:reportSysprep to be performed.",
      });
      expectHuaweiError(await put({ 'content-type': ct, 'x-auth-token': agent }), 415, NOT_UTF8);
    });
  }
  it('a wrong AK/SK signature with such a Content-Type → 401', async () => {
    const url = SYSPREP;
    const headers = signHeaders({ ak: DEV.users[0].ak, sk: 'wrong'.repeat(8), method: 'PUT', url, headers: { 'Content-Type': ';', Host: 'localhost' }, body: '{}' });
    const res = await t.app.inject({ method: 'PUT', url, headers, payload: '{}' });
    expectHuaweiErrorMatching(res, 401, 'APIGW.0301', /signature does not match/);
    await t.store.resetSignatureFailures(DEV.users[0].ak);
  });
});

describe('strings that are not Unicode are refused, not stored altered', () => {
  it('a lone surrogate escape in a registered desktop → 400, nothing stored', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/projects/${DEV_PROJECT}/desktops`,
      headers: { 'x-auth-token': admin, 'content-type': 'application/json' },
      payload: '{"desktops":[{"desktop_id":"surrogate-1","computer_name":"\\ud800","os_type":"Windows","os_version":"10.0","status":"ACTIVE"}]}',
    });
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Invalid body: a string holds an unpaired UTF-16 surrogate.' });
    expect(await t.store.getDesktopWithReport(DEV_PROJECT, 'surrogate-1')).toBeNull();
  });
  it('a paired surrogate escape (an emoji) is fine', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/projects/${DEV_PROJECT}/desktops`,
      headers: { 'x-auth-token': admin, 'content-type': 'application/json' },
      payload: '{"desktops":[{"desktop_id":"surrogate-2","computer_name":"pc-\\ud83d\\ude00","os_type":"Windows","os_version":"10.0","status":"ACTIVE"}]}',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((await t.store.getDesktopWithReport(DEV_PROJECT, 'surrogate-2'))?.desktop.computerName).toBe('pc-😀');
  });
});

describe('encoded path prefixes are routed as the router would decode them', () => {
  const X_AUTH_NOT_FOUND = 'Incorrect IAM authentication information: x-auth-token not found';
  it('/%763/projects/%zz: 401 first, then the 400, both in the Keystone shape', async () => {
    expectKeystoneError(await t.app.inject({ method: 'GET', url: '/%763/projects/%zz' }), 401, X_AUTH_NOT_FOUND);
    expectKeystoneError(await t.app.inject({ method: 'GET', url: '/%763/projects/%zz', headers: { 'x-auth-token': admin } }), 400, 'Invalid parameter: the path contains malformed percent-encoding.');
  });
  it('/%762/{project}/desktops/%zz/sysprep: 401 first (Huawei shape), then the 400', async () => {
    expectHuaweiError(await t.app.inject({ method: 'GET', url: `/%762/${DEV_PROJECT}/desktops/%zz/sysprep` }), 401, { error_code: 'APIGW.0301', error_msg: X_AUTH_NOT_FOUND });
    expectHuaweiError(await t.app.inject({ method: 'GET', url: `/%762/${DEV_PROJECT}/desktops/%zz/sysprep`, headers: { 'x-auth-token': admin } }), 400, {
      error_code: 'WKS.00000400',
      error_msg: 'Invalid parameter: the path contains malformed percent-encoding.',
    });
  });
  it('/%763/nothing → 404 in the Keystone shape, like /v3/nothing', async () => {
    for (const url of ['/%763/nothing', '/v3/nothing']) expectKeystoneError(await t.app.inject({ method: 'GET', url }), 404, NO_SUCH_API.error_msg);
  });
});

describe('the error family follows the matched route', () => {
  it('an encoded prefix routed to /v3/auth/tokens answers in the Keystone shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/%763/auth/tokens', headers: { 'x-auth-token': admin, 'x-subject-token': 'garbage' } });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expectKeystoneError(res, res.statusCode, /./);
  });
});

describe('/v3.0/OS-CREDENTIAL refuses query parameters it does not take', () => {
  it('a typo (userid) → 400, not the caller’s own keys', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v3.0/OS-CREDENTIAL/credentials?userid=x', headers: { 'x-auth-token': admin } });
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Unknown query parameter userid.' });
  });
  it('on a key too', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v3.0/OS-CREDENTIAL/credentials/${DEV.users[0].ak}?foo=1`, headers: { 'x-auth-token': admin } });
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Unknown query parameter foo.' });
  });
});

describe('header counts, oversized uploads and CONNECT', () => {
  it('more than 1000 header lines → 431, so no repeated credential hides beyond what Node would keep', async () => {
    const many = Array.from({ length: 2100 }, (_, i) => [`x${i}`, '1'] as [string, string]);
    const res = await rawRequest(port, rawHead(`GET ${SYSPREP} HTTP/1.1`, [['Host', 'x'], ['X-Auth-Token', admin], ...many, ['X-Auth-Token', 'garbage']]));
    expectHuaweiError(res, 431, { error_code: 'APIGW.0201', error_msg: 'The request has more than 1000 headers.' });
  });
  it('exactly 1000 header lines are fine', async () => {
    // rawHead adds Host and rawRequest adds Connection: with X-Auth-Token, 997 more make 1000.
    const many = Array.from({ length: 997 }, (_, i) => [`x${i}`, '1'] as [string, string]);
    expectJson(await rawRequest(port, rawHead(`GET ${SYSPREP} HTTP/1.1`, [['X-Auth-Token', admin], ...many])));
  });
  it('a 413 closes the connection: the rest of the upload is not read', async () => {
    const res = await rawRequest(port, rawHead(`PUT ${SYSPREP} HTTP/1.1`, [['Host', 'x'], ['Content-Type', 'application/json'], ['Content-Length', String(10_000_000_000)]]), 'x'.repeat(1000));
    expectHuaweiError(res, 413, { error_code: 'APIGW.0201', error_msg: 'The request body is too large.' });
    expect(res.headers.connection).toBe('close');
  });
  it('CONNECT → 404 APIGW.0101 in the Huawei shape, not a dropped connection', async () => {
    const res = await rawRequest(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443', '', { method: 'GET' });
    expectHuaweiError(res, 404, NO_SUCH_API);
  });
});
