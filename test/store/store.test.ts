// The Store contract: one suite, run against whatever openTestStore gives (SQLite by default,
// PostgreSQL when WKS_TEST_DATABASE_URL is set). Every test works in its own project / users /
// keys, so they share one store per file. Run with TZ set to a non-UTC zone (npm test does).
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REARM_NOT_APPLICABLE, type DesktopInput, type SysprepReport } from '../../src/domain/types.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { StoreConflictError, StoreUnavailableError, type Store } from '../../src/store/store.js';
import { openTestStore, testStoreKind } from '../helpers/store.js';

const T0 = Date.UTC(2026, 2, 31, 15, 59, 59, 987); // 23:59:59.987 in Asia/Shanghai: a day boundary locally
const MIN = 60_000;

let dir: string;
let store: Store;
let drop: () => Promise<void>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wks-store-'));
  ({ store, drop } = await openTestStore(dir));
});
afterAll(async () => {
  await store?.close();
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

const hex32 = () => randomBytes(16).toString('hex');
const uid = () => randomUUID();

async function newDomain() {
  return store.ensureDomain(`dom-${uid()}`);
}
async function newProject() {
  const d = await newDomain();
  return store.createProject({ id: hex32(), name: `cn-north-${uid()}`, domainId: d.id });
}
async function newUser(domainId?: string, name = `user-${uid()}`) {
  return store.createUser({ id: hex32(), domainId: domainId ?? (await newDomain()).id, name, passwordHash: 'scrypt$hash' });
}

function desktop(id: string, over: Partial<DesktopInput> = {}): DesktopInput {
  return {
    desktopId: id,
    computerName: `WKS-${id.slice(0, 8)}`,
    osType: 'Windows',
    osVersion: '10.0.22631.2715',
    status: 'ACTIVE',
    enterpriseProjectId: '0',
    tags: [
      { key: 'department', value: 'finance' },
      { key: 'cost-center', value: 'CC-1010' },
    ],
    ...over,
  };
}

const minimalReport = (collectedAt: number): SysprepReport => ({ collectedAt, sysprepVersion: '10.0.19041.3636' });

function fullReport(collectedAt: number): SysprepReport {
  return {
    collectedAt,
    sysprepVersion: '10.0.19041.3636',
    osVersion: '10.0.19045.3636',
    osEdition: 'Professional',
    imageState: 'IMAGE_STATE_COMPLETE',
    rearmRemaining: REARM_NOT_APPLICABLE,
    skipRearm: false,
    upgradedInPlace: true,
    appxUnprovisioned: ['Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe', 'Contoso.App_1.0.0.0_neutral_~_"quoted"\\back\u00e9'],
    bitlockerOsVolume: 'suspended',
    generalizeCount: 0,
    sysprepSucceededTag: true,
    pendingReboot: false,
    domainJoined: true,
    agentVersion: '1.4.2',
  };
}

describe('lifecycle', () => {
  it('migrate is idempotent and safe to call concurrently; ping works', async () => {
    await store.migrate();
    await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
    await expect(store.ping()).resolves.toBeUndefined();
    expect(store.kind).toBe(testStoreKind);
  });

  it('a closed store is unavailable, and close is idempotent', async () => {
    const d = mkdtempSync(join(tmpdir(), 'wks-store-closed-'));
    const other = await openTestStore(d);
    try {
      await other.store.close();
      await other.store.close();
      await expect(other.store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(other.store.getDesktop(hex32(), 'x')).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await other.drop();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('identity', () => {
  it('ensureDomain is idempotent; domains by id and name', async () => {
    const name = `dom-${uid()}`;
    const a = await store.ensureDomain(name);
    const b = await store.ensureDomain(name);
    expect(b).toEqual(a);
    expect(a.name).toBe(name);
    expect(await store.getDomainById(a.id)).toEqual(a);
    expect(await store.getDomainByName(name)).toEqual(a);
    expect(await store.getDomainById('nope')).toBeNull();
    expect(await store.getDomainByName(`nope-${uid()}`)).toBeNull();
    const many = await Promise.all(Array.from({ length: 8 }, () => store.ensureDomain(`race-${name}`)));
    expect(new Set(many.map((d) => d.id)).size).toBe(1);
  });

  it('projects: create, get, list with filters, conflicts', async () => {
    const d1 = await newDomain();
    const d2 = await newDomain();
    const before = Date.now();
    const p = await store.createProject({ id: hex32(), name: 'cn-north-4', domainId: d1.id, description: 'main' });
    expect(p).toMatchObject({ name: 'cn-north-4', domainId: d1.id, enabled: true, description: 'main' });
    expect(p.createdAt).toBeGreaterThanOrEqual(before - 1);
    expect(p.createdAt).toBeLessThanOrEqual(Date.now() + 1);
    expect(await store.getProject(p.id)).toEqual(p);
    expect(await store.getProject(hex32())).toBeNull();

    const q = await store.createProject({ id: hex32(), name: 'ap-southeast-1', domainId: d1.id });
    expect(q.description).toBe('');
    const r = await store.createProject({ id: hex32(), name: 'cn-north-4', domainId: d2.id });

    await expect(store.createProject({ id: p.id, name: 'other', domainId: d1.id })).rejects.toBeInstanceOf(StoreConflictError);
    await expect(store.createProject({ id: hex32(), name: 'cn-north-4', domainId: d1.id })).rejects.toBeInstanceOf(StoreConflictError);

    expect((await store.listProjects({ domainId: d1.id })).map((x) => x.id)).toEqual([q.id, p.id]); // by name
    expect((await store.listProjects({ domainId: d1.id, name: 'cn-north-4' })).map((x) => x.id)).toEqual([p.id]);
    const byName = (await store.listProjects({ name: 'cn-north-4' })).map((x) => x.id);
    expect(byName).toEqual(expect.arrayContaining([p.id, r.id]));
    const all = (await store.listProjects()).map((x) => x.id);
    expect(all).toEqual(expect.arrayContaining([p.id, q.id, r.id]));
  });

  it('projects: disable and enable', async () => {
    const d = await newDomain();
    const p = await store.createProject({ id: hex32(), name: 'cn-east-3', domainId: d.id });
    expect(await store.setProjectEnabled(p.id, false)).toBe(true);
    expect(await store.getProject(p.id)).toEqual({ ...p, enabled: false });
    expect(await store.listProjects({ domainId: d.id })).toEqual([{ ...p, enabled: false }]);
    expect(await store.setProjectEnabled(p.id, true)).toBe(true);
    expect(await store.getProject(p.id)).toEqual(p);
    expect(await store.setProjectEnabled(hex32(), false)).toBe(false);
  });

  it('users: create, by id, by name, across domains, list, count, conflicts', async () => {
    const d1 = await newDomain();
    const d2 = await newDomain();
    const count0 = await store.countUsers();
    const name = `alice-${uid()}`;
    const before = Date.now();
    const a = await store.createUser({ id: hex32(), domainId: d1.id, name, passwordHash: 'h1' });
    expect(a).toMatchObject({ domainId: d1.id, name, passwordHash: 'h1', enabled: true, validAfter: 0 });
    expect(a.createdAt).toBeGreaterThanOrEqual(before - 1);
    expect(a.passwordChangedAt).toBe(a.createdAt);
    expect(await store.getUser(a.id)).toEqual(a);
    expect(await store.getUser(hex32())).toBeNull();
    expect(await store.getUserByName(d1.id, name)).toEqual(a);
    expect(await store.getUserByName(d2.id, name)).toBeNull();

    await expect(store.createUser({ id: hex32(), domainId: d1.id, name, passwordHash: 'h' })).rejects.toBeInstanceOf(StoreConflictError);
    await expect(store.createUser({ id: a.id, domainId: d2.id, name: `x-${uid()}`, passwordHash: 'h' })).rejects.toBeInstanceOf(StoreConflictError);

    const b = await store.createUser({ id: hex32(), domainId: d2.id, name, passwordHash: 'h2' });
    const found = await store.findUsersByName(name);
    expect(found.map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
    expect(await store.findUsersByName(`nobody-${uid()}`)).toEqual([]);

    const c = await store.createUser({ id: hex32(), domainId: d1.id, name: `${name}-0`, passwordHash: 'h3' });
    expect((await store.listUsers(d1.id)).map((u) => u.id)).toEqual([a.id, c.id]); // by name
    expect((await store.listUsers()).map((u) => u.id)).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    expect(await store.countUsers()).toBe(count0 + 3);
  });

  it('password change moves validAfter (never backwards)', async () => {
    const u = await newUser();
    await store.setPassword(u.id, 'new-hash', T0);
    let got = (await store.getUser(u.id))!;
    expect(got).toMatchObject({ passwordHash: 'new-hash', passwordChangedAt: T0, validAfter: T0 });
    await store.setPassword(u.id, 'older', T0 - MIN);
    got = (await store.getUser(u.id))!;
    expect(got.passwordHash).toBe('older');
    expect(got.validAfter).toBe(T0);
  });

  it('disabling moves validAfter; enabling does not', async () => {
    const u = await newUser();
    await store.setUserEnabled(u.id, false, T0);
    expect(await store.getUser(u.id)).toMatchObject({ enabled: false, validAfter: T0 });
    await store.setUserEnabled(u.id, true, T0 + MIN);
    expect(await store.getUser(u.id)).toMatchObject({ enabled: true, validAfter: T0 });
  });

  it('grant/revoke move validAfter only when something changed; role listing', async () => {
    const p1 = await newProject();
    const p2 = await store.createProject({ id: hex32(), name: `other-${uid()}`, domainId: p1.domainId });
    const u = await newUser(p1.domainId);
    await store.grantRole(u.id, p1.id, 'viewer', T0);
    expect((await store.getUser(u.id))!.validAfter).toBe(T0);
    await store.grantRole(u.id, p1.id, 'viewer', T0 + MIN); // already there
    expect((await store.getUser(u.id))!.validAfter).toBe(T0);
    await store.grantRole(u.id, p1.id, 'admin', T0 + 2 * MIN);
    expect((await store.getUser(u.id))!.validAfter).toBe(T0 + 2 * MIN);
    await store.grantRole(u.id, p2.id, 'agent', T0 + 3 * MIN);

    expect(await store.getRoles(u.id, p1.id)).toEqual(['admin', 'viewer']);
    expect(await store.getRoles(u.id, p2.id)).toEqual(['agent']);
    expect(await store.getRoles(u.id, hex32())).toEqual([]);
    const all = await store.listRoleAssignments(u.id);
    expect(Object.fromEntries(all)).toEqual({ [p1.id]: ['admin', 'viewer'], [p2.id]: ['agent'] });

    await store.revokeRole(u.id, p1.id, 'agent', T0 + 4 * MIN); // not assigned
    expect((await store.getUser(u.id))!.validAfter).toBe(T0 + 3 * MIN);
    await store.revokeRole(u.id, p1.id, 'admin', T0 + 5 * MIN);
    expect((await store.getUser(u.id))!.validAfter).toBe(T0 + 5 * MIN);
    expect(await store.getRoles(u.id, p1.id)).toEqual(['viewer']);
    expect(Object.fromEntries(await store.listRoleAssignments((await newUser()).id))).toEqual({});
  });
});

describe('token invalidation', () => {
  it('users and revoked unexpired tokens since an instant', async () => {
    // Far-future instants keep other tests' users out of the window.
    const base = Date.UTC(2090, 0, 1, 0, 0, 0, 1);
    const u1 = await newUser();
    const u2 = await newUser();
    const u3 = await newUser();
    await store.setPassword(u1.id, 'h', base);
    await store.setUserEnabled(u2.id, false, base + 500);
    await store.setPassword(u3.id, 'h', base - 1); // before the window

    const t1 = uid();
    const t2 = uid();
    const t3 = uid();
    await store.revokeToken(t1, u1.id, base + 10 * MIN, base + 1);
    await store.revokeToken(t1, u1.id, base + 10 * MIN, base + 2); // twice is fine
    await store.revokeToken(t2, u1.id, base + 2 * MIN, base + 2); // expires before `now` below
    await store.revokeToken(t3, u2.id, base + 10 * MIN, base - 5); // revoked before the window

    const inv = await store.getInvalidationsSince(base, base + 5 * MIN);
    expect(inv.users.get(u1.id)).toBe(base);
    expect(inv.users.get(u2.id)).toBe(base + 500);
    expect(inv.users.has(u3.id)).toBe(false);
    expect(inv.tokens.get(t1)).toBe(base + 10 * MIN);
    expect(inv.tokens.has(t2)).toBe(false);
    expect(inv.tokens.has(t3)).toBe(false);

    const later = await store.getInvalidationsSince(base + 1, base + 5 * MIN);
    expect(later.users.has(u1.id)).toBe(false);
    expect(later.users.get(u2.id)).toBe(base + 500);
    expect(later.tokens.get(t1)).toBe(base + 10 * MIN);
  });
});

describe('access keys', () => {
  const ak = () => `AK${randomBytes(9).toString('hex').toUpperCase()}`;

  it('create, get, list, status, description, delete', async () => {
    const u = await newUser();
    const k1 = ak();
    const k2 = ak();
    const keysBefore = await store.countAccessKeys();
    const created = await store.createAccessKey({ accessKey: k1, userId: u.id, secretEncrypted: 'v1.enc:abc', description: 'first', createdAt: T0 });
    expect(await store.countAccessKeys()).toBe(keysBefore + 1);
    expect(created).toEqual({ accessKey: k1, userId: u.id, secretEncrypted: 'v1.enc:abc', status: 'active', description: 'first', createdAt: T0, lastUsedAt: null, failedCount: 0, lockedUntil: null });
    await store.createAccessKey({ accessKey: k2, userId: u.id, secretEncrypted: 'v1.enc:def', description: '', createdAt: T0 - 1 });
    await expect(store.createAccessKey({ accessKey: k1, userId: u.id, secretEncrypted: 'x', description: '', createdAt: T0 })).rejects.toBeInstanceOf(StoreConflictError);

    expect(await store.getAccessKey(k1)).toEqual(created);
    expect(await store.getAccessKey(ak())).toBeNull();

    // A use is recorded only when the stored one is older than notBefore (a conditional write).
    const MIN = 60_000;
    await store.recordAccessKeyUse(k1, T0 + 1_000, T0 + 1_000 - MIN);
    expect((await store.getAccessKey(k1))?.lastUsedAt).toBe(T0 + 1_000);
    await store.recordAccessKeyUse(k1, T0 + 30_000, T0 + 30_000 - MIN);
    expect((await store.getAccessKey(k1))?.lastUsedAt).toBe(T0 + 1_000);
    await store.recordAccessKeyUse(k1, T0 + 70_000, T0 + 70_000 - MIN);
    expect((await store.getAccessKey(k1))?.lastUsedAt).toBe(T0 + 70_000);
    expect((await store.listAccessKeys(u.id)).map((k) => k.accessKey)).toEqual([k2, k1]); // by creation
    expect(await store.listAccessKeys(hex32())).toEqual([]);

    expect(await store.setAccessKeyStatus(k1, 'inactive')).toBe(true);
    expect((await store.getAccessKey(k1))!.status).toBe('inactive');
    expect(await store.setAccessKeyStatus(ak(), 'inactive')).toBe(false);
    expect(await store.setAccessKeyDescription(k1, 'renamed')).toBe(true);
    expect((await store.getAccessKey(k1))!.description).toBe('renamed');
    expect(await store.setAccessKeyDescription(ak(), 'x')).toBe(false);

    expect(await store.deleteAccessKey(k1)).toBe(true);
    expect(await store.deleteAccessKey(k1)).toBe(false);
    expect(await store.getAccessKey(k1)).toBeNull();
    expect((await store.listAccessKeys(u.id)).map((k) => k.accessKey)).toEqual([k2]);
  });

  it('5 failures lock until now + lockMs and the counter restarts', async () => {
    const u = await newUser();
    const k = ak();
    await store.createAccessKey({ accessKey: k, userId: u.id, secretEncrypted: 's', description: '', createdAt: T0 });
    for (let i = 1; i <= 4; i++) {
      expect(await store.recordSignatureFailure(k, T0 + i, 5, 300_000)).toBeNull();
      expect((await store.getAccessKey(k))!.failedCount).toBe(i);
    }
    expect(await store.recordSignatureFailure(k, T0 + 5, 5, 300_000)).toBe(T0 + 5 + 300_000);
    expect(await store.getAccessKey(k)).toMatchObject({ failedCount: 0, lockedUntil: T0 + 5 + 300_000 });
    // Still locked: a further failure reports the lock, and counts toward the next one.
    expect(await store.recordSignatureFailure(k, T0 + 6, 5, 300_000)).toBe(T0 + 5 + 300_000);
    expect((await store.getAccessKey(k))!.failedCount).toBe(1);
    // After the lock expired, failures are plain failures again.
    const later = T0 + 10 * 300_000;
    expect(await store.recordSignatureFailure(k, later, 5, 300_000)).toBeNull();
    expect((await store.getAccessKey(k))!.failedCount).toBe(2);
    expect(await store.recordSignatureFailure(ak(), T0, 5, 300_000)).toBeNull(); // unknown AK
  });

  it('concurrent failures each count exactly once', async () => {
    const u = await newUser();
    const k = ak();
    await store.createAccessKey({ accessKey: k, userId: u.id, secretEncrypted: 's', description: '', createdAt: T0 });
    const n = 23;
    const results = await Promise.all(Array.from({ length: n }, () => store.recordSignatureFailure(k, T0, 5, 300_000)));
    // Exactly the first four (in commit order) find no lock; the fifth locks; the rest see it.
    expect(results.filter((r) => r === null)).toHaveLength(4);
    expect(results.filter((r) => r === T0 + 300_000)).toHaveLength(n - 4);
    expect(await store.getAccessKey(k)).toMatchObject({ failedCount: n % 5, lockedUntil: T0 + 300_000 });
  });

  it('reset only clears a non-zero counter and keeps the lock', async () => {
    const u = await newUser();
    const k = ak();
    await store.createAccessKey({ accessKey: k, userId: u.id, secretEncrypted: 's', description: '', createdAt: T0 });
    await store.resetSignatureFailures(k); // zero: nothing to do
    expect((await store.getAccessKey(k))!.failedCount).toBe(0);
    await store.recordSignatureFailure(k, T0, 5, 1000);
    await store.recordSignatureFailure(k, T0, 5, 1000);
    expect((await store.getAccessKey(k))!.failedCount).toBe(2);
    await store.resetSignatureFailures(k);
    expect((await store.getAccessKey(k))!.failedCount).toBe(0);
    for (let i = 0; i < 5; i++) await store.recordSignatureFailure(k, T0, 5, 1000);
    await store.resetSignatureFailures(k);
    expect(await store.getAccessKey(k)).toMatchObject({ failedCount: 0, lockedUntil: T0 + 1000 });
    await store.resetSignatureFailures(ak()); // unknown: no error
  });

  it('keys are listed per user', async () => {
    const u1 = await newUser();
    const u2 = await newUser();
    const k = ak();
    await store.createAccessKey({ accessKey: k, userId: u1.id, secretEncrypted: 's', description: '', createdAt: T0 });
    expect(await store.listAccessKeys(u2.id)).toEqual([]);
    expect((await store.listAccessKeys(u1.id)).map((x) => x.accessKey)).toEqual([k]);
  });

  it('createAccessKeyUnderLimit creates while the user has fewer keys than the limit', async () => {
    const u = await newUser();
    const other = await newUser();
    const [k1, k2, k3] = [ak(), ak(), ak()];
    const first = await store.createAccessKeyUnderLimit({ accessKey: k1, userId: u.id, secretEncrypted: 'v1.a', description: 'one', createdAt: T0 }, 2);
    expect(first).toEqual({ accessKey: k1, userId: u.id, secretEncrypted: 'v1.a', status: 'active', description: 'one', createdAt: T0, lastUsedAt: null, failedCount: 0, lockedUntil: null });
    expect(await store.createAccessKeyUnderLimit({ accessKey: k2, userId: u.id, secretEncrypted: 'v1.b', description: '', createdAt: T0 + 1 }, 2)).toMatchObject({ accessKey: k2 });
    expect(await store.createAccessKeyUnderLimit({ accessKey: k3, userId: u.id, secretEncrypted: 'v1.c', description: '', createdAt: T0 + 2 }, 2)).toBeNull();
    expect(await store.getAccessKey(k3)).toBeNull();
    // Inactive keys count too (Huawei: at most two keys, whatever their status).
    await store.setAccessKeyStatus(k1, 'inactive');
    expect(await store.createAccessKeyUnderLimit({ accessKey: k3, userId: u.id, secretEncrypted: 'v1.c', description: '', createdAt: T0 + 2 }, 2)).toBeNull();
    // The limit is per user; a deleted key frees its place.
    expect(await store.createAccessKeyUnderLimit({ accessKey: k3, userId: other.id, secretEncrypted: 'v1.c', description: '', createdAt: T0 + 2 }, 2)).toMatchObject({ userId: other.id });
    await store.deleteAccessKey(k2);
    const k4 = ak();
    expect(await store.createAccessKeyUnderLimit({ accessKey: k4, userId: u.id, secretEncrypted: 'v1.d', description: '', createdAt: T0 + 3 }, 2)).toMatchObject({ accessKey: k4 });
    expect((await store.listAccessKeys(u.id)).map((x) => x.accessKey)).toEqual([k1, k4]);
    // A duplicate AK is still a conflict.
    await expect(store.createAccessKeyUnderLimit({ accessKey: k3, userId: (await newUser()).id, secretEncrypted: 'x', description: '', createdAt: T0 }, 2)).rejects.toBeInstanceOf(StoreConflictError);
  });

  it('concurrent createAccessKeyUnderLimit calls never exceed the limit', async () => {
    const u = await newUser();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.createAccessKeyUnderLimit({ accessKey: ak(), userId: u.id, secretEncrypted: 's', description: '', createdAt: T0 + i }, 2)),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(2);
    expect(await store.listAccessKeys(u.id)).toHaveLength(2);
  });
});

describe('desktops', () => {
  it('upsert inserts, then updates keeping created_at; returns desktops in input order', async () => {
    const p = await newProject();
    const [a, b] = [uid(), uid()];
    const inserted = await store.upsertDesktops(p.id, [desktop(a), desktop(b, { osType: 'Linux', tags: [] })], T0);
    expect(inserted).toEqual([
      { ...desktop(a), projectId: p.id, createdAt: T0, updatedAt: T0 },
      { ...desktop(b, { osType: 'Linux', tags: [] }), projectId: p.id, createdAt: T0, updatedAt: T0 },
    ]);
    expect(await store.getDesktop(p.id, a)).toEqual(inserted[0]);

    const changed = desktop(a, { computerName: 'RENAMED', status: 'SHUTOFF', osVersion: '10.0.26100.1', enterpriseProjectId: 'ep-1', tags: [{ key: 'k', value: 'v "q" ü' }] });
    const updated = await store.upsertDesktops(p.id, [desktop(uid()), changed], T0 + MIN);
    expect(updated[1]).toEqual({ ...changed, projectId: p.id, createdAt: T0, updatedAt: T0 + MIN });
    expect(await store.getDesktop(p.id, a)).toEqual(updated[1]);
    expect(await store.getDesktop(p.id, b)).toEqual(inserted[1]);
    expect(await store.getDesktop(p.id, uid())).toBeNull();
    expect(await store.upsertDesktops(p.id, [], T0)).toEqual([]);
  });

  it('the same desktop twice in one batch: the last one wins', async () => {
    const p = await newProject();
    const a = uid();
    const out = await store.upsertDesktops(p.id, [desktop(a, { computerName: 'ONE' }), desktop(a, { computerName: 'TWO' })], T0);
    expect(out.map((d) => d.computerName)).toEqual(['TWO', 'TWO']);
    expect((await store.getDesktop(p.id, a))!.computerName).toBe('TWO');
    expect(await store.countDesktops(p.id)).toBe(1);
  });

  it('a batch failing mid-way writes nothing', async () => {
    const p = await newProject();
    const existing = uid();
    const original = (await store.upsertDesktops(p.id, [desktop(existing)], T0))[0];
    const bad = { ...desktop(uid()), computerName: null } as unknown as DesktopInput; // NOT NULL violation
    const batch = [desktop(uid()), desktop(existing, { computerName: 'CHANGED' }), bad, desktop(uid())];
    await expect(store.upsertDesktops(p.id, batch, T0 + MIN)).rejects.toThrow();
    expect(await store.countDesktops(p.id)).toBe(1);
    expect(await store.getDesktop(p.id, existing)).toEqual(original);
    for (const d of batch) if (d.desktopId !== existing) expect(await store.getDesktop(p.id, d.desktopId)).toBeNull();
  });

  it('delete removes the desktop and its report', async () => {
    const p = await newProject();
    const a = uid();
    await store.upsertDesktops(p.id, [desktop(a)], T0);
    await store.putReport(p.id, a, fullReport(T0), T0);
    expect(await store.deleteDesktop(p.id, a)).toBe(true);
    expect(await store.deleteDesktop(p.id, a)).toBe(false);
    expect(await store.getDesktop(p.id, a)).toBeNull();
    expect(await store.getDesktopWithReport(p.id, a)).toBeNull();
    expect(await store.putReport(p.id, a, minimalReport(T0 + 1), T0)).toBeNull();
    await store.upsertDesktops(p.id, [desktop(a)], T0 + MIN);
    expect((await store.getDesktopWithReport(p.id, a))!.report).toBeNull(); // the old report is gone
  });

  it('list pages in creation order with a total; count', async () => {
    const p = await newProject();
    const ids = Array.from({ length: 7 }, (_, i) => `desk-${i}`);
    // created in two waves; inside a wave, ties break by desktop id
    await store.upsertDesktops(p.id, ids.slice(3).reverse().map((id) => desktop(id)), T0 + 1);
    await store.upsertDesktops(p.id, ids.slice(0, 3).reverse().map((id) => desktop(id)), T0);
    await store.upsertDesktops(p.id, [desktop('desk-0', { computerName: 'UPDATED' })], T0 + MIN); // update keeps its place
    expect(await store.countDesktops(p.id)).toBe(7);
    const page1 = await store.listDesktops(p.id, 3, 0);
    expect(page1.total).toBe(7);
    expect(page1.desktops.map((d) => d.desktopId)).toEqual(['desk-0', 'desk-1', 'desk-2']);
    expect(page1.desktops[0]).toMatchObject({ projectId: p.id, computerName: 'UPDATED', createdAt: T0, updatedAt: T0 + MIN });
    expect((await store.listDesktops(p.id, 3, 3)).desktops.map((d) => d.desktopId)).toEqual(['desk-3', 'desk-4', 'desk-5']);
    expect((await store.listDesktops(p.id, 3, 6)).desktops.map((d) => d.desktopId)).toEqual(['desk-6']);
    expect(await store.listDesktops(p.id, 3, 9)).toEqual({ desktops: [], total: 7 });
    expect(await store.listDesktops(hex32(), 10, 0)).toEqual({ desktops: [], total: 0 });
    expect(await store.countDesktops(hex32())).toBe(0);

    await store.putReport(p.id, 'desk-4', minimalReport(T0), T0);
    const withReports = await store.listDesktopsWithReports(p.id, 3, 3);
    expect(withReports.map((x) => [x.desktop.desktopId, x.report?.collectedAt ?? null])).toEqual([
      ['desk-3', null],
      ['desk-4', T0],
      ['desk-5', null],
    ]);
  });

  it('listDesktopsWithReportsAfter pages by desktop_id in byte order, each desktop exactly once', async () => {
    const p = await newProject();
    const other = await newProject();
    // Upper case sorts before lower case and '-' before digits in byte order (not in a locale's).
    const ids = ['b-2', 'B-1', 'a', 'a-0', 'a0', 'Z', '9', '-x', 'b-10', ...Array.from({ length: 16 }, () => uid())];
    await store.upsertDesktops(p.id, ids.map((id) => desktop(id)), T0);
    await store.upsertDesktops(other.id, [desktop('a-1'), desktop('zz')], T0);
    await store.putReport(p.id, 'a0', fullReport(T0 + 1000), T0 + 2000);
    const byteOrder = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await store.listDesktopsWithReportsAfter(p.id, after, 4);
      expect(page.length).toBeLessThanOrEqual(4);
      if (page.length === 0) break;
      seen.push(...page.map((x) => x.desktop.desktopId));
      after = page[page.length - 1].desktop.desktopId;
    }
    expect(seen).toEqual(byteOrder);

    const first = await store.listDesktopsWithReportsAfter(p.id, null, 100);
    expect(first.map((x) => x.desktop.desktopId)).toEqual(byteOrder);
    expect(first.find((x) => x.desktop.desktopId === 'a0')).toEqual({
      desktop: { ...desktop('a0'), projectId: p.id, createdAt: T0, updatedAt: T0 },
      report: { ...fullReport(T0 + 1000), receivedAt: T0 + 2000 },
    });
    expect(first.filter((x) => x.report !== null)).toHaveLength(1);
    // `after` need not exist; the last id gives an empty page; other projects never leak in.
    expect((await store.listDesktopsWithReportsAfter(p.id, 'a-00', 2)).map((x) => x.desktop.desktopId)).toEqual(byteOrder.slice(byteOrder.indexOf('a-0') + 1, byteOrder.indexOf('a-0') + 3));
    expect(await store.listDesktopsWithReportsAfter(p.id, byteOrder[byteOrder.length - 1], 10)).toEqual([]);
    expect((await store.listDesktopsWithReportsAfter(other.id, null, 10)).map((x) => x.desktop.desktopId)).toEqual(['a-1', 'zz']);
    expect(await store.listDesktopsWithReportsAfter(hex32(), null, 10)).toEqual([]);
  });

  it('getDesktopsWithReports reads many ids in one call, unknown ids absent', async () => {
    const p = await newProject();
    const ids = Array.from({ length: 250 }, () => uid());
    await store.upsertDesktops(p.id, ids.map((id) => desktop(id)), T0);
    for (const id of ids.slice(0, 5)) await store.putReport(p.id, id, fullReport(T0 + 1000), T0 + 2000);
    const unknown = Array.from({ length: 50 }, () => uid());
    const got = await store.getDesktopsWithReports(p.id, [...ids, ...unknown, ids[0]]);
    expect(got.size).toBe(250);
    for (const id of unknown) expect(got.has(id)).toBe(false);
    expect(got.get(ids[0])).toEqual({ desktop: { ...desktop(ids[0]), projectId: p.id, createdAt: T0, updatedAt: T0 }, report: { ...fullReport(T0 + 1000), receivedAt: T0 + 2000 } });
    expect(got.get(ids[10])!.report).toBeNull();
    expect((await store.getDesktopsWithReports(p.id, [])).size).toBe(0);
    expect((await store.getDesktopsWithReports(hex32(), ids)).size).toBe(0);
  });
});

describe('reports', () => {
  async function oneDesktop() {
    const p = await newProject();
    const id = uid();
    await store.upsertDesktops(p.id, [desktop(id)], T0 - MIN);
    return { projectId: p.id, desktopId: id };
  }

  it('first applied, newer applied, older or equal not applied (returns the stored instant)', async () => {
    const { projectId, desktopId } = await oneDesktop();
    expect((await store.getDesktopWithReport(projectId, desktopId))!.report).toBeNull();
    expect(await store.putReport(projectId, desktopId, minimalReport(T0), T0 + 5)).toEqual({ applied: true, collectedAt: T0 });
    expect(await store.putReport(projectId, desktopId, fullReport(T0 + 1), T0 + 6)).toEqual({ applied: true, collectedAt: T0 + 1 });
    expect(await store.putReport(projectId, desktopId, minimalReport(T0 + 1), T0 + 7)).toEqual({ applied: false, collectedAt: T0 + 1 });
    expect(await store.putReport(projectId, desktopId, minimalReport(T0 - MIN), T0 + 8)).toEqual({ applied: false, collectedAt: T0 + 1 });
    const got = await store.getDesktopWithReport(projectId, desktopId);
    expect(got!.report).toEqual({ ...fullReport(T0 + 1), receivedAt: T0 + 6 });
    // A newer minimal report replaces every fact (absent facts become absent).
    expect(await store.putReport(projectId, desktopId, minimalReport(T0 + 2), T0 + 9)).toEqual({ applied: true, collectedAt: T0 + 2 });
    expect((await store.getDesktopWithReport(projectId, desktopId))!.report).toEqual({ ...minimalReport(T0 + 2), receivedAt: T0 + 9 });
  });

  it('every optional fact round-trips exactly', async () => {
    const { projectId, desktopId } = await oneDesktop();
    const variants: SysprepReport[] = [
      fullReport(T0),
      { ...fullReport(T0 + 1), rearmRemaining: 0, skipRearm: true, upgradedInPlace: false, appxUnprovisioned: [], bitlockerOsVolume: 'off', generalizeCount: 7, sysprepSucceededTag: false, pendingReboot: true, domainJoined: false, imageState: 'IMAGE_STATE_UNKNOWN' },
      { ...minimalReport(T0 + 2), rearmRemaining: 1000, appxUnprovisioned: ['a', 'b', 'c'] },
      minimalReport(T0 + 3),
    ];
    for (const r of variants) {
      await store.putReport(projectId, desktopId, r, r.collectedAt + 100);
      expect((await store.getDesktopWithReport(projectId, desktopId))!.report).toEqual({ ...r, receivedAt: r.collectedAt + 100 });
      expect((await store.getDesktopsWithReports(projectId, [desktopId])).get(desktopId)!.report).toEqual({ ...r, receivedAt: r.collectedAt + 100 });
      expect(await store.getVerdictInputs(projectId, desktopId)).toEqual({ desktop: { osType: 'Windows', status: 'ACTIVE' }, report: { ...r, receivedAt: r.collectedAt + 100 } });
    }
  });

  it('getVerdictInputs reads what the verdict needs: os type, status and the report, or null', async () => {
    const { projectId, desktopId } = await oneDesktop();
    expect(await store.getVerdictInputs(projectId, desktopId)).toEqual({ desktop: { osType: 'Windows', status: 'ACTIVE' }, report: null });
    await store.upsertDesktops(projectId, [desktop(desktopId, { osType: 'Linux', status: 'ERROR' })], T0);
    await store.putReport(projectId, desktopId, minimalReport(T0), T0 + 1);
    expect(await store.getVerdictInputs(projectId, desktopId)).toEqual({ desktop: { osType: 'Linux', status: 'ERROR' }, report: { ...minimalReport(T0), receivedAt: T0 + 1 } });
    expect(await store.getVerdictInputs(projectId, uid())).toBeNull();
    expect(await store.getVerdictInputs(hex32(), desktopId)).toBeNull();
  });

  it('instants keep their milliseconds across zones and years', async () => {
    const { projectId, desktopId } = await oneDesktop();
    for (const at of [Date.UTC(2001, 0, 1, 0, 0, 0, 1), Date.UTC(2024, 1, 29, 16, 0, 0, 999), Date.UTC(2038, 0, 19, 3, 14, 8, 123), Date.UTC(2099, 11, 31, 23, 59, 59, 999)].sort((a, b) => a - b)) {
      expect(await store.putReport(projectId, desktopId, minimalReport(at), at + 1)).toEqual({ applied: true, collectedAt: at });
      expect((await store.getDesktopWithReport(projectId, desktopId))!.report).toEqual({ ...minimalReport(at), receivedAt: at + 1 });
    }
  });

  it('a missing desktop gives null and stores nothing', async () => {
    const { projectId } = await oneDesktop();
    const ghost = uid();
    expect(await store.putReport(projectId, ghost, minimalReport(T0), T0)).toBeNull();
    expect(await store.getDesktopWithReport(projectId, ghost)).toBeNull();
    expect(await store.getVerdictInputs(projectId, ghost)).toBeNull();
    expect(await store.putReport(hex32(), ghost, minimalReport(T0), T0)).toBeNull();
  });

  it('20 concurrent first reports: one row, no error, the newest wins', async () => {
    const { projectId, desktopId } = await oneDesktop();
    const instants = Array.from({ length: 20 }, (_, i) => T0 + ((i * 7) % 20) * 1000); // shuffled
    const results = await Promise.all(instants.map((at) => store.putReport(projectId, desktopId, { ...fullReport(at), agentVersion: String(at) }, at + 1)));
    const newest = Math.max(...instants);
    for (const [i, r] of results.entries()) {
      expect(r).not.toBeNull();
      expect(r!.collectedAt).toBeGreaterThanOrEqual(instants[i]);
      if (r!.applied) expect(r!.collectedAt).toBe(instants[i]);
    }
    expect(results.some((r) => r!.applied && r!.collectedAt === newest)).toBe(true);
    const got = await store.getDesktopWithReport(projectId, desktopId);
    expect(got!.report).toEqual({ ...fullReport(newest), agentVersion: String(newest), receivedAt: newest + 1 });
    expect((await store.listDesktopsWithReports(projectId, 10, 0)).filter((x) => x.report)).toHaveLength(1);
  });
});

describe('importFleet', () => {
  it('imports desktops and reports with progress, ignoring reports of unknown desktops', async () => {
    const p = await newProject();
    const ids = Array.from({ length: 2_345 }, (_, i) => `fleet-${String(i).padStart(5, '0')}`);
    const reports = [
      ...ids.slice(0, 1_500).map((id, i) => ({ desktopId: id, report: i % 2 ? fullReport(T0 + i) : minimalReport(T0 + i) })),
      { desktopId: 'not-in-fleet', report: minimalReport(T0) },
      // several reports for one desktop: applied one by one, the newest stays
      { desktopId: ids[0], report: minimalReport(T0 + 10 * MIN) },
      { desktopId: ids[0], report: minimalReport(T0 + 5 * MIN) },
    ];
    const progress: [number, number][] = [];
    const summary = await store.importFleet(p.id, ids.map((id) => desktop(id)), reports, T0 + MIN, (done, total) => progress.push([done, total]));
    expect(summary).toEqual({ desktops: 2_345, reports: 1_501 });
    expect(await store.countDesktops(p.id)).toBe(2_345);
    const total = ids.length + reports.length;
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every(([, t]) => t === total)).toBe(true);
    expect(progress.map(([d]) => d)).toEqual([...progress.map(([d]) => d)].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual([total, total]);

    expect((await store.getDesktopWithReport(p.id, ids[0]))!.report).toEqual({ ...minimalReport(T0 + 10 * MIN), receivedAt: T0 + MIN });
    expect((await store.getDesktopWithReport(p.id, ids[1]))!.report).toEqual({ ...fullReport(T0 + 1), receivedAt: T0 + MIN });
    expect((await store.getDesktopWithReport(p.id, ids[2_000]))!.report).toBeNull();
    expect(await store.getDesktopWithReport(p.id, 'not-in-fleet')).toBeNull();
  });

  it('is all or nothing', async () => {
    const p = await newProject();
    const kept = uid();
    await store.upsertDesktops(p.id, [desktop(kept)], T0);
    await store.putReport(p.id, kept, minimalReport(T0), T0);
    const ids = Array.from({ length: 1_500 }, () => uid());
    const desktops = ids.map((id) => desktop(id));
    desktops.push(desktop(kept, { computerName: 'CHANGED' }));
    // Desktops all fine, the failure is in the reports (NOT NULL sysprep_version), after some were written.
    const reports = [
      { desktopId: kept, report: minimalReport(T0 + MIN) },
      ...ids.map((id, i) => ({ desktopId: id, report: i === 1_200 ? ({ collectedAt: T0 } as SysprepReport) : minimalReport(T0) })),
    ];
    await expect(store.importFleet(p.id, desktops, reports, T0 + MIN)).rejects.toThrow();
    expect(await store.countDesktops(p.id)).toBe(1);
    const got = await store.getDesktopWithReport(p.id, kept);
    expect(got!.desktop.computerName).toBe(desktop(kept).computerName);
    expect(got!.report!.collectedAt).toBe(T0);

    const badDesktop = { ...desktop(uid()), osType: null } as unknown as DesktopInput;
    await expect(store.importFleet(p.id, [...ids.slice(0, 1_100).map((id) => desktop(id)), badDesktop], [], T0)).rejects.toThrow();
    expect(await store.countDesktops(p.id)).toBe(1);
  });
});

describe('project isolation', () => {
  it('the same desktop id in two projects are distinct rows', async () => {
    const p1 = await newProject();
    const p2 = await newProject();
    const id = uid();
    await store.upsertDesktops(p1.id, [desktop(id, { computerName: 'IN-P1' })], T0);
    expect(await store.getDesktop(p2.id, id)).toBeNull();
    expect(await store.getDesktopWithReport(p2.id, id)).toBeNull();
    expect(await store.getVerdictInputs(p2.id, id)).toBeNull();
    expect((await store.getDesktopsWithReports(p2.id, [id])).size).toBe(0);
    expect(await store.putReport(p2.id, id, minimalReport(T0), T0)).toBeNull();
    expect(await store.deleteDesktop(p2.id, id)).toBe(false);

    await store.upsertDesktops(p2.id, [desktop(id, { computerName: 'IN-P2' })], T0 + 1);
    await store.putReport(p1.id, id, minimalReport(T0 + 5), T0 + 5);
    await store.putReport(p2.id, id, fullReport(T0 + 3), T0 + 3);
    const a = (await store.getDesktopWithReport(p1.id, id))!;
    const b = (await store.getDesktopWithReport(p2.id, id))!;
    expect([a.desktop.projectId, a.desktop.computerName, a.report!.collectedAt]).toEqual([p1.id, 'IN-P1', T0 + 5]);
    expect([b.desktop.projectId, b.desktop.computerName, b.report!.collectedAt]).toEqual([p2.id, 'IN-P2', T0 + 3]);
    expect(b.report).toEqual({ ...fullReport(T0 + 3), receivedAt: T0 + 3 });
    expect((await store.getVerdictInputs(p1.id, id))!.report).toEqual({ ...minimalReport(T0 + 5), receivedAt: T0 + 5 });
    expect((await store.getVerdictInputs(p2.id, id))!.report).toEqual({ ...fullReport(T0 + 3), receivedAt: T0 + 3 });

    expect(await store.deleteDesktop(p1.id, id)).toBe(true);
    expect(await store.getDesktop(p1.id, id)).toBeNull();
    expect((await store.getDesktopWithReport(p2.id, id))!.report!.collectedAt).toBe(T0 + 3);
    expect((await store.listDesktops(p2.id, 10, 0)).total).toBe(1);
    expect((await store.listDesktops(p1.id, 10, 0)).total).toBe(0);
  });
});

describe('PostgresStore edges', () => {
  it('an unreachable server fails fast with StoreUnavailableError', async () => {
    // Port 1 on loopback: connection refused, no server needed.
    const pg = new PostgresStore('postgres://nobody@127.0.0.1:1/none', { poolSize: 2, connectTimeoutMs: 1000 });
    const started = Date.now();
    try {
      await expect(pg.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(pg.getDesktopWithReport(hex32(), 'x')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(pg.importFleet(hex32(), [desktop('x')], [], T0)).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await pg.close();
    }
  });

  it.runIf(testStoreKind === 'postgres')('several processes migrating one fresh database at once', async () => {
    const { default: pgDriver } = await import('pg');
    const { databaseUrl } = await import('../helpers/pg-store.js');
    const url = process.env.WKS_TEST_DATABASE_URL!;
    const name = `wks_test_mig_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pgDriver.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const stores = Array.from({ length: 4 }, () => new PostgresStore(databaseUrl(url, name), { poolSize: 2 }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const c = new pgDriver.Client({ connectionString: databaseUrl(url, name) });
      await c.connect();
      const { rows } = await c.query('SELECT version FROM schema_migrations ORDER BY version');
      await c.end();
      expect(rows.map((r) => r.version)).toEqual([1]);
      await expect(stores[0].countDesktops(hex32())).resolves.toBe(0);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('driver errors other than conflicts and unavailability are not raw driver errors', async () => {
    const { default: pgDriver } = await import('pg');
    const { default: Sqlite } = await import('better-sqlite3');
    const p = await newProject();
    const bad = { ...desktop(uid()), status: null } as unknown as DesktopInput;
    const notNull = await store.upsertDesktops(p.id, [bad], T0).catch((e: unknown) => e);
    // A role in a project that does not exist breaks a foreign key.
    const foreignKey = await store.grantRole(hex32(), hex32(), 'viewer', T0).catch((e: unknown) => e);
    for (const err of [notNull, foreignKey]) {
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(pgDriver.DatabaseError);
      expect(err).not.toBeInstanceOf(Sqlite.SqliteError);
      expect(err).not.toBeInstanceOf(StoreConflictError);
    }
  });
});
