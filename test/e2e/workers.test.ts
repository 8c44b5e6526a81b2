// `serve --workers 2`: real processes sharing one port; one-time work in the primary only;
// SIGTERM stops every worker and the primary exits 0.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const DESKTOP = '24cf2487-67bb-43a1-a563-9f947e859613';

const tokenRequest = {
  auth: {
    identity: { methods: ['password'], password: { user: { name: 'devadmin', password: 'devpassword', domain: { name: 'devaccount' } } } },
    scope: { project: { id: PROJECT } },
  },
};

/** JSON log lines of the output (banners and other text skipped). */
function logLines(output: string): { pid: number; msg: string }[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { pid: number; msg: string });
}

async function untilLogged(srv: ServerProcess, msg: string): Promise<void> {
  for (let i = 0; i < 300 && !logLines(srv.output()).some((l) => l.msg === msg); i++) await new Promise((r) => setTimeout(r, 100));
  expect(logLines(srv.output()).map((l) => l.msg)).toContain(msg);
}

function workerPids(srv: ServerProcess): number[] {
  return [...new Set(logLines(srv.output()).filter((l) => l.msg.startsWith('Server listening at')).map((l) => l.pid))];
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** A request on a fresh connection, so the cluster may hand it to either worker. */
function get(srv: ServerProcess, path: string, token: string) {
  return fetch(`${srv.base}${path}`, { headers: { 'x-auth-token': token, connection: 'close' } });
}

describe('serve --workers 2', () => {
  it('serves from two worker processes, refuses a revoked token in all of them, and stops all on SIGTERM with exit code 0', async () => {
    const srv = await startServer(['--dev', '--workers', '2'], { env: { WKS_LOG_LEVEL: 'info' } });
    let code: number | null = null;
    try {
      await untilLogged(srv, 'all workers listening');
      const workers = workerPids(srv);
      expect(workers).toHaveLength(2);
      for (const pid of workers) {
        expect(pid).not.toBe(srv.child.pid);
        expect(parentOf(pid)).toBe(srv.child.pid);
      }
      // The one-time work ran once: one dev banner, not one per process.
      expect(srv.output().split('DEV MODE: well-known credentials are active').length - 1).toBe(1);

      const t = await fetch(`${srv.base}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify(tokenRequest) });
      expect(t.status).toBe(201);
      const token = t.headers.get('x-subject-token') as string;
      for (let i = 0; i < 8; i++) {
        const res = await get(srv, `/v2/${PROJECT}/desktops/${DESKTOP}/sysprep`, token);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ sysprep_version: '10.0.22621.2506', support_create_image: true });
      }
      // Both workers answered some of them (the primary hands connections out in turn).
      const served = new Set(logLines(srv.output()).filter((l) => l.msg === 'incoming request').map((l) => l.pid));
      expect(served).toEqual(new Set(workers));

      const del = await fetch(`${srv.base}/v3/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': token, 'x-subject-token': token, connection: 'close' } });
      expect(del.status).toBe(204);
      // Each worker re-reads invalidations at least once a second (DESIGN §2.6).
      await new Promise((r) => setTimeout(r, 1100));
      for (let i = 0; i < 8; i++) {
        const res = await get(srv, `/v2/${PROJECT}/desktops/${DESKTOP}/sysprep`, token);
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({ error_code: 'APIGW.0307', error_msg: 'The token must be updated.', request_id: res.headers.get('x-request-id') });
      }

      code = await srv.stop('SIGTERM');
      expect(code).toBe(0);
      for (const pid of workers) expect(existsSync(`/proc/${pid}`)).toBe(false);
      const stopped = logLines(srv.output()).filter((l) => l.msg === 'stopped').map((l) => l.pid);
      expect(new Set(stopped)).toEqual(new Set([...workers, srv.child.pid]));
    } finally {
      if (code === null) await srv.stop('SIGKILL');
    }
  });

  it('replaces a worker that dies, and still stops with exit code 0', async () => {
    const srv = await startServer(['--dev', '--workers', '2'], { env: { WKS_LOG_LEVEL: 'info' } });
    try {
      await untilLogged(srv, 'all workers listening');
      const [victim, survivor] = workerPids(srv);
      process.kill(victim, 'SIGKILL');
      await untilLogged(srv, 'worker exited unexpectedly; starting a replacement');
      for (let i = 0; i < 50 && workerPids(srv).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
      const replacement = workerPids(srv).find((p) => p !== victim && p !== survivor);
      expect(replacement).toBeDefined();
      expect(parentOf(replacement as number)).toBe(srv.child.pid);
      const res = await fetch(`${srv.base}/healthz`, { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
      expect(await srv.stop('SIGTERM')).toBe(0);
    } finally {
      await srv.stop('SIGKILL');
    }
  });

  it('prints the first-start admin password once, from the primary', async () => {
    const srv = await startServer(['--workers', '2'], { env: { WKS_LOG_LEVEL: 'info' } });
    try {
      await untilLogged(srv, 'all workers listening');
      expect(srv.output().split('First start: created account').length - 1).toBe(1);
      expect(srv.output().split('It is shown only this once.').length - 1).toBe(1);
      expect(await srv.stop('SIGTERM')).toBe(0);
    } finally {
      await srv.stop('SIGKILL');
    }
  });
});
