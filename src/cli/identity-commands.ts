// Identity administration on the store directly (like keystone-manage): projects, users, roles.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { hashPassword, passwordProblem } from '../auth/passwords.js';
import { ROLES, type Role } from '../domain/types.js';
import { StoreConflictError, type Store } from '../store/store.js';
import { PROJECT_ID_RE, withStore, fail, printTable } from './shared.js';

const newId = () => randomUUID().replace(/-/g, '');

async function userByName(store: Store, domainName: string, name: string) {
  const domain = await store.getDomainByName(domainName);
  const user = domain ? await store.getUserByName(domain.id, name) : null;
  if (!user) fail(`no user "${name}" in account "${domainName}"`);
  return user;
}

function parseRole(role: string): Role {
  if (!ROLES.includes(role as Role)) fail(`role must be one of ${ROLES.join(', ')}`);
  return role as Role;
}

/** Names are shown in tokens and tables: no empty, padded or control-character names. */
function checkName(what: string, name: string, max: number): void {
  if (name.length === 0 || name.length > max || name.trim() !== name || /[\u0000-\u001f\u007f]/.test(name)) {
    fail(`${what} must be 1 to ${max} characters without control characters or surrounding spaces`);
  }
}

function checkProjectId(flag: string, id: string): void {
  if (!PROJECT_ID_RE.test(id)) fail(`${flag} must be 32 lowercase hexadecimal characters`);
}

/** The project, which must be one of the account's: a role never reaches across accounts. */
async function projectOfAccount(store: Store, id: string, account: string) {
  const project = await store.getProject(id);
  if (!project) fail(`no project ${id}`);
  const domain = await store.getDomainByName(account);
  if (!domain || project.domainId !== domain.id) fail(`project ${id} is not in account "${account}" (a role is granted only in a project of the user's own account)`);
  return project;
}

/** A uniqueness race lost to another process still ends in a one-line message, not a driver's. */
async function orConflict<T>(message: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof StoreConflictError) fail(message);
    throw err;
  }
}

