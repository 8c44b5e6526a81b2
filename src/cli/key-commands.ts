// Permanent access keys (AK/SK) on the store directly: keys create|list|enable|disable|delete.
// A running server notices a status change or deletion within a second (its key cache expires).
import type { Command } from 'commander';
import { AccessKeyLimitError, issueAccessKey, MAX_DESCRIPTION_LENGTH } from '../auth/access-keys.js';
import { existsSync } from 'node:fs';
import { loadOrCreateServerSecret } from '../auth/server-secret.js';
import { isoMicro } from '../auth/time-format.js';
import type { Store } from '../store/store.js';
import { fail, printTable, withStore } from './shared.js';

async function userByName(store: Store, domainName: string, name: string) {
  const domain = await store.getDomainByName(domainName);
  const user = domain ? await store.getUserByName(domain.id, name) : null;
  if (!user) fail(`no user "${name}" in account "${domainName}"`);
  return user;
}

/** The key, checked to belong to the named user (so a mistyped AK cannot hit someone else's key). */
async function keyOfUser(store: Store, o: { user: string; domain: string; accessKey: string }) {
  const user = await userByName(store, o.domain, o.user);
  const key = await store.getAccessKey(o.accessKey);
  if (!key || key.userId !== user.id) fail(`user "${o.user}" has no access key ${o.accessKey}`);
  return key;
}

export function addKeyCommands(program: Command) {
  const keys = program.command('keys').description("manage users' permanent access keys (AK/SK, at most 2 per user)");
  const who = (c: Command) => c.requiredOption('--user <name>', 'user name').option('--domain <account>', 'account (domain) name', 'default');

  who(keys.command('create'))
    .option('--description <text>', 'what the key is for', '')
    .description('create an access key; the secret key (SK) is printed only this once')
    .action(async (o: { user: string; domain: string; description: string }, cmd: Command) =>
      withStore(cmd, async (store, cfg) => {
        if (o.description.length > MAX_DESCRIPTION_LENGTH) fail(`--description must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
        const user = await userByName(store, o.domain, o.user);
        // The SK is sealed under the same server secret the servers use: a missing file means the
        // wrong path, and a new secret would seal an SK no server can open.
        if (!existsSync(cfg.secretKeyFile)) fail(`no server secret at ${cfg.secretKeyFile} (give --secret-key-file: the file the servers use)`);
        const { secret } = loadOrCreateServerSecret(cfg.secretKeyFile);
        try {
          const { key, secretKey } = await issueAccessKey(store, secret, user.id, o.description, Date.now());
          console.log(`created an access key for ${o.user} in account ${o.domain}`);
          console.log(`access key (AK): ${key.accessKey}`);
          console.log(`secret key (SK): ${secretKey}`);
          console.log('The secret key is shown only this once; it cannot be recovered.');
        } catch (err) {
          if (err instanceof AccessKeyLimitError) fail(`${o.user}: ${err.message}`);
          throw err;
        }
      }),
    );

  who(keys.command('list'))
    .description("list a user's access keys (never their secrets)")
    .action(async (o: { user: string; domain: string }, cmd: Command) =>
      withStore(cmd, async (store) => {
        const user = await userByName(store, o.domain, o.user);
        const now = Date.now();
        const rows = (await store.listAccessKeys(user.id)).map((k) => [
          k.accessKey,
          k.status,
          k.lockedUntil !== null && k.lockedUntil > now ? `until ${isoMicro(k.lockedUntil)}` : '-',
          isoMicro(k.createdAt),
          k.description,
        ]);
        printTable(['access_key', 'status', 'locked', 'created', 'description'], rows);
      }),
    );

  for (const [verb, status] of [
    ['enable', 'active'],
    ['disable', 'inactive'],
  ] as const) {
    who(keys.command(verb))
      .requiredOption('--access-key <ak>', 'the access key ID')
      .description(`${verb} an access key${status === 'inactive' ? ' (signatures with it fail within a second)' : ''}`)
      .action(async (o: { user: string; domain: string; accessKey: string }, cmd: Command) =>
        withStore(cmd, async (store) => {
          const key = await keyOfUser(store, o);
          await store.setAccessKeyStatus(key.accessKey, status);
          console.log(`${verb}d access key ${key.accessKey} of ${o.user}`);
        }),
      );
  }

  who(keys.command('delete'))
    .requiredOption('--access-key <ak>', 'the access key ID')
    .description('delete an access key (signatures with it fail within a second)')
    .action(async (o: { user: string; domain: string; accessKey: string }, cmd: Command) =>
      withStore(cmd, async (store) => {
        const key = await keyOfUser(store, o);
        await store.deleteAccessKey(key.accessKey);
        console.log(`deleted access key ${key.accessKey} of ${o.user}`);
      }),
    );
}
