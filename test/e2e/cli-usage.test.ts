// The CLI as a real process, before any store work: usage errors are refused like any other
// command (exit 2, one `error:` line and a one-line hint, docs/operations.md), `--help` and
// `--version` still exit 0, and no verb but `migrate` (and `serve`) creates a store where
// there is none: a mistyped data dir is an error, not a fresh empty store.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FLEET_FILE } from '../helpers/app.js';
import { runCli } from '../helpers/server-process.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

const dirs: string[] = [];
function emptyDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wks-cli-usage-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('usage errors: exit 2, one error line and a hint, nothing created', () => {
  const cases: { name: string; args: string[]; stderr: string }[] = [
    {
      name: 'a missing argument',
      args: ['import'],
      stderr: `error: missing required argument 'fleet.json'\n(run "workspace-sysprep import --help" for usage)\n`,
    },
    {
      name: 'a missing required option',
      args: ['readiness'],
      stderr: `error: required option '--project <id>' not specified\n(run "workspace-sysprep readiness --help" for usage)\n`,
    },
    {
      name: 'a missing required option of a nested verb',
      args: ['users', 'grant', '--name', 'alice', '--project', PROJECT],
      stderr: `error: required option '--role <role>' not specified\n(run "workspace-sysprep users grant --help" for usage)\n`,
    },
    {
      name: 'an unknown option',
      args: ['users', 'create', '--name', 'alice', '--bogus'],
      stderr: `error: unknown option '--bogus'\n(run "workspace-sysprep users create --help" for usage)\n`,
    },
    {
      name: 'an unknown option close to a known one: the suggestion stays on the error line',
      args: ['import', FLEET_FILE, '--projct', PROJECT],
      stderr: `error: unknown option '--projct' (Did you mean --project?)\n(run "workspace-sysprep import --help" for usage)\n`,
    },
    {
      name: 'an unknown global option',
      args: ['--data-directory', '/tmp', 'projects', 'list'],
      stderr: `error: unknown option '--data-directory'\n(run "workspace-sysprep --help" for usage)\n`,
    },
    {
      name: 'an option without its value',
      args: ['users', 'list', '--domain'],
      stderr: `error: option '--domain <account>' argument missing\n(run "workspace-sysprep users list --help" for usage)\n`,
    },
    {
      name: 'too many arguments',
      args: ['import', FLEET_FILE, 'other.json'],
      stderr: `error: too many arguments for 'import'. Expected 1 argument but got 2.\n(run "workspace-sysprep import --help" for usage)\n`,
    },
    {
      name: 'an unknown command',
      args: ['serv'],
      stderr: `error: unknown command 'serv' (Did you mean serve?)\n(run "workspace-sysprep --help" for usage)\n`,
    },
    {
      name: 'an unknown verb of a command group',
      args: ['keys', 'rotate'],
      stderr: `error: unknown command 'rotate' (Did you mean create?)\n(run "workspace-sysprep keys --help" for usage)\n`,
    },
    {
      name: 'no command at all',
      args: [],
      stderr: `error: missing command: one of serve, migrate, import, migrate-store, readiness, projects, users, keys\n(run "workspace-sysprep --help" for usage)\n`,
    },
    {
      name: 'a command group without its verb',
      args: ['users'],
      stderr: `error: missing command: one of create, passwd, disable, enable, grant, revoke, list\n(run "workspace-sysprep users --help" for usage)\n`,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const dir = emptyDir();
      const r = await runCli(['--data-dir', join(dir, 'data'), ...c.args]);
      expect(r.stderr).toBe(c.stderr);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(2);
      expect(readdirSync(dir)).toEqual([]);
    });
  }
});

