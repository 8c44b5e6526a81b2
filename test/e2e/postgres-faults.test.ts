// PostgreSQL faults under a running server, on a private PostgreSQL this file starts, stops,
// freezes and restarts: requests get 503 WKS.00050902 (never a hang, a 500 or a crash),
// /readyz fails, and the service recovers by itself. Bulk writes killed in the middle leave
// nothing behind. Runs with the PostgreSQL suite (WKS_TEST_DATABASE_URL) when the PostgreSQL
// binaries are installed here.
import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPgBinDir, startPgCluster, type PgCluster } from '../../scripts/pg-cluster.mjs';
import { expectHuaweiError, expectKeystoneError } from '../helpers/api-assert.js';
import { DEV_PROJECT, call, issueToken, sharedSecretFile } from '../helpers/nodes.js';
import { spawnCli, startServer, type ServerProcess } from '../helpers/server-process.js';
import { testStoreKind } from '../helpers/store.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613';
const UNAVAILABLE = { error_code: 'WKS.00050902', error_msg: 'The storage is unavailable; retry later.' };
const NOT_READY = { error_code: 'WKS.00050902', error_msg: 'The storage is unavailable.' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Every server of this file runs on one database, so all get the one secret its keys are sealed under. */
const SECRET = { WKS_SECRET_KEY_FILE: sharedSecretFile() };

async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, deadlineMs = 30_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

/** Backends of our product blocked on a lock while running `queryPrefix`. */
const blockedOn = (url: string, queryPrefix: string) =>
  sql<{ pid: number }>(url, "SELECT pid FROM pg_stat_activity WHERE application_name = 'workspace-sysprep' AND wait_event_type = 'Lock' AND query LIKE $1", [queryPrefix + '%']);

/**
 * Inserts (without committing) desktop `desktopId` in a transaction of its own: a bulk write
 * reaching that row waits for us, after writing the rows before it.
 */
async function holdDesktopRow(url: string, desktopId: string): Promise<{ release: () => Promise<void> }> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {}); // the cluster may be destroyed under it when a test fails
  await c.connect();
  await c.query('BEGIN');
  await c.query(
    `INSERT INTO desktops (project_id, desktop_id, computer_name, os_type, os_version, status, enterprise_project_id, tags, created_at, updated_at)
     VALUES ($1, $2, 'HOLD', 'Windows', '10.0', 'ACTIVE', '0', '[]', now(), now())`,
    [DEV_PROJECT, desktopId],
  );
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await c.query('ROLLBACK');
      await c.end();
    },
  };
}

