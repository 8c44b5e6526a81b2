// Dev mode's well-known identities (DESIGN §6) and the example fleet, created when missing.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hashPassword } from '../auth/passwords.js';
import { sealSecret } from '../auth/secret-box.js';
import type { ServerSecret } from '../auth/server-secret.js';
import type { Role } from '../domain/types.js';
import { parseFleet } from '../fleet/fleet-file.js';
import { StoreConflictError, type Store } from '../store/store.js';

export const DEV = {
  domain: 'devaccount',
  project: { id: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', name: 'cn-north-4' },
  password: 'devpassword',
  users: [
    { name: 'devadmin', role: 'admin' as Role, ak: 'DEVAKWORKSPACE000001', sk: 'devSK0workspace0sysprep0localonly0000001' },
    { name: 'devagent', role: 'agent' as Role, ak: 'DEVAKAGENT0000000001', sk: 'devSK0workspace0sysprep0agentonly0000001' },
    { name: 'devviewer', role: 'viewer' as Role, ak: null, sk: null },
  ],
} as const;

const newId = () => randomUUID().replace(/-/g, '');

/** The existing row, or a new one; when another node creates it meanwhile (a conflict), theirs. */
async function findOrCreate<T>(find: () => Promise<T | null>, create: () => Promise<T>): Promise<T> {
  const found = await find();
  if (found) return found;
  try {
    return await create();
  } catch (err) {
    const again = err instanceof StoreConflictError ? await find() : null;
    if (again) return again;
    throw err;
  }
}

/** Idempotent (also when several nodes start at once): creates whatever of the dev identity is missing, changes nothing that exists. */
export async function ensureDevIdentity(store: Store, secret: ServerSecret, now = Date.now()): Promise<void> {
  const domain = await store.ensureDomain(DEV.domain);
  await findOrCreate(
    () => store.getProject(DEV.project.id),
    () => store.createProject({ id: DEV.project.id, name: DEV.project.name, domainId: domain.id, description: 'dev project' }),
  );
  for (const u of DEV.users) {
    const user = await findOrCreate(
      () => store.getUserByName(domain.id, u.name),
      async () => store.createUser({ id: newId(), domainId: domain.id, name: u.name, passwordHash: await hashPassword(DEV.password) }),
    );
    if (!(await store.getRoles(user.id, DEV.project.id)).includes(u.role)) await store.grantRole(user.id, DEV.project.id, u.role, now);
    const { ak, sk } = u;
    if (ak && sk) {
      await findOrCreate(
        () => store.getAccessKey(ak),
        () => store.createAccessKey({ accessKey: ak, userId: user.id, secretEncrypted: sealSecret(secret.skKey, sk), description: 'dev mode key', createdAt: now }),
      );
    }
  }
}

function parseFleetFile(file: string, now: number) {
  const parsed = parseFleet(JSON.parse(readFileSync(file, 'utf8')), now);
  if (!parsed.ok) throw new Error(`${file}: desktop ${parsed.error.index}: ${parsed.error.field}: ${parsed.error.message}`);
  return parsed;
}

/** Loads a fleet file into the dev project when the project has no desktop yet. */
export async function loadFleetIfEmpty(store: Store, projectId: string, file: string, now = Date.now()): Promise<number> {
  if ((await store.countDesktops(projectId)) > 0) return 0;
  const parsed = parseFleetFile(file, now);
  const r = await store.importFleet(projectId, parsed.desktops, parsed.reports, now);
  return r.desktops;
}

/**
 * The dev fleet's reports carry ages, so on every dev start they are stored again as of now:
 * a dev store reused for weeks never turns stale. Each goes through the guarded upsert, so a
 * report that is newer than the fleet's (one an agent or a test sent) stays, and a desktop
 * that was removed is not brought back. Returns how many reports were refreshed.
 */
export async function refreshFleetReports(store: Store, projectId: string, file: string, now = Date.now()): Promise<number> {
  const parsed = parseFleetFile(file, now);
  let refreshed = 0;
  for (const { desktopId, report } of parsed.reports) {
    const r = await store.putReport(projectId, desktopId, report, now);
    if (r?.applied) refreshed++;
  }
  return refreshed;
}

/**
 * Outside dev mode, the first start on an empty store creates an admin with a generated
 * password and returns it to be printed once.
 */
export async function bootstrapFirstAdmin(store: Store, now = Date.now()): Promise<{ domain: string; user: string; password: string; projectId: string; projectName: string } | null> {
  if ((await store.countUsers()) > 0) return null;
  const domain = await store.ensureDomain('default');
  const projects = await store.listProjects({ domainId: domain.id });
  const project = projects[0] ?? (await store.createProject({ id: newId(), name: 'default', domainId: domain.id, description: 'created at first start' }));
  const password = randomBytes(18).toString('base64url');
  const user = await store.createUser({ id: newId(), domainId: domain.id, name: 'admin', passwordHash: await hashPassword(password) });
  await store.grantRole(user.id, project.id, 'admin', now);
  return { domain: domain.name, user: 'admin', password, projectId: project.id, projectName: project.name };
}