describe('--help and --version exit 0 on stdout', () => {
  it('--version prints the version', async () => {
    const r = await runCli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('--help prints the usage of the program, of a group and of a verb', async () => {
    for (const [args, usage] of [
      [['--help'], 'Usage: workspace-sysprep [options] [command]\n'],
      [['users', '--help'], 'Usage: workspace-sysprep users [options] [command]\n'],
      [['import', '--help'], 'Usage: workspace-sysprep import [options] <fleet.json>\n'],
      [['help', 'keys'], 'Usage: workspace-sysprep keys [options] [command]\n'],
    ] as const) {
      const r = await runCli([...args]);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout.startsWith(usage), r.stdout).toBe(true);
    }
  });
});

describe('no store where the CLI is pointed: exit 2, one line, nothing created', () => {
  const AK = 'AKAKAKAKAKAKAKAKAKAK';
  const verbs: string[][] = [
    ['projects', 'list'],
    ['projects', 'create', '--name', 'cn-north-4'],
    ['users', 'list'],
    ['users', 'create', '--name', 'alice', '--password', 'alice-pass-123'],
    ['users', 'passwd', '--name', 'alice', '--password', 'alice-pass-456'],
    ['users', 'disable', '--name', 'alice'],
    ['users', 'enable', '--name', 'alice'],
    ['users', 'grant', '--name', 'alice', '--project', PROJECT, '--role', 'viewer'],
    ['users', 'revoke', '--name', 'alice', '--project', PROJECT, '--role', 'viewer'],
    ['keys', 'create', '--user', 'alice'],
    ['keys', 'list', '--user', 'alice'],
    ['keys', 'enable', '--user', 'alice', '--access-key', AK],
    ['keys', 'disable', '--user', 'alice', '--access-key', AK],
    ['keys', 'delete', '--user', 'alice', '--access-key', AK],
    ['import', FLEET_FILE],
    ['import', FLEET_FILE, '--project', PROJECT],
    ['readiness', '--project', PROJECT],
  ];
  for (const verb of verbs) {
    it(verb.slice(0, 2).join(' ') + (verb.includes('--project') ? ' --project' : ''), async () => {
      const dir = emptyDir();
      const data = join(dir, 'data');
      const r = await runCli(['--data-dir', data, ...verb]);
      expect(r.stderr).toBe(`error: no store at ${join(data, 'workspace.db')} (give --data-dir or --database-url)\n`);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(2);
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it('dev mode looks for dev.db (flag or WKS_DEV), and a workspace.db beside it does not count', async () => {
    const dir = emptyDir();
    const migrated = await runCli(['--data-dir', dir, 'migrate']);
    expect(migrated).toMatchObject({ code: 0, stdout: 'sqlite store is up to date\n', stderr: '' });
    expect(readdirSync(dir)).toEqual(['workspace.db']);
    const expected = { code: 2, stdout: '', stderr: `error: no store at ${join(dir, 'dev.db')} (give --data-dir or --database-url)\n` };
    expect(await runCli(['--data-dir', dir, '--dev', 'users', 'list'])).toMatchObject(expected);
    expect(await runCli(['--data-dir', dir, 'projects', 'list'], { WKS_DEV: 'true' })).toMatchObject(expected);
    expect(readdirSync(dir)).toEqual(['workspace.db']);
  });

  it('the data dir from WKS_DATA_DIR is the one named', async () => {
    const dir = emptyDir();
    const r = await runCli(['users', 'list'], { WKS_DATA_DIR: join(dir, 'elsewhere') });
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: `error: no store at ${join(dir, 'elsewhere', 'workspace.db')} (give --data-dir or --database-url)\n` });
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false);
  });

  it('migrate creates the store; then the other verbs work on it', async () => {
    const dir = emptyDir();
    const data = join(dir, 'data');
    expect(await runCli(['--data-dir', data, 'migrate'])).toMatchObject({ code: 0, stdout: 'sqlite store is up to date\n', stderr: '' });
    expect(existsSync(join(data, 'workspace.db'))).toBe(true);
    const listed = await runCli(['--data-dir', data, 'projects', 'list']);
    expect(listed).toMatchObject({ code: 0, stderr: '', stdout: 'id  name  domain_id  enabled\n--  ----  ---------  -------\n' });
  });
});
