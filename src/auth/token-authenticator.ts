// X-Auth-Token: a cryptographic check (no store read) plus the in-memory invalidation copy.
import { ApiError } from '../server/errors.js';
import { IAM_PREFIX, type AuthInput, type Authenticator, type Principal } from './principal.js';
import type { TokenInvalidations } from './token-invalidations.js';
import type { TokenProvider } from './token-provider.js';
import { isoMicro } from './time-format.js';

export class TokenAuthenticator implements Authenticator {
  readonly scheme = 'token' as const;
  constructor(
    private readonly tokens: TokenProvider,
    private readonly invalidations: TokenInvalidations,
  ) {}

  applies(input: AuthInput): boolean {
    // An empty X-Auth-Token counts as absent (DESIGN §2.5).
    return !!input.header('x-auth-token');
  }

  async authenticate(input: AuthInput): Promise<Principal> {
    const claims = await this.verifyToken(input.header('x-auth-token') as string, input.now);
    return {
      scheme: 'token',
      userId: claims.userId,
      userName: claims.userName,
      domainId: claims.domainId,
      domainName: claims.domainName,
      projectId: claims.projectId,
      roles: claims.roles,
      token: claims,
    };
  }

  /** Also used for X-Subject-Token on GET/DELETE /v3/auth/tokens. */
  async verifyToken(token: string, now: number) {
    const r = this.tokens.verify(token.trim(), now);
    if (!r.ok) {
      if (r.reason === 'expired') throw new ApiError('unauthenticated', `${IAM_PREFIX}token expires, expires_at: ${isoMicro(r.expiresAt)}`);
      throw new ApiError('unauthenticated', `${IAM_PREFIX}decrypt token fail`);
    }
    const state = await this.invalidations.check(r.claims.userId, r.claims.tokenId, r.claims.issuedAt);
    if (state !== 'ok') throw new ApiError('tokenInvalidated', 'The token must be updated.');
    return r.claims;
  }
}
