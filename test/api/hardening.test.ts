// Edges found by attacking the server: no such API before size limits, malformed escapes in
// the query, bodies that are not UTF-8, requests without Host, clients that never finish.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, devToken, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import { expectHuaweiError, expectJson, parseRawResponse, rawHead, rawRequest } from '../helpers/api-assert.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613';
const SYSPREP = `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep`;
const NO_SUCH_API = { error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment' };
const NOT_UTF8 = { error_code: 'WKS.00000415', error_msg: 'The request body must be application/json encoded in UTF-8.' };
const BAD_QUERY = { error_code: 'WKS.00000400', error_msg: 'Invalid parameter: the query string contains malformed percent-encoding.' };

let t: TestApp;
let port: number;
let admin: string;
let agent: string;

beforeAll(async () => {
  t = await buildTestApp({ config: { requestTimeout: 1 } });
  admin = await devToken(t);
  agent = await devToken(t, 'devagent');
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
    const res = parseRawResponse(Buffer.concat(chunks));
    expect(res.statusCode).toBe(408);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(res.body)).toEqual({ error_code: 'WKS.00000400', error_msg: 'The request was not received in time.' });
  }, 15_000);
});
