// Drives wrk with bench/wrk/requests.lua and reads the one-line JSON summary it prints.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinned } from './processes.js';

const SCRIPT = fileURLToPath(new URL('../wrk/requests.lua', import.meta.url));

export interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers with a status ≥ 400 (wrk's own count). */
  non2xx: number;
  /** Connect, read, write errors and timeouts. */
  socketErrors: number;
}

/** Installs wrk from Debian when it is missing (DESIGN §7); false when that is impossible. */
export function ensureWrk(log: (line: string) => void): boolean {
  if (spawnSync('wrk', ['--version']).error === undefined) return true;
  log('wrk not found: installing it from Debian (apt-get update; apt-get install -y wrk)');
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit' });
  if (update.status !== 0) return false;
  const install = spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return install.status === 0 && spawnSync('wrk', ['--version']).error === undefined;
}

export function runWrk(opts: {
  port: number;
  durationS: number;
  connections: number;
  timeoutS: number;
  cpus: string | null;
  /** Arguments after `--` for requests.lua: the mode and its inputs. */
  scriptArgs: string[];
}): Promise<WrkResult> {
  const [cmd, args] = pinned(opts.cpus, 'wrk', [
    '-t1',
    `-c${opts.connections}`,
    `-d${opts.durationS}s`,
    `--timeout`,
    `${opts.timeoutS}s`,
    '-s',
    SCRIPT,
    `http://127.0.0.1:${opts.port}`,
    '--',
    ...opts.scriptArgs,
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('WRK_RESULT '));
      if (code !== 0 || !line) return reject(new Error(`wrk failed (${code}): ${err || out}`));
      const r = JSON.parse(line.slice('WRK_RESULT '.length)) as {
        requests: number;
        duration_us: number;
        errors: Record<'connect' | 'read' | 'write' | 'status' | 'timeout', number>;
        latency_us: { p50: number; p90: number; p99: number; max: number };
      };
      const e = r.errors;
      resolve({
        requests: r.requests,
        rps: r.requests / (r.duration_us / 1e6),
        p50Ms: r.latency_us.p50 / 1000,
        p90Ms: r.latency_us.p90 / 1000,
        p99Ms: r.latency_us.p99 / 1000,
        maxMs: r.latency_us.max / 1000,
        non2xx: e.status,
        socketErrors: e.connect + e.read + e.write + e.timeout,
      });
    });
  });
}
