// `workspace-sysprep import <fleet.json> [--project <id>]` as a real process (docs/fleet-format.md):
// a good file imports with one count line; a bad record is named by position and id and nothing
// of its file is stored; the progress bar is drawn only on a terminal; without --project the
// store's only project (or, in dev mode, the dev project) is chosen, else the choice is asked for.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { FLEET_FILE } from '../helpers/app.js';
import { runCli } from '../helpers/server-process.js';
import { openCliTestStore } from '../helpers/store.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const FULL = 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff';
const EMPTY = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
const TTY = 'b0b1b2b3b4b5b6b7b8b9babbbcbdbebf';

interface FleetJson {
  desktops: Record<string, unknown>[];
  [k: string]: unknown;
}
const example = (): FleetJson => JSON.parse(readFileSync(FLEET_FILE, 'utf8')) as FleetJson;
const FLEET_SIZE = example().desktops.length;
const REPORTS = example().desktops.filter((d) => d.report).length;

let dataDir: string;
let store: Store;
/** Global flags pointing the CLI at the test's store (SQLite file or PostgreSQL). */
let storeArgs: string[];
let dropStore: (() => Promise<void>) | undefined;

const importCli = (file: string, project: string) => runCli([...storeArgs, 'import', '--project', project, file]);

function writeFleet(name: string, fleet: unknown): string {
  const file = join(dataDir, name);
  writeFileSync(file, typeof fleet === 'string' ? fleet : JSON.stringify(fleet));
  return file;
}

/** A bad file: exit 2, exactly this one line on stderr, nothing on stdout, and no desktop of it stored. */
async function expectRefused(file: string, project: string, stderr: string) {
  const before = await store.listDesktopsWithReports(project, 10_000, 0);
  const r = await importCli(file, project);
  expect(r.stderr).toBe(stderr);
  expect(r.stdout).toBe('');
  expect(r.code).toBe(2);
  expect(await store.listDesktopsWithReports(project, 10_000, 0)).toEqual(before);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wks-import-cli-'));
  ({ store, args: storeArgs, drop: dropStore } = await openCliTestStore(dataDir));
  const domain = await store.ensureDomain('default');
  for (const [id, name] of [[FULL, 'cn-north-4'], [EMPTY, 'cn-south-1'], [TTY, 'cn-east-3']]) await store.createProject({ id, name, domainId: domain.id });
});

