// Picks the store from the configuration: PostgreSQL when a database URL is given, else SQLite.
import type { Config } from '../config.js';
import { sqliteFile } from '../config.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export async function openStore(cfg: Config): Promise<Store> {
  if (cfg.databaseUrl) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return new PostgresStore(cfg.databaseUrl, { poolSize: cfg.pgPoolSize, connectTimeoutMs: cfg.pgConnectTimeoutMs, statementTimeoutMs: cfg.pgStatementTimeoutMs });
  }
  return new SqliteStore(sqliteFile(cfg), { cacheMb: cfg.sqliteCacheMb });
}
