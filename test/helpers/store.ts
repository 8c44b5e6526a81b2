// The store under test: SQLite in a temp dir, or PostgreSQL (a fresh database per test file)
// when WKS_TEST_DATABASE_URL is set.
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

export const testStoreKind = process.env.WKS_TEST_DATABASE_URL ? 'postgres' : 'sqlite';

export async function openTestStore(dir: string): Promise<{ store: Store; drop: () => Promise<void> }> {
  const url = process.env.WKS_TEST_DATABASE_URL;
  if (url) {
    const { openPostgresTestStore } = await import('./pg-store.js');
    return openPostgresTestStore(url);
  }
  const store = new SqliteStore(join(dir, 'test.db'));
  await store.migrate();
  return { store, drop: async () => {} };
}

/**
 * Two store instances on one database, as two processes have: two SQLite connections to one
 * file, or two PostgreSQL pools (`url` names their database). drop() closes both (and removes
 * a PostgreSQL database).
 */
export async function openTestStorePair(dir: string): Promise<{ stores: [Store, Store]; url: string | null; drop: () => Promise<void> }> {
  const url = process.env.WKS_TEST_DATABASE_URL;
  if (url) {
    const { createTestDatabase } = await import('./pg-store.js');
    const { PostgresStore } = await import('../../src/store/postgres/postgres-store.js');
    const db = await createTestDatabase(url, 'wks_pair');
    const stores: [Store, Store] = [new PostgresStore(db.url, { poolSize: 5 }), new PostgresStore(db.url, { poolSize: 5 })];
    await Promise.all(stores.map((s) => s.migrate()));
    return {
      stores,
      url: db.url,
      drop: async () => {
        await Promise.all(stores.map((s) => s.close()));
        await db.drop();
      },
    };
  }
  const file = join(dir, 'pair.db');
  const stores: [Store, Store] = [new SqliteStore(file), new SqliteStore(file)];
  await Promise.all(stores.map((s) => s.migrate()));
  return { stores, url: null, drop: async () => void (await Promise.all(stores.map((s) => s.close()))) };
}

/**
 * The store a CLI test works on, with the global flags that point a CLI command (and a server)
 * at the same store: `workspace.db` in `dataDir`, or a fresh PostgreSQL database.
 */
export async function openCliTestStore(dataDir: string): Promise<{ store: Store; args: string[]; databaseUrl: string | null; drop: () => Promise<void> }> {
  const url = process.env.WKS_TEST_DATABASE_URL;
  if (url) {
    const { createTestDatabase } = await import('./pg-store.js');
    const { PostgresStore } = await import('../../src/store/postgres/postgres-store.js');
    const db = await createTestDatabase(url, 'wks_cli');
    const store = new PostgresStore(db.url, { poolSize: 4 });
    await store.migrate();
    return {
      store,
      args: ['--data-dir', dataDir, '--database-url', db.url],
      databaseUrl: db.url,
      drop: async () => {
        await store.close();
        await db.drop();
      },
    };
  }
  const store = new SqliteStore(join(dataDir, 'workspace.db'));
  await store.migrate();
  return { store, args: ['--data-dir', dataDir], databaseUrl: null, drop: () => store.close() };
}
