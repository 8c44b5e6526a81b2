// Password hashing with scrypt (node:crypto, runs on the libuv pool so the event loop stays free).
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEYLEN, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

const SCRYPT_HASH = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/;

let dummyHash: Promise<string> | null = null;
let dummyCount = 0;

/** A hash of a random, forgotten password, computed once on first need (a failure is retried next time). */
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64')).catch((err: unknown) => {
    dummyHash = null;
    throw err;
  });
  return dummyHash;
}

/**
 * The password check of a sign-in. A user that was not found (or whose stored hash is not
 * ours) costs one verification against a dummy hash and fails, so an unknown name takes as
 * long as a wrong password and response times do not tell which names exist. `verify` is a
 * seam for tests; it is always the real verification.
 */
export async function verifyPasswordOf(password: string, user: { passwordHash: string } | null, verify = verifyPassword): Promise<boolean> {
  if (user && SCRYPT_HASH.test(user.passwordHash)) return verify(password, user.passwordHash);
  dummyCount++;
  await verify(password, await dummyPasswordHash());
  return false;
}

/** How many dummy verifications this process has made (for tests of the path above). */
export const dummyVerifications = (): number => dummyCount;

/** Rules for a new password: long enough to matter, short enough to hash cheaply. */
export function passwordProblem(password: string): string | null {
  if (password.length < 8) return 'the password must have at least 8 characters';
  if (password.length > 128) return 'the password must have at most 128 characters';
  return null;
}
