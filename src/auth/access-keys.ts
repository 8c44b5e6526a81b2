// Permanent access keys (AK/SK): generation, the per-user limit and the lifecycle shared by the
// CLI and the /v3.0/OS-CREDENTIAL API. The SK is returned once, at creation, and stored only
// sealed under the server secret (secret-box.ts).
import { randomBytes } from 'node:crypto';
import { StoreConflictError, type AccessKey, type Store } from '../store/store.js';
import { sealSecret } from './secret-box.js';
import type { ServerSecret } from './server-secret.js';

/** Huawei IAM allows two permanent access keys per user, whatever their status. */
export const MAX_ACCESS_KEYS_PER_USER = 2;
export const ACCESS_KEY_ID_LENGTH = 20;
export const SECRET_KEY_LENGTH = 40;
export const ACCESS_KEY_ID_RE = /^[A-Z0-9]{20}$/;
export const MAX_DESCRIPTION_LENGTH = 255;

const AK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters drawn uniformly from `alphabet` (rejection sampling: no modulo bias). */
function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b >= limit) continue;
      out += alphabet[b % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

export const generateAccessKeyId = () => randomString(AK_ALPHABET, ACCESS_KEY_ID_LENGTH);
export const generateSecretKey = () => randomString(SK_ALPHABET, SECRET_KEY_LENGTH);

export class AccessKeyLimitError extends Error {
  constructor() {
    super(`the user already has ${MAX_ACCESS_KEYS_PER_USER} access keys, the maximum; delete one first`);
  }
}

export interface IssuedAccessKey {
  key: AccessKey;
  /** The plain SK: shown to the caller once, never stored or logged. */
  secretKey: string;
}

/** Creates a key for an existing user; throws AccessKeyLimitError at the limit. */
export async function issueAccessKey(store: Store, secret: ServerSecret, userId: string, description: string, now: number): Promise<IssuedAccessKey> {
  const secretKey = generateSecretKey();
  const secretEncrypted = sealSecret(secret.skKey, secretKey);
  // 36^20 ids make a collision practically impossible; retry anyway rather than fail.
  for (let attempt = 0; ; attempt++) {
    try {
      const key = await store.createAccessKeyUnderLimit({ accessKey: generateAccessKeyId(), userId, secretEncrypted, description, createdAt: now }, MAX_ACCESS_KEYS_PER_USER);
      if (!key) throw new AccessKeyLimitError();
      return { key, secretKey };
    } catch (err) {
      if (!(err instanceof StoreConflictError) || attempt >= 2) throw err;
    }
  }
}
