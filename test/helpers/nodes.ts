// Several server processes on one PostgreSQL database, as behind a load balancer: each node has
// its own data dir and a copy of the same server secret file (DESIGN §2.6), nothing else shared.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerProcess } from './server-process.js';

export const DEV_PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

/** A fresh secret file, as an operator would copy to every node. */
export function sharedSecretFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'wks-secret-')), 'secret.key');
  writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  return file;
}

/** Starts `count` dev-mode nodes at once (concurrent migrations and seeding included). */
export function startNodes(count: number, databaseUrl: string, secretFile: string, env: Record<string, string> = {}): Promise<ServerProcess[]> {
  return Promise.all(Array.from({ length: count }, () => startServer(['--dev'], { databaseUrl, env: { WKS_SECRET_KEY_FILE: secretFile, ...env } })));
}

export async function issueToken(base: string, user = 'devadmin', password = 'devpassword'): Promise<string> {
  const res = await fetch(`${base}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: 'devaccount' } } } },
        scope: { project: { id: DEV_PROJECT } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`token for ${user}: ${res.status} ${await res.text()}`);
  return res.headers.get('x-subject-token') as string;
}

export interface FetchedResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** fetch() shaped like inject()'s answer, so api-assert's exact-body helpers apply. */
export async function call(base: string, path: string, init: RequestInit = {}): Promise<FetchedResponse> {
  const res = await fetch(base + path, init);
  return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}
