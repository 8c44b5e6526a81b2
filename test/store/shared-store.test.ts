// Two store instances on one database, as two API processes have (two SQLite connections to one
// file, or two PostgreSQL pools): what must be shared — AK lockout counters, token
// invalidations, reports — is shared, and read-modify-writes count each caller exactly once.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenInvalidations } from '../../src/auth/token-invalidations.js';
import { loadConfig } from '../../src/config.js';
import type { DesktopInput } from '../../src/domain/types.js';
import { openStore } from '../../src/store/open-store.js';
import { StoreUnavailableError, type Store } from '../../src/store/store.js';
import { openTestStorePair, testStoreKind } from '../helpers/store.js';

const T0 = Date.UTC(2026, 2, 31, 15, 59, 59, 987);
const LOCK_MS = 300_000;

let dir: string;
let a: Store;
let b: Store;
let dbUrl: string | null;
let drop: () => Promise<void>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wks-pair-'));
  ({
    stores: [a, b],
    url: dbUrl,
    drop,
  } = await openTestStorePair(dir));
});
afterAll(async () => {
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

const hex32 = () => randomBytes(16).toString('hex');

async function newUser(store: Store) {
  const d = await store.ensureDomain(`dom-${randomUUID()}`);
  return store.createUser({ id: hex32(), domainId: d.id, name: `user-${randomUUID()}`, passwordHash: 'scrypt$hash' });
}
async function newAccessKey(store: Store) {
  const u = await newUser(store);
  const ak = `AK${randomBytes(9).toString('hex').toUpperCase()}`;
  await store.createAccessKey({ accessKey: ak, userId: u.id, secretEncrypted: 'v1.sealed', description: '', createdAt: T0 });
  return ak;
}
const desktop = (desktopId: string): DesktopInput => ({ desktopId, computerName: 'WKS-1', osType: 'Windows', osVersion: '10.0.22631.2715', status: 'ACTIVE', enterpriseProjectId: '0', tags: [] });

describe('AK lockout counters', () => {
  it('failures spread over both instances lock the AK at the threshold; both see the lock', async () => {
    const ak = await newAccessKey(a);
    for (let i = 0; i < 4; i++) expect(await (i % 2 ? b : a).recordSignatureFailure(ak, T0 + i, 5, LOCK_MS)).toBeNull();
    expect((await a.getAccessKey(ak))!.failedCount).toBe(4);
    expect(await b.recordSignatureFailure(ak, T0 + 4, 5, LOCK_MS)).toBe(T0 + 4 + LOCK_MS);
    for (const s of [a, b]) expect(await s.getAccessKey(ak)).toMatchObject({ failedCount: 0, lockedUntil: T0 + 4 + LOCK_MS });
  });

  it('concurrent failures from both instances each count exactly once', async () => {
    const ak = await newAccessKey(a);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? b : a).recordSignatureFailure(ak, T0, 20, LOCK_MS)));
    // Serialised on the row: the 20th failure, whichever it was, locked the key.
    expect(results.filter((r) => r === null)).toHaveLength(19);
    expect(results.filter((r) => r === T0 + LOCK_MS)).toHaveLength(1);
    expect(await b.getAccessKey(ak)).toMatchObject({ failedCount: 0, lockedUntil: T0 + LOCK_MS });
  });

  it('a success through one instance resets the count the other sees', async () => {
    const ak = await newAccessKey(a);
    await a.recordSignatureFailure(ak, T0, 5, LOCK_MS);
    await a.recordSignatureFailure(ak, T0, 5, LOCK_MS);
    await b.resetSignatureFailures(ak);
    expect((await a.getAccessKey(ak))!.failedCount).toBe(0);
    for (let i = 0; i < 4; i++) expect(await a.recordSignatureFailure(ak, T0, 5, LOCK_MS)).toBeNull();
  });
});