export function addIdentityCommands(program: Command) {
  const projects = program.command('projects').description('manage projects (a project is a region of an account)');
  projects
    .command('create')
    .requiredOption('--name <name>', 'project name, e.g. cn-north-4')
    .option('--domain <account>', 'account (domain) name', 'default')
    .option('--id <id>', '32 lowercase hex characters (generated when absent)')
    .description('create a project')
    .action(async (o: { name: string; domain: string; id?: string }, cmd: Command) =>
      withStore(cmd, async (store) => {
        checkName('--name', o.name, 64);
        if (o.id) checkProjectId('--id', o.id);
        // Every check before the first write: a refused command leaves the store as it was.
        if (o.id && (await store.getProject(o.id))) fail(`project ${o.id} already exists`);
        const existingDomain = await store.getDomainByName(o.domain);
        const taken = `project "${o.name}" already exists in account "${o.domain}"`;
        if (existingDomain && (await store.listProjects({ domainId: existingDomain.id, name: o.name })).length > 0) fail(taken);
        const domain = existingDomain ?? (await store.ensureDomain(o.domain));
        const p = await orConflict(o.id ? `project ${o.id} or "${o.name}" in account "${o.domain}" already exists` : taken, () =>
          store.createProject({ id: o.id ?? newId(), name: o.name, domainId: domain.id }),
        );
        console.log(`created project ${p.name} (${p.id}) in account ${o.domain}`);
      }),
    );
  projects
    .command('list')
    .description('list projects')
    .action(async (_o: unknown, cmd: Command) =>
      withStore(cmd, async (store) => {
        const list = await store.listProjects();
        printTable(['id', 'name', 'domain_id', 'enabled'], list.map((p) => [p.id, p.name, p.domainId, String(p.enabled)]));
      }),
    );

  const users = program.command('users').description('manage users and their roles');
  const common = (c: Command) => c.requiredOption('--name <name>', 'user name').option('--domain <account>', 'account (domain) name', 'default');
  common(users.command('create'))
    .option('--password <password>', 'password (generated and printed when absent)')
    .option('--project <id>', 'grant a role in this project')
    .option('--role <role>', `role in --project: ${ROLES.join(', ')} (default: viewer)`)
    .description('create a user')
    .action(async (o: { name: string; domain: string; password?: string; project?: string; role?: string }, cmd: Command) =>
      withStore(cmd, async (store) => {
        // A role exists only in a project: without one it would be dropped without a word.
        if (o.role !== undefined && !o.project) fail('--role needs --project (a role is granted in a project)');
        checkName('--name', o.name, 255);
        const password = o.password ?? randomBytes(18).toString('base64url');
        const problem = passwordProblem(password);
        if (problem) fail(problem);
        const role = parseRole(o.role ?? 'viewer');
        if (o.project) {
          checkProjectId('--project', o.project);
          await projectOfAccount(store, o.project, o.domain);
        }
        const existingDomain = await store.getDomainByName(o.domain);
        const taken = `user "${o.name}" already exists in account "${o.domain}"`;
        if (existingDomain && (await store.getUserByName(existingDomain.id, o.name))) fail(taken);
        const domain = existingDomain ?? (await store.ensureDomain(o.domain));
        const passwordHash = await hashPassword(password);
        const u = await orConflict(taken, () => store.createUser({ id: newId(), domainId: domain.id, name: o.name, passwordHash }));
        if (o.project) await store.grantRole(u.id, o.project, role, Date.now());
        console.log(`created user ${u.name} (${u.id}) in account ${o.domain}${o.project ? ` with role ${role} in ${o.project}` : ''}`);
        if (!o.password) console.log(`password: ${password}`);
      }),
    );
  common(users.command('passwd'))
    .option('--password <password>', 'new password (generated and printed when absent)')
    .description("change a user's password (their tokens stop working)")
    .action(async (o: { name: string; domain: string; password?: string }, cmd: Command) =>
      withStore(cmd, async (store) => {
        const user = await userByName(store, o.domain, o.name);
        const password = o.password ?? randomBytes(18).toString('base64url');
        const problem = passwordProblem(password);
        if (problem) fail(problem);
        await store.setPassword(user.id, await hashPassword(password), Date.now());
        console.log(`password changed for ${o.name}`);
        if (!o.password) console.log(`password: ${password}`);
      }),
    );
  for (const [verb, enabled] of [['disable', false], ['enable', true]] as const) {
    common(users.command(verb))
      .description(`${verb} a user${enabled ? '' : ' (their tokens stop working)'}`)
      .action(async (o: { name: string; domain: string }, cmd: Command) =>
        withStore(cmd, async (store) => {
          const user = await userByName(store, o.domain, o.name);
          await store.setUserEnabled(user.id, enabled, Date.now());
          console.log(`${verb}d ${o.name}`);
        }),
      );
  }
  for (const verb of ['grant', 'revoke'] as const) {
    common(users.command(verb))
      .requiredOption('--project <id>', 'project id')
      .requiredOption('--role <role>', ROLES.join(', '))
      .description(`${verb} a role in a project (the user's tokens stop working)`)
      .action(async (o: { name: string; domain: string; project: string; role: string }, cmd: Command) =>
        withStore(cmd, async (store) => {
          const role = parseRole(o.role);
          checkProjectId('--project', o.project);
          const user = await userByName(store, o.domain, o.name);
          await projectOfAccount(store, o.project, o.domain);
          if (verb === 'revoke' && !(await store.getRoles(user.id, o.project)).includes(role)) fail(`${o.name} has no role ${role} in ${o.project}`);
          if (verb === 'grant') await store.grantRole(user.id, o.project, role, Date.now());
          else await store.revokeRole(user.id, o.project, role, Date.now());
          console.log(`${verb === 'grant' ? 'granted' : 'revoked'} ${role} in ${o.project} ${verb === 'grant' ? 'to' : 'from'} ${o.name}`);
        }),
      );
  }
  users
    .command('list')
    .option('--domain <account>', 'only this account')
    .description('list users with their roles')
    .action(async (o: { domain?: string }, cmd: Command) =>
      withStore(cmd, async (store) => {
        const domain = o.domain ? await store.getDomainByName(o.domain) : null;
        if (o.domain && !domain) fail(`no account ${o.domain}`);
        const rows: string[][] = [];
        // Across accounts, names repeat: then each row says its account.
        const accounts = new Map<string, string>();
        for (const u of await store.listUsers(domain?.id)) {
          const roles = [...(await store.listRoleAssignments(u.id))].map(([p, r]) => `${p}:${r.join('+')}`).join(' ');
          if (!domain && !accounts.has(u.domainId)) accounts.set(u.domainId, (await store.getDomainById(u.domainId))?.name ?? u.domainId);
          rows.push([u.id, ...(domain ? [] : [accounts.get(u.domainId) as string]), u.name, u.enabled ? 'enabled' : 'disabled', roles]);
        }
        printTable(['id', ...(domain ? [] : ['account']), 'name', 'state', 'roles (project:role)'], rows);
      }),
    );
}
