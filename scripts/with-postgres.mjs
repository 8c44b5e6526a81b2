#!/usr/bin/env node
// Runs a command against a throwaway PostgreSQL: `node scripts/with-postgres.mjs npm test`.
// When WKS_TEST_DATABASE_URL is already set, the command just runs against that database.
// Otherwise this starts a private server (temp data dir, trust auth on 127.0.0.1, a free port,
// fsync off), exports WKS_TEST_DATABASE_URL for the command, and always stops the server and
// removes the data dir afterwards, exiting with the command's exit code. As root, the server
// runs as the `postgres` user (PostgreSQL refuses to run as root).
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const log = (msg) => process.stderr.write(`with-postgres: ${msg}\n`);

const command = process.argv.slice(2);
if (command.length === 0) {
  log('usage: node scripts/with-postgres.mjs <command> [args...]');
  process.exit(2);
}

/** Runs the command with `env`, resolving to its exit code (128 + signal number when killed). */
function runCommand(env) {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env });
    // Ctrl-C reaches the child through the terminal's process group; a signal sent to us alone
    // is passed on. Either way we wait for the child, then clean up.
    const forward = (sig) => child.kill(sig);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, forward);
    child.on('error', (err) => {
      log(`cannot run ${command[0]}: ${err.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(sig, forward);
      resolve(code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  });
}

if (process.env.WKS_TEST_DATABASE_URL) {
  process.exit(await runCommand(process.env));
}

/** Directory holding initdb and pg_ctl: PATH first, then the newest /usr/lib/postgresql/<v>/bin. */
function findBinDir() {
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

function freePort() {
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

const binDir = findBinDir();
if (!binDir) {
  log('PostgreSQL is not installed: no initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin.');
  log('Install it (e.g. `apt-get install -y postgresql`) or set WKS_TEST_DATABASE_URL to an existing server.');
  process.exit(1);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
let owner = null;
if (isRoot) {
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0 || gid.status !== 0) {
    log('running as root but there is no `postgres` user to run the server as (PostgreSQL refuses to run as root).');
    process.exit(1);
  }
  owner = { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
const hasRunuser = isRoot && spawnSync('runuser', ['--help'], { stdio: 'ignore' }).status === 0;

const work = mkdtempSync(join(tmpdir(), 'wks-pg-'));
const dataDir = join(work, 'data');
const logFile = join(work, 'postgres.log');
if (owner) chownSync(work, owner.uid, owner.gid);

/** Runs a PostgreSQL binary, as the postgres user when we are root. */
function pgTool(tool, args, opts = {}) {
  const exe = join(binDir, tool);
  const quote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
  const [file, argv] = !isRoot
    ? [exe, args]
    : hasRunuser
      ? ['runuser', ['-u', 'postgres', '--', exe, ...args]]
      : ['su', ['postgres', '-s', '/bin/sh', '-c', [exe, ...args].map(quote).join(' ')]];
  // cwd: the postgres user may not be allowed into the caller's directory.
  return spawnSync(file, argv, { cwd: work, encoding: 'utf8', ...opts });
}

let started = false;
let cleanedUp = false;
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  if (started) {
    const stop = pgTool('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']);
    if (stop.status !== 0) {
      log(`pg_ctl stop failed (${stop.stderr?.trim() || stop.status}); forcing immediate shutdown`);
      pgTool('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30']);
    }
  }
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
// Signals before or while the server starts: clean up and leave with the usual code.
const early = (sig) => {
  cleanup();
  process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
};
process.on('SIGINT', early);
process.on('SIGTERM', early);

function fail(msg, result) {
  log(msg);
  if (result?.stdout) process.stderr.write(result.stdout);
  if (result?.stderr) process.stderr.write(result.stderr);
  if (existsSync(logFile)) process.stderr.write(readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') + '\n');
  cleanup();
  process.exit(1);
}

const init = pgTool('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
if (init.status !== 0) fail(`initdb failed (${join(binDir, 'initdb')})`, init);

let port = 0;
for (let attempt = 1; attempt <= 3 && !started; attempt++) {
  port = await freePort();
  const opts = `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  const start = pgTool('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', opts]);
  if (start.status === 0) started = true;
  else if (attempt === 3) fail(`pg_ctl start failed on port ${port}`, start);
  else log(`pg_ctl start failed on port ${port}; retrying on another port`);
}

process.off('SIGINT', early);
process.off('SIGTERM', early);
const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
log(`PostgreSQL (${binDir}) running at ${url}`);
const code = await runCommand({ ...process.env, WKS_TEST_DATABASE_URL: url });
cleanup();
process.exit(code);
