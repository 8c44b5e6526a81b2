// Typed configuration from defaults < config file < WKS_* environment < flags. Nothing here
// runs at import time: main.ts calls loadConfig with what commander parsed.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | null;
  pgPoolSize: number;
  /** SQLite page cache per process, in MiB (SQLite's own default is 2). */
  sqliteCacheMb: number;
  /** PostgreSQL: how long to wait for a connection, and the per-statement limit (ms); beyond them requests get 503. */
  pgConnectTimeoutMs: number;
  pgStatementTimeoutMs: number;
  secretKeyFile: string;
  tokenTtl: number;
  policyFile: string | null;
  workers: number;
  logLevel: string;
  dev: boolean;
  /** Largest accepted request body in bytes (413 beyond). */
  bodyLimit: number;
  /** Consecutive signature mismatches that lock an AK, and for how long. */
  akLockThreshold: number;
  akLockSeconds: number;
  /** Seconds SIGTERM waits for in-flight requests before closing anyway. */
  shutdownTimeout: number;
  /** Seconds a client has to send a whole request (headers and body) before a 408. */
  requestTimeout: number;
  /** Base URL clients reach this service at (behind a load balancer); the token catalog lists it. Null: from the request's Host. */
  publicUrl: string | null;
}

/** Setting name → [environment variable, kind]. Flags use the kebab-case of the name. */
type Kind = 'string' | 'int' | 'bool' | 'nullable' | 'level';

export const SETTINGS: Record<keyof Config, [string, Kind]> = {
  host: ['WKS_HOST', 'string'],
  port: ['WKS_PORT', 'int'],
  dataDir: ['WKS_DATA_DIR', 'string'],
  databaseUrl: ['WKS_DATABASE_URL', 'nullable'],
  pgPoolSize: ['WKS_PG_POOL_SIZE', 'int'],
  sqliteCacheMb: ['WKS_SQLITE_CACHE_MB', 'int'],
  pgConnectTimeoutMs: ['WKS_PG_CONNECT_TIMEOUT_MS', 'int'],
  pgStatementTimeoutMs: ['WKS_PG_STATEMENT_TIMEOUT_MS', 'int'],
  secretKeyFile: ['WKS_SECRET_KEY_FILE', 'string'],
  tokenTtl: ['WKS_TOKEN_TTL', 'int'],
  policyFile: ['WKS_POLICY_FILE', 'nullable'],
  workers: ['WKS_WORKERS', 'int'],
  logLevel: ['WKS_LOG_LEVEL', 'level'],
  dev: ['WKS_DEV', 'bool'],
  bodyLimit: ['WKS_BODY_LIMIT', 'int'],
  akLockThreshold: ['WKS_AK_LOCK_THRESHOLD', 'int'],
  akLockSeconds: ['WKS_AK_LOCK_SECONDS', 'int'],
  shutdownTimeout: ['WKS_SHUTDOWN_TIMEOUT', 'int'],
  requestTimeout: ['WKS_REQUEST_TIMEOUT', 'int'],
  publicUrl: ['WKS_PUBLIC_URL', 'nullable'],
};

