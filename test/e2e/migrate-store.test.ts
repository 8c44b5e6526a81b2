// `migrate-store`: a deployment on SQLite moves to PostgreSQL without losing data or
// credentials. A real SQLite server is used (tokens issued, one revoked, a password changed,
// a report stored), the store is copied, and a PostgreSQL server with the same secret file
// answers exactly as the old one; then every entity is compared through the Store interface.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSecret } from '../../src/auth/secret-box.js';
import { loadOrCreateServerSecret } from '../../src/auth/server-secret.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { expectHuaweiError } from '../helpers/api-assert.js';
import { DEV_PROJECT, call, issueToken } from '../helpers/nodes.js';
import { createTestDatabase } from '../helpers/pg-store.js';
import { runCli, startServer, type ServerProcess } from '../helpers/server-process.js';
import { signHeaders } from '../helpers/sign.js';
import { testStoreKind } from '../helpers/store.js';

const NEVER = 'e1c68255-7dee-42a7-8d27-71d699ec9921';
const NEW_VIEWER_PASSWORD = 'm0ved-Passw0rd-viewer';
const DEV_AK = 'DEVAKWORKSPACE000001';
const DEV_SK = 'devSK0workspace0sysprep0localonly0000001';
/** A GET signed with the dev admin's AK/SK (DESIGN §6): proves the SK survived the move. */
const signedGet = (base: string, path: string) => call(base, path, { headers: signHeaders({ ak: DEV_AK, sk: DEV_SK, method: 'GET', url: path, signedHeaders: ['x-sdk-date'] }) });
const TABLES = ['domains', 'users', 'access_keys', 'desktops', 'projects', 'reports', 'revoked_tokens', 'role_assignments'];

/** Everything the Store interface can read, in a comparable shape. */
async function snapshot(store: Store, now: number) {
  const users = await store.listUsers();
  const perUser = [];
  for (const u of users) {
    perUser.push({ user: u, roles: Object.fromEntries(await store.listRoleAssignments(u.id)), keys: await store.listAccessKeys(u.id) });
  }
  const projects = await store.listProjects();
  const perProject = [];
  for (const p of projects) perProject.push({ project: p, desktops: await store.listDesktopsWithReports(p.id, 100_000, 0), count: await store.countDesktops(p.id) });
  const inv = await store.getInvalidationsSince(1, now);
  return { perUser, perProject, users: Object.fromEntries(inv.users), tokens: Object.fromEntries(inv.tokens), domain: await store.getDomainByName('devaccount') };
}

async function tableCounts(url: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of TABLES) out[t] = Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    return out;
  } finally {
    await c.end();
  }
}

