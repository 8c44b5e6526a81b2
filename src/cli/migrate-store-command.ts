// `migrate-store --from <sqlite file> --to <postgres url>`: an embedded deployment outgrows one
// machine without losing data or credentials (src/store/migrate-store.ts does the copy).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { openSecretWithAny, sealSecret } from '../auth/secret-box.js';
import { loadOrCreateServerSecret } from '../auth/server-secret.js';
import { MigrateStoreError, migrateSqliteToPostgres } from '../store/migrate-store.js';
import { configFrom, fail, printTable } from './shared.js';

/** The URL without its password, for printing. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(the given URL)';
  }
}

interface Options {
  from: string;
  to: string;
  replace?: boolean;
  targetSecretKeyFile?: string;
}

export function addMigrateStoreCommand(program: Command) {
  program
    .command('migrate-store')
    .description('copy a SQLite store (users, password hashes, roles, access keys, revocations, desktops, reports) into an empty PostgreSQL database, verifying the counts')
    .requiredOption('--from <file>', 'the SQLite store, e.g. ./data/workspace.db (opened read-only)')
    .requiredOption('--to <url>', 'the PostgreSQL database, postgres://user:password@host:5432/db')
    .option('--replace', 'empty a non-empty target first (it is refused otherwise)')
    .option(
      '--target-secret-key-file <file>',
      're-encrypt the SKs for the nodes that will use this secret (decrypted with --secret-key-file, the source secret); without it they are copied as they are and the nodes need the source secret file',
    )
    .action(async (o: Options, cmd: Command) => {
      const cfg = configFrom(cmd);
      const from = resolve(o.from);
      if (!existsSync(from)) fail(`no SQLite store at ${from}`);
      if (!/^postgres(ql)?:\/\//.test(o.to)) fail('--to must be a postgres:// URL');

      let transform: ((table: string, column: string, value: unknown) => unknown) | undefined;
      let secretNote = `SKs were copied as they are: give every PostgreSQL node the same secret file as the source deployment (${cfg.secretKeyFile}).`;
      if (o.targetSecretKeyFile) {
        if (!existsSync(cfg.secretKeyFile)) fail(`re-encrypting needs the source secret: no file ${cfg.secretKeyFile} (set --secret-key-file)`);
        const source = loadOrCreateServerSecret(cfg.secretKeyFile).secret;
        const targetFile = resolve(o.targetSecretKeyFile);
        const { secret: target, created } = loadOrCreateServerSecret(targetFile);
        if (created) console.log(`created a new server secret ${targetFile} (mode 0600)`);
        if (!source.skKey.equals(target.skKey)) {
          transform = (table, column, value) => {
            if (table !== 'access_keys' || column !== 'secret_encrypted' || typeof value !== 'string') return value;
            let plain: string;
            try {
              plain = openSecretWithAny(source.skKeys, value);
            } catch {
              throw new MigrateStoreError(`an SK cannot be decrypted with the source secret ${cfg.secretKeyFile}: is it the secret of this store?`);
            }
            return sealSecret(target.skKey, plain);
          };
          secretNote = `SKs were re-encrypted: give every PostgreSQL node the secret file ${targetFile}. Tokens issued by the old deployment are not valid there.`;
        } else {
          secretNote = `The source and target secrets are the same key: SKs were copied as they are; give every node ${targetFile}.`;
        }
      }

      let counts;
      try {
        counts = await migrateSqliteToPostgres({ from, to: o.to, replace: o.replace === true, transform });
      } catch (err) {
        if (err instanceof MigrateStoreError) fail(err.message);
        throw err;
      }
      console.log(`copied ${from} to ${displayUrl(o.to)}`);
      printTable(
        ['table', 'source', 'target'],
        counts.map((k) => [k.table, String(k.source), String(k.target)]),
      );
      console.log(`all ${counts.length} tables match.`);
      console.log(secretNote);
    });
}
