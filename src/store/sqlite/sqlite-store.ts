// The embedded store: better-sqlite3 in WAL mode. Writes are single statements or BEGIN
// IMMEDIATE transactions (a deferred read-then-write can fail with SQLITE_BUSY_SNAPSHOT).
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DesktopInput, Role, SysprepReport } from '../../domain/types.js';
import {
  DESKTOP_COLUMNS,
  REPORT_COLUMNS,
  accessKeyFromRow,
  desktopFromRow,
  desktopValues,
  desktopWithReportFromRow,
  desktopWithReportFromValues,
  verdictInputsFromValues,
  VERDICT_COLUMNS,
  projectFromRow,
  reportValues,
  userFromRow,
} from '../rows.js';
import { StoreConflictError, StoreUnavailableError, type Store } from '../store.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

type Row = Record<string, unknown>;
const bool = (b: boolean | undefined) => (b === undefined ? null : b ? 1 : 0);

/** Column order here is what desktopWithReportFromValues reads. */
const JOINED_SELECT = `SELECT ${DESKTOP_COLUMNS.map((c) => 'd.' + c).join(', ')}, ${REPORT_COLUMNS.map((c) => `r.${c} AS r_${c}`).join(', ')}
  FROM desktops d LEFT JOIN reports r ON r.project_id = d.project_id AND r.desktop_id = d.desktop_id`;
const ONE_DESKTOP_WITH_REPORT = `${JOINED_SELECT} WHERE d.project_id = ? AND d.desktop_id = ?`;
const VERDICT_INPUTS = `SELECT ${VERDICT_COLUMNS.join(', ')}
  FROM desktops d LEFT JOIN reports r ON r.project_id = d.project_id AND r.desktop_id = d.desktop_id
  WHERE d.project_id = ? AND d.desktop_id = ?`;

