// Servers under test as child processes, optionally pinned to CPUs with taskset, and what the
// kernel says about their memory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';

export const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

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

/** Prefixes a command with `taskset -c <cpus>` when pinning is possible and asked for. */
export function pinned(cpus: string | null, cmd: string, args: string[]): [string, string[]] {
  return cpus && hasTaskset ? ['taskset', ['-c', cpus, cmd, ...args]] : [cmd, args];
}

export interface ServerProcess {
  name: string;
  port: number;
  child: ChildProcess;
  /** Peak resident set (VmHWM) of the process and all its descendants, in KiB. */
  peakRssKib(): number;
  /** CPU time (user + system) the process and its live descendants used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<number | null>;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  const taskDir = `/proc/${pid}/task`;
  if (!existsSync(taskDir)) return out;
  for (const t of readdirSync(taskDir)) {
    try {
      for (const c of readFileSync(`${taskDir}/${t}/children`, 'utf8').split(/\s+/)) if (c) out.push(Number(c));
    } catch {
      /* the task ended meanwhile */
    }
  }
  return out;
}

const CLOCK_TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

function cpuMsOf(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** The process and its descendants, depth first. */
function treeOf(pid: number, seen = new Set<number>()): number[] {
  if (seen.has(pid)) return [];
  seen.add(pid);
  return [pid, ...childrenOf(pid).flatMap((c) => treeOf(c, seen))];
}

function vmHwmKib(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export async function startServer(opts: {
  name: string;
  port: number;
  command: string;
  args: string[];
  cpus: string | null;
  logFile: string;
  env?: Record<string, string>;
  readyPath?: string;
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const [cmd, args] = pinned(opts.cpus, opts.command, opts.args);
  const log = createWriteStream(opts.logFile);
  const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const url = `http://127.0.0.1:${opts.port}${opts.readyPath ?? '/healthz'}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${opts.name} exited early with ${child.exitCode}; see ${opts.logFile}`);
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${opts.name} did not become ready; see ${opts.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: opts.name,
    port: opts.port,
    child,
    peakRssKib() {
      return child.pid ? treeOf(child.pid).reduce((sum, pid) => sum + vmHwmKib(pid), 0) : 0;
    },
    cpuMs() {
      return child.pid ? treeOf(child.pid).reduce((sum, pid) => sum + cpuMsOf(pid), 0) : 0;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
