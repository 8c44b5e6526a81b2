// The real server process, over a real socket: token → list → query → revoke → 401 → SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
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
    expect(err).toEqual({ error_code: 'APIGW.0307', error_msg: 'The token must be updated.' });
  });

  it('finishes an in-flight request on SIGTERM, answers 503 on a kept-alive connection, then exits 0', async () => {
    const t = await fetch(`${srv.base}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tokenRequest()) });
    const token = t.headers.get('x-subject-token') as string;
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${srv.base}${path}`, { agent, headers: { 'x-auth-token': token } }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        });
        req.on('error', reject);
        req.end();
      });
    const first = await get(`/v2/${PROJECT}/desktops/24cf2487-67bb-43a1-a563-9f947e859613/sysprep`);
    expect(first.status).toBe(200);
    // A slow request in flight: a token issuance costs a scrypt hash.
    const inflight = fetch(`${srv.base}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tokenRequest()) });
    await new Promise((r) => setTimeout(r, 5));
    const code = srv.stop('SIGTERM');
    const late = await get(`/v2/${PROJECT}/desktops/24cf2487-67bb-43a1-a563-9f947e859613/sysprep`).catch((e: Error) => ({ status: -1, body: e.message }));
    // Either the kept-alive socket was closed as idle (connection error) or the request got our 503.
    if (late.status !== -1) {
      expect(late.status).toBe(503);
      expect(JSON.parse(late.body)).toEqual({ error_code: 'WKS.00050902', error_msg: 'The service is shutting down; retry on another node.' });
    }
    expect((await inflight).status).toBe(201);
    expect(await code).toBe(0);
    agent.destroy();
  });
});