/** Maps driver errors to the store's own; nothing raw escapes the interface. */
function mapError(err: unknown): never {
  const code = (err as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StoreConflictError((err as Error).message);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_FULL' || code.startsWith('SQLITE_READONLY') || /not open/.test(String((err as Error).message))) {
    throw new StoreUnavailableError(err);
  }
  if (err instanceof Database.SqliteError) throw new Error(`storage error ${code}: ${err.message}`, { cause: err });
  throw err;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();
  /** Hot reads, kept at hand and returning arrays (cheaper than named columns). */
  private oneDesktopWithReport: Database.Statement | null = null;
  private verdictInputs: Database.Statement | null = null;
  private manyDesktopsWithReports: Database.Statement | null = null;
  /** Plucked, so kept apart from the shared statement cache. */
  private pageIds: Database.Statement | null = null;

  constructor(file: string, opts: { cacheMb?: number } = {}) {
    if (file !== ':memory:') {
      mkdirSync(dirname(file), { recursive: true });
      // Password hashes and sealed SKs live here: readable by the owner only (SQLite gives its
      // -wal and -shm files the database file's mode).
      closeSync(openSync(file, 'a', 0o600));
    }
    try {
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
    } catch (err) {
      // Not a database, unreadable, locked: the store is unusable, said in one line by the caller.
      throw new StoreUnavailableError(err);
    }
    // FULL: every acknowledged write is on disk before the answer, power loss included (NORMAL
    // in WAL mode survives a process crash but may lose the last commits to an OS crash).
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    // SQLite's 2 MiB default makes most random desktop lookups re-read pages through the kernel.
    if (opts.cacheMb !== undefined) this.db.pragma(`cache_size = ${-Math.max(1, Math.floor(opts.cacheMb)) * 1024}`);
  }

  /** Cached prepared statement: the hot path never re-prepares. */
  private st(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private guard<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      try {
        mapError(err);
      } catch (mapped) {
        return Promise.reject(mapped);
      }
    }
  }

  migrate() {
    return this.guard(() => {
      this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
      this.db
        .transaction(() => {
          const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
          for (let v = (row.v ?? 0) + 1; v <= SQLITE_MIGRATIONS.length; v++) {
            this.db.exec(SQLITE_MIGRATIONS[v - 1]);
            this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(v, Date.now());
          }
        })
        .immediate();
    });
  }

  ping() {
    return this.guard(() => {
      this.st('SELECT 1').get();
    });
  }

  async close() {
    if (this.db.open) this.db.close();
  }

  // --- identity ---
  ensureDomain(name: string) {
    return this.guard(() => {
      this.st('INSERT INTO domains (id, name) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(randomUUID().replace(/-/g, ''), name);
      return this.st('SELECT id, name FROM domains WHERE name = ?').get(name) as { id: string; name: string };
    });
  }
  getDomainById(id: string) {
    return this.guard(() => (this.st('SELECT id, name FROM domains WHERE id = ?').get(id) as { id: string; name: string } | undefined) ?? null);
  }
  getDomainByName(name: string) {
    return this.guard(() => (this.st('SELECT id, name FROM domains WHERE name = ?').get(name) as { id: string; name: string } | undefined) ?? null);
  }
  createProject(p: { id: string; name: string; domainId: string; description?: string }) {
    return this.guard(() => {
      const now = Date.now();
      this.st('INSERT INTO projects (id, name, domain_id, enabled, description, created_at) VALUES (?, ?, ?, 1, ?, ?)').run(p.id, p.name, p.domainId, p.description ?? '', now);
      return { id: p.id, name: p.name, domainId: p.domainId, enabled: true, description: p.description ?? '', createdAt: now };
    });
  }
  getProject(id: string) {
    return this.guard(() => {
      const r = this.st('SELECT * FROM projects WHERE id = ?').get(id) as Row | undefined;
      return r ? projectFromRow(r) : null;
    });
  }
  setProjectEnabled(id: string, enabled: boolean) {
    return this.guard(() => this.st('UPDATE projects SET enabled = ? WHERE id = ?').run(enabled ? 1 : 0, id).changes > 0);
  }
  listProjects(filter: { domainId?: string; name?: string } = {}) {
    return this.guard(() =>
      (this.st('SELECT * FROM projects WHERE (@d IS NULL OR domain_id = @d) AND (@n IS NULL OR name = @n) ORDER BY name, id').all({ d: filter.domainId ?? null, n: filter.name ?? null }) as Row[]).map(projectFromRow),
    );
  }
  countUsers() {
    return this.guard(() => (this.st('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n);
  }
  countAccessKeys() {
    return this.guard(() => (this.st('SELECT COUNT(*) AS n FROM access_keys').get() as { n: number }).n);
  }
  createUser(u: { id: string; domainId: string; name: string; passwordHash: string }) {
    return this.guard(() => {
      const now = Date.now();
      this.st('INSERT INTO users (id, domain_id, name, password_hash, enabled, valid_after, password_changed_at, created_at) VALUES (?, ?, ?, ?, 1, 0, ?, ?)').run(u.id, u.domainId, u.name, u.passwordHash, now, now);
      return userFromRow(this.st('SELECT * FROM users WHERE id = ?').get(u.id) as Row);
    });
  }
  getUser(id: string) {
    return this.guard(() => {
      const r = this.st('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
      return r ? userFromRow(r) : null;
    });
  }
  getUserByName(domainId: string, name: string) {
    return this.guard(() => {
      const r = this.st('SELECT * FROM users WHERE domain_id = ? AND name = ?').get(domainId, name) as Row | undefined;
      return r ? userFromRow(r) : null;
    });
  }
  findUsersByName(name: string) {
    return this.guard(() => (this.st('SELECT * FROM users WHERE name = ? ORDER BY id').all(name) as Row[]).map(userFromRow));
  }
  listUsers(domainId?: string) {
    return this.guard(() => (this.st('SELECT * FROM users WHERE (@d IS NULL OR domain_id = @d) ORDER BY name').all({ d: domainId ?? null }) as Row[]).map(userFromRow));
  }
  setPassword(userId: string, passwordHash: string, at: number) {
    return this.guard(() => {
      this.st('UPDATE users SET password_hash = ?, password_changed_at = ?, valid_after = MAX(valid_after, ?) WHERE id = ?').run(passwordHash, at, at, userId);
    });
  }
  setUserEnabled(userId: string, enabled: boolean, at: number) {
    return this.guard(() => {
      this.st('UPDATE users SET enabled = ?, valid_after = CASE WHEN ? THEN valid_after ELSE MAX(valid_after, ?) END WHERE id = ?').run(enabled ? 1 : 0, enabled ? 1 : 0, at, userId);
    });
  }
  grantRole(userId: string, projectId: string, role: Role, at: number) {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const r = this.st('INSERT INTO role_assignments (user_id, project_id, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(userId, projectId, role);
          if (r.changes > 0) this.st('UPDATE users SET valid_after = MAX(valid_after, ?) WHERE id = ?').run(at, userId);
        })
        .immediate(),
    );
  }
  revokeRole(userId: string, projectId: string, role: Role, at: number) {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const r = this.st('DELETE FROM role_assignments WHERE user_id = ? AND project_id = ? AND role = ?').run(userId, projectId, role);
          if (r.changes > 0) this.st('UPDATE users SET valid_after = MAX(valid_after, ?) WHERE id = ?').run(at, userId);
        })
        .immediate(),
    );
  }
  getRoles(userId: string, projectId: string) {
    return this.guard(() => (this.st('SELECT role FROM role_assignments WHERE user_id = ? AND project_id = ? ORDER BY role').all(userId, projectId) as { role: Role }[]).map((r) => r.role));
  }
  listRoleAssignments(userId: string) {
    return this.guard(() => {
      const out = new Map<string, Role[]>();
      for (const r of this.st('SELECT project_id, role FROM role_assignments WHERE user_id = ? ORDER BY project_id, role').all(userId) as { project_id: string; role: Role }[]) {
        const list = out.get(r.project_id) ?? [];
        list.push(r.role);
        out.set(r.project_id, list);
      }
      return out;
    });
  }

  // --- token invalidation ---
  revokeToken(tokenId: string, userId: string, expiresAt: number, at: number) {
    return this.guard(() => {
      this.st('INSERT INTO revoked_tokens (token_id, user_id, expires_at, revoked_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(tokenId, userId, expiresAt, at);
      // Expired revocations are useless: prune them as we go.
      this.st('DELETE FROM revoked_tokens WHERE expires_at < ?').run(at);
    });
  }
  getInvalidationsSince(since: number, now: number) {
    return this.guard(() => {
      const users = new Map<string, number>();
      for (const r of this.st('SELECT id, valid_after FROM users WHERE valid_after >= ?').all(since) as Row[]) users.set(r.id as string, r.valid_after as number);
      const tokens = new Map<string, number>();
      for (const r of this.st('SELECT token_id, expires_at FROM revoked_tokens WHERE revoked_at >= ? AND expires_at >= ?').all(since, now) as Row[]) tokens.set(r.token_id as string, r.expires_at as number);
      return { users, tokens };
    });
  }

  // --- access keys ---
  createAccessKey(k: { accessKey: string; userId: string; secretEncrypted: string; description: string; createdAt: number }) {
    return this.guard(() => {
      this.st("INSERT INTO access_keys (access_key, user_id, secret_encrypted, status, description, created_at) VALUES (?, ?, ?, 'active', ?, ?)").run(k.accessKey, k.userId, k.secretEncrypted, k.description, k.createdAt);
      return accessKeyFromRow(this.st('SELECT * FROM access_keys WHERE access_key = ?').get(k.accessKey) as Row);
    });
  }
  createAccessKeyUnderLimit(k: { accessKey: string; userId: string; secretEncrypted: string; description: string; createdAt: number }, maxPerUser: number) {
    return this.guard(() => {
      // One statement: SQLite serialises writers, so the count and the insert cannot interleave.
      const r = this.st(
        `INSERT INTO access_keys (access_key, user_id, secret_encrypted, status, description, created_at)
         SELECT ?, ?, ?, 'active', ?, ? WHERE (SELECT count(*) FROM access_keys WHERE user_id = ?) < ?`,
      ).run(k.accessKey, k.userId, k.secretEncrypted, k.description, k.createdAt, k.userId, maxPerUser);
      if (r.changes === 0) return null;
      return accessKeyFromRow(this.st('SELECT * FROM access_keys WHERE access_key = ?').get(k.accessKey) as Row);
    });
  }
  getAccessKey(accessKey: string) {
    return this.guard(() => {
      const r = this.st('SELECT * FROM access_keys WHERE access_key = ?').get(accessKey) as Row | undefined;
      return r ? accessKeyFromRow(r) : null;
    });
  }
  listAccessKeys(userId: string) {
    return this.guard(() => (this.st('SELECT * FROM access_keys WHERE user_id = ? ORDER BY created_at, access_key').all(userId) as Row[]).map(accessKeyFromRow));
  }
  setAccessKeyStatus(accessKey: string, status: 'active' | 'inactive') {
    return this.guard(() => this.st('UPDATE access_keys SET status = ? WHERE access_key = ?').run(status, accessKey).changes > 0);
  }
  setAccessKeyDescription(accessKey: string, description: string) {
    return this.guard(() => this.st('UPDATE access_keys SET description = ? WHERE access_key = ?').run(description, accessKey).changes > 0);
  }
  deleteAccessKey(accessKey: string) {
    return this.guard(() => this.st('DELETE FROM access_keys WHERE access_key = ?').run(accessKey).changes > 0);
  }
  recordSignatureFailure(accessKey: string, now: number, threshold: number, lockMs: number) {
    return this.guard(() => {
      // One statement: concurrent failures from several processes each count exactly once.
      const r = this.st(
        `UPDATE access_keys SET
           locked_until = CASE WHEN failed_count + 1 >= @threshold THEN @now + @lockMs ELSE locked_until END,
           failed_count = CASE WHEN failed_count + 1 >= @threshold THEN 0 ELSE failed_count + 1 END
         WHERE access_key = @accessKey RETURNING locked_until`,
      ).get({ threshold, now, lockMs, accessKey }) as { locked_until: number | null } | undefined;
      return r && r.locked_until !== null && r.locked_until > now ? r.locked_until : null;
    });
  }
  resetSignatureFailures(accessKey: string) {
    return this.guard(() => {
      this.st('UPDATE access_keys SET failed_count = 0 WHERE access_key = ? AND failed_count <> 0').run(accessKey);
    });
  }
  recordAccessKeyUse(accessKey: string, at: number, notBefore: number) {
    return this.guard(() => {
      this.st('UPDATE access_keys SET last_used_at = ? WHERE access_key = ? AND (last_used_at IS NULL OR last_used_at < ?)').run(at, accessKey, notBefore);
    });
  }

  // --- desktops and reports ---
  private upsertDesktopsSync(projectId: string, desktops: DesktopInput[], now: number) {
    const st = this.st(
      `INSERT INTO desktops (project_id, ${DESKTOP_COLUMNS.join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (project_id, desktop_id) DO UPDATE SET computer_name = excluded.computer_name, os_type = excluded.os_type,
         os_version = excluded.os_version, status = excluded.status, enterprise_project_id = excluded.enterprise_project_id,
         tags = excluded.tags, updated_at = excluded.updated_at`,
    );
    for (const d of desktops) st.run(projectId, ...desktopValues(d), now, now);
  }
  upsertDesktops(projectId: string, desktops: DesktopInput[], now: number) {
    return this.guard(() =>
      this.db
        .transaction(() => {
          this.upsertDesktopsSync(projectId, desktops, now);
          const get = this.st(`SELECT ${DESKTOP_COLUMNS.join(', ')} FROM desktops WHERE project_id = ? AND desktop_id = ?`);
          return desktops.map((d) => desktopFromRow(projectId, get.get(projectId, d.desktopId) as Row));
        })
        .immediate(),
    );
  }
  deleteDesktop(projectId: string, desktopId: string) {
    return this.guard(() => this.st('DELETE FROM desktops WHERE project_id = ? AND desktop_id = ?').run(projectId, desktopId).changes > 0);
  }
  getDesktop(projectId: string, desktopId: string) {
    return this.guard(() => {
      const r = this.st(`SELECT ${DESKTOP_COLUMNS.join(', ')} FROM desktops WHERE project_id = ? AND desktop_id = ?`).get(projectId, desktopId) as Row | undefined;
      return r ? desktopFromRow(projectId, r) : null;
    });
  }
  listDesktops(projectId: string, limit: number, offset: number) {
    return this.guard(() =>
      // One read transaction: the page and the total come from the same snapshot.
      this.db.transaction(() => {
        // The page's ids first, from the covering index: OFFSET then skips index entries, not rows.
        this.pageIds ??= this.db.prepare('SELECT desktop_id FROM desktops WHERE project_id = ? ORDER BY created_at, desktop_id LIMIT ? OFFSET ?').pluck();
        const ids = this.pageIds.all(projectId, limit, offset) as string[];
        const total = (this.st('SELECT COUNT(*) AS n FROM desktops WHERE project_id = ?').get(projectId) as { n: number }).n;
        if (ids.length === 0) return { desktops: [], total };
        const rows = this.st(`SELECT ${DESKTOP_COLUMNS.join(', ')} FROM desktops WHERE project_id = ? AND desktop_id IN (SELECT value FROM json_each(?))`).all(projectId, JSON.stringify(ids)) as Row[];
        const byId = new Map(rows.map((r) => [r.desktop_id as string, r]));
        return { desktops: ids.map((id) => desktopFromRow(projectId, byId.get(id) as Row)), total };
      })(),
    );
  }
  countDesktops(projectId: string) {
    return this.guard(() => (this.st('SELECT COUNT(*) AS n FROM desktops WHERE project_id = ?').get(projectId) as { n: number }).n);
  }
  getDesktopWithReport(projectId: string, desktopId: string) {
    return this.guard(() => {
      this.oneDesktopWithReport ??= this.db.prepare(ONE_DESKTOP_WITH_REPORT).raw(true);
      const v = this.oneDesktopWithReport.get(projectId, desktopId) as unknown[] | undefined;
      return v ? desktopWithReportFromValues(projectId, v) : null;
    });
  }
  getVerdictInputs(projectId: string, desktopId: string) {
    return this.guard(() => {
      this.verdictInputs ??= this.db.prepare(VERDICT_INPUTS).raw(true);
      const v = this.verdictInputs.get(projectId, desktopId) as unknown[] | undefined;
      return v ? verdictInputsFromValues(v) : null;
    });
  }
  getDesktopsWithReports(projectId: string, desktopIds: string[]) {
    return this.guard(() => {
      const out = new Map<string, ReturnType<typeof desktopWithReportFromRow>>();
      if (desktopIds.length === 0) return out;
      this.manyDesktopsWithReports ??= this.db.prepare(`${JOINED_SELECT} WHERE d.project_id = ? AND d.desktop_id IN (SELECT value FROM json_each(?))`).raw(true);
      for (const v of this.manyDesktopsWithReports.all(projectId, JSON.stringify(desktopIds)) as unknown[][]) out.set(v[0] as string, desktopWithReportFromValues(projectId, v));
      return out;
    });
  }
  listDesktopsWithReports(projectId: string, limit: number, offset: number) {
    return this.guard(() =>
      (this.st(`${JOINED_SELECT} WHERE d.project_id = ? ORDER BY d.created_at, d.desktop_id LIMIT ? OFFSET ?`).all(projectId, limit, offset) as Row[]).map((r) => desktopWithReportFromRow(projectId, r)),
    );
  }
  listDesktopsWithReportsAfter(projectId: string, afterDesktopId: string | null, limit: number) {
    return this.guard(() =>
      (this.st(`${JOINED_SELECT} WHERE d.project_id = ? AND d.desktop_id > ? ORDER BY d.desktop_id LIMIT ?`).all(projectId, afterDesktopId ?? '', limit) as Row[]).map((r) =>
        desktopWithReportFromRow(projectId, r),
      ),
    );
  }
  private putReportSync(projectId: string, desktopId: string, report: SysprepReport, now: number): boolean {
    const cols = REPORT_COLUMNS.join(', ');
    const updates = REPORT_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ');
    const r = this.st(
      `INSERT INTO reports (project_id, desktop_id, ${cols})
       SELECT ?, ?, ${REPORT_COLUMNS.map(() => '?').join(', ')} WHERE EXISTS (SELECT 1 FROM desktops WHERE project_id = ? AND desktop_id = ?)
       ON CONFLICT (project_id, desktop_id) DO UPDATE SET ${updates} WHERE excluded.collected_at > reports.collected_at`,
    ).run(projectId, desktopId, ...reportValues(report, now, bool), projectId, desktopId);
    return r.changes > 0;
  }
  putReport(projectId: string, desktopId: string, report: SysprepReport, now: number) {
    return this.guard(() => {
      const applied = this.putReportSync(projectId, desktopId, report, now);
      const row = this.st('SELECT collected_at FROM reports WHERE project_id = ? AND desktop_id = ?').get(projectId, desktopId) as { collected_at: number } | undefined;
      return row ? { applied, collectedAt: row.collected_at } : null;
    });
  }
  importFleet(projectId: string, desktops: DesktopInput[], reports: { desktopId: string; report: SysprepReport }[], now: number, onProgress?: (done: number, total: number) => void) {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const total = desktops.length + reports.length;
          const step = 500;
          for (let i = 0; i < desktops.length; i += step) {
            this.upsertDesktopsSync(projectId, desktops.slice(i, i + step), now);
            onProgress?.(Math.min(i + step, desktops.length), total);
          }
          let applied = 0;
          reports.forEach((r, i) => {
            if (this.putReportSync(projectId, r.desktopId, r.report, now)) applied++;
            if ((i + 1) % step === 0 || i === reports.length - 1) onProgress?.(desktops.length + i + 1, total);
          });
          return { desktops: desktops.length, reports: applied };
        })
        .immediate(),
    );
  }
}
