// Starts the real server as a child process (the CLI, from source via tsx) on a free port.
// When WKS_TEST_DATABASE_URL is set, each server gets a fresh PostgreSQL database of its own
// (dropped when it stops) unless the caller passes one to share.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  base: string;
  dataDir: string;
  /** The PostgreSQL URL it runs on, or null for SQLite. */
  databaseUrl: string | null;
  /** Global CLI flags that make a CLI command work on this server's store (data dir, database URL). */
  storeArgs: string[];
  output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts a CLI command; `done` resolves when it exits (for tests that signal it meanwhile). */
export function spawnCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli(args, env).done;
}

export interface StartOptions {
  dataDir?: string;
  env?: Record<string, string>;
  /** A PostgreSQL URL to run on (not dropped at stop); null forces SQLite. Default: see above. */
  databaseUrl?: string | null;
}

export async function startServer(args: string[] = ['--dev'], opts: StartOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'wks-e2e-'));
  let databaseUrl = opts.databaseUrl ?? null;
  let dropDatabase: (() => Promise<void>) | undefined;
  if (opts.databaseUrl === undefined && process.env.WKS_TEST_DATABASE_URL) {
    const { createTestDatabase } = await import('./pg-store.js');
    const db = await createTestDatabase(process.env.WKS_TEST_DATABASE_URL, 'wks_e2e');
    databaseUrl = db.url;
    dropDatabase = db.drop;
  }
  const storeArgs = ['--data-dir', dataDir, ...(databaseUrl ? ['--database-url', databaseUrl] : [])];
  return spawnServer([...storeArgs, 'serve', '--port', String(port), ...args], { port, dataDir, env: opts.env, databaseUrl, storeArgs, afterExit: dropDatabase });
}

export interface SpawnOptions {
  port: number;
  dataDir: string;
  env?: Record<string, string>;
  /** What the returned ServerProcess reports about its store (argv already says it). */
  databaseUrl?: string | null;
  storeArgs?: string[];
  /** Runs once the process has exited (dropping its test database). */
  afterExit?: () => Promise<void>;
}

/**
 * Runs the CLI with exactly `argv` (the caller decides where the port comes from: a flag, the
 * environment or a config file) and waits until /healthz answers on `port`.
 */
export async function spawnServer(argv: string[], opts: SpawnOptions): Promise<ServerProcess> {
  const { port, dataDir } = opts;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), ...argv], {
    cwd: ROOT,
    env: { ...process.env, WKS_LOG_LEVEL: 'warn', ...opts.env },
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))).then(async (code) => {
    await opts.afterExit?.().catch(() => {}); // the test's own assertions matter more than cleanup
    return code;
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await exited;
      throw new Error(`server exited early (${child.exitCode}):\n${out}`);
    }
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`server did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    port,
    base,
    dataDir,
    databaseUrl: opts.databaseUrl ?? null,
    storeArgs: opts.storeArgs ?? ['--data-dir', dataDir],
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * Calls `probe` until `done` holds for its answer or `timeoutMs` has passed, and returns the last
 * answer: the caller asserts on it, so a change that never lands fails with the real answer.
 */
export async function pollUntil<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 2000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v) || Date.now() >= deadline) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
