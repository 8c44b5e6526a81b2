// SDK-HMAC-SHA256 request signatures (DESIGN §2.4, §2.6): the Authenticator the official
// Huawei SDKs meet. Verification is aksk-signature.ts; this adds the key lookup (cached for
// at most a second), the date window, the lockout after repeated mismatches and the principal.
import type { Role } from '../domain/types.js';
import { CREDENTIAL_HEADERS, REDACTED } from '../logger.js';
import { ApiError } from '../server/errors.js';
import type { Store } from '../store/store.js';
import type { AccessKeyCache, CachedAccessKey } from './access-key-cache.js';
import { checkSdkDate, parseSdkAuthorization, SDK_SIGNING_ALGORITHM, verifySdkSignature, type ParsedSdkAuthorization, type SignedRequestParts } from './aksk-signature.js';
import { IAM_PREFIX, type AuthInput, type Authenticator, type Principal } from './principal.js';

const DERIVED_ALGORITHM = 'V11-HMAC-SHA256';

/** The error_msg of every AK/SK failure (docs/errors.md lists them). Values are cut, never the SK. */
export const AKSK_MESSAGES = {
  derived: `${IAM_PREFIX}the ${DERIVED_ALGORITHM} (derived AK/SK) signing algorithm is not supported; sign with ${SDK_SIGNING_ALGORITHM}`,
  securityToken: `${IAM_PREFIX}temporary access keys (X-Security-Token) are not supported; sign with a permanent access key`,
  unknownKey: (ak: string) => `${IAM_PREFIX}Get secretKey failed,ak:${cut(ak)},err:ak not exist`,
  inactiveKey: (ak: string) => `${IAM_PREFIX}Get secretKey failed,ak:${cut(ak)},err:ak is inactive`,
  disabledUser: (ak: string) => `${IAM_PREFIX}Get secretKey failed,ak:${cut(ak)},err:the user of the ak is disabled`,
  locked: `${IAM_PREFIX}AK access failed to reach the limit, forbidden`,
  mismatch: `${IAM_PREFIX}verify aksk signature fail, the signature does not match the request (check the SK, and that the method, path, query, signed headers and body are sent exactly as signed)`,
  doubledSlash: `${IAM_PREFIX}verify aksk signature fail, the request was signed for a path starting with "//" (an endpoint ending in "/"); remove the trailing "/" from the endpoint`,
  verifyFailed: (reason: string) => `${IAM_PREFIX}verify aksk signature fail, ${reason}`,
  projectMismatch: (header: string, path: string) => `${IAM_PREFIX}X-Project-Id ${cut(header)} does not match the project ${cut(path)} in the path`,
  domainMismatch: `${IAM_PREFIX}X-Domain-Id does not match the account of the access key`,
} as const;

function cut(v: string): string {
  return v.length > 64 ? v.slice(0, 64) + '…' : v;
}

/** How precisely last_use_time is kept: finer would mean a write per signed request. */
export const LAST_USE_GRANULARITY_MS = 60_000;

export interface AkskOptions {
  lockThreshold: number;
  lockMs: number;
  /** Debug lines (the canonical request of a mismatch); never given the SK or the expected signature. */
  log?: { debug(obj: object, msg: string): void };
}

export class AkskAuthenticator implements Authenticator {
  readonly scheme = 'aksk' as const;

  constructor(
    private readonly store: Store,
    private readonly keys: AccessKeyCache,
    private readonly opts: AkskOptions,
  ) {}

  forgetAccessKey(accessKey: string): void {
    this.keys.forget(accessKey);
  }

  applies(input: AuthInput): boolean {
    const auth = input.header('authorization');
    return auth !== undefined && (auth.startsWith(SDK_SIGNING_ALGORITHM) || auth.startsWith(DERIVED_ALGORITHM));
  }

