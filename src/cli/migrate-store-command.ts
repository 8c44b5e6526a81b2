// `migrate-store --from <sqlite file> --to <postgres url>`: an embedded deployment outgrows one
// machine without losing data or credentials (src/store/migrate-store.ts does the copy).
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { openSecretWithAny, sealSecret } from '../auth/secret-box.js';
import { loadOrCreateServerSecret } from '../auth/server-secret.js';
import { MigrateStoreError, migrateSqliteToPostgres } from '../store/migrate-store.js';
import { configFrom, fail, printTable, settingGiven } from './shared.js';

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

const undecryptable = (file: string) => `an SK cannot be decrypted with the source secret ${file}: is it the secret of this store?`;

/** What the checks before the copy need from the source: its sealed SKs and how many tables the copy will go through. Null when it cannot be read (the copy then says why). */
function inspectSource(file: string): { sealedSks: string[]; tables: number } | null {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch {
    return null;
  }
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'").pluck().all() as string[];
    const sealedSks = tables.includes('access_keys') ? (db.prepare('SELECT secret_encrypted FROM access_keys').pluck().all() as unknown[]).filter((v): v is string => typeof v === 'string') : [];
    return { sealedSks, tables: tables.length };
  } catch {
    return null;
  } finally {
    db.close();
  }
}

/** A secret file (created when absent), or one line saying what is wrong with it. */
function secretFrom(file: string): ReturnType<typeof loadOrCreateServerSecret> {
  try {
    return loadOrCreateServerSecret(file);
  } catch (err) {
    fail((err as Error).message);
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
      're-encrypt the SKs for the nodes that will use this secret, created when absent (decrypted with the source secret: --secret-key-file, else secret.key in --data-dir or, when neither is given, beside the --from file); without it they are copied as they are and the nodes need the source secret file',
    )
    .action(async (o: Options, cmd: Command) => {
      const cfg = configFrom(cmd);
      const from = resolve(o.from);
      if (!existsSync(from)) fail(`no SQLite store at ${from}`);
      if (!/^postgres(ql)?:\/\//.test(o.to)) fail('--to must be a postgres:// URL');
      // The source deployment's secret is beside its store (the layout of a data dir) unless
      // --secret-key-file or --data-dir (a flag, WKS_* or the config file) says otherwise.
      const sourceSecretFile = settingGiven(cmd, 'secretKeyFile') || settingGiven(cmd, 'dataDir') ? cfg.secretKeyFile : join(dirname(from), 'secret.key');

      let transform: ((table: string, column: string, value: unknown) => unknown) | undefined;
      let secretNote = existsSync(sourceSecretFile)
        ? `SKs were copied as they are: give every PostgreSQL node the same secret file as the source deployment (${sourceSecretFile}).`
        : `SKs were copied as they are: give every PostgreSQL node the same secret file as the source deployment (there is no ${sourceSecretFile}: give the one its servers were started with).`;
      /** A target secret file this run created: removed again when the copy fails before it could have committed. */
      let createdTarget: string | null = null;
      const source = inspectSource(from);
      if (o.targetSecretKeyFile) {
        if (!existsSync(sourceSecretFile)) fail(`re-encrypting needs the source secret: no file ${sourceSecretFile} (set --secret-key-file)`);
        const sourceSecret = secretFrom(sourceSecretFile).secret;
        // Every SK must open under the source secret before anything is created or written.
        for (const sealed of source?.sealedSks ?? []) {
          try {
            openSecretWithAny(sourceSecret.skKeys, sealed);
          } catch {
            fail(undecryptable(sourceSecretFile));
          }
        }
        const targetFile = resolve(o.targetSecretKeyFile);
        const { secret: target, created } = secretFrom(targetFile);
        if (created) createdTarget = targetFile;
        if (!sourceSecret.skKey.equals(target.skKey)) {
          transform = (table, column, value) => {
            if (table !== 'access_keys' || column !== 'secret_encrypted' || typeof value !== 'string') return value;
            let plain: string;
            try {
              plain = openSecretWithAny(sourceSecret.skKeys, value);
            } catch {
              throw new MigrateStoreError(undecryptable(sourceSecretFile));
            }
            return sealSecret(target.skKey, plain);
          };
          secretNote = `SKs were re-encrypted: give every PostgreSQL node the secret file ${targetFile}. Tokens issued by the old deployment are not valid there.`;
        } else {
          secretNote = `The source and target secrets are the same key: SKs were copied as they are; give every node ${targetFile}.`;
        }
      }

      let counts;
      let tablesCopied = 0;
      try {
        counts = await migrateSqliteToPostgres({ from, to: o.to, replace: o.replace === true, transform, onTable: () => tablesCopied++ });
      } catch (err) {
        // A MigrateStoreError leaves the target as it was; so does any failure before the last
        // table was copied (the commit comes after it). Only then is the new secret surely unused.
        const mayHaveCommitted = !(err instanceof MigrateStoreError) && source !== null && tablesCopied >= source.tables;
        if (createdTarget && !mayHaveCommitted) rmSync(createdTarget, { force: true });
        if (err instanceof MigrateStoreError) fail(err.message);
        throw err;
      }
      if (createdTarget) console.log(`created a new server secret ${createdTarget} (mode 0600)`);
      console.log(`copied ${from} to ${displayUrl(o.to)}`);
      printTable(
        ['table', 'source', 'target'],
        counts.map((k) => [k.table, String(k.source), String(k.target)]),
      );
      console.log(`all ${counts.length} tables match.`);
      console.log(secretNote);
    });
}
