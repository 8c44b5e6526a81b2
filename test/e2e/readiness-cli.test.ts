// `workspace-sysprep readiness`: the project summary and one desktop's reasons as tables, the
// same bodies as the HTTP API with --json, the policy file, and clear errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/domain/policy.js';
import { parseFleet } from '../../src/fleet/fleet-file.js';
import { readinessToWire, summariseProject } from '../../src/server/readiness.js';
import type { Store } from '../../src/store/store.js';
import { FLEET_FILE } from '../helpers/app.js';
import { runCli } from '../helpers/server-process.js';
import { openCliTestStore } from '../helpers/store.js';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613';
const APPX = 'a6166936-b6b8-4190-b4e9-fd919d4f8a4e'; // one unprovisioned Appx package in the dev fleet

let dir: string;
/** The test's store (SQLite file or PostgreSQL) and the global flags pointing the CLI at it. */
let store: Store;
let storeArgs: string[];
let dropStore: (() => Promise<void>) | undefined;
const cli = (...args: string[]) => runCli([...storeArgs, ...args], { WKS_LOG_LEVEL: 'warn', WKS_POLICY_FILE: '' });
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wks-readiness-cli-'));
  ({ store, args: storeArgs, drop: dropStore } = await openCliTestStore(dir));
  const domain = await store.ensureDomain('acme');
  await store.createProject({ id: PROJECT, name: 'cn-north-4', domainId: domain.id });
  const now = Date.now();
  const fleet = parseFleet(JSON.parse(readFileSync(FLEET_FILE, 'utf8')), now);
  if (!fleet.ok) throw new Error('the dev fleet does not parse');
  await store.importFleet(PROJECT, fleet.desktops, fleet.reports, now);
});
afterAll(async () => {
  await dropStore?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('readiness (CLI)', () => {
  it('without a desktop id: the project summary as tables', async () => {
    const r = await cli('readiness', '--project', PROJECT);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [first, ...rest] = r.stdout.split('\n');
    expect(first).toMatch(new RegExp(`^project ${PROJECT}: 200 desktops, 159 ready, 41 blocked, 3 stale; evaluated ${ISO}$`));
    expect(rest.join('\n')).toBe(
      [
        '',
        'capability            desktops',
        '--------------------  --------',
        'support_create_image  159',
        'support_hibernate     171',
        'support_update_route  175',
        '',
        'blocker                   desktops',
        '------------------------  --------',
        'NOT_WINDOWS               6',
        'NO_REPORT                 15',
        'REPORT_STALE              3',
        'SYSPREP_VERSION_TOO_OLD   7',
        'IMAGE_STATE_NOT_COMPLETE  3',
        'REARM_EXHAUSTED           3',
        'GENERALIZE_LIMIT_REACHED  2',
        'UPGRADED_OS               2',
        'APPX_NOT_PROVISIONED      3',
        'BITLOCKER_ON              3',
        'PENDING_REBOOT            3',
        'DESKTOP_IN_ERROR          2',
        '',
        'warning                desktops',
        '---------------------  --------',
        'BITLOCKER_SUSPENDED    2',
        'OS_VERSION_UNREADABLE  0',
        '',
      ].join('\n'),
    );
  });

  it('--json prints the body of GET /v2/{project_id}/sysprep/summary', async () => {
    const r = await cli('readiness', '--project', PROJECT, '--json');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as Record<string, unknown>;
    const expected = await summariseProject(store, PROJECT, DEFAULT_POLICY, Date.parse(body.evaluated_at as string));
    expect(body).toEqual(expected);
  });

  it('with a desktop id: capabilities, blockers with fact and value, facts and information', async () => {
    const r = await cli('readiness', APPX, '--project', PROJECT);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^desktop ${APPX} in project ${PROJECT}: sysprep 10\\.0\\.19041\\.3636, collected ${ISO}, evaluated ${ISO}$`));
    expect(lines.slice(1, 8)).toEqual([
      '',
      'capability            verdict',
      '--------------------  -------',
      'support_create_image  false',
      'support_hibernate     true',
      'support_update_route  true',
      '',
    ]);
    expect(lines[8]).toMatch(/^blocker\s+fact\s+value\s+message$/);
    expect(lines[10]).toBe(
      'APPX_NOT_PROVISIONED  appx_unprovisioned  Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe  1 Appx package installed for a user but not provisioned for all users: Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe.',
    );
    expect(lines).toContain('fact                 value');
    expect(lines).toContain('rearm_remaining      1000');
    expect(lines).toContain('information            value');
    expect(lines.some((l) => /^os_edition\s+(Professional|Enterprise)$/.test(l))).toBe(true);
  });

  it('a healthy desktop says "no blockers"; --json prints the readiness body', async () => {
    const table = await cli('readiness', FIRST, '--project', PROJECT);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')).toContain('no blockers');
    const r = await cli('readiness', FIRST, '--project', PROJECT, '--json');
    const body = JSON.parse(r.stdout) as Record<string, unknown>;
    const found = (await store.getDesktopWithReport(PROJECT, FIRST))!;
    expect(body).toEqual(readinessToWire(found, DEFAULT_POLICY, Date.parse(body.evaluated_at as string)));
    expect(body).toMatchObject({ support_create_image: true, blockers: [] });
  });

  it('--policy-file changes the thresholds; a broken policy file is an error', async () => {
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ min_sysprep_version: '10.0.26100.0' }));
    const r = await cli('readiness', FIRST, '--project', PROJECT, '--policy-file', policy, '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { blockers: { code: string }[] }).blockers.map((b) => b.code)).toEqual(['SYSPREP_VERSION_TOO_OLD']);
    writeFileSync(policy, '{"min_sysprep_version": 10}');
    const bad = await cli('readiness', '--project', PROJECT, '--policy-file', policy);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toBe(`error: policy file ${policy}: policy: min_sysprep_version must be a version like 10.0.14393.0\n`);
  });

  it('clear errors for an unknown desktop or project and malformed ids', async () => {
    const cases: [string[], string][] = [
      [['readiness', 'no-such-desktop', '--project', PROJECT], `error: no desktop no-such-desktop in project ${PROJECT}\n`],
      [['readiness', '--project', 'f'.repeat(32)], `error: no project ${'f'.repeat(32)}\n`],
      [['readiness', '--project', 'NOT-HEX'], 'error: --project must be 32 lowercase hexadecimal characters\n'],
      [['readiness', 'a/b', '--project', PROJECT], "error: the desktop id must be 1 to 255 characters of A-Z, a-z, 0-9 and '-'\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = await cli(...args);
      expect(r, args.join(' ')).toMatchObject({ code: 2, stdout: '', stderr });
    }
  });
});