describe('token invalidations', () => {
  it('what one instance records, a TokenInvalidations on the other refuses once its copy is 1 s old — also from a writer whose clock is 30 s behind', async () => {
    const clock = { now: Date.now() };
    const reader = new TokenInvalidations(b, 1000, () => clock.now);
    const revokedUser = await newUser(a);
    const passwdUser = await newUser(a);
    const issuedAt = clock.now - 40_000;
    expect(await reader.check(revokedUser.id, 'token-1', issuedAt)).toBe('ok');
    expect(await reader.check(passwdUser.id, 'token-2', issuedAt)).toBe('ok');

    const writerNow = clock.now - 30_000; // another node, its clock behind
    await a.revokeToken('token-1', revokedUser.id, clock.now + 3_600_000, writerNow);
    await a.setPassword(passwdUser.id, 'scrypt$new', writerNow);

    clock.now += 1000;
    expect(await reader.check(revokedUser.id, 'token-1', issuedAt)).toBe('revoked');
    expect(await reader.check(passwdUser.id, 'token-2', issuedAt)).toBe('invalidated');
    // A token issued after the change is fine; another token of the revoked user too.
    expect(await reader.check(passwdUser.id, 'token-3', writerNow + 1)).toBe('ok');
    expect(await reader.check(revokedUser.id, 'token-4', issuedAt)).toBe('ok');
  });
});

describe('desktops and reports', () => {
  it('a report written through one instance is read through the other at once; the collected_at guard holds across them', async () => {
    const domain = await a.ensureDomain(`dom-${randomUUID()}`);
    const p = await a.createProject({ id: hex32(), name: `cn-${randomUUID()}`, domainId: domain.id });
    const id = randomUUID();
    await a.upsertDesktops(p.id, [desktop(id)], T0);
    expect(await b.putReport(p.id, id, { collectedAt: T0 + 10, sysprepVersion: '10.0.19041.1' }, T0)).toEqual({ applied: true, collectedAt: T0 + 10 });
    expect((await a.getDesktopWithReport(p.id, id))!.report).toMatchObject({ collectedAt: T0 + 10, sysprepVersion: '10.0.19041.1' });
    expect(await a.putReport(p.id, id, { collectedAt: T0 + 5, sysprepVersion: '10.0.14393.0' }, T0)).toEqual({ applied: false, collectedAt: T0 + 10 });

    // Concurrent reports of one desktop from both instances: the newest wins, whatever the order.
    const reports = Array.from({ length: 10 }, (_, i) => ({ collectedAt: T0 + 100 + i, sysprepVersion: `10.0.19041.${i}` }));
    await Promise.all(reports.map((r, i) => (i % 2 ? a : b).putReport(p.id, id, r, T0)));
    expect((await b.getDesktopWithReport(p.id, id))!.report).toMatchObject({ collectedAt: T0 + 109, sysprepVersion: '10.0.19041.9' });
  });
});

