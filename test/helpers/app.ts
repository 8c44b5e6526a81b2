// Builds the real app on a real store for inject() tests: SQLite in a temp dir by default,
// PostgreSQL when WKS_TEST_DATABASE_URL names a database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import { secretFromMasters } from '../../src/auth/server-secret.js';
import { createApp, createServices } from '../../src/server/app.js';
import { authenticatorsFor } from '../../src/server/authenticators.js';
import { DEV, ensureDevIdentity, loadFleetIfEmpty } from '../../src/server/dev-seed.js';
import type { Services } from '../../src/server/services.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore } from './store.js';

export const DEV_PROJECT: string = DEV.project.id;
export const FLEET_FILE = new URL('../../examples/fleet.json', import.meta.url).pathname;

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  store: Store;
  config: Config;
  clock: { now: number };
  close(): Promise<void>;
}

/** `wrapStore` lets a test watch the store calls the routes make (the app gets the wrapper). */
export async function buildTestApp(opts: { fleet?: boolean; config?: Record<string, unknown>; wrapStore?: (store: Store) => Store } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'wks-test-'));
  const config = loadConfig({ dataDir: dir, ...opts.config }, {});
  const { store, drop } = await openTestStore(dir);
  const secret = secretFromMasters([Buffer.alloc(32, 7)]);
  const clock = { now: Date.now() };
  await ensureDevIdentity(store, secret, clock.now - 1000);
  if (opts.fleet !== false) await loadFleetIfEmpty(store, DEV.project.id, FLEET_FILE, clock.now);
  const services = createServices(config, opts.wrapStore ? opts.wrapStore(store) : store, secret, { clock: () => clock.now, authenticators: authenticatorsFor });
  const app = await createApp(services, false);
  return {
    app,
    services,
    store,
    config,
    clock,
    async close() {
      await app.close();
      await store.close();
      await drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function devToken(t: TestApp, user = 'devadmin'): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    headers: { 'content-type': 'application/json' },
    payload: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, password: DEV.password, domain: { name: DEV.domain } } } },
        scope: { project: { id: DEV.project.id } },
      },
    },
  });
  if (res.statusCode !== 201) throw new Error(`token: ${res.statusCode} ${res.body}`);
  return res.headers['x-subject-token'] as string;
}
