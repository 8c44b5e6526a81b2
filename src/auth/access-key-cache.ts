// What verifying a signature needs about an AK — the decrypted SK, its status and lock, its
// user and that user's roles — kept in memory for at most `maxAgeMs` (1 s, like token
// invalidations), so the hot path reads the store about once a second per key and a disabled,
// deleted or locked key fails in every process within that second.
import type { Role } from '../domain/types.js';
import type { Store } from '../store/store.js';
import { openSecretWithAny } from './secret-box.js';
import type { ServerSecret } from './server-secret.js';

export interface CachedAccessKey {
  accessKey: string;
  status: 'active' | 'inactive';
  /** The plain SK (memory only). */
  secretKey: string;
  /** Mismatch count as last read or as this process changed it. */
  failedCount: number;
  lockedUntil: number | null;
  /** When a use was last stored (read from the store, or written by this process). */
  lastUsedAt: number | null;
  user: { id: string; name: string; enabled: boolean; domainId: string; domainName: string };
  /** project id → the user's roles there. */
  roles: Map<string, Role[]>;
  loadedAt: number;
  /** The sealed SK the plain one was opened from (re-opened only when it changes). */
  sealed: string;
}

export class AccessKeyCache {
  private readonly entries = new Map<string, CachedAccessKey>();
  private readonly inflight = new Map<string, Promise<CachedAccessKey | null>>();
  private readonly domainNames = new Map<string, string>();
  /** Bumped by forget(): a load that started before a change must not store what it read. */
  private epoch = 0;

  constructor(
    private readonly store: Store,
    private readonly secret: ServerSecret,
    private readonly maxAgeMs = 1000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The key as the store had it at most maxAgeMs ago; null when it does not exist. */
  async get(accessKey: string): Promise<CachedAccessKey | null> {
    const now = this.clock();
    const hit = this.entries.get(accessKey);
    // A clock that went backwards (tests, NTP steps) forces a reload rather than trusting the entry.
    if (hit && now - hit.loadedAt < this.maxAgeMs && now >= hit.loadedAt) return hit;
    const pending = this.inflight.get(accessKey);
    if (pending) return pending;
    const p: Promise<CachedAccessKey | null> = this.load(accessKey, hit, now).finally(() => {
      if (this.inflight.get(accessKey) === p) this.inflight.delete(accessKey);
    });
    this.inflight.set(accessKey, p);
    return p;
  }

  /** Drops what this process knows of a key (after it changed it), so the next request reloads. */
  forget(accessKey: string): void {
    this.epoch++;
    this.entries.delete(accessKey);
    this.inflight.delete(accessKey);
  }

  private async load(accessKey: string, previous: CachedAccessKey | undefined, now: number): Promise<CachedAccessKey | null> {
    const epoch = this.epoch;
    const row = await this.store.getAccessKey(accessKey);
    if (!row) {
      this.entries.delete(accessKey);
      return null;
    }
    const [user, roles] = await Promise.all([this.store.getUser(row.userId), this.store.listRoleAssignments(row.userId)]);
    if (!user) {
      this.entries.delete(accessKey);
      return null;
    }
    let domainName = this.domainNames.get(user.domainId);
    if (domainName === undefined) {
      domainName = (await this.store.getDomainById(user.domainId))?.name ?? '';
      this.domainNames.set(user.domainId, domainName);
    }
    const secretKey = previous && previous.sealed === row.secretEncrypted ? previous.secretKey : this.open(accessKey, row.secretEncrypted);
    const entry: CachedAccessKey = {
      accessKey,
      status: row.status,
      secretKey,
      sealed: row.secretEncrypted,
      failedCount: row.failedCount,
      lockedUntil: row.lockedUntil,
      lastUsedAt: row.lastUsedAt,
      user: { id: user.id, name: user.name, enabled: user.enabled, domainId: user.domainId, domainName },
      roles,
      loadedAt: now,
    };
    if (epoch === this.epoch) this.entries.set(accessKey, entry);
    return entry;
  }

  /** A failure here is a deployment error (another secret file), logged as the request's 500 with this message. */
  private open(accessKey: string, sealed: string): string {
    try {
      return openSecretWithAny(this.secret.skKeys, sealed);
    } catch (cause) {
      throw new Error(`the SK of ${accessKey} cannot be decrypted with this server's secret: is --secret-key-file the file the other nodes use?`, { cause });
    }
  }
}
