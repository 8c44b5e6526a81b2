// `serve`: open the store, migrate, seed (dev) or bootstrap (first start), listen, and shut
// down gracefully on SIGTERM/SIGINT. With --workers N > 1 this process is the primary: it does
// the one-time work above, then N worker processes (node:cluster) share the port and serve.
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { existsSync } from 'node:fs';
import { loadOrCreateServerSecret, type ServerSecret } from '../auth/server-secret.js';
import { ConfigError, sqliteFile, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { createApp, createServices } from '../server/app.js';
import { authenticatorsFor } from '../server/authenticators.js';
import { DEV, bootstrapFirstAdmin, ensureDevIdentity, loadFleetIfEmpty, refreshFleetReports } from '../server/dev-seed.js';
import { openStore } from '../store/open-store.js';
import { StoreConflictError, type Store } from '../store/store.js';
import { superviseWorkers } from './workers.js';

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
  // A worker finds everything prepared by the primary: no migration, seeding or bootstrap.
  if (cluster.isWorker) {
    const { secret } = loadOrCreateServerSecret(cfg.secretKeyFile);
    return listenAndServe(cfg, log, await openStore(cfg), secret);
  }
  const store = await openStore(cfg);
  await store.migrate();
  // Access keys in the store were sealed under a secret: a new one would open none of them
  // (every signed request would fail) and verify none of the tokens other nodes issued.
  if (!existsSync(cfg.secretKeyFile) && (await store.countAccessKeys()) > 0) {
    await store.close();
    throw new ConfigError(`no server secret at ${cfg.secretKeyFile}, but the store holds access keys sealed under one: give --secret-key-file (the file its other nodes use)`);
  }
  const { secret, created } = loadOrCreateServerSecret(cfg.secretKeyFile);
  if (created) log.info({ file: cfg.secretKeyFile }, 'created a new server secret (keep it safe; every node needs the same file)');
  await prepareStore(cfg, store, secret);
  if (cfg.workers > 1) {
    await store.close();
    return superviseWorkers(cfg, log);
  }
  return listenAndServe(cfg, log, store, secret);
}

/** The one-time work of a start: dev identities and fleet, or the first admin. */
async function prepareStore(cfg: Config, store: Store, secret: ServerSecret): Promise<void> {
  if (cfg.dev) {
    await ensureDevIdentity(store, secret);
    const loaded = await loadFleetIfEmpty(store, DEV.project.id, EXAMPLE_FLEET);
    const refreshed = loaded > 0 ? 0 : await refreshFleetReports(store, DEV.project.id, EXAMPLE_FLEET);
    const banner = [
      '',
      '================================================================',
      ' DEV MODE: well-known credentials are active. Never expose this.',
      ` store: ${cfg.databaseUrl ? 'postgres' : sqliteFile(cfg)}`,
      ` account ${DEV.domain}, project ${DEV.project.name} (${DEV.project.id})`,
      ` users devadmin / devagent / devviewer, password ${DEV.password}`,
      ` admin AK ${DEV.users[0].ak}`,
      loaded ? ` loaded ${loaded} desktops from examples/fleet.json` : ` example fleet already loaded; ${refreshed} of its reports renewed to their ages as of now`,
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
}

/** Serves on the configured port until SIGTERM/SIGINT, then finishes in-flight requests and exits. */
async function listenAndServe(cfg: Config, log: Logger, store: Store, secret: ServerSecret): Promise<void> {
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
    // A request in flight at the signal answers on a keep-alive connection, which is then idle
    // but open: close such connections as they become idle, or the close would wait for them.
    const idle = setInterval(() => app.server.closeIdleConnections(), 100);
    idle.unref();
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
  // A worker whose primary is gone (killed with SIGKILL) must not linger holding the port.
  if (cluster.isWorker) cluster.worker?.on('disconnect', () => void stop('primary gone'));
}
