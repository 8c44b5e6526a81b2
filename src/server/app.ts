// Assembles the product: services from config + store, then the HTTP app with every route family.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { adminRoutes } from '../api/admin-routes.js';
import { batchSysprepRoutes } from '../api/batch-sysprep-routes.js';
import { credentialRoutes } from '../api/credential-routes.js';
import { desktopRoutes } from '../api/desktop-routes.js';
import { iamRoutes } from '../api/iam-routes.js';
import { opsRoutes } from '../api/ops-routes.js';
import { readinessRoutes } from '../api/readiness-routes.js';
import { sysprepRoutes } from '../api/sysprep-routes.js';
import type { Authenticator } from '../auth/principal.js';
import type { ServerSecret } from '../auth/server-secret.js';
import { TokenAuthenticator } from '../auth/token-authenticator.js';
import { TokenInvalidations } from '../auth/token-invalidations.js';
import { TokenProvider } from '../auth/token-provider.js';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { buildServer, installAuthPipeline } from './build-server.js';
import { registerOpenApi } from './openapi.js';
import { PolicyHolder } from './policy-holder.js';
import type { Services } from './services.js';

export interface ServiceOptions {
  clock?: () => number;
  logger?: Logger | false;
  /** Extra authenticators (AK/SK) tried beside tokens. */
  authenticators?: (base: Omit<Services, 'authenticators'>) => Authenticator[];
}

export function createServices(config: Config, store: Store, secret: ServerSecret, opts: ServiceOptions = {}): Services {
  const clock = opts.clock ?? Date.now;
  const tokens = new TokenProvider(secret, config.tokenTtl * 1000);
  const invalidations = new TokenInvalidations(store, 1000, clock);
  const tokenAuth = new TokenAuthenticator(tokens, invalidations);
  const log = opts.logger || undefined;
  const policy = new PolicyHolder(config.policyFile, log);
  const base = { config, store, secret, tokens, invalidations, tokenAuth, policy, clock, lifecycle: { closing: false } };
  return { ...base, authenticators: [tokenAuth, ...(opts.authenticators?.(base) ?? [])] };
}

export async function createApp(services: Services, logger: Logger | false): Promise<FastifyInstance> {
  const app = await buildServer(services, { logger });
  await registerOpenApi(app);
  await app.register(opsRoutes, { services });
  await app.register(async (api) => {
    installAuthPipeline(api, services);
    await api.register(iamRoutes, { services });
    await api.register(credentialRoutes, { services });
    await api.register(sysprepRoutes, { services });
    await api.register(batchSysprepRoutes, { services });
    await api.register(readinessRoutes, { services });
    await api.register(desktopRoutes, { services });
    await api.register(adminRoutes, { services });
  });
  await app.ready();
  return app;
}
