// Password checks: scrypt hashes, and an unknown user costing the same verification as a wrong
// password (so the time of an answer does not tell which user names exist).
import { describe, expect, it } from 'vitest';
import { dummyVerifications, hashPassword, verifyPassword, verifyPasswordOf } from '../../src/auth/passwords.js';

/** The real verifier, recording which hashes it was asked about. */
function recording() {
  const hashes: string[] = [];
  const verify = (password: string, hash: string) => {
    hashes.push(hash);
    return verifyPassword(password, hash);
  };
  return { hashes, verify };
}

describe('verifyPasswordOf', () => {
  it('a known user: one verification against their hash', async () => {
    const hash = await hashPassword('right password');
    const r = recording();
    expect(await verifyPasswordOf('right password', { passwordHash: hash }, r.verify)).toBe(true);
    expect(await verifyPasswordOf('wrong password', { passwordHash: hash }, r.verify)).toBe(false);
    expect(r.hashes).toEqual([hash, hash]);
  });

  it('no user: one verification against a fixed dummy scrypt hash, computed once, and false', async () => {
    const r = recording();
    const before = dummyVerifications();
    expect(await verifyPasswordOf('any password', null, r.verify)).toBe(false);
    expect(await verifyPasswordOf('another one', null, r.verify)).toBe(false);
    expect(r.hashes).toHaveLength(2);
    expect(r.hashes[0]).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(r.hashes[1]).toBe(r.hashes[0]);
    expect(dummyVerifications()).toBe(before + 2);
  });

  it('a stored hash that is not ours (unparseable) takes the dummy path too, and never matches', async () => {
    const r = recording();
    const before = dummyVerifications();
    expect(await verifyPasswordOf('x', { passwordHash: 'x' }, r.verify)).toBe(false);
    expect(r.hashes).toHaveLength(1);
    expect(r.hashes[0]).toMatch(/^scrypt\$/);
    expect(dummyVerifications()).toBe(before + 1);
  });
});
