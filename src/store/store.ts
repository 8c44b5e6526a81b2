// The one persistence interface. One implementation per database (sqlite/, postgres/), one
// test suite for both (test/store). Implementations never let a raw driver error escape:
// they throw StoreUnavailableError when the database cannot be reached and StoreConflictError
// for a uniqueness violation the caller can explain.
import type { Desktop, DesktopInput, DesktopWithReport, Role, SysprepReport, VerdictInputs } from '../domain/types.js';

export interface Project {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
  description: string;
  createdAt: number;
}

export interface Domain {
  id: string;
  name: string;
}

export interface User {
  id: string;
  domainId: string;
  name: string;
  passwordHash: string;
  enabled: boolean;
  /** Tokens issued before this instant (epoch ms) are invalid (password change, disable, role change). */
  validAfter: number;
  passwordChangedAt: number;
  createdAt: number;
}

export interface AccessKey {
  accessKey: string;
  userId: string;
  /** The SK encrypted under the server secret (see auth/secret-box.ts); never the plain SK. */
  secretEncrypted: string;
  status: 'active' | 'inactive';
  description: string;
  createdAt: number;
  lastUsedAt: number | null;
  failedCount: number;
  lockedUntil: number | null;
}

export interface Invalidations {
  /** user id → valid-after instant (ms) for users whose tokens were invalidated since `since`. */
  users: Map<string, number>;
  /** revoked token ids (with their expiry) since `since`. */
  tokens: Map<string, number>;
}

export interface DesktopPage {
  desktops: Desktop[];
  total: number;
}

export interface PutReportResult {
  applied: boolean;
  /** collected_at (ms) of the report stored after this call. */
  collectedAt: number;
}

export interface ImportSummary {
  desktops: number;
  reports: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending migrations; safe when several processes start at once. */
  migrate(): Promise<void>;
  /** Throws StoreUnavailableError when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // --- identity ---
  ensureDomain(name: string): Promise<Domain>;
  getDomainById(id: string): Promise<Domain | null>;
  getDomainByName(name: string): Promise<Domain | null>;
  /** Throws StoreConflictError if the id or (domain, name) exists. */
  createProject(p: { id: string; name: string; domainId: string; description?: string }): Promise<Project>;
  getProject(id: string): Promise<Project | null>;
  /** False when there is no such project. A disabled project issues no tokens and is listed only with enabled=false. */
  setProjectEnabled(id: string, enabled: boolean): Promise<boolean>;
  listProjects(filter?: { domainId?: string; name?: string }): Promise<Project[]>;
  countUsers(): Promise<number>;
  /** How many access keys exist (each SK sealed under the server secret). */
  countAccessKeys(): Promise<number>;
  /** Throws StoreConflictError if (domain, name) exists. */
  createUser(u: { id: string; domainId: string; name: string; passwordHash: string }): Promise<User>;
  getUser(id: string): Promise<User | null>;
  getUserByName(domainId: string, name: string): Promise<User | null>;
  /** Without a domain: the user if exactly one user has this name, else null. */
  findUsersByName(name: string): Promise<User[]>;
  listUsers(domainId?: string): Promise<User[]>;
  /** Sets the hash and moves validAfter to `at`. */
  setPassword(userId: string, passwordHash: string, at: number): Promise<void>;
  /** Disabling moves validAfter to `at`. */
  setUserEnabled(userId: string, enabled: boolean, at: number): Promise<void>;
  /** Both move validAfter to `at` (a role change invalidates tokens, which carry roles). */
  grantRole(userId: string, projectId: string, role: Role, at: number): Promise<void>;
  revokeRole(userId: string, projectId: string, role: Role, at: number): Promise<void>;
  getRoles(userId: string, projectId: string): Promise<Role[]>;
  /** project id → roles, for every project the user has a role in. */
  listRoleAssignments(userId: string): Promise<Map<string, Role[]>>;

