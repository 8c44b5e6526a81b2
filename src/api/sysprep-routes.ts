// The seed API (GET/HEAD …/sysprep) and the agent's report (PUT …/sysprep).
import type { FastifyInstance } from 'fastify';
import { ACTIONS } from '../auth/actions.js';
import { evaluate } from '../domain/policy.js';
import { parseReportBody } from '../domain/report.js';
import { DesktopParams, huaweiErrors } from '../schemas/common.js';
import { PutReportResponse, SysprepReportBody, SysprepVersionResponse } from '../schemas/sysprep.js';
import { ApiError } from '../server/errors.js';
import type { Services } from '../server/services.js';
import { isoMs } from './wire.js';

type DesktopPath = { project_id: string; desktop_id: string };

export const desktopNotFound = (desktopId: string) => new ApiError('notFound', `The desktop ${desktopId} does not exist.`);

export async function sysprepRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { store, policy, clock } = services;

  app.get<{ Params: DesktopPath }>(
    '/v2/:project_id/desktops/:desktop_id/sysprep',
    {
      config: { action: ACTIONS.getSysprepVersion, projectScoped: true },
      schema: {
        summary: 'Querying the Sysprep Version',
        tags: ['sysprep'],
        params: DesktopParams,
        response: { 200: SysprepVersionResponse, ...huaweiErrors(400, 401, 403, 404, 500) },
      },
    },
    async (req) => {
      const { project_id, desktop_id } = req.params;
      const found = await store.getVerdictInputs(project_id, desktop_id);
      if (!found) throw desktopNotFound(desktop_id);
      const v = evaluate(found.desktop, found.report, policy.current, clock());
      return { sysprep_version: v.sysprepVersion, support_create_image: v.supportCreateImage };
    },
  );

  app.put<{ Params: DesktopPath; Body: unknown }>(
    '/v2/:project_id/desktops/:desktop_id/sysprep',
    {
      config: { action: ACTIONS.reportSysprep, projectScoped: true, body: 'required' },
      schema: {
        summary: 'Report the Sysprep facts measured inside a desktop (agent or admin)',
        tags: ['sysprep'],
        params: DesktopParams,
        body: SysprepReportBody,
        response: { 200: PutReportResponse, ...huaweiErrors(400, 401, 403, 404, 415, 500) },
      },
    },
    async (req) => {
      const { project_id, desktop_id } = req.params;
      const now = clock();
      const parsed = parseReportBody(req.body, now);
      if (!parsed.ok) throw new ApiError('invalidParameter', `Invalid field ${parsed.error.field}: ${parsed.error.message}`);
      const result = await store.putReport(project_id, desktop_id, parsed.report, now);
      if (!result) throw desktopNotFound(desktop_id);
      return { applied: result.applied, collected_at: isoMs(result.collectedAt) };
    },
  );
}
