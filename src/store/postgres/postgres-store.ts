// The scale-out store: PostgreSQL through a pg Pool, no ORM. Several API processes share one
// database, so every read-modify-write is a single statement (or one transaction) and nothing
// that must be shared lives in process memory. Times are timestamptz, passed in as Date and
// read back with rows.ts (toMs); int8 and count(*) arrive as strings and are parsed on purpose.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Desktop, DesktopInput, DesktopWithReport, Role, SysprepReport } from '../../domain/types.js';
import {
  DESKTOP_COLUMNS,
  REPORT_COLUMNS,
  accessKeyFromRow,
  desktopFromRow,
  desktopValues,
  desktopWithReportFromRow,
  projectFromRow,
  reportFromRow,
  reportValues,
  toMs,
  userFromRow,
} from '../rows.js';
import { StoreConflictError, StoreUnavailableError, type Invalidations, type Store } from '../store.js';
import { PG_MIGRATIONS } from './migrations.js';

type Row = Record<string, unknown>;
type Queryable = Pick<pg.Pool, 'query'>;

export interface PostgresStoreOptions {
  poolSize: number;
  /** How long to wait for a connection (new or from a full pool) before failing; default 3 s. */
  connectTimeoutMs?: number;
  /** Server-side statement_timeout for every session (the client gives up 1 s later); default 5 s. */
  statementTimeoutMs?: number;
}

// Short on purpose: a request that cannot get its answer in a few seconds gets a 503 the
// client can retry on another node, instead of hanging (every statement we run takes ms).
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
/** Migrations may wait for another process's migration and run long DDL: no short limits. */
const MIGRATION_TIMEOUT_MS = 10 * 60_000;
/** Rows per multi-row statement in upserts and imports (parameters are arrays, so no 65535 cap). */
const BATCH = 1_000;

// --- SQL, shaped from rows.ts column lists ---

/** Desktop columns an admin supplies, in desktopValues() order. */
const DESKTOP_INPUT_COLUMNS = DESKTOP_COLUMNS.filter((c) => c !== 'created_at' && c !== 'updated_at');
const desktopType = (c: string) => (c === 'tags' ? 'jsonb' : 'text');

const REPORT_TYPES: Record<(typeof REPORT_COLUMNS)[number], string> = {
  collected_at: 'timestamptz',
  received_at: 'timestamptz',
  sysprep_version: 'text',
  os_version: 'text',
  os_edition: 'text',
  image_state: 'text',
  rearm_remaining: 'bigint',
  skip_rearm: 'boolean',
  upgraded_in_place: 'boolean',
  appx_unprovisioned: 'jsonb',
  bitlocker_os_volume: 'text',
  generalize_count: 'integer',
  sysprep_succeeded_tag: 'boolean',
  pending_reboot: 'boolean',
  domain_joined: 'boolean',
  agent_version: 'text',
};

const DESKTOP_SELECT = `SELECT ${DESKTOP_COLUMNS.join(', ')} FROM desktops`;
const JOINED_SELECT = `SELECT ${DESKTOP_COLUMNS.map((c) => 'd.' + c).join(', ')}, ${REPORT_COLUMNS.map((c) => `r.${c} AS r_${c}`).join(', ')}
  FROM desktops d LEFT JOIN reports r ON r.project_id = d.project_id AND r.desktop_id = d.desktop_id`;

/** $1 project, $2..$8 one array per input column, $9 now. Returns the stored rows. */
const UPSERT_DESKTOPS = `INSERT INTO desktops (project_id, ${DESKTOP_INPUT_COLUMNS.join(', ')}, created_at, updated_at)
  SELECT $1::text, ${DESKTOP_INPUT_COLUMNS.map((c) => 'u.' + c).join(', ')}, $${DESKTOP_INPUT_COLUMNS.length + 2}::timestamptz, $${DESKTOP_INPUT_COLUMNS.length + 2}::timestamptz
  FROM unnest(${DESKTOP_INPUT_COLUMNS.map((c, i) => `$${i + 2}::${desktopType(c)}[]`).join(', ')}) AS u(${DESKTOP_INPUT_COLUMNS.join(', ')})
  ON CONFLICT (project_id, desktop_id) DO UPDATE SET ${DESKTOP_INPUT_COLUMNS.filter((c) => c !== 'desktop_id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}, updated_at = excluded.updated_at
  RETURNING ${DESKTOP_COLUMNS.join(', ')}`;

