// A fresh PostgreSQL database per call (test files run in parallel processes, so each gets its
// own uniquely named database), migrated, plus a drop() that closes the store and removes it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/store.js';

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** `url` with its database name replaced. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + database;
  return u.toString();
}

/** An empty, unmigrated database on the server `url` names; drop() removes it (closing sessions). */
export async function createTestDatabase(url: string, prefix = 'wks_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(6).toString('hex')}`;
  await withAdmin(url, (c) => c.query(`CREATE DATABASE ${name}`));
  let dropped = false;
  return {
    url: databaseUrl(url, name),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

export async function openPostgresTestStore(url: string): Promise<{ store: Store; drop: () => Promise<void> }> {
  const db = await createTestDatabase(url);
  const store = new PostgresStore(db.url, { poolSize: 10 });
  const drop = async () => {
    await store.close();
    await db.drop();
  };
  try {
    await store.migrate();
  } catch (err) {
    await drop();
    throw err;
  }
  return { store, drop };
}
