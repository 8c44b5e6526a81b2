// Seeds a fresh data directory for `serve --dev`: the dev identity (DESIGN §6) and N synthetic
// desktops with reports, through the Store in chunks (one transaction each) — a fleet this size
// would not fit in one JSON string.
import { join } from 'node:path';
import { loadOrCreateServerSecret } from '../../src/auth/server-secret.js';
import { DEV, ensureDevIdentity } from '../../src/server/dev-seed.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { desktopIdAt, fleetChunk } from './synthetic-fleet.js';

const CHUNK = 20_000;

export async function seedDevStore(dataDir: string, desktops: number, onProgress?: (done: number) => void): Promise<void> {
  const { secret } = loadOrCreateServerSecret(join(dataDir, 'secret.key'));
  const store = new SqliteStore(join(dataDir, 'dev.db'), { cacheMb: 256 });
  try {
    await store.migrate();
    const now = Date.now();
    await ensureDevIdentity(store, secret, now - 60_000);
    for (let from = 0; from < desktops; from += CHUNK) {
      const to = Math.min(desktops, from + CHUNK);
      const chunk = fleetChunk(from, to, now);
      await store.importFleet(DEV.project.id, chunk.desktops, chunk.reports, now);
      onProgress?.(to);
    }
  } finally {
    await store.close();
  }
}

/** The ids of a seeded store, one per line, for the load generator to pick from. */
export function desktopIdLines(desktops: number): string {
  const out: string[] = new Array(desktops);
  for (let i = 0; i < desktops; i++) out[i] = desktopIdAt(i);
  return out.join('\n') + '\n';
}
