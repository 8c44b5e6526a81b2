// Operational endpoints: liveness, readiness (the store answers) and the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../server/errors.js';
import type { Services } from '../server/services.js';

export async function opsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => {
    try {
      await services.store.ping();
    } catch {
      throw new ApiError('unavailable', 'The storage is unavailable.');
    }
    return { status: 'ok', store: services.store.kind };
  });
  app.get('/openapi.json', async () => app.swagger());
}
