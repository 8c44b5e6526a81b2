// The primary of `serve --workers N`: forks N workers that share the port (node:cluster), replaces
// one that crashes, and on SIGTERM/SIGINT stops them all gracefully; it exits 0 only when every
// worker did. The store was migrated and seeded before this runs, once.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/** More crashes than this within CRASH_WINDOW_MS means restarting will not help. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 60_000;

export function superviseWorkers(cfg: Config, log: Logger): Promise<void> {
  const alive = new Set<Worker>();
  const started = new WeakSet<Worker>();
  const crashes: number[] = [];
  let stopping = false;
  let failed = false;
  let announced = false;

  const fork = () => {
    const worker = cluster.fork();
    alive.add(worker);
    worker.on('listening', () => {
      started.add(worker);
      const ready = [...alive].filter((w) => started.has(w)).length;
      if (!announced && ready === cfg.workers) {
        announced = true;
        log.info({ workers: cfg.workers, host: cfg.host, port: cfg.port }, 'all workers listening');
      }
    });
  };

  const finish = () => {
    log.info({ failed }, 'stopped');
    log.flush?.();
    process.exit(failed ? 1 : 0);
  };

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason, workers: alive.size }, 'shutting down all workers');
    for (const w of alive) w.process.kill('SIGTERM');
    // Each worker has its own shutdown timeout; this only catches one that hangs past it.
    setTimeout(
      () => {
        log.error({ workers: alive.size }, 'workers did not stop in time; killing them');
        for (const w of alive) w.process.kill('SIGKILL');
        failed = true;
        finish();
      },
      (cfg.shutdownTimeout + 5) * 1000,
    ).unref();
    if (alive.size === 0) finish();
  };

  cluster.on('exit', (worker, code, signal) => {
    alive.delete(worker);
    if (stopping) {
      if (code !== 0) {
        failed = true;
        log.error({ pid: worker.process.pid, code, signal }, 'worker did not stop cleanly');
      }
      if (alive.size === 0) finish();
      return;
    }
    if (!started.has(worker)) {
      // It never listened (port taken, store unreachable): the others would fail the same way.
      failed = true;
      log.error({ pid: worker.process.pid, code, signal }, 'worker failed to start');
      stop('a worker failed to start');
      return;
    }
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && now - crashes[0] > CRASH_WINDOW_MS) crashes.shift();
    if (crashes.length > MAX_CRASHES) {
      failed = true;
      log.error({ crashes: crashes.length }, 'workers keep crashing; giving up');
      stop('workers keep crashing');
      return;
    }
    log.error({ pid: worker.process.pid, code, signal }, 'worker exited unexpectedly; starting a replacement');
    fork();
  });

  for (let i = 0; i < cfg.workers; i++) fork();
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return new Promise(() => {
    /* runs until stop() exits the process */
  });
}