const REPORT_UPDATE = `ON CONFLICT (project_id, desktop_id) DO UPDATE SET ${REPORT_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}
  WHERE excluded.collected_at > reports.collected_at`;

/** The guarded upsert: $1 project, $2 desktop, then REPORT_COLUMNS; applied only when newer. */
const PUT_REPORT = `INSERT INTO reports (project_id, desktop_id, ${REPORT_COLUMNS.join(', ')})
  SELECT $1::text, $2::text, ${REPORT_COLUMNS.map((c, i) => `$${i + 3}::${REPORT_TYPES[c]}`).join(', ')}
  WHERE EXISTS (SELECT 1 FROM desktops WHERE project_id = $1 AND desktop_id = $2)
  ${REPORT_UPDATE}
  RETURNING collected_at`;

/** The same guarded upsert for many desktops (each at most once per statement): $1 project, $2 desktop ids, then one array per column. */
const PUT_REPORTS = `INSERT INTO reports (project_id, desktop_id, ${REPORT_COLUMNS.join(', ')})
  SELECT $1::text, u.desktop_id, ${REPORT_COLUMNS.map((c) => 'u.' + c).join(', ')}
  FROM unnest($2::text[], ${REPORT_COLUMNS.map((c, i) => `$${i + 3}::${REPORT_TYPES[c]}[]`).join(', ')}) AS u(desktop_id, ${REPORT_COLUMNS.join(', ')})
  WHERE EXISTS (SELECT 1 FROM desktops d WHERE d.project_id = $1 AND d.desktop_id = u.desktop_id)
  ${REPORT_UPDATE}`;

const nullable = (b: boolean | undefined) => (b === undefined ? null : b);

/** Report values in REPORT_COLUMNS order, with instants as Date for timestamptz. */
function pgReportValues(report: SysprepReport, receivedAt: number): unknown[] {
  return reportValues(report, receivedAt, nullable).map((v, i) => (REPORT_TYPES[REPORT_COLUMNS[i]] === 'timestamptz' ? new Date(v as number) : v));
}

/** Turns rows of values into one array per column (for unnest). */
function transpose(rows: unknown[][], width: number): unknown[][] {
  const cols = Array.from({ length: width }, () => new Array<unknown>(rows.length));
  rows.forEach((row, i) => row.forEach((v, j) => (cols[j][i] = v)));
  return cols;
}

/** The last input per desktop id: one statement may not touch a row twice (ON CONFLICT rule). */
function lastPerDesktop(desktops: DesktopInput[]): DesktopInput[] {
  return [...new Map(desktops.map((d) => [d.desktopId, d])).values()];
}

/**
 * Rows are written in desktop id order: two transactions upserting overlapping desktops then
 * take their row locks in the same order and wait for each other instead of deadlocking.
 */
const byDesktopId = (a: { desktopId: string }, b: { desktopId: string }) => (a.desktopId < b.desktopId ? -1 : a.desktopId > b.desktopId ? 1 : 0);

/**
 * Splits reports into rounds where each desktop appears at most once, keeping each desktop's
 * reports in input order; applying the rounds in order equals applying the reports one by one.
 */
function reportRounds<T extends { desktopId: string }>(reports: T[]): T[][] {
  const seen = new Map<string, number>();
  const rounds: T[][] = [];
  for (const r of reports) {
    const n = seen.get(r.desktopId) ?? 0;
    seen.set(r.desktopId, n + 1);
    (rounds[n] ??= []).push(r);
  }
  for (const round of rounds) round.sort(byDesktopId);
  return rounds;
}

