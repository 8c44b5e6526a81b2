// A private, throwaway PostgreSQL server: a temp data dir, trust auth on 127.0.0.1, a free
// port, fsync off. Used by with-postgres.mjs (the test:pg run) and by tests that need a server
// of their own to stop and restart. As root, the server runs as the `postgres` user
// (PostgreSQL refuses to run as root) and the temp dir is handed to that user.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Directory holding initdb and pg_ctl: PATH first, then the newest /usr/lib/postgresql/<v>/bin. */
export function findPgBinDir() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions.length ? join(root, versions[0], 'bin') : null;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export class PgClusterError extends Error {}

/** The uid/gid of the `postgres` user when we are root (null when not root). */
function serverOwner() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0 || gid.status !== 0) {
    throw new PgClusterError('running as root but there is no `postgres` user to run the server as (PostgreSQL refuses to run as root).');
  }
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * A fresh temp dir the server's user owns. As root, TMPDIR may lie under a directory the
 * postgres user cannot enter (e.g. /root): then /tmp is used instead.
 */
function workDir(owner, hasRunuser) {
  const make = (base) => {
    const dir = mkdtempSync(join(base, 'wks-pg-'));
    if (owner) chownSync(dir, owner.uid, owner.gid);
    return dir;
  };
  const dir = make(tmpdir());
  if (!owner) return dir;
  const probe = hasRunuser
    ? spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-w', dir, '-a', '-x', dir], { stdio: 'ignore' })
    : spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', `test -w '${dir}' -a -x '${dir}'`], { stdio: 'ignore' });
  if (probe.status === 0 || tmpdir() === '/tmp') return dir;
  rmSync(dir, { recursive: true, force: true });
  return make('/tmp');
}

/**
 * Creates (initdb) and starts a server. Returns a handle with its URL; `stop()` and `start()`
 * stop and restart it on the same port and data, `destroy()` stops it and removes everything.
 */
export async function startPgCluster(opts = {}) {
  const log = opts.log ?? (() => {});
  const binDir = opts.binDir ?? findPgBinDir();
  if (!binDir) {
    throw new PgClusterError(
      'PostgreSQL is not installed: no initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin. Install it (e.g. `apt-get install -y postgresql`) or set WKS_TEST_DATABASE_URL to an existing server.',
    );
  }
  const owner = serverOwner();
  const hasRunuser = owner !== null && spawnSync('runuser', ['--help'], { stdio: 'ignore' }).status === 0;
  const work = workDir(owner, hasRunuser);
  const dataDir = join(work, 'data');
  const logFile = join(work, 'postgres.log');

  /** Runs a PostgreSQL binary, as the postgres user when we are root. */
  const pgTool = (tool, args) => {
    const exe = join(binDir, tool);
    const quote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
    const [file, argv] = !owner
      ? [exe, args]
      : hasRunuser
        ? ['runuser', ['-u', 'postgres', '--', exe, ...args]]
        : ['su', ['postgres', '-s', '/bin/sh', '-c', [exe, ...args].map(quote).join(' ')]];
    // cwd: the postgres user may not be allowed into the caller's directory.
    return spawnSync(file, argv, { cwd: work, encoding: 'utf8' });
  };
  const failure = (msg, result) => {
    const parts = [msg];
    if (result?.stdout) parts.push(result.stdout.trim());
    if (result?.stderr) parts.push(result.stderr.trim());
    if (existsSync(logFile)) parts.push(readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n'));
    return new PgClusterError(parts.filter(Boolean).join('\n'));
  };

  let running = false;
  let port = 0;
  const pgCtlStart = () => {
    const options = `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=${opts.maxConnections ?? 300}`;
    return pgTool('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', options]);
  };

  /** Signals the postmaster and every backend it started. */
  const signalAll = (signal) => {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
    for (const p of [pid, ...children]) {
      try {
        process.kill(p, signal);
      } catch {
        /* already gone */
      }
    }
  };

  const handle = {
    binDir,
    dataDir,
    get port() {
      return port;
    },
    get url() {
      return `postgres://postgres@127.0.0.1:${port}/postgres`;
    },
    get running() {
      return running;
    },
    /** Stops the server (default `fast`: sessions are terminated, as in an operator's restart). */
    stop(mode = 'fast') {
      if (!running) return;
      const r = pgTool('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '30']);
      if (r.status !== 0) {
        log(`pg_ctl stop failed (${r.stderr?.trim() || r.status}); forcing immediate shutdown`);
        pgTool('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30']);
      }
      running = false;
    },
    /** Starts it again on the same port and data. */
    start() {
      if (running) return;
      const r = pgCtlStart();
      if (r.status !== 0) throw failure(`pg_ctl start failed on port ${port}`, r);
      running = true;
    },
    /**
     * Freezes the server and its sessions (SIGSTOP): connections are accepted by the kernel but
     * never answered, like a database host that stopped responding. `thaw()` resumes it.
     */
    freeze() {
      signalAll('SIGSTOP');
    },
    thaw() {
      signalAll('SIGCONT');
    },
    /** Stops the server and removes its data; safe to call more than once. */
    destroy() {
      try {
        if (running) {
          try {
            signalAll('SIGCONT');
          } catch {
            /* no pid file: nothing to resume */
          }
        }
        handle.stop();
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  };

  try {
    const init = pgTool('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    if (init.status !== 0) throw failure(`initdb failed (${join(binDir, 'initdb')})`, init);
    for (let attempt = 1; !running; attempt++) {
      port = await freePort();
      const r = pgCtlStart();
      if (r.status === 0) running = true;
      else if (attempt === 3) throw failure(`pg_ctl start failed on port ${port}`, r);
      else log(`pg_ctl start failed on port ${port}; retrying on another port`);
    }
  } catch (err) {
    handle.destroy();
    throw err;
  }
  return handle;
}
