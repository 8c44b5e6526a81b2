// loadConfig (DESIGN §6, docs/operations.md): flags > WKS_* environment > --config file >
// defaults; kebab-case and camelCase names in the file; anything wrong stops the start with a
// ConfigError that names the setting.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, sqliteFile } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'wks-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
function configFile(content: unknown): string {
  const file = join(dir, `config-${++seq}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('are those of docs/operations.md', () => {
    expect(loadConfig({}, {})).toEqual({
      host: '0.0.0.0',
      port: 8080,
      dataDir: resolve('./data'),
      databaseUrl: null,
      pgPoolSize: 10,
      sqliteCacheMb: 64,
      pgConnectTimeoutMs: 3000,
      pgStatementTimeoutMs: 5000,
      secretKeyFile: resolve('./data/secret.key'),
      tokenTtl: 86400,
      policyFile: null,
      workers: 1,
      logLevel: 'info',
      dev: false,
      bodyLimit: 1048576,
      akLockThreshold: 5,
      akLockSeconds: 300,
      shutdownTimeout: 10,
      requestTimeout: 60,
      publicUrl: null,
    });
  });

  it('the secret key file follows the data dir unless given; the SQLite file is workspace.db, or dev.db in dev mode', () => {
    const cfg = loadConfig({ dataDir: '/srv/wks' }, {});
    expect(cfg.secretKeyFile).toBe('/srv/wks/secret.key');
    expect(sqliteFile(cfg)).toBe('/srv/wks/workspace.db');
    expect(sqliteFile(loadConfig({ dataDir: '/srv/wks', dev: true }, {}))).toBe('/srv/wks/dev.db');
    expect(loadConfig({ dataDir: '/srv/wks', secretKeyFile: '/etc/wks/secret.key' }, {}).secretKeyFile).toBe('/etc/wks/secret.key');
  });
});

describe('precedence: flags > environment > file > defaults', () => {
  const file = () => configFile({ port: 7001, host: '10.0.0.1', 'token-ttl': 600, logLevel: 'debug' });

  it('the file overrides the defaults', () => {
    expect(loadConfig({ config: file() }, {})).toMatchObject({ port: 7001, host: '10.0.0.1', tokenTtl: 600, logLevel: 'debug', workers: 1 });
  });

  it('the environment overrides the file', () => {
    expect(loadConfig({ config: file() }, { WKS_PORT: '7002', WKS_LOG_LEVEL: 'warn' })).toMatchObject({ port: 7002, host: '10.0.0.1', tokenTtl: 600, logLevel: 'warn' });
  });

  it('flags override the environment and the file', () => {
    expect(loadConfig({ config: file(), port: '7003', host: '10.0.0.3' }, { WKS_PORT: '7002', WKS_HOST: '10.0.0.2' })).toMatchObject({ port: 7003, host: '10.0.0.3', tokenTtl: 600 });
  });

  it('WKS_CONFIG names the file when --config is not given; --config wins over it', () => {
    const other = configFile({ port: 7100 });
    expect(loadConfig({}, { WKS_CONFIG: other }).port).toBe(7100);
    expect(loadConfig({ config: file() }, { WKS_CONFIG: other }).port).toBe(7001);
  });

  it('every setting of DESIGN §6 has its WKS_* variable', () => {
    const cfg = loadConfig(
      {},
      {
        WKS_HOST: '127.0.0.2',
        WKS_PORT: '9000',
        WKS_DATA_DIR: '/var/lib/wks',
        WKS_DATABASE_URL: 'postgres://u@db:5432/wks',
        WKS_PG_POOL_SIZE: '20',
        WKS_SQLITE_CACHE_MB: '256',
        WKS_PG_CONNECT_TIMEOUT_MS: '1500',
        WKS_PG_STATEMENT_TIMEOUT_MS: '8000',
        WKS_SECRET_KEY_FILE: '/etc/wks.key',
        WKS_TOKEN_TTL: '3600',
        WKS_POLICY_FILE: '/etc/wks-policy.json',
        WKS_WORKERS: '4',
        WKS_LOG_LEVEL: 'trace',
        WKS_DEV: 'true',
        WKS_BODY_LIMIT: '2048',
        WKS_AK_LOCK_THRESHOLD: '3',
        WKS_AK_LOCK_SECONDS: '60',
        WKS_SHUTDOWN_TIMEOUT: '5',
        WKS_REQUEST_TIMEOUT: '30',
        WKS_PUBLIC_URL: 'https://workspace.example.com',
      },
    );
    expect(cfg).toEqual({
      host: '127.0.0.2',
      port: 9000,
      dataDir: '/var/lib/wks',
      databaseUrl: 'postgres://u@db:5432/wks',
      pgPoolSize: 20,
      sqliteCacheMb: 256,
      pgConnectTimeoutMs: 1500,
      pgStatementTimeoutMs: 8000,
      secretKeyFile: '/etc/wks.key',
      tokenTtl: 3600,
      policyFile: '/etc/wks-policy.json',
      workers: 4,
      logLevel: 'trace',
      dev: true,
      bodyLimit: 2048,
      akLockThreshold: 3,
      akLockSeconds: 60,
      shutdownTimeout: 5,
      requestTimeout: 30,
      publicUrl: 'https://workspace.example.com',
    });
  });

  it('flags arrive as commander gives them (strings, camelCase) and are coerced', () => {
    expect(loadConfig({ port: '8443', pgPoolSize: '3', pgConnectTimeoutMs: '250', tokenTtl: '120', workers: '2', bodyLimit: '10', dev: true }, {})).toMatchObject({
      port: 8443,
      pgPoolSize: 3,
      pgConnectTimeoutMs: 250,
      tokenTtl: 120,
      workers: 2,
      bodyLimit: 10,
      dev: true,
    });
  });
});

describe('the config file', () => {
  it('takes kebab-case and camelCase names alike', () => {
    const cfg = loadConfig(
      {
        config: configFile({
          'data-dir': '/srv/a',
          databaseUrl: 'postgres://db/wks',
          'pg-pool-size': 7,
          secretKeyFile: '/srv/secret',
          'policy-file': '/srv/policy.json',
          'ak-lock-threshold': 9,
          akLockSeconds: 30,
          'shutdown-timeout': 2,
          'body-limit': 4096,
          dev: false,
        }),
      },
      {},
    );
    expect(cfg).toMatchObject({
      dataDir: '/srv/a',
      databaseUrl: 'postgres://db/wks',
      pgPoolSize: 7,
      secretKeyFile: '/srv/secret',
      policyFile: '/srv/policy.json',
      akLockThreshold: 9,
      akLockSeconds: 30,
      shutdownTimeout: 2,
      bodyLimit: 4096,
      dev: false,
    });
  });

  it('null or "" for the database URL means SQLite', () => {
    expect(loadConfig({ config: configFile({ 'database-url': null }) }, {}).databaseUrl).toBeNull();
    expect(loadConfig({ config: configFile({ databaseUrl: '' }) }, {}).databaseUrl).toBeNull();
  });

  it('an unknown name → ConfigError naming it and the file', () => {
    const file = configFile({ port: 1, prot: 2 });
    expect(configError(() => loadConfig({ config: file }, {}))).toBe(`config file ${file}: unknown setting "prot"`);
  });

  it('a name that only exists on Object.prototype is unknown too', () => {
    const file = configFile('{"toString": "x"}');
    expect(configError(() => loadConfig({ config: file }, {}))).toBe(`config file ${file}: unknown setting "toString"`);
  });

  it('a file that is not JSON, not an object, or missing → ConfigError naming the file', () => {
    const broken = configFile('{"port": ');
    expect(configError(() => loadConfig({ config: broken }, {}))).toMatch(new RegExp(`^cannot read config file ${broken}: `));
    const array = configFile([]);
    expect(configError(() => loadConfig({ config: array }, {}))).toBe(`config file ${array} must hold a JSON object`);
    const missing = join(dir, 'missing.json');
    expect(configError(() => loadConfig({ config: missing }, {}))).toMatch(new RegExp(`^cannot read config file ${missing}: ENOENT`));
  });
});

describe('bad values → ConfigError naming the setting where it came from', () => {
  it.each([
    ['a port that is not a number (flag)', { port: 'http' }, {}, '--port must be a non-negative integer, got "http"'],
    ['a negative port (env)', {}, { WKS_PORT: '-1' }, 'WKS_PORT must be a non-negative integer, got "-1"'],
    ['a port above 65535', { port: '70000' }, {}, 'port must be at most 65535'],
    ['a fractional pool size (env)', {}, { WKS_PG_POOL_SIZE: '2.5' }, 'WKS_PG_POOL_SIZE must be a non-negative integer, got "2.5"'],
    ['a pool size of 0', { pgPoolSize: '0' }, {}, 'pg pool size must be at least 1'],
    ['a pg connect timeout of 0 (env)', {}, { WKS_PG_CONNECT_TIMEOUT_MS: '0' }, 'pg timeouts must be at least 1 ms'],
    ['a pg statement timeout of 0', { pgStatementTimeoutMs: '0' }, {}, 'pg timeouts must be at least 1 ms'],
    ['0 workers', {}, { WKS_WORKERS: '0' }, 'workers must be at least 1'],
    ['a token ttl under a minute', { tokenTtl: '59' }, {}, 'token ttl must be at least 60 seconds'],
    ['a dev flag that is not a boolean (env)', {}, { WKS_DEV: 'maybe' }, 'WKS_DEV must be true or false (also yes/no, 1/0), got "maybe"'],
    ['an unknown log level (env)', {}, { WKS_LOG_LEVEL: 'verbose' }, 'WKS_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    ['an empty host (env)', {}, { WKS_HOST: '' }, 'WKS_HOST must be a non-empty string, got ""'],
    ['an empty data dir (flag)', { dataDir: '' }, {}, '--data-dir must be a non-empty string, got ""'],
    ['an unknown log level (flag)', { logLevel: 'loud' }, {}, '--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
  ] as [string, Record<string, unknown>, NodeJS.ProcessEnv, string][])('%s', (_name, flags, env, message) => {
    expect(configError(() => loadConfig(flags, env))).toBe(message);
  });

  it.each([
    ['a port given as text', { port: '8080x' }, 'port must be a JSON number, got "8080x"'],
    ['a port given as digits in a string', { port: '18181' }, 'port must be a JSON number, got "18181"'],
    ['a port with a fraction', { port: 80.5 }, 'port must be a non-negative integer, got 80.5'],
    ['a host given as a number', { host: 127 }, 'host must be a non-empty string, got 127'],
    ['a data dir given as an object', { 'data-dir': { path: '/srv' } }, 'data-dir must be a non-empty string, got {"path":"/srv"}'],
    ['a secret key file given as null', { secretKeyFile: null }, 'secretKeyFile must be a non-empty string, got null'],
    ['dev given as a number', { dev: 2 }, 'dev must be true or false (JSON booleans), got 2'],
    ['dev given as text', { dev: 'yes' }, 'dev must be true or false (JSON booleans), got "yes"'],
    ['an unknown log level', { 'log-level': 'loud' }, 'log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
  ] as [string, Record<string, unknown>, string][])('in the file: %s', (_name, content, message) => {
    const file = configFile(content);
    expect(configError(() => loadConfig({ config: file }, {}))).toBe(`config file ${file}: ${message}`);
  });
});

describe('dev mode binds 127.0.0.1 unless a host is given', () => {
  it('by --dev, WKS_DEV or the file, without a host → 127.0.0.1', () => {
    expect(loadConfig({ dev: true }, {}).host).toBe('127.0.0.1');
    expect(loadConfig({}, { WKS_DEV: '1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ config: configFile({ dev: true }) }, {}).host).toBe('127.0.0.1');
  });

  it('a host from a flag, the environment or the file is kept', () => {
    expect(loadConfig({ dev: true, host: '0.0.0.0' }, {}).host).toBe('0.0.0.0');
    expect(loadConfig({ dev: true }, { WKS_HOST: '::' }).host).toBe('::');
    expect(loadConfig({ config: configFile({ dev: true, host: '192.0.2.10' }) }, {}).host).toBe('192.0.2.10');
  });

  it('outside dev mode the default is every interface', () => {
    expect(loadConfig({}, { WKS_DEV: 'false' }).host).toBe('0.0.0.0');
  });
});

describe('public url', () => {
  it('must be an http(s) URL without query', () => {
    expect(loadConfig({ publicUrl: 'https://wks.example.com/api' }, {}).publicUrl).toBe('https://wks.example.com/api');
    for (const bad of ['wks.example.com', 'ftp://wks', 'https://wks.example.com/?a=1', 'https://']) {
      expect(() => loadConfig({ publicUrl: bad }, {})).toThrow(ConfigError);
    }
  });
});