  // --- token invalidation (DESIGN §2.6) ---
  revokeToken(tokenId: string, userId: string, expiresAt: number, at: number): Promise<void>;
  /** Everything recorded at or after `since` (ms); the store may return more. */
  getInvalidationsSince(since: number, now: number): Promise<Invalidations>;

  // --- access keys ---
  createAccessKey(k: { accessKey: string; userId: string; secretEncrypted: string; description: string; createdAt: number }): Promise<AccessKey>;
  /**
   * Creates the key only while the user has fewer than `maxPerUser` keys, atomically (two
   * concurrent creations cannot both take the last place). Null when the limit is reached.
   */
  createAccessKeyUnderLimit(
    k: { accessKey: string; userId: string; secretEncrypted: string; description: string; createdAt: number },
    maxPerUser: number,
  ): Promise<AccessKey | null>;
  getAccessKey(accessKey: string): Promise<AccessKey | null>;
  listAccessKeys(userId: string): Promise<AccessKey[]>;
  setAccessKeyStatus(accessKey: string, status: 'active' | 'inactive'): Promise<boolean>;
  setAccessKeyDescription(accessKey: string, description: string): Promise<boolean>;
  deleteAccessKey(accessKey: string): Promise<boolean>;
  /**
   * Counts one signature mismatch, atomically; when the count reaches `threshold` the key is
   * locked until now + lockMs and the count restarts. Returns the lock instant if now locked.
   */
  recordSignatureFailure(accessKey: string, now: number, threshold: number, lockMs: number): Promise<number | null>;
  /** Resets the mismatch count with a conditional update (only when non-zero). */
  resetSignatureFailures(accessKey: string): Promise<void>;
  /** Records a use of the key at `at` unless one at or after `notBefore` is already stored (a conditional write). */
  recordAccessKeyUse(accessKey: string, at: number, notBefore: number): Promise<void>;

  // --- desktops and reports ---
  /** Registers or updates desktops atomically (all or none). Returns the stored desktops. */
  upsertDesktops(projectId: string, desktops: DesktopInput[], now: number): Promise<Desktop[]>;
  /** Removes a desktop and its report. */
  deleteDesktop(projectId: string, desktopId: string): Promise<boolean>;
  getDesktop(projectId: string, desktopId: string): Promise<Desktop | null>;
  listDesktops(projectId: string, limit: number, offset: number): Promise<DesktopPage>;
  countDesktops(projectId: string): Promise<number>;
  /** A desktop with its report: one indexed read. */
  getDesktopWithReport(projectId: string, desktopId: string): Promise<DesktopWithReport | null>;
  /** The hot path of the seed API: only what the verdict reads, in one indexed read. */
  getVerdictInputs(projectId: string, desktopId: string): Promise<VerdictInputs | null>;
  /** One query for the whole batch; ids not found are absent from the map. */
  getDesktopsWithReports(projectId: string, desktopIds: string[]): Promise<Map<string, DesktopWithReport>>;
  /** Every desktop of a project with its report, in pages if large. */
  listDesktopsWithReports(projectId: string, limit: number, offset: number): Promise<DesktopWithReport[]>;
  /**
   * Up to `limit` desktops with their reports in desktop_id order (byte order), those after
   * `afterDesktopId` (null: from the first). Keyset paging on the primary key, so scanning a
   * project of a million desktops costs the same per page at the end as at the start.
   */
  listDesktopsWithReportsAfter(projectId: string, afterDesktopId: string | null, limit: number): Promise<DesktopWithReport[]>;
  /**
   * A single guarded upsert: applied only when collectedAt is strictly newer than the stored
   * one. Null when the desktop does not exist.
   */
  putReport(projectId: string, desktopId: string, report: SysprepReport, now: number): Promise<PutReportResult | null>;
  /** Desktops and reports of a fleet file in one transaction (all or none). */
  importFleet(projectId: string, desktops: DesktopInput[], reports: { desktopId: string; report: SysprepReport }[], now: number, onProgress?: (done: number, total: number) => void): Promise<ImportSummary>;
}

export class StoreUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('storage unavailable', { cause });
  }
}

export class StoreConflictError extends Error {}
