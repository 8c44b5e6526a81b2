// A real Keystone v3 client (Debian's python3-keystoneauth1) obtains and uses tokens against
// the running server, and reads its Keystone-style error body.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

const PYTHON = '/usr/bin/python3';
const CLIENT = new URL('../fixtures/keystoneauth-client.py', import.meta.url).pathname;
const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613';
const available = spawnSync(PYTHON, ['-c', 'import keystoneauth1'], { stdio: 'ignore' }).status === 0;

describe.runIf(available)('keystoneauth1 against the server', () => {
  let srv: ServerProcess;
  beforeAll(async () => {
    srv = await startServer(['--dev']);
  });
  afterAll(async () => {
    await srv?.stop('SIGKILL');
  });

  it('gets a project-scoped token by name, calls the seed API with it, and reads a 401', () => {
    const run = spawnSync(PYTHON, [CLIENT, srv.base, FIRST], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out).toEqual({
      token_length: expect.any(Number),
      project_id: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
      user_name: 'devadmin',
      project_name: 'cn-north-4',
      role_names: ['workspace_admin'],
      expires_in_hours: 24,
      sysprep: { sysprep_version: '10.0.22621.2506', support_create_image: true },
      request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      // keystoneauth1 reads Keystone's error body and appends the status itself.
      wrong_password: { status: 401, message: 'The username or password is wrong. (HTTP 401)' },
    });
    expect(out.token_length as number).toBeGreaterThan(100);
  }, 90_000);
});
