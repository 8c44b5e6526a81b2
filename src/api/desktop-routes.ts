// The desktop inventory, read side (Huawei's ListDesktops / ShowDesktopDetail field names).
import type { FastifyInstance } from 'fastify';
import { ACTIONS } from '../auth/actions.js';
import { DesktopParams, ProjectParams, huaweiErrors } from '../schemas/common.js';
import { ListDesktopsQuery, ListDesktopsResponse, ShowDesktopResponse } from '../schemas/desktops.js';
import type { Services } from '../server/services.js';
import { desktopNotFound } from './sysprep-routes.js';
import { desktopToWire } from './wire.js';

export async function desktopRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { store } = services;

  app.get<{ Params: { project_id: string }; Querystring: { limit?: number; offset?: number } }>(
    '/v2/:project_id/desktops',
    {
      config: { action: ACTIONS.listDesktops, projectScoped: true },
      schema: {
        summary: 'Queries desktops',
        tags: ['desktops'],
        params: ProjectParams,
        querystring: ListDesktopsQuery,
        response: { 200: ListDesktopsResponse, ...huaweiErrors(400, 401, 403, 500) },
      },
    },
    async (req) => {
      const { limit = 1000, offset = 0 } = req.query;
      const page = await store.listDesktops(req.params.project_id, limit, offset);
      return { desktops: page.desktops.map(desktopToWire), total_count: page.total };
    },
  );

  app.get<{ Params: { project_id: string; desktop_id: string } }>(
    '/v2/:project_id/desktops/:desktop_id',
    {
      config: { action: ACTIONS.getDesktop, projectScoped: true },
      schema: {
        summary: 'Queries a desktop',
        tags: ['desktops'],
        params: DesktopParams,
        response: { 200: ShowDesktopResponse, ...huaweiErrors(400, 401, 403, 404, 500) },
      },
    },
    async (req) => {
      const d = await store.getDesktop(req.params.project_id, req.params.desktop_id);
      if (!d) throw desktopNotFound(req.params.desktop_id);
      return { desktop: desktopToWire(d) };
    },
  );
}