afterAll(async () => {
  await dropStore?.();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('import', () => {
  it('imports a good file: one count line, and no progress bar when stderr is not a terminal', async () => {
    const r = await importCli(FLEET_FILE, FULL);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`imported ${FLEET_SIZE} desktops and ${REPORTS} reports into ${FULL}\n`);
    expect(r.code).toBe(0);
    expect(await store.countDesktops(FULL)).toBe(FLEET_SIZE);
    const first = await store.getDesktopWithReport(FULL, '24cf2487-67bb-43a1-a563-9f947e859613');
    expect(first).toMatchObject({ desktop: { computerName: 'WKS-FIN-0001', osType: 'Windows' }, report: { sysprepVersion: '10.0.22621.2506' } });
  });

  it('a bad record late in the file: reported as desktops[i] (id), and none of the file is stored', async () => {
    const fleet = example();
    fleet.desktops[150].os_type = 'Solaris';
    const id = fleet.desktops[150].desktop_id as string;
    const file = writeFleet('bad-os-type.json', fleet);
    await expectRefused(file, EMPTY, `error: ${file}: desktops[150] (${id}): os_type: os_type must be one of Windows, Linux; nothing was imported\n`);
    expect(await store.countDesktops(EMPTY)).toBe(0);
  });

  it('a bad file over an imported project leaves every stored desktop as it was (earlier good records included)', async () => {
    const fleet = example();
    fleet.desktops[0].computer_name = 'RENAMED-0001';
    fleet.desktops.push({ ...fleet.desktops[1], desktop_id: 'new-desktop-0001' });
    fleet.desktops[199].status = 'BROKEN';
    const id = fleet.desktops[199].desktop_id as string;
    const file = writeFleet('bad-status.json', fleet);
    await expectRefused(file, FULL, `error: ${file}: desktops[199] (${id}): status: status must be one of ACTIVE, SHUTOFF, ERROR; nothing was imported\n`);
    expect(await store.countDesktops(FULL)).toBe(FLEET_SIZE);
    expect((await store.getDesktop(FULL, '24cf2487-67bb-43a1-a563-9f947e859613'))!.computerName).toBe('WKS-FIN-0001');
    expect(await store.getDesktop(FULL, 'new-desktop-0001')).toBeNull();
  });

  it('a record without a desktop id is named by its position alone', async () => {
    const fleet = example();
    delete fleet.desktops[7].desktop_id;
    const file = writeFleet('no-id.json', fleet);
    await expectRefused(file, EMPTY, `error: ${file}: desktops[7]: desktop_id: desktop_id must be 1..255 characters of A-Z, a-z, 0-9 and -; nothing was imported\n`);
  });

  it('a duplicate desktop id names both positions', async () => {
    const fleet = example();
    const id = fleet.desktops[2].desktop_id as string;
    fleet.desktops[199].desktop_id = id;
    const file = writeFleet('duplicate.json', fleet);
    await expectRefused(file, EMPTY, `error: ${file}: desktops[199] (${id}): desktop_id: duplicate desktop_id, first at index 2; nothing was imported\n`);
  });

  it('a bad report names the report field', async () => {
    const fleet = example();
    (fleet.desktops[10].report as Record<string, unknown>).age = 'P1Y';
    const id = fleet.desktops[10].desktop_id as string;
    const file = writeFleet('bad-age.json', fleet);
    await expectRefused(file, EMPTY, `error: ${file}: desktops[10] (${id}): report.age: age must be an ISO 8601 duration such as PT2H or P1DT4H30M; nothing was imported\n`);
  });

  it('an unknown top-level field is a fault of the file', async () => {
    const file = writeFleet('extra.json', { ...example(), extra: 1 });
    await expectRefused(file, EMPTY, `error: ${file}: file: extra: unknown field extra; nothing was imported\n`);
  });

  it('a file that is not JSON', async () => {
    const file = writeFleet('broken.json', '{"desktops": [');
    const r = await importCli(file, EMPTY);
    expect(r.stderr).toMatch(new RegExp(`^error: cannot read ${file}: [^\\n]+\\n$`));
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(await store.countDesktops(EMPTY)).toBe(0);
  });

  it('a file that does not exist', async () => {
    const file = join(dataDir, 'missing.json');
    await expectRefused(file, EMPTY, `error: cannot read ${file}: ENOENT: no such file or directory, open '${file}'\n`);
  });

  it('a project that does not exist, or a malformed project id', async () => {
    await expectRefused(FLEET_FILE, 'ffffffffffffffffffffffffffffffff', 'error: no project ffffffffffffffffffffffffffffffff\n');
    expect(await store.countDesktops('ffffffffffffffffffffffffffffffff')).toBe(0);
    await expectRefused(FLEET_FILE, 'F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF', 'error: --project must be 32 lowercase hexadecimal characters\n');
  });

  it('without --project, in a store of several projects: refused, naming how to choose, and nothing stored', async () => {
    const before = await Promise.all([FULL, EMPTY, TTY].map((p) => store.countDesktops(p)));
    const r = await runCli([...storeArgs, 'import', FLEET_FILE]);
    expect(r.stderr).toBe('error: the store has 3 projects: choose one with --project <id> ("workspace-sysprep projects list" shows them)\n');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(await Promise.all([FULL, EMPTY, TTY].map((p) => store.countDesktops(p)))).toEqual(before);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('on a terminal (script(1) gives the process a pty) a progress bar is drawn up to 100%', async () => {
    const command = [process.execPath, '--import', 'tsx', join(ROOT, 'src/main.ts'), ...storeArgs, 'import', '--project', TTY, FLEET_FILE].join(' ');
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const total = FLEET_SIZE + REPORTS;
    // The terminal shows stdout and stderr together; the bar is redrawn in place with \r.
    expect(r.stdout).toContain(`\r[${'#'.repeat(30)}] 100% (${total}/${total})`);
    expect(r.stdout).toMatch(/\r\[#*\.+\] \d{1,2}% \(\d+\/\d+\)/);
    expect(r.stdout).toContain(`imported ${FLEET_SIZE} desktops and ${REPORTS} reports into ${TTY}`);
    expect(await store.countDesktops(TTY)).toBe(FLEET_SIZE);
  });
});

// The project chosen without --project (docs/fleet-format.md); a SQLite data dir of each test's own.
describe('import <fleet.json> without --project', () => {
  const ONLY = 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecf';
  const DEV_PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

  async function countIn(file: string, project: string): Promise<number> {
    const sqlite = new SqliteStore(file);
    try {
      return await sqlite.countDesktops(project);
    } finally {
      await sqlite.close();
    }
  }

  async function expectOk(args: string[], stdout: string) {
    const r = await runCli(args);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(stdout);
    expect(r.code).toBe(0);
  }

  it('a store without projects: refused, saying how to make one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wks-import-none-'));
    try {
      await expectOk(['--data-dir', dir, 'migrate'], 'sqlite store is up to date\n');
      const r = await runCli(['--data-dir', dir, 'import', FLEET_FILE]);
      expect(r.stderr).toBe('error: the store has no project to import into: create one with "workspace-sysprep projects create" and give its id with --project <id>\n');
      expect(r.stdout).toBe('');
      expect(r.code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a store with one project: the fleet goes into it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wks-import-one-'));
    try {
      await expectOk(['--data-dir', dir, 'migrate'], 'sqlite store is up to date\n');
      await expectOk(['--data-dir', dir, 'projects', 'create', '--name', 'cn-north-4', '--id', ONLY], `created project cn-north-4 (${ONLY}) in account default\n`);
      await expectOk(['--data-dir', dir, 'import', FLEET_FILE], `imported ${FLEET_SIZE} desktops and ${REPORTS} reports into ${ONLY}\n`);
      expect(await countIn(join(dir, 'workspace.db'), ONLY)).toBe(FLEET_SIZE);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('dev mode with several projects: the dev project', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wks-import-dev-'));
    try {
      await expectOk(['--data-dir', dir, '--dev', 'migrate'], 'sqlite store is up to date\n');
      await expectOk(['--data-dir', dir, '--dev', 'projects', 'create', '--name', 'cn-north-4', '--domain', 'devaccount', '--id', DEV_PROJECT], `created project cn-north-4 (${DEV_PROJECT}) in account devaccount\n`);
      await expectOk(['--data-dir', dir, '--dev', 'projects', 'create', '--name', 'cn-south-1', '--domain', 'devaccount', '--id', ONLY], `created project cn-south-1 (${ONLY}) in account devaccount\n`);
      await expectOk(['--data-dir', dir, '--dev', 'import', FLEET_FILE], `imported ${FLEET_SIZE} desktops and ${REPORTS} reports into ${DEV_PROJECT}\n`);
      expect(await countIn(join(dir, 'dev.db'), DEV_PROJECT)).toBe(FLEET_SIZE);
      expect(await countIn(join(dir, 'dev.db'), ONLY)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
