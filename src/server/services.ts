// Everything a route needs, built once and passed in (no globals).
import type { Authenticator } from '../auth/principal.js';
import type { ServerSecret } from '../auth/server-secret.js';
import type { TokenAuthenticator } from '../auth/token-authenticator.js';
import type { TokenInvalidations } from '../auth/token-invalidations.js';
import type { TokenProvider } from '../auth/token-provider.js';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import type { PolicyHolder } from './policy-holder.js';

export interface Services {
  config: Config;
  store: Store;
  secret: ServerSecret;
  tokens: TokenProvider;
  invalidations: TokenInvalidations;
  tokenAuth: TokenAuthenticator;
  /** Tried in order; exactly one may apply to a request. */
  authenticators: Authenticator[];
  policy: PolicyHolder;
  clock: () => number;
  /** Set when shutdown starts: new requests get 503. */
  lifecycle: { closing: boolean };
}
