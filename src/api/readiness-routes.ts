// The reasons behind the verdicts (ours, beyond Huawei): readiness of one desktop and the
// summary of a project. Bodies are described in docs/policy.md.
import type { FastifyInstance } from 'fastify';
import { ACTIONS } from '../auth/actions.js';
import { DesktopParams, ProjectParams, huaweiErrors } from '../schemas/common.js';
import { ReadinessResponse, SummaryResponse } from '../schemas/readiness.js';
import { readinessToWire, summariseProject } from '../server/readiness.js';
import type { Services } from '../server/services.js';
import { desktopNotFound } from './sysprep-routes.js';

export async function readinessRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { store, policy, clock } = services;

  app.get<{ Params: { project_id: string; desktop_id: string } }>(
    '/v2/:project_id/desktops/:desktop_id/sysprep/readiness',
    {
      config: { action: ACTIONS.getDesktop, projectScoped: true },
      schema: {
        summary: 'Why a desktop can or cannot be turned into an image: capabilities, blockers and the facts used (ours)',
        tags: ['sysprep'],
        params: DesktopParams,
        response: { 200: ReadinessResponse, ...huaweiErrors(400, 401, 403, 404, 500) },
      },
    },
    async (req) => {
      const { project_id, desktop_id } = req.params;
      const found = await store.getDesktopWithReport(project_id, desktop_id);
      if (!found) throw desktopNotFound(desktop_id);
      return readinessToWire(found, policy.current, clock());
    },
  );

  app.get<{ Params: { project_id: string } }>(
    '/v2/:project_id/sysprep/summary',
    {
      config: { action: ACTIONS.listDesktops, projectScoped: true },
      schema: {
        summary: 'How many desktops of the project are ready for an image, and how many each blocker stops (ours)',
        tags: ['sysprep'],
        params: ProjectParams,
        response: { 200: SummaryResponse, ...huaweiErrors(400, 401, 403, 500) },
      },
    },
    // One policy and one instant for the whole scan, so every desktop is judged alike.
    async (req) => summariseProject(store, req.params.project_id, policy.current, clock()),
  );
}
