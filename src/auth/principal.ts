// Who is calling, and the one authorization check every route uses.
import type { Role } from '../domain/types.js';
import { ApiError } from '../server/errors.js';
import { rolesAllow, type Action } from './actions.js';
import type { TokenClaims } from './token-provider.js';

export interface Principal {
  scheme: 'token' | 'aksk';
  userId: string;
  userName: string;
  domainId: string;
  domainName: string;
  /**
   * Token: the project the token is scoped to. AK/SK: the path's project when the user has a
   * role there (roles resolved there), else null; on a path without a project, null with the
   * user's roles over all their projects.
   */
  projectId: string | null;
  roles: Role[];
  token?: TokenClaims;
  accessKey?: string;
}

/** What an authenticator sees of a request; no Fastify types, so it is testable alone. */
export interface AuthInput {
  method: string;
  /** Path and query exactly as on the wire. */
  rawUrl: string;
  /** Value of a header (lower-case name), undefined when absent. */
  header(name: string): string | undefined;
  /** How many times a header occurs in the raw request (Node merges or drops repeats). */
  headerCount(name: string): number;
  /** Raw body bytes as received, read on demand (AK/SK hashes them, tokens do not). */
  body(): Promise<Buffer>;
  pathProjectId: string | null;
  now: number;
}

export interface Authenticator {
  readonly scheme: Principal['scheme'];
  /** True when the request carries this scheme's credentials. */
  applies(input: AuthInput): boolean;
  /** Throws ApiError (401) when the credentials are wrong. */
  authenticate(input: AuthInput): Promise<Principal>;
  /** This process changed or deleted an access key: drop what is cached about it. */
  forgetAccessKey?(accessKey: string): void;
}

export function forgetAccessKey(authenticators: readonly Authenticator[], accessKey: string): void {
  for (const a of authenticators) a.forgetAccessKey?.(accessKey);
}

export const IAM_PREFIX = 'Incorrect IAM authentication information: ';

/** Tries each scheme; both at once is refused rather than guessed. */
export async function authenticate(authenticators: readonly Authenticator[], input: AuthInput): Promise<Principal> {
  for (const h of ['authorization', 'x-auth-token', 'x-sdk-date', 'x-subject-token']) {
    if (input.headerCount(h) > 1) throw new ApiError('unauthenticated', `${IAM_PREFIX}repeated ${h} header`);
  }
  let chosen: Authenticator | undefined;
  for (const a of authenticators) {
    if (!a.applies(input)) continue;
    if (chosen) throw new ApiError('unauthenticated', `${IAM_PREFIX}both X-Auth-Token and an AK/SK signature were sent; use one`);
    chosen = a;
  }
  if (!chosen) {
    const auth = input.header('authorization');
    if (auth) throw new ApiError('unauthenticated', `${IAM_PREFIX}unsupported Authorization scheme`);
    throw new ApiError('unauthenticated', `${IAM_PREFIX}x-auth-token not found`);
  }
  return chosen.authenticate(input);
}

/** 403 unless the principal acts in `projectId` with a role that grants `action`. */
export function authorize(p: Principal, action: Action, projectId: string | null): void {
  if (projectId !== null && p.projectId !== projectId) {
    throw new ApiError('forbidden', `Policy doesn't allow ${action} to be performed on project ${projectId.length > 64 ? projectId.slice(0, 64) + '…' : projectId}.`);
  }
  if (!rolesAllow(p.roles, action)) throw new ApiError('forbidden', `Policy doesn't allow ${action} to be performed.`);
}