const desktopIds = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-0000-4000-8000-${String(i).padStart(12, '0')}`);
const countIds = async (url: string, ids: string[]) =>
  Number((await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM desktops WHERE project_id = $1 AND desktop_id = ANY($2)', [DEV_PROJECT, ids]))[0].n);
const countReports = async (url: string, ids: string[]) =>
  Number((await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM reports WHERE project_id = $1 AND desktop_id = ANY($2)', [DEV_PROJECT, ids]))[0].n);

const canRun = testStoreKind === 'postgres' && findPgBinDir() !== null;

describe.runIf(canRun)('PostgreSQL faults under a running server', () => {
  let cluster: PgCluster;
  let srv: ServerProcess;

  beforeAll(async () => {
    cluster = await startPgCluster();
    // Short limits so the frozen-database case answers quickly.
    srv = await startServer(['--dev'], { databaseUrl: cluster.url, env: { ...SECRET, WKS_PG_CONNECT_TIMEOUT_MS: '1000', WKS_PG_STATEMENT_TIMEOUT_MS: '1500' } });
  });
  afterAll(async () => {
    await srv?.stop('SIGKILL');
    cluster?.destroy();
  });

  const sysprep = (token: string) => call(srv.base, `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep`, { headers: { 'x-auth-token': token } });

  it('PostgreSQL stopped: 503 WKS.00050902 on every store-backed route, /readyz fails, the process lives; it recovers without a restart', async () => {
    const admin = await issueToken(srv.base);
    const agent = await issueToken(srv.base, 'devagent');
    expect((await sysprep(admin)).statusCode).toBe(200);

    cluster.stop('fast');

    expectHuaweiError(await sysprep(admin), 503, UNAVAILABLE);
    expectHuaweiError(await call(srv.base, `/v2/${DEV_PROJECT}/desktops?limit=5`, { headers: { 'x-auth-token': admin } }), 503, UNAVAILABLE);
    expectHuaweiError(
      await call(srv.base, `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep`, {
        method: 'PUT',
        headers: { 'x-auth-token': agent, 'content-type': 'application/json' },
        body: JSON.stringify({ collected_at: new Date().toISOString(), sysprep_version: '10.0.26100.1' }),
      }),
      503,
      UNAVAILABLE,
    );
    const login = await call(srv.base, '/v3/auth/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'devadmin', password: 'devpassword', domain: { name: 'devaccount' } } } }, scope: { project: { id: DEV_PROJECT } } } }),
    });
    expectKeystoneError(login, 503, 'The storage is unavailable; retry later.');
    expectHuaweiError(await call(srv.base, '/readyz'), 503, NOT_READY);
    expect((await call(srv.base, '/healthz')).statusCode).toBe(200);
    expect(srv.child.exitCode).toBeNull();

    cluster.start();
    await eventually('/readyz to pass again', async () => (await call(srv.base, '/readyz')).statusCode === 200);
    const after = await sysprep(admin);
    expect(after.statusCode).toBe(200);
    expect(JSON.parse(after.body)).toEqual({ sysprep_version: '10.0.22621.2506', support_create_image: true });
    expect((await sysprep(await issueToken(srv.base))).statusCode).toBe(200);
  });

  it('PostgreSQL frozen (accepts connections, never answers): 503 after the connect/statement limits, not a hang; then recovery', async () => {
    const admin = await issueToken(srv.base);
    expect((await sysprep(admin)).statusCode).toBe(200);

    cluster.freeze();
    try {
      expectHuaweiError(await sysprep(admin), 503, UNAVAILABLE);
      expectHuaweiError(await call(srv.base, '/readyz'), 503, NOT_READY);
      expect(srv.child.exitCode).toBeNull();
    } finally {
      cluster.thaw();
    }
    await eventually('/readyz to pass again', async () => (await call(srv.base, '/readyz')).statusCode === 200);
    expect((await sysprep(admin)).statusCode).toBe(200);
  });
});

describe.runIf(canRun)('bulk writes killed in the middle leave nothing half-written', () => {
  let cluster: PgCluster;
  // Long limits: the writes below wait on a row we hold until we kill their process.
  const env = { ...SECRET, WKS_PG_STATEMENT_TIMEOUT_MS: '120000' };

  beforeAll(async () => {
    cluster = await startPgCluster();
  });
  afterAll(() => {
    cluster?.destroy();
  });

  it('a bulk registration (1000 desktops, one request): the server killed mid-write stores none of them', async () => {
    const srv = await startServer(['--dev'], { databaseUrl: cluster.url, env });
    const ids = desktopIds('b0b0b0b0', 1000);
    let hold: { release: () => Promise<void> } | undefined;
    try {
      const admin = await issueToken(srv.base);
      hold = await holdDesktopRow(cluster.url, ids[999]);
      const body = JSON.stringify({ desktops: ids.map((desktop_id, i) => ({ desktop_id, computer_name: `BULK-${i}`, os_type: 'Windows', os_version: '10.0.22631.2715', status: 'ACTIVE' })) });
      const pending = fetch(`${srv.base}/admin/v1/projects/${DEV_PROJECT}/desktops`, { method: 'POST', headers: { 'x-auth-token': admin, 'content-type': 'application/json' }, body }).then(
        (r) => r.status,
        () => 'connection lost',
      );
      // 999 rows are written in the server's transaction when it reaches ours and waits.
      const blocked = await eventually('the registration to wait on the held row', () => blockedOn(cluster.url, 'INSERT INTO desktops').then((r) => r[0]));
      await srv.stop('SIGKILL');
      expect(await pending).toBe('connection lost');
      await hold.release();
      // The orphaned session finds its client gone and ends without a COMMIT.
      await eventually('the killed server session to end', async () => (await sql(cluster.url, 'SELECT 1 FROM pg_stat_activity WHERE pid = $1', [blocked.pid])).length === 0);
      expect(await countIds(cluster.url, ids)).toBe(0);
    } finally {
      await srv.stop('SIGKILL');
      await hold?.release();
    }
  });

  it('a fleet import (20000 desktops with reports, one transaction): the CLI killed mid-import stores nothing; a re-run stores everything', async () => {
    const srv = await startServer(['--dev'], { databaseUrl: cluster.url, env }); // migrates and seeds the dev project
    await srv.stop('SIGTERM');
    const ids = desktopIds('f1f1f1f1', 20_000);
    const collectedAt = new Date(Date.now() - 3_600_000).toISOString();
    const fleet = {
      desktops: ids.map((desktop_id, i) => ({
        desktop_id,
        computer_name: `IMP-${i}`,
        os_type: 'Windows',
        os_version: '10.0.22631.2715',
        status: 'ACTIVE',
        report: { collected_at: collectedAt, sysprep_version: '10.0.22621.2506', image_state: 'IMAGE_STATE_COMPLETE' },
      })),
    };
    const file = join(mkdtempSync(join(tmpdir(), 'wks-fleet-')), 'fleet.json');
    writeFileSync(file, JSON.stringify(fleet));
    const args = ['--database-url', cluster.url, 'import', file, '--project', DEV_PROJECT];

    // Held in the middle: 15 batches of desktops are written when the import reaches it.
    const hold = await holdDesktopRow(cluster.url, ids[15_000]);
    const cli = spawnCli(args, env);
    try {
      const blocked = await eventually('the import to wait on the held row', () => blockedOn(cluster.url, 'INSERT INTO desktops').then((r) => r[0]), 60_000);
      cli.child.kill('SIGKILL');
      expect((await cli.done).signal).toBe('SIGKILL');
      await hold.release();
      await eventually('the killed import session to end', async () => (await sql(cluster.url, 'SELECT 1 FROM pg_stat_activity WHERE pid = $1', [blocked.pid])).length === 0);
    } finally {
      cli.child.kill('SIGKILL');
      await hold.release();
    }
    expect(await countIds(cluster.url, ids)).toBe(0);
    expect(await countReports(cluster.url, ids)).toBe(0);

    const rerun = await spawnCli(args, env).done;
    expect(rerun.stderr).toBe('');
    expect(rerun.stdout).toBe(`imported 20000 desktops and 20000 reports into ${DEV_PROJECT}\n`);
    expect(rerun.code).toBe(0);
    expect(await countIds(cluster.url, ids)).toBe(20_000);
    expect(await countReports(cluster.url, ids)).toBe(20_000);
  });
});
