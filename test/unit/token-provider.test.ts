import { describe, expect, it } from 'vitest';
import { secretFromMasters } from '../../src/auth/server-secret.js';
import { TokenProvider, type TokenClaims } from '../../src/auth/token-provider.js';

const NOW = Date.UTC(2026, 11, 3, 10);
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

describe('TokenProvider', () => {
  it('verifies an issued token to its claims, the first time and again', () => {
    const p = new TokenProvider(secret, TTL);
    const { token, claims } = p.issue(subject, NOW);
    expect(claims).toEqual({ ...subject, tokenId: expect.stringMatching(/^[0-9a-f]{24}$/), issuedAt: NOW, expiresAt: NOW + TTL });
    expect(p.verify(token, NOW + 1)).toEqual({ ok: true, claims });
    expect(p.verify(token, NOW + 2)).toEqual({ ok: true, claims });
  });

  it('refuses a token at and after its expiry even once its claims were verified', () => {
    const p = new TokenProvider(secret, TTL);
    const { token } = p.issue(subject, NOW);
    expect(p.verify(token, NOW).ok).toBe(true);
    expect(p.verify(token, NOW + TTL - 1).ok).toBe(true);
    expect(p.verify(token, NOW + TTL)).toEqual({ ok: false, reason: 'expired', expiresAt: NOW + TTL });
    expect(p.verify(token, NOW + TTL + 1)).toEqual({ ok: false, reason: 'expired', expiresAt: NOW + TTL });
  });

  it('refuses an already expired token the first time it is seen, and afterwards', () => {
    const p = new TokenProvider(secret, TTL);
    const { token } = p.issue(subject, NOW);
    expect(p.verify(token, NOW + TTL + 5)).toEqual({ ok: false, reason: 'expired', expiresAt: NOW + TTL });
    expect(p.verify(token, NOW)).toEqual({ ok: true, claims: expect.objectContaining({ userId: 'u1' }) });
  });

  it('refuses a token with one character changed, and one from another secret', () => {
    const p = new TokenProvider(secret, TTL);
    const { token } = p.issue(subject, NOW);
    expect(p.verify(token, NOW).ok).toBe(true);
    const i = token.length - 10;
    const tampered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
    expect(p.verify(tampered, NOW)).toEqual({ ok: false, reason: 'garbled' });
    const other = new TokenProvider(secretFromMasters([Buffer.alloc(32, 4)]), TTL).issue(subject, NOW).token;
    expect(p.verify(other, NOW)).toEqual({ ok: false, reason: 'garbled' });
  });

  it('keeps verifying every token when more are in use than it remembers', () => {
    const p = new TokenProvider(secret, TTL, 2);
    const tokens = [1, 2, 3, 4, 5].map((i) => p.issue({ ...subject, userId: `u${i}` }, NOW).token);
    for (let round = 0; round < 2; round++) {
      tokens.forEach((t, i) => expect(p.verify(t, NOW)).toMatchObject({ ok: true, claims: { userId: `u${i + 1}` } }));
    }
  });

  it('hands out claims that cannot be changed by one request for the next', () => {
    const p = new TokenProvider(secret, TTL);
    const { token } = p.issue(subject, NOW);
    const r = p.verify(token, NOW);
    if (!r.ok) throw new Error('expected a valid token');
    expect(() => (r.claims.roles as string[]).push('admin')).toThrow(TypeError);
    expect(() => ((r.claims as { userId: string }).userId = 'mallory')).toThrow(TypeError);
    expect(p.verify(token, NOW)).toMatchObject({ ok: true, claims: { userId: 'u1', roles: ['viewer'] } });
  });
});
