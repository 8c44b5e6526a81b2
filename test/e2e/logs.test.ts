// The logs of a real server process at the most verbose level (DESIGN §5, docs/operations.md):
// JSON lines, a line for every request with its X-Request-Id, and no credential anywhere —
// neither tokens (X-Auth-Token, X-Subject-Token), nor Authorization or X-Security-Token values,
// nor passwords from token requests (good, wrong or in a body that is not JSON).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { rawHead, rawRequest } from '../helpers/api-assert.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { openCliTestStore } from '../helpers/store.js';

const PROJECT = 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecf';
const PASSWORD = 'Log-Test-Password-4e1f9a';
const WRONG_PASSWORD = 'Wrong-Log-Password-77b2c0';
const BROKEN_BODY_PASSWORD = 'Broken-Body-Password-5d3e8f';
const SIGNATURE = 'f00dfeed'.repeat(8);
const ACCESS_KEY = 'AKLOGTEST00000000001';
const SECURITY_TOKEN = 'security-token-secret-0a9b8c7d';
const GARBAGE_TOKEN = 'garbage-token-secret-6e5f4d3c';

let dataDir: string;
let dropStore: (() => Promise<void>) | undefined;
let srv: ServerProcess;
let token: string;
let output: string;
/** Request id → the status the client saw, for every request sent. */
const sent = new Map<string, { method: string; url: string; status: number }>();

function tokenBody(password: string) {
  return JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'logger', password, domain: { name: 'logaccount' } } } },
      scope: { project: { id: PROJECT } },
    },
  });
}

async function send(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
  const res = await fetch(`${srv.base}${url}`, { method, headers, body });
  await res.arrayBuffer();
  sent.set(res.headers.get('x-request-id') as string, { method, url, status: res.status });
  return res;
}

interface LogLine {
  level: number;
  time: number;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wks-logs-'));
  const { store, databaseUrl, drop } = await openCliTestStore(dataDir);
  dropStore = drop;
  const domain = await store.ensureDomain('logaccount');
  await store.createProject({ id: PROJECT, name: 'cn-north-4', domainId: domain.id });
  const user = await store.createUser({ id: 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf', domainId: domain.id, name: 'logger', passwordHash: await hashPassword(PASSWORD) });
  await store.grantRole(user.id, PROJECT, 'admin', Date.now() - 1000);

  srv = await startServer([], { dataDir, databaseUrl, env: { WKS_LOG_LEVEL: 'trace' } });
  const json = { 'content-type': 'application/json' };
  const issued = await send('POST', '/v3/auth/tokens', json, tokenBody(PASSWORD));
  expect(issued.status).toBe(201);
  token = issued.headers.get('x-subject-token') as string;
  expect(token.length).toBeGreaterThan(40);

  expect((await send('POST', '/v3/auth/tokens', json, tokenBody(WRONG_PASSWORD))).status).toBe(401);
  expect((await send('POST', '/v3/auth/tokens', json, tokenBody(BROKEN_BODY_PASSWORD).slice(0, -3))).status).toBe(400);
  expect((await send('GET', `/v2/${PROJECT}/desktops`, { 'x-auth-token': token })).status).toBe(200);
  const validated = await send('GET', '/v3/auth/tokens', { 'x-auth-token': token, 'x-subject-token': token });
  expect(validated.status).toBe(200);
  expect(validated.headers.get('x-subject-token')).toBe(token);
  const signed = await send('GET', `/v2/${PROJECT}/desktops`, {
    authorization: `SDK-HMAC-SHA256 Access=${ACCESS_KEY}, SignedHeaders=x-sdk-date, Signature=${SIGNATURE}`,
    'x-sdk-date': '20260101T000000Z',
  });
  expect(signed.status).toBe(401);
  expect((await send('GET', `/v2/${PROJECT}/desktops`, { 'x-auth-token': GARBAGE_TOKEN, 'x-security-token': SECURITY_TOKEN })).status).toBe(401);
  // Duplicate credentials, sent raw (fetch merges them): an error path of its own.
  const dup = await rawRequest(srv.port, rawHead(`GET /v2/${PROJECT}/desktops HTTP/1.1`, [['X-Auth-Token', token], ['X-Auth-Token', GARBAGE_TOKEN]]));
  expect(dup.statusCode).toBe(401);
  sent.set(dup.headers['x-request-id'], { method: 'GET', url: `/v2/${PROJECT}/desktops`, status: 401 });
  expect((await send('DELETE', '/v3/auth/tokens', { 'x-auth-token': token, 'x-subject-token': token })).status).toBe(204);

  expect(await srv.stop('SIGTERM')).toBe(0);
  output = srv.output();
});

afterAll(async () => {
  await srv?.stop('SIGKILL');
  await dropStore?.();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('server logs', () => {
  it('are JSON lines with a level, a time and a message', () => {
    const lines = output.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(2 * sent.size);
    for (const line of lines) {
      const parsed = JSON.parse(line) as LogLine;
      expect(typeof parsed.level, line).toBe('number');
      expect(typeof parsed.time, line).toBe('number');
      expect(typeof parsed.msg, line).toBe('string');
    }
  });

  it('log every request, in and out, under its X-Request-Id', () => {
    const lines = output
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as LogLine);
    for (const [id, r] of sent) {
      const mine = lines.filter((l) => l.reqId === id);
      const incoming = mine.find((l) => l.msg === 'incoming request');
      expect(incoming?.req, `incoming ${r.method} ${r.url} (${id})`).toMatchObject({ method: r.method, url: r.url });
      const completed = mine.find((l) => l.msg === 'request completed');
      expect(completed?.res, `completed ${r.method} ${r.url} (${id})`).toEqual({ statusCode: r.status });
    }
  });

  it.each([
    ['the token (X-Auth-Token, X-Subject-Token, in a request and an answer)', () => token],
    ['any large piece of the token', () => token.slice(token.length - 32)],
    ['the password of a token request', () => PASSWORD],
    ['a wrong password', () => WRONG_PASSWORD],
    ['a password in a body that is not JSON', () => BROKEN_BODY_PASSWORD],
    ['an Authorization signature', () => SIGNATURE],
    ['an X-Security-Token', () => SECURITY_TOKEN],
    ['a garbage X-Auth-Token', () => GARBAGE_TOKEN],
  ])('never contain %s', (_name, secret) => {
    expect(output).not.toContain(secret());
  });
});
