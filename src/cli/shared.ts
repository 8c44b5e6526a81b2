// What every CLI command shares: configuration from the global flags, the store, errors.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SETTINGS, loadConfig, sqliteFile, type Config } from '../config.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { PROJECT_ID_PATTERN } from '../schemas/common.js';

export const PROJECT_ID_RE = new RegExp(PROJECT_ID_PATTERN);

export class CliError extends Error {}

export function fail(message: string): never {
  throw new CliError(message);
}

/** The options of the command and of every command above it (the global flags), the command's own winning. */
function flagsOf(cmd: Command): Record<string, unknown> {
  let root = cmd;
  while (root.parent) root = root.parent;
  return { ...root.opts(), ...cmd.opts() };
}

/** The global options (on the root command) merged as config. */
export function configFrom(cmd: Command): Config {
  return loadConfig(flagsOf(cmd));
}

/**
 * Whether a setting was given anywhere — a flag, its WKS_* variable or the config file — rather
 * than left to its default. Call after configFrom, which has already refused a bad config file.
 */
export function settingGiven(cmd: Command, key: keyof Config, env: NodeJS.ProcessEnv = process.env): boolean {
  const flags = flagsOf(cmd);
  if (flags[key] !== undefined || env[SETTINGS[key][0]] !== undefined) return true;
  const fileName = (flags.config as string | undefined) ?? env.WKS_CONFIG;
  if (!fileName) return false;
  const parsed = JSON.parse(readFileSync(fileName, 'utf8')) as Record<string, unknown>;
  return Object.keys(parsed).some((k) => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) === key);
}

/**
 * Runs `fn` on the configured store. Only `migrate` (and `serve`) may bring a new SQLite file
 * into being: any other verb pointed at a data dir without a store is a mistaken path, and
 * silently creating an empty store there would hide it.
 */
export async function withStore(cmd: Command, fn: (store: Store, cfg: Config) => Promise<void>, opts: { mayCreate?: boolean } = {}): Promise<void> {
  const cfg = configFrom(cmd);
  if (!cfg.databaseUrl && !opts.mayCreate && !existsSync(sqliteFile(cfg))) fail(`no store at ${sqliteFile(cfg)} (give --data-dir or --database-url)`);
  const store = await openStore(cfg);
  try {
    await store.migrate();
    await fn(store, cfg);
  } finally {
    await store.close();
  }
}

export function printTable(headers: string[], rows: string[][]) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
