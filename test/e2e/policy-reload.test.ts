// --policy-file on a real server process: a change of the file changes the verdicts without a
// restart; a broken file is refused with a log line and the previous policy stays; a broken
// file at start stops the server with a clear error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startServer, type ServerProcess } from '../helpers/server-process.js';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613'; // sysprep 10.0.22621.2506, imageable by default

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('policy file on a running server', () => {
  let dir: string;
  let policyFile: string;
  let srv: ServerProcess;
  let token: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wks-policy-e2e-'));
    policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, '{}');
    srv = await startServer(['--dev', '--policy-file', policyFile], { env: { WKS_LOG_LEVEL: 'info' } });
    const t = await fetch(`${srv.base}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'devviewer', password: 'devpassword', domain: { name: 'devaccount' } } } },
          scope: { project: { id: PROJECT } },
        },
      }),
    });
    expect(t.status).toBe(201);
    token = t.headers.get('x-subject-token') as string;
  });
  afterAll(async () => {
    await srv?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const verdict = async () => {
    const res = await fetch(`${srv.base}/v2/${PROJECT}/desktops/${FIRST}/sysprep`, { headers: { 'x-auth-token': token } });
    expect(res.status).toBe(200);
    return (await res.json()) as { sysprep_version: string; support_create_image: boolean };
  };
  const readinessCodes = async () => {
    const res = await fetch(`${srv.base}/v2/${PROJECT}/desktops/${FIRST}/sysprep/readiness`, { headers: { 'x-auth-token': token } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { blockers: { code: string; message: string }[] }).blockers;
  };

  it('reloads a changed file, refuses a broken one (the previous policy stays), then takes a valid one again', async () => {
    expect(await verdict()).toEqual({ sysprep_version: '10.0.22621.2506', support_create_image: true });

    writeFileSync(policyFile, JSON.stringify({ min_sysprep_version: '10.0.26100.0' }));
    await until(async () => !(await verdict()).support_create_image, 'the stricter policy');
    expect(await readinessCodes()).toEqual([
      { code: 'SYSPREP_VERSION_TOO_OLD', message: 'sysprep.exe 10.0.22621.2506 is older than the required 10.0.26100.0.', fact: 'sysprep_version', value: '10.0.22621.2506' },
    ]);
    await until(() => srv.output().includes('"msg":"policy reloaded"'), 'the reload log line');

    writeFileSync(policyFile, '{"min_sysprep_version": "10.0.1.0", "typo_key": 1}');
    await until(() => srv.output().includes('policy file refused'), 'the refusal log line');
    const refusal = srv
      .output()
      .split('\n')
      .find((l) => l.includes('policy file refused'))!;
    expect(JSON.parse(refusal)).toMatchObject({
      level: 50,
      file: policyFile,
      err: `policy file ${policyFile}: policy: unknown key "typo_key" (known keys: min_sysprep_version, stale_after_seconds, min_hibernate_version, min_update_route_version, generalize_limit)`,
    });
    expect((await verdict()).support_create_image).toBe(false); // the previous (strict) policy stays

    writeFileSync(policyFile, JSON.stringify({ min_sysprep_version: '10.0.14393.0', stale_after_seconds: 3600 }));
    // FIRST reported 2 h ago: fresh under the default 7 days, stale under one hour.
    await until(async () => (await readinessCodes()).some((b) => b.code === 'REPORT_STALE'), 'the new policy');
    expect((await readinessCodes()).map((b) => b.code)).toEqual(['REPORT_STALE']);
    expect(await verdict()).toEqual({ sysprep_version: '10.0.22621.2506', support_create_image: false });

    writeFileSync(policyFile, '{}');
    await until(async () => (await verdict()).support_create_image, 'the default policy');
  });
});

describe('policy file at start', () => {
  it('a broken file stops the server with an error naming the file and the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wks-policy-start-'));
    try {
      const policyFile = join(dir, 'policy.json');
      writeFileSync(policyFile, JSON.stringify({ generalize_limit: 'many' }));
      const r = await runCli(['--data-dir', dir, 'serve', '--dev', '--port', String(await freePort()), '--policy-file', policyFile], { WKS_LOG_LEVEL: 'warn' });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error: policy file ${policyFile}: policy: generalize_limit must be an integer from 1 to 1000001\n`);
      expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
