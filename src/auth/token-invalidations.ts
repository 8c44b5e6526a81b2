// What can invalidate a token (revocation, password change, disabling, role change) is in the
// store; this keeps a copy in memory that is never older than `maxAgeMs` (DESIGN §2.6: 1 s),
// so every process refuses an invalidated token within a second without a read per request.
import type { Store } from '../store/store.js';

/** Rows written by another node may commit a little after their timestamp: re-read a margin. */
const OVERLAP_MS = 60_000;

export class TokenInvalidations {
  private validAfter = new Map<string, number>();
  private revoked = new Map<string, number>();
  private refreshedAt = -Infinity;
  private lastSince = 0;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly maxAgeMs = 1000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** 'ok', or why the token no longer counts. */
  async check(userId: string, tokenId: string, issuedAt: number): Promise<'ok' | 'revoked' | 'invalidated'> {
    if (this.clock() - this.refreshedAt >= this.maxAgeMs) await this.refresh();
    if (this.revoked.has(tokenId)) return 'revoked';
    const after = this.validAfter.get(userId);
    return after !== undefined && issuedAt < after ? 'invalidated' : 'ok';
  }

  /** Records a change made by this process so it takes effect here at once. */
  noteRevoked(tokenId: string, expiresAt: number) {
    this.revoked.set(tokenId, expiresAt);
  }
  noteUserInvalidated(userId: string, at: number) {
    this.validAfter.set(userId, Math.max(at, this.validAfter.get(userId) ?? 0));
  }

  refresh(): Promise<void> {
    if (!this.inflight) {
      this.inflight = this.load().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async load() {
    const started = this.clock();
    const since = Math.max(0, this.lastSince - OVERLAP_MS);
    const inv = await this.store.getInvalidationsSince(since === 0 ? 1 : since, started);
    for (const [u, at] of inv.users) this.noteUserInvalidated(u, at);
    for (const [t, exp] of inv.tokens) this.revoked.set(t, exp);
    for (const [t, exp] of this.revoked) if (exp < started) this.revoked.delete(t);
    this.lastSince = started;
    this.refreshedAt = started;
  }
}
