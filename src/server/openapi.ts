// The OpenAPI 3 document is generated from the route schemas; /docs serves a browsable UI.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { HuaweiError } from '../schemas/common.js';

export async function registerOpenApi(app: FastifyInstance) {
  app.addSchema(HuaweiError);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'workspace-sysprep',
        description: "A self-hostable implementation of Huawei Cloud Workspace's Sysprep API, with its identity and inventory.",
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
          aksk: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'SDK-HMAC-SHA256 signature with X-Sdk-Date' },
        },
      },
      security: [{ token: [] }, { aksk: [] }],
    },
    // Keep the route's own config out of the document.
    hideUntagged: true,
    // Shared schemas keep their $id as component name (HuaweiError, not def-0) for client generators.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
}
