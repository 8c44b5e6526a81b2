// Moves a deployment from the embedded SQLite store to PostgreSQL: every table, every row, in
// one PostgreSQL transaction, verified by counting before it commits. Tables and columns are
// read from both schemas (not listed here), so a column added by a later migration is copied
// too; a source column the target lacks stops the move. Values are converted by the target
// column's type: epoch ms → timestamptz, 0/1 → boolean, JSON text → jsonb.
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore, isUnavailable } from './postgres/postgres-store.js';
import { SQLITE_MIGRATIONS } from './sqlite/migrations.js';
import { StoreUnavailableError } from './store.js';

/** Something about the source or target that an operator must fix; nothing was written. */
export class MigrateStoreError extends Error {}

export interface TableCount {
  table: string;
  source: number;
  target: number;
}

export interface MigrateStoreOptions {
  /** The SQLite file (opened read-only). */
  from: string;
  /** The PostgreSQL URL; its schema is created or brought up to date first. */
  to: string;
  /** Empty a non-empty target first (in the same transaction) instead of refusing. */
  replace?: boolean;
  /** Rewrites a value on its way (re-encryption of SKs); by table and column. */
  transform?: (table: string, column: string, value: unknown) => unknown;
  /** Called after each table is copied. */
  onTable?: (table: string, rows: number) => void;
}

const BATCH = 1_000;
const SKIP_TABLES = new Set(['schema_migrations']);

type Row = Record<string, unknown>;

interface TargetColumn {
  name: string;
  /** The PostgreSQL type name (udt_name): timestamptz, bool, jsonb, int8, text… */
  type: string;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function openSource(file: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new MigrateStoreError(`cannot open the SQLite store ${file}: ${(err as Error).message}`);
  }
  const hasVersions = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  const version = hasVersions ? ((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0) : 0;
  if (version !== SQLITE_MIGRATIONS.length) {
    db.close();
    throw new MigrateStoreError(
      version < SQLITE_MIGRATIONS.length
        ? `${file} is at schema version ${version}, this program expects ${SQLITE_MIGRATIONS.length}: run \`workspace-sysprep migrate\` on it first`
        : `${file} is at schema version ${version}, newer than this program (${SQLITE_MIGRATIONS.length}): use the newer program`,
    );
  }
  return db;
}

/** Source tables, referenced tables before the tables that reference them. */
function sourceTables(db: Database.Database): string[] {
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[])
    .map((r) => r.name)
    .filter((n) => !SKIP_TABLES.has(n));
  const deps = new Map(names.map((n) => [n, (db.pragma(`foreign_key_list(${quoteIdent(n)})`) as { table: string }[]).map((f) => f.table).filter((t) => t !== n)]));
  const ordered: string[] = [];
  const visit = (n: string, path: Set<string>) => {
    if (ordered.includes(n) || path.has(n)) return;
    path.add(n);
    for (const d of deps.get(n) ?? []) if (deps.has(d)) visit(d, path);
    ordered.push(n);
  };
  for (const n of names) visit(n, new Set());
  return ordered;
}

/** Converts one SQLite value for a PostgreSQL column of `type`, as text the array cast parses. */
function toTarget(type: string, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'timestamptz':
    case 'timestamp':
      return new Date(Number(v)).toISOString();
    case 'bool':
      return v === 1 || v === 1n || v === true || v === '1';
    case 'int2':
    case 'int4':
    case 'int8':
    case 'numeric':
    case 'float4':
    case 'float8':
      return typeof v === 'bigint' ? v.toString() : v;
    default:
      return Buffer.isBuffer(v) ? v : String(v);
  }
}

async function targetColumns(c: pg.ClientBase, table: string): Promise<TargetColumn[]> {
  const { rows } = await c.query<{ column_name: string; udt_name: string }>(
    'SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position',
    [table],
  );
  return rows.map((r) => ({ name: r.column_name, type: r.udt_name }));
}

async function targetTables(c: pg.ClientBase): Promise<string[]> {
  const { rows } = await c.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name");
  return rows.map((r) => r.table_name).filter((n) => !SKIP_TABLES.has(n));
}

/** Inserts rows (arrays in `cols` order) with one statement: one array parameter per column. */
async function insertBatch(c: pg.ClientBase, table: string, cols: TargetColumn[], rows: unknown[][]): Promise<void> {
  // json/jsonb travel as text[] (an array of JSON texts) and are cast per element.
  const paramType = (t: string) => (t === 'json' || t === 'jsonb' ? 'text' : t);
  const select = cols.map((col, i) => (col.type === 'json' || col.type === 'jsonb' ? `u.c${i}::${col.type}` : `u.c${i}`)).join(', ');
  const text = `INSERT INTO ${quoteIdent(table)} (${cols.map((col) => quoteIdent(col.name)).join(', ')})
    SELECT ${select} FROM unnest(${cols.map((col, i) => `$${i + 1}::${paramType(col.type)}[]`).join(', ')}) AS u(${cols.map((_, i) => `c${i}`).join(', ')})`;
  const values = cols.map((_, i) => rows.map((r) => r[i]));
  await c.query(text, values);
}