describe.runIf(testStoreKind === 'postgres')('a PostgreSQL session lost inside a transaction', () => {
  it('fails the write with StoreUnavailableError, leaves nothing behind, and the pool carries on', async () => {
    const domain = await a.ensureDomain(`dom-${randomUUID()}`);
    const p = await a.createProject({ id: hex32(), name: `cn-${randomUUID()}`, domainId: domain.id });
    const ids = Array.from({ length: 2500 }, () => randomUUID());
    // Hold the last desktop's row so the import waits inside its transaction, rows written.
    const holder = new pg.Client({ connectionString: dbUrl! });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(
      `INSERT INTO desktops (project_id, desktop_id, computer_name, os_type, os_version, status, enterprise_project_id, tags, created_at, updated_at)
       VALUES ($1, $2, 'HOLD', 'Windows', '10.0', 'ACTIVE', '0', '[]', now(), now())`,
      [p.id, ids[ids.length - 1]],
    );
    const admin = new pg.Client({ connectionString: dbUrl! });
    await admin.connect();
    try {
      const importing = a.importFleet(p.id, ids.map(desktop), [], T0).then(
        () => 'committed',
        (err: unknown) => err,
      );
      let pid: number | undefined;
      const deadline = Date.now() + 20_000;
      while (pid === undefined) {
        if (Date.now() > deadline) throw new Error('the import never waited on the held row');
        const { rows } = await admin.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO desktops%'");
        pid = rows[0]?.pid;
        if (pid === undefined) await new Promise((r) => setTimeout(r, 20));
      }
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      expect(await importing).toBeInstanceOf(StoreUnavailableError);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
      await admin.end();
    }
    expect(await b.countDesktops(p.id)).toBe(0);
    expect(await a.countDesktops(p.id)).toBe(0);
    await a.importFleet(p.id, ids.map(desktop), [], T0);
    expect(await b.countDesktops(p.id)).toBe(2500);
  });

  it('the pool size and connect timeout come from the configuration: a full pool answers StoreUnavailableError after the wait, not a hang', async () => {
    const store = await openStore(loadConfig({ databaseUrl: dbUrl, pgPoolSize: 2, pgConnectTimeoutMs: 1000, pgStatementTimeoutMs: 60_000 }, {}));
    const domain = await a.ensureDomain(`dom-${randomUUID()}`);
    const p = await a.createProject({ id: hex32(), name: `cn-${randomUUID()}`, domainId: domain.id });
    const held = randomUUID();
    const holder = new pg.Client({ connectionString: dbUrl! });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(
      `INSERT INTO desktops (project_id, desktop_id, computer_name, os_type, os_version, status, enterprise_project_id, tags, created_at, updated_at)
       VALUES ($1, $2, 'HOLD', 'Windows', '10.0', 'ACTIVE', '0', '[]', now(), now())`,
      [p.id, held],
    );
    const monitor = new pg.Client({ connectionString: dbUrl! });
    await monitor.connect();
    try {
      // Two writes take both connections and wait on the held row; two more wait for a connection.
      const writes = Array.from({ length: 4 }, () => store.upsertDesktops(p.id, [desktop(held)], T0).then(() => 'stored', (err: unknown) => err));
      // Asked outside the holder's transaction: pg_stat_activity is a snapshot per transaction.
      const blocked = async () =>
        (await monitor.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO desktops%'")).rows[0].n as number;
      const deadline = Date.now() + 20_000;
      while ((await blocked()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await writes[2]).toBeInstanceOf(StoreUnavailableError);
      expect(await writes[3]).toBeInstanceOf(StoreUnavailableError);
      expect(await blocked()).toBe(2); // never more sessions than the pool size
      await holder.query('ROLLBACK');
      expect(await Promise.all(writes.slice(0, 2))).toEqual(['stored', 'stored']);
    } finally {
      await holder.end();
      await monitor.end();
      await store.close();
    }
  });
});

describe('concurrent bulk registrations of the same desktops', () => {
  it('in opposite orders, through both instances at once: every one succeeds (no deadlock), last writer wins per desktop', async () => {
    const d = await a.ensureDomain(`dom-${randomUUID()}`);
    const project = await a.createProject({ id: hex32(), name: `p-${randomUUID().slice(0, 8)}`, domainId: d.id });
    const ids = Array.from({ length: 1000 }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
    const up = ids.map(desktop);
    const down = [...ids].reverse().map((id) => ({ ...desktop(id), computerName: 'WKS-2' }));
    const results = await Promise.allSettled([a.upsertDesktops(project.id, up, T0), b.upsertDesktops(project.id, down, T0), a.upsertDesktops(project.id, down, T0), b.upsertDesktops(project.id, up, T0)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    // Each answer lists its desktops in the order they were sent.
    expect((results[1] as PromiseFulfilledResult<{ desktopId: string }[]>).value.map((x) => x.desktopId)).toEqual([...ids].reverse());
    expect(await a.countDesktops(project.id)).toBe(1000);
    // Whole registrations, never a mix within one: all desktops carry the same computer name.
    const names = new Set((await b.listDesktops(project.id, 1000, 0)).desktops.map((x) => x.computerName));
    expect(names.size).toBe(1);
  });
});
