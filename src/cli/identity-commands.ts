// Identity administration on the store directly (like keystone-manage): projects, users, roles.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { hashPassword, passwordProblem } from '../auth/passwords.js';
import { ROLES, type Role } from '../domain/types.js';
import type { Store } from '../store/store.js';
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
        if (o.id && !PROJECT_ID_RE.test(o.id)) fail('--id must be 32 lowercase hexadecimal characters');
        const domain = await store.ensureDomain(o.domain);
        const p = await store.createProject({ id: o.id ?? newId(), name: o.name, domainId: domain.id });
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
    .option('--role <role>', `role in --project: ${ROLES.join(', ')}`, 'viewer')
    .description('create a user')
    .action(async (o: { name: string; domain: string; password?: string; project?: string; role: string }, cmd: Command) =>
      withStore(cmd, async (store) => {
        const password = o.password ?? randomBytes(18).toString('base64url');
        const problem = passwordProblem(password);
        if (problem) fail(problem);
        const role = parseRole(o.role);
        const domain = await store.ensureDomain(o.domain);
        if (o.project && !(await store.getProject(o.project))) fail(`no project ${o.project}`);
        const u = await store.createUser({ id: newId(), domainId: domain.id, name: o.name, passwordHash: await hashPassword(password) });
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
          const user = await userByName(store, o.domain, o.name);
          if (!(await store.getProject(o.project))) fail(`no project ${o.project}`);
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
        for (const u of await store.listUsers(domain?.id)) {
          const roles = [...(await store.listRoleAssignments(u.id))].map(([p, r]) => `${p}:${r.join('+')}`).join(' ');
          rows.push([u.id, u.name, u.enabled ? 'enabled' : 'disabled', roles]);
        }
        printTable(['id', 'name', 'state', 'roles (project:role)'], rows);
      }),
    );
}
