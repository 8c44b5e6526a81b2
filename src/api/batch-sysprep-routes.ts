// Huawei's batch sibling of the seed API: POST /v2/{project_id}/sysprep (DESIGN §2.2).
import type { FastifyInstance } from 'fastify';
import { ACTIONS } from '../auth/actions.js';
import { evaluate } from '../domain/policy.js';
import { DESKTOP_ID_PATTERN, ProjectParams, huaweiErrors } from '../schemas/common.js';
import { BatchSysprepBody, BatchSysprepResponse } from '../schemas/sysprep.js';
import { ApiError } from '../server/errors.js';
import type { Services } from '../server/services.js';

export const MAX_BATCH = 100;
const DESKTOP_ID = new RegExp(DESKTOP_ID_PATTERN);
const DETAIL_MAX = 1000;

/** The distinct desktop ids of the body, in first-seen order; 400 naming what is wrong. */
export function parseBatchBody(body: unknown): string[] {
  const invalid = (field: string, msg: string) => new ApiError('invalidParameter', `Invalid field ${field}: ${msg}`);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('body', 'it must be a JSON object.');
  for (const k of Object.keys(body)) if (k !== 'desktop_ids') throw invalid(k, 'unknown field.');
  const ids = (body as { desktop_ids?: unknown }).desktop_ids;
  if (ids === undefined || ids === null) throw new ApiError('bodyRequired', 'The request body must contain desktop_ids.');
  if (!Array.isArray(ids)) throw invalid('desktop_ids', 'it must be an array of desktop ids.');
  if (ids.length === 0) throw new ApiError('bodyRequired', 'The desktop_ids list is empty.');
  if (ids.length > MAX_BATCH) throw invalid('desktop_ids', `at most ${MAX_BATCH} desktop ids per request, got ${ids.length}.`);
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (typeof id !== 'string') throw invalid(`desktop_ids[${i}]`, 'it must be a string.');
    if (!DESKTOP_ID.test(id)) throw invalid(`desktop_ids[${i}]`, "it must be 1 to 255 characters of A-Z, a-z, 0-9 and '-'.");
    seen.add(id);
  });
  return [...seen];
}

/** "a, b, c", cut to 1000 characters with "… and N more" when it does not fit. */
export function listWithin(ids: readonly string[], max = DETAIL_MAX): string {
  const full = ids.join(', ');
  if (full.length <= max) return full;
  let text = '';
  for (let i = 0; i < ids.length; i++) {
    const next = text ? `${text}, ${ids[i]}` : ids[i];
    const suffix = ` … and ${ids.length - i - 1} more`;
    if (next.length + suffix.length > max) return `${text} … and ${ids.length - i} more`;
    text = next;
  }
  return text;
}

export async function batchSysprepRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { store, policy, clock } = services;

  app.post<{ Params: { project_id: string }; Body: unknown }>(
    '/v2/:project_id/sysprep',
    {
      config: { action: ACTIONS.getSysprepInfo, projectScoped: true, body: 'required' },
      schema: {
        summary: 'Querying the Sysprep information of desktops in batches',
        tags: ['sysprep'],
        params: ProjectParams,
        body: BatchSysprepBody,
        response: { 200: BatchSysprepResponse, ...huaweiErrors(400, 401, 403, 404, 415, 500) },
      },
    },
    async (req) => {
      const ids = parseBatchBody(req.body);
      const found = await store.getDesktopsWithReports(req.params.project_id, ids);
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length > 0) {
        throw new ApiError('notFound', `${missing.length} of the desktops do not exist in this project.`, listWithin(missing));
      }
      const now = clock();
      const current = policy.current;
      return {
        sysprep_infos: ids.map((id) => {
          const { desktop, report } = found.get(id)!;
          const v = evaluate(desktop, report, current, now);
          return { desktop_id: id, sysprep_version: v.sysprepVersion, support_hibernate: v.supportHibernate, support_update_route: v.supportUpdateRoute };
        }),
      };
    },
  );
}