/**
 * Copies every table of the SQLite store `from` into the PostgreSQL database `to` and returns
 * the verified counts. Refuses a target holding any row unless `replace`.
 */
export async function migrateSqliteToPostgres(opts: MigrateStoreOptions): Promise<TableCount[]> {
  const source = openSource(opts.from);
  try {
    // The target's schema first (safe beside running nodes: the migration takes its lock).
    const store = new PostgresStore(opts.to, { poolSize: 1 });
    try {
      await store.migrate();
    } finally {
      await store.close();
    }

    const client = new pg.Client({ connectionString: opts.to, connectionTimeoutMillis: 10_000, application_name: 'workspace-sysprep migrate-store' });
    client.on('error', () => {}); // a lost connection fails the pending query, which is what we report
    try {
      await client.connect();
      return await copyAll(source, client, opts);
    } catch (err) {
      if (err instanceof MigrateStoreError) throw err;
      if (isUnavailable(err)) throw new StoreUnavailableError(err);
      throw new MigrateStoreError(`the copy failed and nothing was written: ${(err as Error).message}`);
    } finally {
      await client.end().catch(() => {});
    }
  } finally {
    source.close();
  }
}

async function copyAll(source: Database.Database, c: pg.Client, opts: MigrateStoreOptions): Promise<TableCount[]> {
  // One read transaction: a consistent snapshot even if a server still writes to the file.
  source.exec('BEGIN');
  await c.query('BEGIN');
  try {
    const tables = sourceTables(source);
    const inTarget = await targetTables(c);
    const missing = tables.filter((t) => !inTarget.includes(t));
    if (missing.length) throw new MigrateStoreError(`the target has no table ${missing.join(', ')}: is it a workspace-sysprep database of the same version?`);

    // Nodes already pointed at the target wait until we are done, rather than interleave.
    await c.query(`LOCK TABLE ${inTarget.map(quoteIdent).join(', ')} IN ACCESS EXCLUSIVE MODE`);
    const occupied: string[] = [];
    for (const t of inTarget) {
      const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(t)}`);
      if (Number(rows[0].n) > 0) occupied.push(`${t} (${rows[0].n})`);
    }
    if (occupied.length && !opts.replace) {
      throw new MigrateStoreError(`the target database is not empty: ${occupied.join(', ')}; nothing was written (--replace empties it first)`);
    }
    if (occupied.length) await c.query(`TRUNCATE ${inTarget.map(quoteIdent).join(', ')}`);

    const counts: TableCount[] = [];
    for (const table of tables) {
      const sourceCols = (source.pragma(`table_info(${quoteIdent(table)})`) as { name: string }[]).map((r) => r.name);
      const byName = new Map((await targetColumns(c, table)).map((col) => [col.name, col]));
      const absent = sourceCols.filter((n) => !byName.has(n));
      if (absent.length) throw new MigrateStoreError(`the target table ${table} has no column ${absent.join(', ')}`);
      const cols = sourceCols.map((n) => byName.get(n)!);
      const sourceCount = (source.prepare(`SELECT count(*) AS n FROM ${quoteIdent(table)}`).get() as { n: number }).n;

      let batch: unknown[][] = [];
      let copied = 0;
      for (const row of source.prepare(`SELECT ${sourceCols.map(quoteIdent).join(', ')} FROM ${quoteIdent(table)}`).iterate() as Iterable<Row>) {
        batch.push(cols.map((col) => toTarget(col.type, opts.transform ? opts.transform(table, col.name, row[col.name]) : row[col.name])));
        if (batch.length === BATCH) {
          await insertBatch(c, table, cols, batch);
          copied += batch.length;
          batch = [];
        }
      }
      if (batch.length) {
        await insertBatch(c, table, cols, batch);
        copied += batch.length;
      }
      const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`);
      counts.push({ table, source: sourceCount, target: Number(rows[0].n) });
      opts.onTable?.(table, copied);
    }

    const wrong = counts.filter((k) => k.source !== k.target);
    if (wrong.length) throw new MigrateStoreError(`counts differ after the copy (${wrong.map((k) => `${k.table}: ${k.source} → ${k.target}`).join(', ')}); nothing was written`);
    await c.query('COMMIT');
    return counts;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    source.exec('COMMIT');
  }
}
