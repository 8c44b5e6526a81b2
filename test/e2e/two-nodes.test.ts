// Two API processes on two ports against one PostgreSQL database (DESIGN §5 scale-out): what one
// node writes the other reads at once, and what invalidates a token on one node is refused by
// the other within the 1 s of DESIGN §2.6. Runs when WKS_TEST_DATABASE_URL names a server.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectHuaweiError } from '../helpers/api-assert.js';
import { DEV_PROJECT, call, issueToken, sharedSecretFile, startNodes } from '../helpers/nodes.js';
import { createTestDatabase } from '../helpers/pg-store.js';
import { runCli, startServer, type ServerProcess } from '../helpers/server-process.js';
import { signHeaders } from '../helpers/sign.js';
import { testStoreKind } from '../helpers/store.js';

const NEVER = 'e1c68255-7dee-42a7-8d27-71d699ec9921'; // in the dev fleet, never reported
/** DESIGN §2.6: every process refuses an invalidated token within 1 s. */
const CACHE_MAX_AGE_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const IAM = 'Incorrect IAM authentication information: ';
const MISMATCH = `${IAM}verify aksk signature fail, the signature does not match the request (check the SK, and that the method, path, query, signed headers and body are sent exactly as signed)`;
const LOCKED = `${IAM}AK access failed to reach the limit, forbidden`;

