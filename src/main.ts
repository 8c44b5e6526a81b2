#!/usr/bin/env node
// The workspace-sysprep command line: serve, migrate, import, readiness and identity administration.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
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
  .showHelpAfterError()
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
  .action(async (_o: unknown, cmd: Command) => withStore(cmd, async (store) => console.log(`${store.kind} store is up to date`)));

addImportCommand(program);
addMigrateStoreCommand(program);
addReadinessCommand(program);
addIdentityCommands(program);
addKeyCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CliError || err instanceof ConfigError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(2);
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    process.stderr.write(`error: cannot listen on ${e.address ?? ''}:${e.port ?? ''} (${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}); choose another with --port or WKS_PORT\n`);
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
