// What every CLI command shares: configuration from the global flags, the store, errors.
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { PROJECT_ID_PATTERN } from '../schemas/common.js';

export const PROJECT_ID_RE = new RegExp(PROJECT_ID_PATTERN);

export class CliError extends Error {}

export function fail(message: string): never {
  throw new CliError(message);
}

/** The global options (on the root command) merged as config. */
export function configFrom(cmd: Command): Config {
  let root = cmd;
  while (root.parent) root = root.parent;
  return loadConfig({ ...root.opts(), ...cmd.opts() });
}

export async function withStore(cmd: Command, fn: (store: Store, cfg: Config) => Promise<void>): Promise<void> {
  const cfg = configFrom(cmd);
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
