// `serve`: open the store, migrate, seed (dev) or bootstrap (first start), listen, and shut
// down gracefully on SIGTERM/SIGINT.
import { fileURLToPath } from 'node:url';
import { loadOrCreateServerSecret } from '../auth/server-secret.js';
import { sqliteFile, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { createApp, createServices } from '../server/app.js';
import { DEV, bootstrapFirstAdmin, ensureDevIdentity, loadFleetIfEmpty } from '../server/dev-seed.js';
import { openStore } from '../store/open-store.js';
import { StoreConflictError } from '../store/store.js';
import { authenticatorsFor } from '../server/authenticators.js';

export const EXAMPLE_FLEET = fileURLToPath(new URL('../../examples/fleet.json', import.meta.url));

/**
 * Nodes starting at once on one fresh database race to bootstrap it; the loser of a race gets
 * a conflict, and another pass finds the winner's rows and creates nothing.
 */
async function onceAcrossNodes<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof StoreConflictError) || attempt === 3) throw err;
    }
  }
}

export async function serve(cfg: Config): Promise<void> {
  const log = createLogger(cfg.logLevel);
  const { secret, created } = loadOrCreateServerSecret(cfg.secretKeyFile);
  if (created) log.info({ file: cfg.secretKeyFile }, 'created a new server secret (keep it safe; every node needs the same file)');
  const store = await openStore(cfg);
  await store.migrate();

  if (cfg.dev) {
    await ensureDevIdentity(store, secret);
    const loaded = await loadFleetIfEmpty(store, DEV.project.id, EXAMPLE_FLEET);
    const banner = [
      '',
      '================================================================',
      ' DEV MODE: well-known credentials are active. Never expose this.',
      ` store: ${cfg.databaseUrl ? 'postgres' : sqliteFile(cfg)}`,
      ` account ${DEV.domain}, project ${DEV.project.name} (${DEV.project.id})`,
      ` users devadmin / devagent / devviewer, password ${DEV.password}`,
      ` admin AK ${DEV.users[0].ak}`,
      loaded ? ` loaded ${loaded} desktops from examples/fleet.json` : ' example fleet already loaded',
      '================================================================',
      '',
    ].join('\n');
    process.stderr.write(banner);
  } else {
    const admin = await onceAcrossNodes(() => bootstrapFirstAdmin(store));
    if (admin) {
      process.stderr.write(
        `\nFirst start: created account "${admin.domain}", project "${admin.projectName}" (${admin.projectId}) and user "${admin.user}" with password:\n\n    ${admin.password}\n\nIt is shown only this once.\n\n`,
      );
    }
  }

  const services = createServices(cfg, store, secret, { logger: log, authenticators: (base) => authenticatorsFor(base, { log }) });
  const app = await createApp(services, log);
  services.policy.watch();
  await app.listen({ host: cfg.host, port: cfg.port });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    services.lifecycle.closing = true;
    services.policy.stop();
    const timer = setTimeout(() => {
      log.error('shutdown timed out; exiting');
      process.exit(1);
    }, cfg.shutdownTimeout * 1000);
    timer.unref();
    try {
      await app.close();
      await store.close();
    } finally {
      log.info('stopped');
      log.flush?.();
      process.exit(0);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
