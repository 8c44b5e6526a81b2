#!/usr/bin/env node
// The workspace-sysprep command line: serve, migrate, import, readiness and identity administration.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ServerSecretError } from './auth/server-secret.js';
import { ConfigError } from './config.js';
import { addIdentityCommands } from './cli/identity-commands.js';
import { addImportCommand } from './cli/import-command.js';
import { addKeyCommands } from './cli/key-commands.js';
import { addMigrateStoreCommand } from './cli/migrate-store-command.js';
import { addReadinessCommand } from './cli/readiness-command.js';
import { CliError, configFrom, withStore } from './cli/shared.js';
import { serve } from './cli/serve.js';
import { StoreUnavailableError } from './store/store.js';

/** The version in package.json (read at start: the CLI runs from src/ in tests and from dist/). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

const program = new Command('workspace-sysprep')
  .description("A self-hostable implementation of Huawei Cloud Workspace's Sysprep API")
  .version(packageVersion(), '-V, --version')
  .option('--config <file>', 'JSON configuration file (same names as the flags)')
  .option('--data-dir <dir>', 'data directory (SQLite file, secret key) [WKS_DATA_DIR, default ./data]')
  .option('--database-url <url>', 'PostgreSQL URL; SQLite when absent [WKS_DATABASE_URL]')
  .option('--pg-pool-size <n>', 'PostgreSQL pool size [WKS_PG_POOL_SIZE, default 10]')
  .option('--sqlite-cache-mb <n>', 'SQLite page cache per process in MiB [WKS_SQLITE_CACHE_MB, default 64]')
  .option('--pg-connect-timeout-ms <ms>', 'PostgreSQL connection wait before a 503 [WKS_PG_CONNECT_TIMEOUT_MS, default 3000]')
  .option('--pg-statement-timeout-ms <ms>', 'PostgreSQL statement limit before a 503 [WKS_PG_STATEMENT_TIMEOUT_MS, default 5000]')
  .option('--secret-key-file <file>', 'server secret [WKS_SECRET_KEY_FILE, default <data-dir>/secret.key]')
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace [WKS_LOG_LEVEL, default info]')
  .addOption(new Option('--dev', 'dev mode: well-known credentials, dev.db, example fleet [WKS_DEV]'));

program
  .command('serve')
  .description('run the API server')
  .option('--host <host>', 'address to bind [WKS_HOST, default 0.0.0.0; 127.0.0.1 with --dev]')
  .option('--port <port>', 'port [WKS_PORT, default 8080]')
  .option('--token-ttl <seconds>', 'token lifetime [WKS_TOKEN_TTL, default 86400]')
  .option('--policy-file <file>', 'verdict policy JSON, reloaded when it changes [WKS_POLICY_FILE]')
  .option('--workers <n>', 'processes sharing the port [WKS_WORKERS, default 1]')
  .option('--body-limit <bytes>', 'largest request body [WKS_BODY_LIMIT, default 1048576]')
  .option('--ak-lock-threshold <n>', 'consecutive signature mismatches that lock an AK [WKS_AK_LOCK_THRESHOLD, default 5]')
  .option('--ak-lock-seconds <s>', 'how long a locked AK is refused [WKS_AK_LOCK_SECONDS, default 300]')
  .option('--dev', 'dev mode')
  .action(async (_o: unknown, cmd: Command) => serve(configFrom(cmd)));

program
  .command('migrate')
  .description('apply pending store migrations and exit')
  // The one verb besides serve that creates a store that does not exist yet.
  .action(async (_o: unknown, cmd: Command) => withStore(cmd, async (store) => console.log(`${store.kind} store is up to date`), { mayCreate: true }));

addImportCommand(program);
addMigrateStoreCommand(program);
addReadinessCommand(program);
addIdentityCommands(program);
addKeyCommands(program);
refuseUsageErrors(program);

/** `workspace-sysprep users create`, for the hint after a usage error. */
function commandPath(cmd: Command): string {
  return cmd.parent ? `${commandPath(cmd.parent)} ${cmd.name()}` : cmd.name();
}

/**
 * A usage error (missing option or argument, unknown option or command) is a refused command
 * like any other: exit code 2, one `error:` line and a one-line hint, not the whole help.
 * `--help` and `--version` still print to stdout and exit 0.
 */
function refuseUsageErrors(cmd: Command): void {
  const hint = `(run "${commandPath(cmd)} --help" for usage)`;
  cmd.configureOutput({
    // Only the help commander prints unasked (a command group without its verb) goes through
    // writeErr: it is replaced by one line below. Help asked for goes to stdout.
    writeErr: () => {},
    // commander puts a suggestion on a second line ("(Did you mean --project?)"): keep one line.
    outputError: (message) => process.stderr.write(`${message.trimEnd().replace(/\n+/g, ' ')}\n`),
  });
  cmd.exitOverride((err) => {
    if (err.exitCode === 0) process.exit(0);
    if (err.code === 'commander.help') {
      process.stderr.write(`error: missing command: one of ${cmd.commands.map((c) => c.name()).join(', ')}\n`);
    }
    process.stderr.write(`${hint}\n`);
    process.exit(2);
  });
  for (const sub of cmd.commands) refuseUsageErrors(sub);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CliError || err instanceof ConfigError || err instanceof ServerSecretError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(2);
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    const why =
      code === 'EADDRNOTAVAIL'
        ? 'the address is not one of this machine’s); choose another with --host or WKS_HOST'
        : `${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}); choose another with --port or WKS_PORT`;
    process.stderr.write(`error: cannot listen on ${e.address ?? ''}:${e.port ?? ''} (${why}\n`);
    process.exit(2);
  }
  if (err instanceof StoreUnavailableError) {
    const cause = (err.cause as Error | undefined)?.message ?? '';
    process.stderr.write(`error: the database is unavailable${cause ? `: ${cause}` : ''}\n`);
    process.exit(1);
  }
  const name = (err as Error)?.constructor?.name;
  if (name === 'StoreConflictError') {
    process.stderr.write(`error: already exists (${(err as Error).message})\n`);
    process.exit(2);
  }
  process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
