// Operations of a real server process outside dev mode (docs/operations.md): the first start on
// an empty data dir prints a generated admin password once, and only once; /healthz, /readyz,
// /openapi.json and /docs answer without credentials.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_ID } from '../helpers/api-assert.js';
import { runCli, startServer, type ServerProcess } from '../helpers/server-process.js';
import { openCliTestStore, testStoreKind } from '../helpers/store.js';

const SEED_PATH = '/v2/{project_id}/desktops/{desktop_id}/sysprep';
const FIRST_START = /\nFirst start: created account "default", project "default" \(([0-9a-f]{32})\) and user "admin" with password:\n\n {4}(\S+)\n\nIt is shown only this once\.\n\n/;

let dataDir: string;
/** An empty store on the test's database (SQLite in the data dir, or PostgreSQL), shared by both starts. */
let databaseUrl: string | null;
let dropStore: (() => Promise<void>) | undefined;
let srv: ServerProcess;
let admin: { projectId: string; password: string };

async function adminToken(base: string): Promise<Response> {
  return fetch(`${base}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', password: admin.password, domain: { name: 'default' } } } },
        scope: { project: { id: admin.projectId } },
      },
    }),
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wks-ops-'));
  const empty = await openCliTestStore(dataDir);
  ({ databaseUrl, drop: dropStore } = empty);
  srv = await startServer([], { dataDir, databaseUrl });
  const m = FIRST_START.exec(srv.output());
  if (!m) throw new Error(`no first-start notice in:\n${srv.output()}`);
  admin = { projectId: m[1], password: m[2] };
});

afterAll(async () => {
  await srv?.stop('SIGKILL');
  await dropStore?.();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('first start outside dev mode', () => {
  it('prints the generated admin password exactly once', () => {
    expect(admin.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(srv.output().split(admin.password)).toHaveLength(2);
  });

  it('creates the server secret with mode 0600', () => {
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it.runIf(testStoreKind === 'sqlite')('creates the SQLite store (password hashes, sealed SKs) readable by its owner only', () => {
    for (const f of ['workspace.db', 'workspace.db-wal']) expect(statSync(join(dataDir, f)).mode & 0o777).toBe(0o600);
  });

  it('the printed password gets a token for the admin, who can use the project', async () => {
    const res = await adminToken(srv.base);
    expect(res.status, await res.clone().text()).toBe(201);
    const token = res.headers.get('x-subject-token') as string;
    const list = await fetch(`${srv.base}/v2/${admin.projectId}/desktops`, { headers: { 'x-auth-token': token } });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ desktops: [], total_count: 0 });
  });
});

describe('operational endpoints (no credentials)', () => {
  async function expectJsonAnswer(path: string, body: unknown) {
    const res = await fetch(`${srv.base}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-request-id')).toMatch(REQUEST_ID);
    expect(await res.json()).toEqual(body);
  }

  it('/healthz → 200 {"status":"ok"}', async () => {
    await expectJsonAnswer('/healthz', { status: 'ok' });
  });

  it('/readyz → 200 with the store kind', async () => {
    await expectJsonAnswer('/readyz', { status: 'ok', store: testStoreKind });
  });

  it('/openapi.json is an OpenAPI 3 document with the seed API and its 200 schema', async () => {
    const res = await fetch(`${srv.base}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as {
      openapi: string;
      info: { title: string };
      paths: Record<string, Record<string, { summary?: string; parameters?: { name: string; in: string; required: boolean }[]; responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info.title).toBe('workspace-sysprep');
    const get = doc.paths[SEED_PATH]?.get;
    expect(get, Object.keys(doc.paths).join(', ')).toBeDefined();
    expect(get.summary).toBe('Querying the Sysprep Version');
    expect(get.parameters!.map((p) => [p.in, p.name, p.required])).toEqual([
      ['path', 'project_id', true],
      ['path', 'desktop_id', true],
    ]);
    const schema = get.responses['200'].content!['application/json'].schema as { type: string; required: string[]; properties: Record<string, { type: string }> };
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(['sysprep_version', 'support_create_image']);
    expect(schema.required).toEqual(['sysprep_version', 'support_create_image']);
    expect(schema.properties.sysprep_version.type).toBe('string');
    expect(schema.properties.support_create_image.type).toBe('boolean');
    // Errors point at a named component, so generated clients get a real type name.
    expect(get.responses['404'].content!['application/json'].schema).toEqual({ $ref: '#/components/schemas/HuaweiError' });
    expect(Object.keys(doc.components.schemas.HuaweiError.properties)).toEqual(['error_code', 'error_msg', 'error_detail', 'encoded_authorization_message', 'request_id']);
  });

  it('/docs serves an HTML UI whose scripts load', async () => {
    const res = await fetch(`${srv.base}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<title>Swagger UI</title>');
    for (const src of [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1])) {
      const script = await fetch(`${srv.base}${src}`);
      expect(script.status, src).toBe(200);
      await script.arrayBuffer();
    }
  });
});

