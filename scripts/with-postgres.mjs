#!/usr/bin/env node
// Runs a command against a throwaway PostgreSQL: `node scripts/with-postgres.mjs npm test`.
// When WKS_TEST_DATABASE_URL is already set, the command just runs against that database.
// Otherwise this starts a private server (pg-cluster.mjs), exports WKS_TEST_DATABASE_URL for
// the command, and always stops the server and removes its data afterwards, exiting with the
// command's exit code.
import { spawn } from 'node:child_process';
import { PgClusterError, startPgCluster } from './pg-cluster.mjs';

const log = (msg) => process.stderr.write(`with-postgres: ${msg}\n`);

const command = process.argv.slice(2);
if (command.length === 0) {
  log('usage: node scripts/with-postgres.mjs <command> [args...]');
  process.exit(2);
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const signalCode = (sig) => 128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1);

/** Runs the command with `env`, resolving to its exit code (128 + signal number when killed). */
function runCommand(env) {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env });
    // Ctrl-C reaches the child through the terminal's process group; a signal sent to us alone
    // is passed on. Either way we wait for the child, then clean up.
    const forward = (sig) => child.kill(sig);
    for (const sig of SIGNALS) process.on(sig, forward);
    child.on('error', (err) => {
      log(`cannot run ${command[0]}: ${err.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      for (const sig of SIGNALS) process.off(sig, forward);
      resolve(code ?? signalCode(signal));
    });
  });
}

if (process.env.WKS_TEST_DATABASE_URL) {
  process.exit(await runCommand(process.env));
}

let cluster = null;
let aborted = null;
const cleanup = () => {
  const c = cluster;
  cluster = null;
  c?.destroy();
};
process.on('exit', cleanup);
// A signal while the server starts: remember it, clean up once startPgCluster returns.
const early = (sig) => (aborted = sig);
for (const sig of SIGNALS) process.on(sig, early);

try {
  cluster = await startPgCluster({ log });
} catch (err) {
  log(err instanceof PgClusterError ? err.message : String(err?.stack ?? err));
  process.exit(1);
}
for (const sig of SIGNALS) process.off(sig, early);
if (aborted) {
  cleanup();
  process.exit(signalCode(aborted));
}

log(`PostgreSQL (${cluster.binDir}) running at ${cluster.url}`);
const code = await runCommand({ ...process.env, WKS_TEST_DATABASE_URL: cluster.url });
cleanup();
log(code === 0 ? 'stopped PostgreSQL' : `stopped PostgreSQL; the command exited with ${code}`);
process.exit(code);
