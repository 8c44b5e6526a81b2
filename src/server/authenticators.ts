// The authentication schemes beside X-Auth-Token, built from the shared services.
import { AccessKeyCache } from '../auth/access-key-cache.js';
import { AkskAuthenticator } from '../auth/aksk-authenticator.js';
import type { Authenticator } from '../auth/principal.js';
import type { Services } from './services.js';

export interface AuthenticatorOptions {
  /** Receives debug lines such as the canonical request of a signature mismatch. */
  log?: { debug(obj: object, msg: string): void };
}

export function authenticatorsFor(base: Omit<Services, 'authenticators'>, opts: AuthenticatorOptions = {}): Authenticator[] {
  const { store, secret, config, clock } = base;
  const keys = new AccessKeyCache(store, secret, 1000, clock);
  return [new AkskAuthenticator(store, keys, { lockThreshold: config.akLockThreshold, lockMs: config.akLockSeconds * 1000, log: opts.log })];
}
