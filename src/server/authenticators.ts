// The authentication schemes beside X-Auth-Token, built from the shared services.
import type { Authenticator } from '../auth/principal.js';
import type { Services } from './services.js';

export function authenticatorsFor(_base: Omit<Services, 'authenticators'>): Authenticator[] {
  return [];
}