/** Attempts of a transaction that lost a deadlock or a serialization conflict. */
const TX_ATTEMPTS = 4;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// --- errors ---

const UNAVAILABLE_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Client was closed|Cannot use a pool after calling end|connection is closed/i;

/** True when the database cannot be reached or refuses work for now (503 upstream). */
export function isUnavailable(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  if (UNAVAILABLE_NET_CODES.has(code)) return true;
  // 08 connection exception, 53 insufficient resources, 57P0x shutdown / cannot connect now,
  // 57014 statement timeout, 3D000 database missing, 28 authentication.
  if (/^(08|53|57P0|28)/.test(code) || code === '57014' || code === '3D000') return true;
  return UNAVAILABLE_MESSAGES.test(String((err as Error)?.message ?? ''));
}

/** The SQLSTATE of a pg error, also when wrapped by mapError. */
const pgCode = (err: unknown): string | undefined => {
  const e = err instanceof pg.DatabaseError ? err : (err as Error)?.cause;
  return e instanceof pg.DatabaseError ? e.code : undefined;
};

/** Maps driver errors to the store's own; nothing raw from pg escapes the interface. */
function mapError(err: unknown): Error {
  if (err instanceof StoreUnavailableError || err instanceof StoreConflictError) return err;
  if (isUnavailable(err)) return new StoreUnavailableError(err);
  const code = (err as { code?: unknown })?.code;
  if (code === '23505') return new StoreConflictError((err as Error).message);
  if (err instanceof pg.DatabaseError) return new Error(`storage error ${err.code}: ${err.message}`, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private ended = false;
  /** The last error of an idle connection (e.g. the server restarted); the pool replaces it. */
  lastIdleError: Error | null = null;

  constructor(url: string, opts: PostgresStoreOptions) {
    const statementTimeout = opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    this.pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      statement_timeout: statementTimeout,
      // Client-side backstop when the server stops answering (frozen host, network partition).
      query_timeout: statementTimeout + 1_000,
      idle_in_transaction_session_timeout: statementTimeout * 6,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'workspace-sysprep',
    });
    // An idle client losing its connection (server restart, admin shutdown) must not crash the
    // process: pg-pool drops that client and opens a new one on the next checkout.
    this.pool.on('error', (err) => {
      this.lastIdleError = err;
    });
  }

  // --- plumbing ---

  private async query(text: string, values: unknown[] = [], name?: string, on: Queryable = this.pool): Promise<pg.QueryResult<Row>> {
    try {
      return await on.query<Row>(name ? { name, text, values } : { text, values });
    } catch (err) {
      throw mapError(err);
    }
  }

  private async rows(text: string, values: unknown[] = [], name?: string): Promise<Row[]> {
    return (await this.query(text, values, name)).rows;
  }

  /** Runs fn in one transaction on one connection; rolls back on any error. */
  /**
   * One transaction. A deadlock or serialization failure (the other transaction went first) is
   * retried from the start, a few times, before it is reported as the store being unavailable.
   */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.txOnce(fn);
      } catch (err) {
        const code = pgCode(err);
        if (code !== '40P01' && code !== '40001') throw err;
        if (attempt >= TX_ATTEMPTS) throw new StoreUnavailableError(err);
      }
    }
  }

  private async txOnce<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapError(err);
    }
    let broken: Error | undefined;
    // While checked out, pg-pool listens to no 'error' of this client: a connection lost
    // between two statements would be an unhandled 'error' event and end the process.
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      const mapped = mapError(err);
      if (mapped instanceof StoreUnavailableError) broken = mapped;
      else await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw mapped;
    } finally {
      client.off('error', onError);
      // A connection that failed mid-transaction is discarded, never reused.
      client.release(broken);
    }
  }

  async migrate() {
    await this.tx(async (c) => {
      // pg honours a per-query query_timeout; its types do not declare it.
      const run = (text: string, values: unknown[] = []) => c.query<Row>({ text, values, query_timeout: MIGRATION_TIMEOUT_MS } as pg.QueryConfig);
      await run(`SET LOCAL statement_timeout = ${MIGRATION_TIMEOUT_MS}`);
      // Serialises concurrent starts: the others wait here, then find nothing to apply.
      await run("SELECT pg_advisory_xact_lock(hashtext('workspace-sysprep.migrate'))");
      await run('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await run('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations');
      // A newer node may have applied more (a rolling upgrade): nothing to do then.
      for (let v = Number(rows[0].v) + 1; v <= PG_MIGRATIONS.length; v++) {
        await run(PG_MIGRATIONS[v - 1]);
        await run('INSERT INTO schema_migrations (version) VALUES ($1)', [v]);
      }
    });
  }

  async ping() {
    await this.query('SELECT 1', [], 'wks_ping');
  }

  async close() {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }

  // --- identity ---

  async ensureDomain(name: string) {
    await this.query('INSERT INTO domains (id, name) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [randomUUID().replace(/-/g, ''), name]);
    // A separate statement: it sees a row a concurrent ensureDomain committed meanwhile.
    const [r] = await this.rows('SELECT id, name FROM domains WHERE name = $1', [name]);
    return { id: r.id as string, name: r.name as string };
  }
  async getDomainById(id: string) {
    const [r] = await this.rows('SELECT id, name FROM domains WHERE id = $1', [id]);
    return r ? { id: r.id as string, name: r.name as string } : null;
  }
  async getDomainByName(name: string) {
    const [r] = await this.rows('SELECT id, name FROM domains WHERE name = $1', [name]);
    return r ? { id: r.id as string, name: r.name as string } : null;
  }
  async createProject(p: { id: string; name: string; domainId: string; description?: string }) {
    const [r] = await this.rows('INSERT INTO projects (id, name, domain_id, enabled, description, created_at) VALUES ($1, $2, $3, true, $4, $5) RETURNING *', [
      p.id,
      p.name,
      p.domainId,
      p.description ?? '',
      new Date(),
    ]);
    return projectFromRow(r);
  }
  async getProject(id: string) {
    const [r] = await this.rows('SELECT * FROM projects WHERE id = $1', [id], 'wks_get_project');
    return r ? projectFromRow(r) : null;
  }
  async setProjectEnabled(id: string, enabled: boolean) {
    return ((await this.query('UPDATE projects SET enabled = $1 WHERE id = $2', [enabled, id])).rowCount ?? 0) > 0;
  }
  async listProjects(filter: { domainId?: string; name?: string } = {}) {
    return (
      await this.rows('SELECT * FROM projects WHERE ($1::text IS NULL OR domain_id = $1) AND ($2::text IS NULL OR name = $2) ORDER BY name, id', [filter.domainId ?? null, filter.name ?? null])
    ).map(projectFromRow);
  }
  async countUsers() {
    const [r] = await this.rows('SELECT count(*) AS n FROM users');
    return Number(r.n);
  }
  async countAccessKeys() {
    const [r] = await this.rows('SELECT count(*) AS n FROM access_keys');
    return Number(r.n);
  }
  async createUser(u: { id: string; domainId: string; name: string; passwordHash: string }) {
    const now = new Date();
    const [r] = await this.rows(
      "INSERT INTO users (id, domain_id, name, password_hash, enabled, valid_after, password_changed_at, created_at) VALUES ($1, $2, $3, $4, true, 'epoch', $5, $5) RETURNING *",
      [u.id, u.domainId, u.name, u.passwordHash, now],
    );
    return userFromRow(r);
  }
  async getUser(id: string) {
    const [r] = await this.rows('SELECT * FROM users WHERE id = $1', [id], 'wks_get_user');
    return r ? userFromRow(r) : null;
  }
  async getUserByName(domainId: string, name: string) {
    const [r] = await this.rows('SELECT * FROM users WHERE domain_id = $1 AND name = $2', [domainId, name], 'wks_get_user_by_name');
    return r ? userFromRow(r) : null;
  }
  async findUsersByName(name: string) {
    return (await this.rows('SELECT * FROM users WHERE name = $1 ORDER BY id', [name])).map(userFromRow);
  }
  async listUsers(domainId?: string) {
    return (await this.rows('SELECT * FROM users WHERE ($1::text IS NULL OR domain_id = $1) ORDER BY name, id', [domainId ?? null])).map(userFromRow);
  }
  async setPassword(userId: string, passwordHash: string, at: number) {
    await this.query('UPDATE users SET password_hash = $1, password_changed_at = $2, valid_after = GREATEST(valid_after, $2) WHERE id = $3', [passwordHash, new Date(at), userId]);
  }
  async setUserEnabled(userId: string, enabled: boolean, at: number) {
    await this.query('UPDATE users SET enabled = $1, valid_after = CASE WHEN $1 THEN valid_after ELSE GREATEST(valid_after, $2) END WHERE id = $3', [enabled, new Date(at), userId]);
  }
  async grantRole(userId: string, projectId: string, role: Role, at: number) {
    // One statement: validAfter moves only when the assignment was actually added.
    await this.query(
      `WITH added AS (INSERT INTO role_assignments (user_id, project_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING user_id)
       UPDATE users SET valid_after = GREATEST(valid_after, $4) WHERE id IN (SELECT user_id FROM added)`,
      [userId, projectId, role, new Date(at)],
    );
  }
  async revokeRole(userId: string, projectId: string, role: Role, at: number) {
    await this.query(
      `WITH removed AS (DELETE FROM role_assignments WHERE user_id = $1 AND project_id = $2 AND role = $3 RETURNING user_id)
       UPDATE users SET valid_after = GREATEST(valid_after, $4) WHERE id IN (SELECT user_id FROM removed)`,
      [userId, projectId, role, new Date(at)],
    );
  }
  async getRoles(userId: string, projectId: string) {
    return (await this.rows('SELECT role FROM role_assignments WHERE user_id = $1 AND project_id = $2 ORDER BY role', [userId, projectId], 'wks_get_roles')).map((r) => r.role as Role);
  }
  async listRoleAssignments(userId: string) {
    const out = new Map<string, Role[]>();
    for (const r of await this.rows('SELECT project_id, role FROM role_assignments WHERE user_id = $1 ORDER BY project_id, role', [userId])) {
      const list = out.get(r.project_id as string) ?? [];
      list.push(r.role as Role);
      out.set(r.project_id as string, list);
    }
    return out;
  }

  // --- token invalidation ---

  async revokeToken(tokenId: string, userId: string, expiresAt: number, at: number) {
    await this.query('INSERT INTO revoked_tokens (token_id, user_id, expires_at, revoked_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [tokenId, userId, new Date(expiresAt), new Date(at)]);
    // Expired revocations are useless: prune them as we go.
    await this.query('DELETE FROM revoked_tokens WHERE expires_at < $1', [new Date(at)]);
  }
  async getInvalidationsSince(since: number, now: number): Promise<Invalidations> {
    // Polled by every process about once a second: one round trip, prepared once per connection.
    const rows = await this.rows(
      `SELECT 'u' AS kind, id, valid_after AS at FROM users WHERE valid_after >= $1
       UNION ALL
       SELECT 't', token_id, expires_at FROM revoked_tokens WHERE revoked_at >= $1 AND expires_at >= $2`,
      [new Date(since), new Date(now)],
      'wks_invalidations_since',
    );
    const users = new Map<string, number>();
    const tokens = new Map<string, number>();
    for (const r of rows) (r.kind === 'u' ? users : tokens).set(r.id as string, toMs(r.at));
    return { users, tokens };
  }

  // --- access keys ---

  async createAccessKey(k: { accessKey: string; userId: string; secretEncrypted: string; description: string; createdAt: number }) {
    const [r] = await this.rows("INSERT INTO access_keys (access_key, user_id, secret_encrypted, status, description, created_at) VALUES ($1, $2, $3, 'active', $4, $5) RETURNING *", [
      k.accessKey,
      k.userId,
      k.secretEncrypted,
      k.description,
      new Date(k.createdAt),
    ]);
    return accessKeyFromRow(r);
  }
  async createAccessKeyUnderLimit(k: { accessKey: string; userId: string; secretEncrypted: string; description: string; createdAt: number }, maxPerUser: number) {
    return this.tx(async (c) => {
      // The user's row lock serialises creations for that user; the count after it is fresh
      // (READ COMMITTED takes a new snapshot per statement).
      await c.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [k.userId]);
      const { rows } = await c.query<{ n: string }>('SELECT count(*) AS n FROM access_keys WHERE user_id = $1', [k.userId]);
      if (Number(rows[0].n) >= maxPerUser) return null;
      const inserted = await c.query<Row>(
        "INSERT INTO access_keys (access_key, user_id, secret_encrypted, status, description, created_at) VALUES ($1, $2, $3, 'active', $4, $5) RETURNING *",
        [k.accessKey, k.userId, k.secretEncrypted, k.description, new Date(k.createdAt)],
      );
      return accessKeyFromRow(inserted.rows[0]);
    });
  }
  async getAccessKey(accessKey: string) {
    const [r] = await this.rows('SELECT * FROM access_keys WHERE access_key = $1', [accessKey], 'wks_get_access_key');
    return r ? accessKeyFromRow(r) : null;
  }
  async listAccessKeys(userId: string) {
    return (await this.rows('SELECT * FROM access_keys WHERE user_id = $1 ORDER BY created_at, access_key', [userId])).map(accessKeyFromRow);
  }
  async setAccessKeyStatus(accessKey: string, status: 'active' | 'inactive') {
    return ((await this.query('UPDATE access_keys SET status = $1 WHERE access_key = $2', [status, accessKey])).rowCount ?? 0) > 0;
  }
  async setAccessKeyDescription(accessKey: string, description: string) {
    return ((await this.query('UPDATE access_keys SET description = $1 WHERE access_key = $2', [description, accessKey])).rowCount ?? 0) > 0;
  }
  async deleteAccessKey(accessKey: string) {
    return ((await this.query('DELETE FROM access_keys WHERE access_key = $1', [accessKey])).rowCount ?? 0) > 0;
  }
  async recordSignatureFailure(accessKey: string, now: number, threshold: number, lockMs: number) {
    // One UPDATE: concurrent failures from any process serialise on the row lock and each count once.
    const [r] = await this.rows(
      `UPDATE access_keys SET
         locked_until = CASE WHEN failed_count + 1 >= $2 THEN $3 ELSE locked_until END,
         failed_count = CASE WHEN failed_count + 1 >= $2 THEN 0 ELSE failed_count + 1 END
       WHERE access_key = $1 RETURNING locked_until`,
      [accessKey, threshold, new Date(now + lockMs)],
      'wks_record_signature_failure',
    );
    const lockedUntil = r && r.locked_until !== null ? toMs(r.locked_until) : null;
    return lockedUntil !== null && lockedUntil > now ? lockedUntil : null;
  }
  async resetSignatureFailures(accessKey: string) {
    // Conditional: the hot path of a good signature does not write.
    await this.query('UPDATE access_keys SET failed_count = 0 WHERE access_key = $1 AND failed_count <> 0', [accessKey], 'wks_reset_signature_failures');
  }

  async recordAccessKeyUse(accessKey: string, at: number, notBefore: number) {
    await this.query(
      'UPDATE access_keys SET last_used_at = $2 WHERE access_key = $1 AND (last_used_at IS NULL OR last_used_at < $3)',
      [accessKey, new Date(at), new Date(notBefore)],
      'wks_record_access_key_use',
    );
  }

  // --- desktops and reports ---

  /** Upserts one batch in one statement; returns the stored rows. */
  private async upsertDesktopBatch(c: Queryable, projectId: string, batch: DesktopInput[], now: number): Promise<Row[]> {
    const unique = lastPerDesktop(batch);
    const cols = transpose(unique.map(desktopValues), DESKTOP_INPUT_COLUMNS.length);
    return (await this.query(UPSERT_DESKTOPS, [projectId, ...cols, new Date(now)], undefined, c)).rows;
  }

  /** Applies reports (any number per desktop) in statements of at most BATCH rows; returns how many were applied. */
  private async putReportBatch(c: Queryable, projectId: string, batch: { desktopId: string; report: SysprepReport }[], now: number): Promise<number> {
    let applied = 0;
    for (const round of reportRounds(batch)) {
      const cols = transpose(
        round.map((r) => pgReportValues(r.report, now)),
        REPORT_COLUMNS.length,
      );
      applied += (await this.query(PUT_REPORTS, [projectId, round.map((r) => r.desktopId), ...cols], undefined, c)).rowCount ?? 0;
    }
    return applied;
  }

  async upsertDesktops(projectId: string, desktops: DesktopInput[], now: number): Promise<Desktop[]> {
    if (desktops.length === 0) return [];
    const ordered = lastPerDesktop(desktops).sort(byDesktopId);
    const stored = await this.tx(async (c) => {
      const byId = new Map<string, Row>();
      for (const batch of chunks(ordered, BATCH)) for (const r of await this.upsertDesktopBatch(c, projectId, batch, now)) byId.set(r.desktop_id as string, r);
      return byId;
    });
    return desktops.map((d) => desktopFromRow(projectId, stored.get(d.desktopId)!));
  }
  async deleteDesktop(projectId: string, desktopId: string) {
    return ((await this.query('DELETE FROM desktops WHERE project_id = $1 AND desktop_id = $2', [projectId, desktopId])).rowCount ?? 0) > 0;
  }
  async getDesktop(projectId: string, desktopId: string) {
    const [r] = await this.rows(`${DESKTOP_SELECT} WHERE project_id = $1 AND desktop_id = $2`, [projectId, desktopId], 'wks_get_desktop');
    return r ? desktopFromRow(projectId, r) : null;
  }
  async listDesktops(projectId: string, limit: number, offset: number) {
    const [rows, total] = await Promise.all([
      this.rows(`${DESKTOP_SELECT} WHERE project_id = $1 ORDER BY created_at, desktop_id LIMIT $2 OFFSET $3`, [projectId, limit, offset], 'wks_list_desktops'),
      this.countDesktops(projectId),
    ]);
    return { desktops: rows.map((r) => desktopFromRow(projectId, r)), total };
  }
  async countDesktops(projectId: string) {
    const [r] = await this.rows('SELECT count(*) AS n FROM desktops WHERE project_id = $1', [projectId], 'wks_count_desktops');
    return Number(r.n);
  }
  async getDesktopWithReport(projectId: string, desktopId: string) {
    // The seed API's hot path: one primary-key read, prepared once per connection.
    const [r] = await this.rows(`${JOINED_SELECT} WHERE d.project_id = $1 AND d.desktop_id = $2`, [projectId, desktopId], 'wks_get_desktop_with_report');
    return r ? desktopWithReportFromRow(projectId, r) : null;
  }
  async getVerdictInputs(projectId: string, desktopId: string) {
    // Only what the verdict reads; the report columns keep their names (reportFromRow without prefix).
    const [r] = await this.rows(
      `SELECT d.os_type, d.status, ${REPORT_COLUMNS.map((c) => 'r.' + c).join(', ')} FROM desktops d LEFT JOIN reports r ON r.project_id = d.project_id AND r.desktop_id = d.desktop_id WHERE d.project_id = $1 AND d.desktop_id = $2`,
      [projectId, desktopId],
      'wks_get_verdict_inputs',
    );
    return r ? { desktop: { osType: r.os_type as Desktop['osType'], status: r.status as Desktop['status'] }, report: reportFromRow(r) } : null;
  }
  async getDesktopsWithReports(projectId: string, desktopIds: string[]) {
    const out = new Map<string, DesktopWithReport>();
    if (desktopIds.length === 0) return out;
    const rows = await this.rows(`${JOINED_SELECT} WHERE d.project_id = $1 AND d.desktop_id = ANY($2::text[])`, [projectId, desktopIds], 'wks_get_desktops_with_reports');
    for (const r of rows) out.set(r.desktop_id as string, desktopWithReportFromRow(projectId, r));
    return out;
  }
  async listDesktopsWithReports(projectId: string, limit: number, offset: number) {
    const rows = await this.rows(`${JOINED_SELECT} WHERE d.project_id = $1 ORDER BY d.created_at, d.desktop_id LIMIT $2 OFFSET $3`, [projectId, limit, offset], 'wks_list_desktops_with_reports');
    return rows.map((r) => desktopWithReportFromRow(projectId, r));
  }
  async listDesktopsWithReportsAfter(projectId: string, afterDesktopId: string | null, limit: number) {
    // desktop_id is COLLATE "C": byte order, as in SQLite, and the primary key serves the scan.
    const rows = await this.rows(`${JOINED_SELECT} WHERE d.project_id = $1 AND d.desktop_id > $2 ORDER BY d.desktop_id LIMIT $3`, [projectId, afterDesktopId ?? '', limit], 'wks_list_desktops_with_reports_after');
    return rows.map((r) => desktopWithReportFromRow(projectId, r));
  }
  async putReport(projectId: string, desktopId: string, report: SysprepReport, now: number) {
    let applied: Row | undefined;
    try {
      [applied] = await this.rows(PUT_REPORT, [projectId, desktopId, ...pgReportValues(report, now)], 'wks_put_report');
    } catch (err) {
      // The desktop was deleted between the EXISTS check and the foreign-key check.
      if (pgCode(err) === '23503') return null;
      throw err;
    }
    if (applied) return { applied: true, collectedAt: toMs(applied.collected_at) };
    // Not applied: a new statement (new snapshot) sees the report that won, even one committed
    // by a concurrent first report while this statement waited on it.
    const [stored] = await this.rows('SELECT collected_at FROM reports WHERE project_id = $1 AND desktop_id = $2', [projectId, desktopId], 'wks_get_report_instant');
    return stored ? { applied: false, collectedAt: toMs(stored.collected_at) } : null;
  }
  async importFleet(
    projectId: string,
    desktops: DesktopInput[],
    reports: { desktopId: string; report: SysprepReport }[],
    now: number,
    onProgress?: (done: number, total: number) => void,
  ) {
    const ordered = lastPerDesktop(desktops).sort(byDesktopId);
    // Stable: each desktop's reports keep their order.
    const orderedReports = [...reports].sort(byDesktopId);
    const total = ordered.length + reports.length;
    return this.tx(async (c) => {
      let done = 0;
      for (const batch of chunks(ordered, BATCH)) {
        await this.upsertDesktopBatch(c, projectId, batch, now);
        onProgress?.((done += batch.length), total);
      }
      let applied = 0;
      for (const batch of chunks(orderedReports, BATCH)) {
        applied += await this.putReportBatch(c, projectId, batch, now);
        onProgress?.((done += batch.length), total);
      }
      return { desktops: desktops.length, reports: applied };
    });
  }
}
