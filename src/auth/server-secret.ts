// The server secret keys the tokens and encrypts SKs at rest. It lives in a file that every
// node is given, never in the database. The first line is the current secret; lines after it
// are older secrets still accepted for token validation and for decrypting SKs sealed under
// them, so the secret can be rotated without logging everyone out or losing an access key.
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DerivedKey {
  /** 4-byte fingerprint written into tokens so validation picks the right key. */
  id: Buffer;
  key: Buffer;
}

export interface ServerSecret {
  /** Key that signs/encrypts new tokens, then older ones for validation. */
  tokenKeys: DerivedKey[];
  /** Key that encrypts secret access keys at rest. */
  skKey: Buffer;
  /** skKey, then the keys of older secrets: an SK sealed under any of them still opens. */
  skKeys: Buffer[];
}

function derive(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `workspace-sysprep:${purpose}`, 32));
}

export function secretFromMasters(masters: Buffer[]): ServerSecret {
  if (masters.length === 0) throw new Error('the secret key file holds no key');
  const tokenKeys = masters.map((m) => {
    const key = derive(m, 'token-v1');
    return { id: createHash('sha256').update(key).digest().subarray(0, 4), key };
  });
  const skKeys = masters.map((m) => derive(m, 'sk-at-rest-v1'));
  return { tokenKeys, skKey: skKeys[0], skKeys };
}

/** A secret file that cannot be read or holds no usable key: a deployment error, said in one line. */
export class ServerSecretError extends Error {}

/** Reads the secret file, creating it (mode 0600) with a fresh random key when absent. */
export function loadOrCreateServerSecret(file: string): { secret: ServerSecret; created: boolean } {
  let created = false;
  let text: string;
  try {
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
      created = true;
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ServerSecretError(`secret key file ${file}: ${(err as Error).message}`);
  }
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) throw new ServerSecretError(`secret key file ${file} holds no key`);
  const masters = lines.map((l) => Buffer.from(l, 'base64'));
  if (masters.some((m, i) => m.length < 32 || !/^[A-Za-z0-9+/]+=*$/.test(lines[i]))) {
    throw new ServerSecretError(`secret key file ${file}: every key must be base64 of at least 32 bytes`);
  }
  return { secret: secretFromMasters(masters), created };
}
