// Tokens in the spirit of Keystone's Fernet tokens: the claims are encrypted and authenticated
// with AES-256-GCM under a key derived from the server secret, so a valid token is verified
// without a store read. Layout (base64url): version(1) | key id(4) | iv(12) | ciphertext | tag(16).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Role } from '../domain/types.js';
import type { ServerSecret } from './server-secret.js';

const VERSION = 1;
/** Unpadded base64url, as issued: Node's lenient decoder would also take padding, the +/ alphabet and skip other characters. */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface TokenClaims {
  tokenId: string;
  userId: string;
  userName: string;
  domainId: string;
  domainName: string;
  projectId: string;
  projectName: string;
  roles: Role[];
  methods: string[];
  issuedAt: number;
  expiresAt: number;
}

type Packed = [string, string, string, string, string, string, string, Role[], string[], number, number];

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'garbled' } | { ok: false; reason: 'expired'; expiresAt: number };

/** Decrypted claims of recently seen valid tokens; sized for the active tokens of a busy node. */
const VERIFIED_CACHE_SIZE = 4096;

export class TokenProvider {
  // Decrypting costs more than the rest of a sysprep GET; a token is immutable, so the claims of
  // one that verified once are reused (expiry is still checked per call, revocation by the caller).
  private readonly verified = new Map<string, TokenClaims>();

  constructor(
    private readonly secret: ServerSecret,
    readonly ttlMs: number,
    private readonly cacheSize = VERIFIED_CACHE_SIZE,
  ) {}

  issue(c: Omit<TokenClaims, 'tokenId' | 'issuedAt' | 'expiresAt'>, now: number): { token: string; claims: TokenClaims } {
    const claims: TokenClaims = { ...c, tokenId: randomBytes(12).toString('hex'), issuedAt: now, expiresAt: now + this.ttlMs };
    const packed: Packed = [claims.tokenId, claims.userId, claims.userName, claims.domainId, claims.domainName, claims.projectId, claims.projectName, claims.roles, claims.methods, claims.issuedAt, claims.expiresAt];
    const { id, key } = this.secret.tokenKeys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const enc = Buffer.concat([cipher.update(JSON.stringify(packed), 'utf8'), cipher.final()]);
    const token = Buffer.concat([Buffer.of(VERSION), id, iv, enc, cipher.getAuthTag()]).toString('base64url');
    return { token, claims };
  }

  /** Cryptographic check and expiry only; revocations are the caller's (TokenInvalidations). */
  verify(token: string, now: number): TokenCheck {
    const cached = this.verified.get(token);
    if (cached) {
      if (now >= cached.expiresAt) return { ok: false, reason: 'expired', expiresAt: cached.expiresAt };
      return { ok: true, claims: cached };
    }
    const r = this.decrypt(token);
    if (!r.ok) return r;
    if (now >= r.claims.expiresAt) return { ok: false, reason: 'expired', expiresAt: r.claims.expiresAt };
    // Only valid tokens enter, so a flood of garbage cannot evict them; oldest out first.
    if (this.verified.size >= this.cacheSize) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, r.claims);
    return r;
  }

  private decrypt(token: string): { ok: true; claims: TokenClaims } | { ok: false; reason: 'garbled' } {
    if (token.length < 60 || token.length > 4096 || !BASE64URL.test(token)) return { ok: false, reason: 'garbled' };
    const raw = Buffer.from(token, 'base64url');
    // Node's decoder ignores the unused low bits of the last character: only the spelling we issue is one token.
    if (raw.toString('base64url') !== token) return { ok: false, reason: 'garbled' };
    if (raw.length < 1 + 4 + 12 + 16 + 2 || raw[0] !== VERSION) return { ok: false, reason: 'garbled' };
    const k = this.secret.tokenKeys.find((t) => t.id.equals(raw.subarray(1, 5)));
    if (!k) return { ok: false, reason: 'garbled' };
    let packed: Packed;
    try {
      const d = createDecipheriv('aes-256-gcm', k.key, raw.subarray(5, 17));
      d.setAuthTag(raw.subarray(raw.length - 16));
      packed = JSON.parse(Buffer.concat([d.update(raw.subarray(17, raw.length - 16)), d.final()]).toString('utf8')) as Packed;
    } catch {
      return { ok: false, reason: 'garbled' };
    }
    // Frozen: cached claims are shared by every request that presents the token.
    const claims: TokenClaims = Object.freeze({
      tokenId: packed[0],
      userId: packed[1],
      userName: packed[2],
      domainId: packed[3],
      domainName: packed[4],
      projectId: packed[5],
      projectName: packed[6],
      roles: Object.freeze(packed[7]) as Role[],
      methods: Object.freeze(packed[8]) as string[],
      issuedAt: packed[9],
      expiresAt: packed[10],
    });
    return { ok: true, claims };
  }
}
