// Tokens have exactly one spelling: Node's base64url decoder skips characters outside the
// alphabet, accepts padding and the +/ alphabet and ignores the unused low bits of the last
// character, so without a canonical-form check many different strings verify as one token.
import { describe, expect, it } from 'vitest';
import { secretFromMasters } from '../../src/auth/server-secret.js';
import { TokenProvider, type TokenClaims } from '../../src/auth/token-provider.js';

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

// The claims of a token that verified once are kept; every rule still applies on every use.
const T0 = Date.UTC(2026, 11, 3, 10);
const TTL = 3_600_000;
const secret = secretFromMasters([Buffer.alloc(32, 3)]);
const subject: Omit<TokenClaims, 'tokenId' | 'issuedAt' | 'expiresAt'> = {
  userId: 'u1',
  userName: 'alice',
  domainId: 'd1',
  domainName: 'acme',
  projectId: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  projectName: 'cn-north-4',
  roles: ['viewer'],
  methods: ['password'],
};

describe('TokenProvider: verified claims are reused', () => {
  it('verifies an issued token to its claims, the first time and again', () => {
    const p = new TokenProvider(secret, TTL);
    const { token, claims } = p.issue(subject, T0);
    expect(claims).toEqual({ ...subject, tokenId: expect.stringMatching(/^[0-9a-f]{24}$/), issuedAt: T0, expiresAt: T0 + TTL });
    expect(p.verify(token, T0 + 1)).toEqual({ ok: true, claims });
    expect(p.verify(token, T0 + 2)).toEqual({ ok: true, claims });
  });

  it('refuses a token at and after its expiry even once its claims were verified', () => {
    const p = new TokenProvider(secret, TTL);
    const { token } = p.issue(subject, T0);
    expect(p.verify(token, T0).ok).toBe(true);
    expect(p.verify(token, T0 + TTL - 1).ok).toBe(true);
    expect(p.verify(token, T0 + TTL)).toEqual({ ok: false, reason: 'expired', expiresAt: T0 + TTL });
    expect(p.verify(token, T0 + TTL + 1)).toEqual({ ok: false, reason: 'expired', expiresAt: T0 + TTL });
  });

  it('refuses an already expired token the first time it is seen, and afterwards', () => {
    const p = new TokenProvider(secret, TTL);
    const { token } = p.issue(subject, T0);
    expect(p.verify(token, T0 + TTL + 5)).toEqual({ ok: false, reason: 'expired', expiresAt: T0 + TTL });
    expect(p.verify(token, T0)).toEqual({ ok: true, claims: expect.objectContaining({ userId: 'u1' }) });
  });

  it('refuses a token with one character changed, and one from another secret', () => {
    const p = new TokenProvider(secret, TTL);
    const { token } = p.issue(subject, T0);
    expect(p.verify(token, T0).ok).toBe(true);
    const i = token.length - 10;
    const tampered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
    expect(p.verify(tampered, T0)).toEqual({ ok: false, reason: 'garbled' });
    const other = new TokenProvider(secretFromMasters([Buffer.alloc(32, 4)]), TTL).issue(subject, T0).token;
    expect(p.verify(other, T0)).toEqual({ ok: false, reason: 'garbled' });
  });

  it('keeps verifying every token when more are in use than it remembers', () => {
    const p = new TokenProvider(secret, TTL, 2);
    const tokens = [1, 2, 3, 4, 5].map((i) => p.issue({ ...subject, userId: `u${i}` }, T0).token);
    for (let round = 0; round < 2; round++) {
      tokens.forEach((t, i) => expect(p.verify(t, T0)).toMatchObject({ ok: true, claims: { userId: `u${i + 1}` } }));
    }
  });

  it('hands out claims that cannot be changed by one request for the next', () => {
    const p = new TokenProvider(secret, TTL);
    const { token } = p.issue(subject, T0);
    const r = p.verify(token, T0);
    if (!r.ok) throw new Error('expected a valid token');
    expect(() => (r.claims.roles as string[]).push('admin')).toThrow(TypeError);
    expect(() => ((r.claims as { userId: string }).userId = 'mallory')).toThrow(TypeError);
    expect(p.verify(token, T0)).toMatchObject({ ok: true, claims: { userId: 'u1', roles: ['viewer'] } });
  });
});
