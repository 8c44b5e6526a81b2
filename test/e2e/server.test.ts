// The real server process, over a real socket: token → list → query → revoke → 401 → SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { connect } from 'node:net';
import { parseRawResponse } from '../helpers/api-assert.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

function tokenRequest(user = 'devadmin') {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, password: 'devpassword', domain: { name: 'devaccount' } } } },
      scope: { project: { name: 'cn-north-4' } },
    },
  };
}

describe('server process (dev mode)', () => {
  let srv: ServerProcess;
  beforeAll(async () => {
    srv = await startServer(['--dev']);
  });
  afterAll(async () => {
    await srv?.stop('SIGKILL');
  });

  it('serves the dev fleet to a token and refuses the token once revoked', async () => {
    const t = await fetch(`${srv.base}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tokenRequest()) });
    expect(t.status).toBe(201);
    const token = t.headers.get('x-subject-token') as string;
    expect(token.length).toBeGreaterThan(100);

    const list = await fetch(`${srv.base}/v2/${PROJECT}/desktops?limit=5`, { headers: { 'x-auth-token': token } });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { desktops: { desktop_id: string }[]; total_count: number };
    expect(body.desktops).toHaveLength(5);
    expect(body.total_count).toBeGreaterThanOrEqual(150);

    const one = await fetch(`${srv.base}/v2/${PROJECT}/desktops/24cf2487-67bb-43a1-a563-9f947e859613/sysprep`, { headers: { 'x-auth-token': token } });
    expect(one.status).toBe(200);
    expect(one.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(await one.json()).toEqual({ sysprep_version: '10.0.22621.2506', support_create_image: true });

    const del = await fetch(`${srv.base}/v3/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': token, 'x-subject-token': token } });
    expect(del.status).toBe(204);

    const after = await fetch(`${srv.base}/v2/${PROJECT}/desktops/24cf2487-67bb-43a1-a563-9f947e859613/sysprep`, { headers: { 'x-auth-token': token } });
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    const err = (await after.json()) as Record<string, string>;
    expect(err).toEqual({ error_code: 'APIGW.0307', error_msg: 'The token must be updated.', request_id: after.headers.get('x-request-id') });
  });

  it('finishes an in-flight request on SIGTERM, answers 503 to the next request on that connection, then exits 0', async () => {
    const own = await startServer(['--dev'], { env: { WKS_LOG_LEVEL: 'info' } });
    try {
      const t = await fetch(`${own.base}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tokenRequest('devagent')) });
      const token = t.headers.get('x-subject-token') as string;
      const report = JSON.stringify({ collected_at: new Date().toISOString(), sysprep_version: '10.0.22621.2506', image_state: 'IMAGE_STATE_COMPLETE' });
      const path = `/v2/${PROJECT}/desktops/24cf2487-67bb-43a1-a563-9f947e859613/sysprep`;
      // One keep-alive connection: a PUT whose body is only half sent when SIGTERM arrives,
      // then a second request pipelined behind it.
      const socket = connect(own.port, '127.0.0.1');
      await once(socket, 'connect');
      const received: Buffer[] = [];
      socket.on('data', (d: Buffer) => received.push(d));
      const closed = once(socket, 'close');
      const half = Math.floor(report.length / 2);
      socket.write(`PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: ${token}\r\nContent-Type: application/json\r\nContent-Length: ${report.length}\r\n\r\n${report.slice(0, half)}`);
      await new Promise((r) => setTimeout(r, 200));
      const code = own.stop('SIGTERM');
      const deadline = Date.now() + 10_000;
      while (!own.output().includes('shutting down') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(own.output()).toContain('shutting down');
      socket.write(report.slice(half) + `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: ${token}\r\n\r\n`);
      await closed;
      const text = Buffer.concat(received).toString('utf8');
      const second = text.indexOf('HTTP/1.1', 1);
      const first = parseRawResponse(Buffer.from(second < 0 ? text : text.slice(0, second)), 'PUT');
      expect(first.statusCode, text).toBe(200);
      expect(JSON.parse(first.body)).toMatchObject({ applied: true });
      expect(second, text).toBeGreaterThan(0);
      const late = parseRawResponse(Buffer.from(text.slice(second)));
      expect(late.statusCode).toBe(503);
      expect(late.headers['content-type']).toBe('application/json;charset=UTF-8');
      expect(late.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.parse(late.body)).toEqual({ error_code: 'WKS.00050902', error_msg: 'The service is shutting down; retry on another node.' });
      expect(await code).toBe(0);
    } finally {
      await own.stop('SIGKILL');
    }
  });

  it('a client that keeps its connection open after the in-flight answer does not hold the shutdown: exit 0, not the timeout', async () => {
    const own = await startServer(['--dev'], { env: { WKS_LOG_LEVEL: 'info', WKS_SHUTDOWN_TIMEOUT: '8' } });
    try {
      const socket = connect(own.port, '127.0.0.1');
      await once(socket, 'connect');
      const received: Buffer[] = [];
      socket.on('data', (d: Buffer) => received.push(d));
      const closed = once(socket, 'close');
      socket.write('POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{');
      await new Promise((r) => setTimeout(r, 200));
      const code = own.stop('SIGTERM');
      const deadline = Date.now() + 10_000;
      while (!own.output().includes('shutting down') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      socket.write('}'); // the body completes; the client then just waits on the open connection
      await closed;
      expect(parseRawResponse(Buffer.concat(received), 'POST').statusCode).toBe(400);
      expect(await code).toBe(0);
      expect(own.output()).not.toContain('shutdown timed out');
    } finally {
      await own.stop('SIGKILL');
    }
  });
});