function countsTable(counts: Record<string, number>): string {
  const rows = TABLES.map((t) => [t, String(counts[t]), String(counts[t])]);
  const widths = [0, 1, 2].map((i) => Math.max(['table', 'source', 'target'][i].length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(['table', 'source', 'target']), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

describe.runIf(testStoreKind === 'postgres')('migrate-store: SQLite → PostgreSQL', () => {
  let dataDir: string;
  let sqliteFile: string;
  let secretFile: string;
  let db: { url: string; drop: () => Promise<void> };
  let keptToken: string;
  let revokedToken: string;
  let reportedAt: string;
  let sourceCounts: Record<string, number>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wks-migrate-'));
    sqliteFile = join(dataDir, 'dev.db');
    secretFile = join(dataDir, 'secret.key');
    db = await createTestDatabase(process.env.WKS_TEST_DATABASE_URL!, 'wks_migrate');

    // A deployment on SQLite with history: tokens, a revocation, a report, a password change, a locked key.
    const old = await startServer(['--dev'], { databaseUrl: null, dataDir });
    try {
      keptToken = await issueToken(old.base);
      revokedToken = await issueToken(old.base);
      expect((await call(old.base, '/v3/auth/tokens', { method: 'DELETE', headers: { 'x-auth-token': revokedToken, 'x-subject-token': revokedToken } })).statusCode).toBe(204);
      const agent = await issueToken(old.base, 'devagent');
      reportedAt = new Date(Date.now() - 60_000).toISOString();
      const put = await call(old.base, `/v2/${DEV_PROJECT}/desktops/${NEVER}/sysprep`, {
        method: 'PUT',
        headers: { 'x-auth-token': agent, 'content-type': 'application/json' },
        body: JSON.stringify({ collected_at: reportedAt, sysprep_version: '10.0.26100.2033', rearm_remaining: 4294967295, appx_unprovisioned: ['Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe'] }),
      });
      expect(put.statusCode, put.body).toBe(200);
    } finally {
      await old.stop('SIGTERM');
    }
    const passwd = await runCli(['--data-dir', dataDir, '--dev', 'users', 'passwd', '--domain', 'devaccount', '--name', 'devviewer', '--password', NEW_VIEWER_PASSWORD]);
    expect(passwd.code, passwd.stderr).toBe(0);
    const store = new SqliteStore(sqliteFile);
    for (let i = 0; i < 3; i++) await store.recordSignatureFailure('DEVAKAGENT0000000001', Date.now(), 5, 300_000);
    await store.close();

    const src = new SqliteStore(sqliteFile);
    sourceCounts = {};
    const raw = (src as unknown as { db: { prepare: (s: string) => { get: () => { n: number } } } }).db;
    for (const t of TABLES) sourceCounts[t] = raw.prepare(`SELECT count(*) AS n FROM ${t}`).get().n;
    await src.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('copies every table into an empty database and prints the verified counts; the secret to give the nodes is the one beside --from', async () => {
    // No --data-dir or --secret-key-file: the source's secret is where a data dir keeps it, next to its store.
    const r = await runCli(['migrate-store', '--from', sqliteFile, '--to', db.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `copied ${sqliteFile} to ${db.url}\n` +
        countsTable(sourceCounts) +
        `all 8 tables match.\n` +
        `SKs were copied as they are: give every PostgreSQL node the same secret file as the source deployment (${secretFile}).\n`,
    );
    expect(sourceCounts).toMatchObject({ users: 3, access_keys: 2, revoked_tokens: 1, role_assignments: 3, projects: 1, domains: 1 });
    expect(sourceCounts.reports).toBeGreaterThan(100);
    expect(await tableCounts(db.url)).toEqual(sourceCounts);
  });

  it('the PostgreSQL store reads back exactly what the SQLite store holds (hashes, keys, lockouts, revocations, desktops, reports)', async () => {
    const now = Date.now();
    const sqlite = new SqliteStore(sqliteFile);
    const postgres = new PostgresStore(db.url, { poolSize: 2 });
    try {
      const [a, b] = [await snapshot(sqlite, now), await snapshot(postgres, now)];
      expect(b).toEqual(a);
      expect(Object.keys(b.tokens)).toHaveLength(1);
      expect(b.perUser.find((u) => u.user.name === 'devviewer')!.user.validAfter).toBeGreaterThan(0);
      expect(b.perUser.flatMap((u) => u.keys).find((k) => k.accessKey === 'DEVAKAGENT0000000001')!.failedCount).toBe(3);
      const reported = b.perProject[0].desktops.find((d) => d.desktop.desktopId === NEVER)!;
      expect(reported.report).toMatchObject({ collectedAt: Date.parse(reportedAt), rearmRemaining: 4294967295, appxUnprovisioned: ['Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe'] });
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });

  it('a PostgreSQL node given the same secret file honours the old tokens, the revocation, the changed password and the AK/SK', async () => {
    let srv: ServerProcess | undefined;
    try {
      srv = await startServer(['--host', '127.0.0.1'], { databaseUrl: db.url, env: { WKS_SECRET_KEY_FILE: secretFile } });
      expect(srv.output()).not.toMatch(/First start/); // users exist: no bootstrap admin
      const probe = `/v2/${DEV_PROJECT}/desktops/${NEVER}/sysprep`;
      const kept = await call(srv.base, probe, { headers: { 'x-auth-token': keptToken } });
      expect(kept.statusCode).toBe(200);
      expect(JSON.parse(kept.body)).toEqual({ sysprep_version: '10.0.26100.2033', support_create_image: false }); // APPX_NOT_PROVISIONED
      expectHuaweiError(await call(srv.base, probe, { headers: { 'x-auth-token': revokedToken } }), 401, { error_code: 'APIGW.0307', error_msg: 'The token must be updated.' });
      expect((await call(srv.base, probe, { headers: { 'x-auth-token': await issueToken(srv.base, 'devviewer', NEW_VIEWER_PASSWORD) } })).statusCode).toBe(200);
      await expect(issueToken(srv.base, 'devviewer', 'devpassword')).rejects.toThrow(/^token for devviewer: 401 /);
      expect((await signedGet(srv.base, probe)).statusCode).toBe(200);
    } finally {
      await srv?.stop('SIGKILL');
    }
  });

  it('refuses a non-empty target and changes nothing', async () => {
    const before = await tableCounts(db.url);
    const r = await runCli(['--data-dir', dataDir, 'migrate-store', '--from', sqliteFile, '--to', db.url]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: the target database is not empty: access_keys (2), desktops (200), domains (1), projects (1), reports (' +
        sourceCounts.reports +
        '), revoked_tokens (1), role_assignments (3), users (3); nothing was written (--replace empties it first)\n',
    );
    expect(r.code).toBe(2);
    expect(await tableCounts(db.url)).toEqual(before);
  });

  it('a wrong source secret stops a re-encrypting copy, and nothing is written', async () => {
    const wrong = join(mkdtempSync(join(tmpdir(), 'wks-wrong-')), 'secret.key');
    writeFileSync(wrong, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    const target = join(mkdtempSync(join(tmpdir(), 'wks-target-')), 'secret.key');
    const before = await tableCounts(db.url);
    const r = await runCli(['--secret-key-file', wrong, 'migrate-store', '--from', sqliteFile, '--to', db.url, '--replace', '--target-secret-key-file', target]);
    expect(r.stderr).toBe(`error: an SK cannot be decrypted with the source secret ${wrong}: is it the secret of this store?\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(await tableCounts(db.url)).toEqual(before);
    // Checked before the target secret is made: a failed run leaves no new secret behind.
    expect(existsSync(target)).toBe(false);
  });

  it('a data dir given in the environment or a config file is where the source secret is looked for', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'wks-elsewhere-'));
    const target = join(mkdtempSync(join(tmpdir(), 'wks-target-')), 'secret.key');
    const config = join(elsewhere, 'config.json');
    writeFileSync(config, JSON.stringify({ 'data-dir': elsewhere }));
    const before = await tableCounts(db.url);
    const args = ['migrate-store', '--from', sqliteFile, '--to', db.url, '--replace', '--target-secret-key-file', target];
    for (const [argv, env] of [
      [args, { WKS_DATA_DIR: elsewhere }],
      [['--config', config, ...args], {}],
    ] as const) {
      const r = await runCli([...argv], env);
      expect(r.stderr).toBe(`error: re-encrypting needs the source secret: no file ${join(elsewhere, 'secret.key')} (set --secret-key-file)\n`);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(2);
    }
    expect(existsSync(target)).toBe(false);
    expect(await tableCounts(db.url)).toEqual(before);
  });

  it('a copy that fails after the target secret was made removes it again', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'wks-target-')), 'secret.key');
    const r = await runCli(['migrate-store', '--from', sqliteFile, '--to', 'postgres://nobody@127.0.0.1:1/none', '--target-secret-key-file', target]);
    expect(r.stderr).toBe('error: the database is unavailable: connect ECONNREFUSED 127.0.0.1:1\n');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
    expect(existsSync(target)).toBe(false);
  });

  it('an explicit --data-dir without a secret in it: the copy is made, and the note says the secret is not there', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'wks-elsewhere-'));
    const r = await runCli(['--data-dir', elsewhere, 'migrate-store', '--from', sqliteFile, '--to', db.url, '--replace']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `copied ${sqliteFile} to ${db.url}\n` +
        countsTable(sourceCounts) +
        `all 8 tables match.\n` +
        `SKs were copied as they are: give every PostgreSQL node the same secret file as the source deployment (there is no ${join(elsewhere, 'secret.key')}: give the one its servers were started with).\n`,
    );
  });

  it('--replace with --target-secret-key-file re-encrypts the SKs for a new secret: the AK/SK still signs, old tokens do not verify', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'wks-target-')), 'secret.key');
    const r = await runCli(['migrate-store', '--from', sqliteFile, '--to', db.url, '--replace', '--target-secret-key-file', target]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `created a new server secret ${target} (mode 0600)\n` +
        `copied ${sqliteFile} to ${db.url}\n` +
        countsTable(sourceCounts) +
        `all 8 tables match.\n` +
        `SKs were re-encrypted: give every PostgreSQL node the secret file ${target}. Tokens issued by the old deployment are not valid there.\n`,
    );
    const oldKey = loadOrCreateServerSecret(secretFile).secret.skKey;
    const newKey = loadOrCreateServerSecret(target).secret.skKey;
    const sqlite = new SqliteStore(sqliteFile);
    const postgres = new PostgresStore(db.url, { poolSize: 2 });
    try {
      for (const ak of ['DEVAKWORKSPACE000001', 'DEVAKAGENT0000000001']) {
        const [before, after] = [(await sqlite.getAccessKey(ak))!, (await postgres.getAccessKey(ak))!];
        expect(after.secretEncrypted).not.toBe(before.secretEncrypted);
        expect(openSecret(newKey, after.secretEncrypted)).toBe(openSecret(oldKey, before.secretEncrypted));
        expect({ ...after, secretEncrypted: '' }).toEqual({ ...before, secretEncrypted: '' });
      }
    } finally {
      await sqlite.close();
      await postgres.close();
    }
    // Old tokens were keyed by the old secret; passwords still work.
    const srv = await startServer(['--host', '127.0.0.1'], { databaseUrl: db.url, env: { WKS_SECRET_KEY_FILE: target } });
    try {
      const probe = `/v2/${DEV_PROJECT}/desktops/${NEVER}/sysprep`;
      expect((await call(srv.base, probe, { headers: { 'x-auth-token': keptToken } })).statusCode).toBe(401);
      expect((await call(srv.base, probe, { headers: { 'x-auth-token': await issueToken(srv.base) } })).statusCode).toBe(200);
      expect((await signedGet(srv.base, probe)).statusCode).toBe(200);
    } finally {
      await srv.stop('SIGKILL');
    }
  });

  it('says what is wrong with its arguments', async () => {
    const missing = await runCli(['migrate-store', '--from', join(dataDir, 'nope.db'), '--to', db.url]);
    expect(missing.stderr).toBe(`error: no SQLite store at ${join(dataDir, 'nope.db')}\n`);
    expect(missing.code).toBe(2);
    const notPg = await runCli(['migrate-store', '--from', sqliteFile, '--to', 'mysql://x/y']);
    expect(notPg.stderr).toBe('error: --to must be a postgres:// URL\n');
    expect(notPg.code).toBe(2);
    const down = await runCli(['migrate-store', '--from', sqliteFile, '--to', 'postgres://nobody@127.0.0.1:1/none']);
    expect(down.stderr).toBe('error: the database is unavailable: connect ECONNREFUSED 127.0.0.1:1\n');
    expect(down.code).toBe(1);
  });
});