describe('a second start on the same data dir', () => {
  it('prints no password again, and the first password still works', async () => {
    expect(await srv.stop('SIGTERM')).toBe(0);
    srv = await startServer([], { dataDir, databaseUrl });
    expect(srv.output()).not.toContain('First start');
    expect(srv.output()).not.toContain(admin.password);
    expect(srv.output()).not.toContain('password');
    const res = await adminToken(srv.base);
    expect(res.status).toBe(201);
  });
});

describe('a start without the secret its store was sealed under', () => {
  it('refuses (exit 2, one line) rather than create a new secret that opens none of its access keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wks-nosecret-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'wks-othersecret-'));
    try {
      expect((await runCli(['--data-dir', dir, 'migrate'])).code).toBe(0);
      const created = await runCli(['--data-dir', dir, 'users', 'create', '--domain', 'acme', '--name', 'ops', '--password', 'ops-password-1']);
      expect(created.code, created.stderr).toBe(0);
      // Users alone need no secret (the identity CLI test starts a server on such a store); keys do.
      const otherSecret = join(elsewhere, 'secret.key');
      writeFileSync(otherSecret, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
      const key = await runCli(['--data-dir', dir, '--secret-key-file', otherSecret, 'keys', 'create', '--domain', 'acme', '--user', 'ops']);
      expect(key.code, key.stderr).toBe(0);
      const secretFile = join(dir, 'secret.key');
      const r = await runCli(['--data-dir', dir, 'serve', '--port', '0']);
      expect([r.code, r.stdout, r.stderr]).toEqual([
        2,
        '',
        `error: no server secret at ${secretFile}, but the store holds access keys sealed under one: give --secret-key-file (the file its other nodes use)\n`,
      ]);
      expect(existsSync(secretFile)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('start-up failures are one line, never a stack trace', () => {
  it('a store file that is not a database → exit 1, "the database is unavailable"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wks-corrupt-'));
    try {
      writeFileSync(join(dir, 'workspace.db'), 'this is not a database, just text that is long enough to fill a header page '.repeat(20));
      for (const args of [['projects', 'list'], ['serve', '--port', '0']]) {
        const r = await runCli(['--data-dir', dir, ...args]);
        expect([r.code, r.stderr]).toEqual([1, 'error: the database is unavailable: file is not a database\n']);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a secret file without a usable key → exit 2, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wks-badsecret-'));
    try {
      const file = join(dir, 'secret.key');
      for (const [content, why] of [
        ['not base64 at all!\n', 'every key must be base64 of at least 32 bytes'],
        ['c2hvcnQ=\n', 'every key must be base64 of at least 32 bytes'],
        ['# only a comment\n', 'holds no key'],
      ]) {
        writeFileSync(file, content, { mode: 0o600 });
        const r = await runCli(['--data-dir', dir, 'serve', '--port', '0']);
        expect([r.code, r.stderr]).toEqual([2, why === 'holds no key' ? `error: secret key file ${file} holds no key\n` : `error: secret key file ${file}: ${why}\n`]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an address that is not this machine’s → exit 2, saying so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wks-badhost-'));
    try {
      const r = await runCli(['--data-dir', dir, 'serve', '--host', '203.0.113.77', '--port', '18999']);
      // (stderr also carries the first start's admin password, printed before the listen.)
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('error: cannot listen on 203.0.113.77:18999 (the address is not one of this machine’s); choose another with --host or WKS_HOST');
      expect(r.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