describe.runIf(testStoreKind === 'postgres')('two API processes on one PostgreSQL', () => {
  let db: { url: string; drop: () => Promise<void> };
  let secretFile: string;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    db = await createTestDatabase(process.env.WKS_TEST_DATABASE_URL!, 'wks_nodes');
    secretFile = sharedSecretFile();
    // Started at once: both migrate and seed the same fresh database concurrently.
    [a, b] = await startNodes(2, db.url, secretFile);
  });
  afterAll(async () => {
    await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL')]);
    await db?.drop();
  });

  it('both nodes started at once: one schema, one dev identity, both ready on postgres', async () => {
    for (const node of [a, b]) {
      const ready = await call(node.base, '/readyz');
      expect(ready.statusCode).toBe(200);
      expect(JSON.parse(ready.body)).toEqual({ status: 'ok', store: 'postgres' });
    }
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      expect((await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows).toEqual([{ version: 1 }]);
      expect((await c.query('SELECT name FROM users ORDER BY name')).rows.map((r) => r.name)).toEqual(['devadmin', 'devagent', 'devviewer']);
      expect((await c.query('SELECT access_key FROM access_keys ORDER BY access_key')).rows.map((r) => r.access_key)).toEqual(['DEVAKAGENT0000000001', 'DEVAKWORKSPACE000001']);
    } finally {
      await c.end();
    }
  });

  it('a token issued by one node is accepted by the other (one server secret)', async () => {
    const token = await issueToken(a.base);
    const res = await call(b.base, '/v3/auth/tokens', { headers: { 'x-auth-token': token, 'x-subject-token': token } });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).token.user.name).toBe('devadmin');
  });

  it('a report stored through one node is read through the other at once', async () => {
    const agent = await issueToken(a.base, 'devagent');
    const admin = await issueToken(b.base, 'devadmin');
    const before = await call(b.base, `/v2/${DEV_PROJECT}/desktops/${NEVER}/sysprep`, { headers: { 'x-auth-token': admin } });
    expect(JSON.parse(before.body)).toEqual({ sysprep_version: '', support_create_image: false });

    const collectedAt = new Date(Date.now() - 60_000).toISOString();
    const put = await call(a.base, `/v2/${DEV_PROJECT}/desktops/${NEVER}/sysprep`, {
      method: 'PUT',
      headers: { 'x-auth-token': agent, 'content-type': 'application/json' },
      body: JSON.stringify({ collected_at: collectedAt, sysprep_version: '10.0.26100.2033', image_state: 'IMAGE_STATE_COMPLETE' }),
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(JSON.parse(put.body)).toEqual({ applied: true, collected_at: collectedAt });

    const after = await call(b.base, `/v2/${DEV_PROJECT}/desktops/${NEVER}/sysprep`, { headers: { 'x-auth-token': admin } });
    expect(after.statusCode).toBe(200);
    expect(JSON.parse(after.body)).toEqual({ sysprep_version: '10.0.26100.2033', support_create_image: true });

    // The collected_at guard holds across nodes: an older report sent to the other node is not applied.
    const older = await call(b.base, `/v2/${DEV_PROJECT}/desktops/${NEVER}/sysprep`, {
      method: 'PUT',
      headers: { 'x-auth-token': agent, 'content-type': 'application/json' },
      body: JSON.stringify({ collected_at: new Date(Date.now() - 120_000).toISOString(), sysprep_version: '10.0.14393.0' }),
    });
    expect(JSON.parse(older.body)).toEqual({ applied: false, collected_at: collectedAt });
  });

  it('desktops registered through one node are listed through the other at once', async () => {
    const admin = await issueToken(a.base);
    const ids = Array.from({ length: 3 }, (_, i) => `7a7a7a7a-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const reg = await call(a.base, `/admin/v1/projects/${DEV_PROJECT}/desktops`, {
      method: 'POST',
      headers: { 'x-auth-token': admin, 'content-type': 'application/json' },
      body: JSON.stringify({ desktops: ids.map((desktop_id, i) => ({ desktop_id, computer_name: `NODE-${i}`, os_type: 'Windows', os_version: '10.0.22631.2715', status: 'ACTIVE' })) }),
    });
    expect(reg.statusCode, reg.body).toBe(200);
    for (const id of ids) {
      const one = await call(b.base, `/v2/${DEV_PROJECT}/desktops/${id}/sysprep`, { headers: { 'x-auth-token': admin } });
      expect(one.statusCode).toBe(200);
      expect(JSON.parse(one.body)).toEqual({ sysprep_version: '', support_create_image: false });
    }
  });

  it('a token revoked through one node fails on the other within 1 second', async () => {
    const token = await issueToken(a.base);
    const probe = `/v2/${DEV_PROJECT}/desktops/${NEVER}/sysprep`;
    expect((await call(b.base, probe, { headers: { 'x-auth-token': token } })).statusCode).toBe(200);

    const del = await call(a.base, '/v3/auth/tokens', { method: 'DELETE', headers: { 'x-auth-token': token, 'x-subject-token': token } });
    expect(del.statusCode).toBe(204);
    // The revoking node knows at once; the other within its cache's maximum age.
    expectHuaweiError(await call(a.base, probe, { headers: { 'x-auth-token': token } }), 401, { error_code: 'APIGW.0307', error_msg: 'The token must be updated.' });
    await sleep(CACHE_MAX_AGE_MS + 50);
    expectHuaweiError(await call(b.base, probe, { headers: { 'x-auth-token': token } }), 401, { error_code: 'APIGW.0307', error_msg: 'The token must be updated.' });

    // Another token of the same user is untouched on both nodes.
    const other = await issueToken(b.base);
    for (const node of [a, b]) expect((await call(node.base, probe, { headers: { 'x-auth-token': other } })).statusCode).toBe(200);
  });

  it('a password changed by the CLI (a third process) invalidates the tokens on both nodes within 1 second', async () => {
    const token = await issueToken(a.base, 'devviewer');
    const probe = `/v2/${DEV_PROJECT}/desktops/${NEVER}/sysprep`;
    for (const node of [a, b]) expect((await call(node.base, probe, { headers: { 'x-auth-token': token } })).statusCode).toBe(200);

    const cli = await runCli(['--database-url', db.url, 'users', 'passwd', '--domain', 'devaccount', '--name', 'devviewer', '--password', 'n3w-Passw0rd-for-viewer'], { WKS_SECRET_KEY_FILE: secretFile });
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toBe('password changed for devviewer\n');
    expect(cli.code).toBe(0);

    await sleep(CACHE_MAX_AGE_MS + 50);
    for (const node of [a, b]) {
      expectHuaweiError(await call(node.base, probe, { headers: { 'x-auth-token': token } }), 401, { error_code: 'APIGW.0307', error_msg: 'The token must be updated.' });
    }
    // The new password works on both nodes; the old one on neither.
    for (const node of [a, b]) {
      const fresh = await issueToken(node.base, 'devviewer', 'n3w-Passw0rd-for-viewer');
      expect((await call(node.base, probe, { headers: { 'x-auth-token': fresh } })).statusCode).toBe(200);
      await expect(issueToken(node.base, 'devviewer', 'devpassword')).rejects.toThrow(/^token for devviewer: 401 /);
    }
  });

  it('signature mismatches spread over both nodes lock the AK on both (DESIGN §2.6)', async () => {
    const admin = await issueToken(a.base);
    const self = JSON.parse((await call(a.base, '/v3/auth/tokens', { headers: { 'x-auth-token': admin, 'x-subject-token': admin } })).body).token.user.id as string;
    const created = await call(b.base, '/v3.0/OS-CREDENTIAL/credentials', {
      method: 'POST',
      headers: { 'x-auth-token': admin, 'content-type': 'application/json' },
      body: JSON.stringify({ credential: { user_id: self, description: 'two nodes' } }),
    });
    expect(created.statusCode, created.body).toBe(201);
    const { access, secret } = JSON.parse(created.body).credential as { access: string; secret: string };
    const probe = `/v2/${DEV_PROJECT}/desktops/${NEVER}/sysprep`;
    const signed = (node: ServerProcess, sk: string) => call(node.base, probe, { headers: signHeaders({ ak: access, sk, method: 'GET', url: probe, signedHeaders: ['x-sdk-date'] }) });

    for (const node of [a, b]) expect((await signed(node, secret)).statusCode).toBe(200);
    // Five consecutive mismatches, three through one node and two through the other.
    for (const node of [a, b, a, b, a]) expectHuaweiError(await signed(node, 'not-the-secret-key'), 401, { error_code: 'APIGW.0301', error_msg: MISMATCH });
    // Locked: even the right SK is refused, by the node that locked it at once, by the other within 1 s.
    expectHuaweiError(await signed(a, secret), 401, { error_code: 'APIGW.0301', error_msg: LOCKED });
    await sleep(CACHE_MAX_AGE_MS + 50);
    expectHuaweiError(await signed(b, secret), 401, { error_code: 'APIGW.0301', error_msg: LOCKED });

    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query('SELECT failed_count, locked_until > now() + interval \'290 seconds\' AS locked FROM access_keys WHERE access_key = $1', [access]);
      expect(rows).toEqual([{ failed_count: 0, locked: true }]);
    } finally {
      await c.end();
    }
  });
});

describe.runIf(testStoreKind === 'postgres')('two nodes started at once on an empty database (not dev mode)', () => {
  it('bootstrap exactly one admin: one node prints the password, the other finds it done', async () => {
    const db = await createTestDatabase(process.env.WKS_TEST_DATABASE_URL!, 'wks_boot');
    const secretFile = sharedSecretFile();
    const nodes = await Promise.all([0, 1].map(() => startServer(['--host', '127.0.0.1'], { databaseUrl: db.url, env: { WKS_SECRET_KEY_FILE: secretFile } })));
    try {
      expect(nodes.filter((n) => /First start: created account "default"/.test(n.output()))).toHaveLength(1);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        expect((await c.query('SELECT name FROM users')).rows).toEqual([{ name: 'admin' }]);
        expect((await c.query('SELECT name FROM projects')).rows).toEqual([{ name: 'default' }]);
        expect((await c.query('SELECT role FROM role_assignments')).rows).toEqual([{ role: 'admin' }]);
      } finally {
        await c.end();
      }
    } finally {
      await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
      await db.drop();
    }
  });
});
