// The store under test: SQLite in a temp dir, or PostgreSQL (a fresh schema per test file)
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
