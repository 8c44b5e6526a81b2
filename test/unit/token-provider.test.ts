// Tokens have exactly one spelling: Node's base64url decoder skips characters outside the
// alphabet, accepts padding and the +/ alphabet and ignores the unused low bits of the last
// character, so without a canonical-form check many different strings verify as one token.
import { describe, expect, it } from 'vitest';
import { secretFromMasters } from '../../src/auth/server-secret.js';
import { TokenProvider } from '../../src/auth/token-provider.js';

const provider = new TokenProvider(secretFromMasters([Buffer.alloc(32, 5)]), 86_400_000);
const NOW = Date.UTC(2026, 0, 5, 10, 0, 0);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A token for a user name of `n` characters (the name's length moves the token's length). */
const issue = (n: number) =>
  provider.issue({ userId: 'u'.repeat(32), userName: 'n'.repeat(n), domainId: 'd'.repeat(32), domainName: 'acme', projectId: 'p'.repeat(32), projectName: 'cn-north-4', roles: ['viewer'], methods: ['password'] }, NOW).token;

/** The first token that satisfies `ok` as user names grow. */
function tokenWhere(ok: (token: string) => boolean): string {
  for (let n = 1; n < 200; n++) {
    const token = issue(n);
    if (ok(token)) return token;
  }
  throw new Error('no such token');
}

const decodesSame = (a: string, b: string) => Buffer.from(a, 'base64url').equals(Buffer.from(b, 'base64url'));

describe('TokenProvider.verify: the canonical form only', () => {
  const token = tokenWhere((t) => t.includes('-') && t.includes('_'));
  const mid = token.length >> 1;

  it('the token as issued verifies', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(provider.verify(token, NOW)).toMatchObject({ ok: true, claims: { userId: 'u'.repeat(32), roles: ['viewer'] } });
  });

  const variants: [string, (t: string) => string][] = [
    ['"!!!" inserted', (t) => t.slice(0, mid) + '!!!' + t.slice(mid)],
    ['"." inserted', (t) => t.slice(0, mid) + '.' + t.slice(mid)],
    ['a space inserted', (t) => t.slice(0, mid) + ' ' + t.slice(mid)],
    ['"==" appended', (t) => t + '=='],
    ['"=" appended', (t) => t + '='],
    ['"-" written as "+"', (t) => t.replace(/-/g, '+')],
    ['"_" written as "/"', (t) => t.replace(/_/g, '/')],
    ['both, as standard base64', (t) => t.replace(/-/g, '+').replace(/_/g, '/')],
  ];
  for (const [name, change] of variants) {
    it(`${name}: decodes to the same bytes, and is garbled`, () => {
      const variant = change(token);
      expect(variant).not.toBe(token);
      expect(decodesSame(variant, token)).toBe(true);
      expect(provider.verify(variant, NOW)).toEqual({ ok: false, reason: 'garbled' });
    });
  }

  for (const unused of [2, 4]) {
    it(`the last character with one of its ${unused} unused low bits flipped: same bytes, garbled`, () => {
      // 4 bits are unused when the byte count is 1 more than a multiple of 3, 2 when 2 more.
      const t = tokenWhere((x) => Buffer.from(x, 'base64url').length % 3 === (unused === 4 ? 1 : 2));
      const last = ALPHABET.indexOf(t[t.length - 1]);
      for (let bit = 0; bit < unused; bit++) {
        const variant = t.slice(0, -1) + ALPHABET[last ^ (1 << bit)];
        expect(decodesSame(variant, t)).toBe(true);
        expect(provider.verify(variant, NOW)).toEqual({ ok: false, reason: 'garbled' });
      }
      expect(provider.verify(t, NOW).ok).toBe(true);
    });
  }

  it('a byte changed is garbled (the authentication tag), an expired token says so', () => {
    const raw = Buffer.from(token, 'base64url');
    raw[raw.length - 20] ^= 1;
    expect(provider.verify(raw.toString('base64url'), NOW)).toEqual({ ok: false, reason: 'garbled' });
    expect(provider.verify(token, NOW + 86_400_000)).toEqual({ ok: false, reason: 'expired', expiresAt: NOW + 86_400_000 });
  });
});