const DEFAULTS: Omit<Config, 'secretKeyFile'> & { secretKeyFile: string | null } = {
  host: '0.0.0.0',
  port: 8080,
  dataDir: './data',
  databaseUrl: null,
  pgPoolSize: 10,
  sqliteCacheMb: 64,
  pgConnectTimeoutMs: 3000,
  pgStatementTimeoutMs: 5000,
  secretKeyFile: null,
  tokenTtl: 86400,
  policyFile: null,
  workers: 1,
  logLevel: 'info',
  dev: false,
  bodyLimit: 1024 * 1024,
  akLockThreshold: 5,
  akLockSeconds: 300,
  shutdownTimeout: 10,
  requestTimeout: 60,
  publicUrl: null,
};

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `json`: the value comes from the config file, where a number or a boolean must be one, not text. */
function coerce(name: string, kind: Kind, v: unknown, json = false): unknown {
  if (json && kind === 'int' && typeof v !== 'number') throw new ConfigError(`${name} must be a JSON number, got ${JSON.stringify(v)}`);
  if (json && kind === 'bool' && typeof v !== 'boolean') throw new ConfigError(`${name} must be true or false (JSON booleans), got ${JSON.stringify(v)}`);
  if (kind === 'int') {
    const n = typeof v === 'number' ? v : /^\d+$/.test(String(v).trim()) ? Number(String(v).trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
    return n;
  }
  if (kind === 'bool') {
    if (typeof v === 'boolean') return v;
    const s = String(v).toLowerCase();
    if (['1', 'true', 'yes'].includes(s)) return true;
    if (['0', 'false', 'no', ''].includes(s)) return false;
    throw new ConfigError(`${name} must be true or false (also yes/no, 1/0), got ${JSON.stringify(v)}`);
  }
  if (kind === 'level') {
    if (typeof v !== 'string' || !LOG_LEVELS.includes(v)) throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(v)}`);
    return v;
  }
  if (kind === 'nullable' && (v === null || v === '')) return null;
  // A number or an object where a text is meant is a mistake in the file, not a value.
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${name} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * `flags` are commander's parsed options (camelCase, undefined when not given); `configFile`
 * is a JSON file using the same names, camelCase or kebab-case.
 */
export function loadConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env, configFile?: string): Config {
  const merged: Record<string, unknown> = { ...DEFAULTS };
  let hostGiven = flags.host !== undefined || env.WKS_HOST !== undefined;
  const fileName = configFile ?? (flags.config as string | undefined) ?? env.WKS_CONFIG;
  if (fileName) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(fileName, 'utf8'));
    } catch (err) {
      throw new ConfigError(`cannot read config file ${fileName}: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${fileName} must hold a JSON object`);
    for (const [k, v] of Object.entries(parsed)) {
      const key = k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof Config;
      if (!Object.hasOwn(SETTINGS, key)) throw new ConfigError(`config file ${fileName}: unknown setting "${k}"`);
      merged[key] = coerce(`config file ${fileName}: ${k}`, SETTINGS[key][1], v, true);
      if (key === 'host') hostGiven = true;
    }
  }
  for (const [key, [envName, kind]] of Object.entries(SETTINGS)) {
    if (env[envName] !== undefined) merged[key] = coerce(envName, kind, env[envName]);
    const flag = flags[key];
    if (flag !== undefined) merged[key] = coerce('--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()), kind, flag);
  }
  const cfg = merged as unknown as Config;
  if (cfg.port > 65535) throw new ConfigError('port must be at most 65535');
  if (cfg.dev && !hostGiven) cfg.host = '127.0.0.1';
  cfg.dataDir = resolve(cfg.dataDir);
  cfg.secretKeyFile = resolve((merged.secretKeyFile as string | null) ?? join(cfg.dataDir, 'secret.key'));
  if (cfg.policyFile) cfg.policyFile = resolve(cfg.policyFile);
  if (cfg.publicUrl !== null && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(cfg.publicUrl)) throw new ConfigError(`public url must be an http(s) URL without query, got ${JSON.stringify(cfg.publicUrl)}`);
  if (cfg.workers < 1) throw new ConfigError('workers must be at least 1');
  if (cfg.pgPoolSize < 1) throw new ConfigError('pg pool size must be at least 1');
  if (cfg.pgConnectTimeoutMs < 1 || cfg.pgStatementTimeoutMs < 1) throw new ConfigError('pg timeouts must be at least 1 ms');
  if (cfg.tokenTtl < 60) throw new ConfigError('token ttl must be at least 60 seconds');
  if (cfg.akLockThreshold < 1) throw new ConfigError('ak lock threshold must be at least 1');
  return cfg;
}

export function sqliteFile(cfg: Config): string {
  return join(cfg.dataDir, cfg.dev ? 'dev.db' : 'workspace.db');
}