  async authenticate(input: AuthInput): Promise<Principal> {
    const auth = input.header('authorization') as string;
    if (auth.startsWith(DERIVED_ALGORITHM)) throw fail(AKSK_MESSAGES.derived);
    if (input.header('x-security-token') !== undefined) throw fail(AKSK_MESSAGES.securityToken);
    const parsed = parseSdkAuthorization(auth);
    if ('error' in parsed) throw fail(IAM_PREFIX + parsed.error);
    // Malformed or expired dates are refused before the key is looked up: they never count as mismatches.
    const date = checkSdkDate(input.header('x-sdk-date'), input.now);
    if (!date.ok) throw fail(IAM_PREFIX + date.reason);

    const key = await this.keys.get(parsed.accessKey);
    if (!key) throw fail(AKSK_MESSAGES.unknownKey(parsed.accessKey));
    if (key.status !== 'active') throw fail(AKSK_MESSAGES.inactiveKey(parsed.accessKey));
    if (!key.user.enabled) throw fail(AKSK_MESSAGES.disabledUser(parsed.accessKey));
    // While locked even a correct signature is refused, and nothing is counted.
    if (key.lockedUntil !== null && key.lockedUntil > input.now) throw fail(AKSK_MESSAGES.locked);

    await this.verify(input, parsed, key);

    // Only a signed X-Project-Id or X-Domain-Id is the caller's word; unsigned ones are ignored.
    const signed = (name: string) => (parsed.signedHeaders.includes(name) ? input.header(name) : undefined);
    const headerProject = signed('x-project-id');
    if (headerProject !== undefined && input.pathProjectId !== null && headerProject.trim() !== input.pathProjectId) {
      throw fail(AKSK_MESSAGES.projectMismatch(headerProject.trim(), input.pathProjectId));
    }
    const headerDomain = signed('x-domain-id');
    if (headerDomain !== undefined && headerDomain.trim() !== key.user.domainId) throw fail(AKSK_MESSAGES.domainMismatch);

    // The key acts in the path's project with the user's roles there. Without any role there it
    // acts in no project, so authorize() answers the same 403 as a token of another project.
    const projectRoles = input.pathProjectId !== null ? (key.roles.get(input.pathProjectId) ?? []) : null;
    return {
      scheme: 'aksk',
      userId: key.user.id,
      userName: key.user.name,
      domainId: key.user.domainId,
      domainName: key.user.domainName,
      projectId: projectRoles && projectRoles.length > 0 ? input.pathProjectId : null,
      roles: projectRoles ?? accountRoles(key),
      accessKey: key.accessKey,
    };
  }

  private async verify(input: AuthInput, parsed: ParsedSdkAuthorization, key: CachedAccessKey): Promise<void> {
    const q = input.rawUrl.indexOf('?');
    const parts: SignedRequestParts = {
      method: input.method,
      rawPath: q < 0 ? input.rawUrl : input.rawUrl.slice(0, q),
      rawQuery: q < 0 ? '' : input.rawUrl.slice(q + 1),
      headers: input.header,
      body: await input.body(),
    };
    // Strict like the cloud: the "//" variant is only tried to explain the failure.
    const result = verifySdkSignature(parts, parsed, key.secretKey, { allowDoubledLeadingSlash: false });
    if (result.ok) {
      // The counter is reset only when it is known to be non-zero: a good signature costs no write.
      if (key.failedCount !== 0) {
        key.failedCount = 0;
        await this.store.resetSignatureFailures(key.accessKey);
      }
      // last_use_time to the minute: at most one (conditional) write per key and minute.
      if (key.lastUsedAt === null || input.now - key.lastUsedAt >= LAST_USE_GRANULARITY_MS) {
        key.lastUsedAt = input.now;
        await this.store.recordAccessKeyUse(key.accessKey, input.now, input.now - LAST_USE_GRANULARITY_MS);
      }
      return;
    }
    if (result.reason !== 'signature mismatch') throw fail(AKSK_MESSAGES.verifyFailed(result.reason));
    if (verifySdkSignature(parts, parsed, key.secretKey, { allowDoubledLeadingSlash: true }).ok) throw fail(AKSK_MESSAGES.doubledSlash);

    if (result.canonicalRequest !== undefined) {
      const canonicalRequest = redactCanonicalRequest(result.canonicalRequest, parsed.signedHeaders);
      this.opts.log?.debug({ accessKey: key.accessKey, signedHeaders: parsed.signedHeaders, canonicalRequest }, 'AK/SK signature mismatch');
    }
    const lockedUntil = await this.store.recordSignatureFailure(key.accessKey, input.now, this.opts.lockThreshold, this.opts.lockMs);
    // Mirror the store's update so this process sees the lock (and a later reset) at once.
    if (lockedUntil !== null) {
      key.lockedUntil = lockedUntil;
      key.failedCount = 0;
    } else {
      key.failedCount++;
    }
    throw fail(AKSK_MESSAGES.mismatch);
  }
}

/**
 * On a path without a project: the user's roles over all their projects. This only says "holds
 * this role somewhere"; a decision about another project's users (managing their keys) checks
 * the grants of each project concerned (mayManageUser), so this cannot widen anything.
 */
function accountRoles(key: CachedAccessKey): Role[] {
  const all = new Set<Role>();
  for (const roles of key.roles.values()) for (const r of roles) all.add(r);
  return [...all].sort();
}

/**
 * The canonical request for a log line: a client may sign X-Subject-Token, X-Auth-Token and the
 * like, whose values are credentials, so their lines keep only the name. Header values cannot
 * contain a newline, so the header lines are the 4th to the (3 + signed headers)th.
 */
export function redactCanonicalRequest(canonical: string, signedHeaders: readonly string[]): string {
  const lines = canonical.split('\n');
  for (let i = 3; i < 3 + signedHeaders.length && i < lines.length; i++) {
    const name = signedHeaders[i - 3];
    if (CREDENTIAL_HEADERS.includes(name)) lines[i] = `${name}:${REDACTED}`;
  }
  return lines.join('\n');
}

function fail(message: string): ApiError {
  return new ApiError('unauthenticated', message);
}
