// Our admin API: registering and removing desktops. It lives under /admin/v1 because Huawei's
// POST /v2/{project_id}/desktops means "provision new VMs" and must keep that meaning.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ACTIONS } from '../auth/actions.js';
import type { DesktopInput } from '../domain/types.js';
import { validateDesktopInput } from '../fleet/fleet-file.js';
import { DesktopParams, ProjectParams, huaweiErrors } from '../schemas/common.js';
import { DesktopWire, RegisterDesktopsBody } from '../schemas/desktops.js';
import { ApiError } from '../server/errors.js';
import type { Services } from '../server/services.js';
import { desktopNotFound } from './sysprep-routes.js';
import { desktopToWire } from './wire.js';

export const MAX_REGISTER = 1000;

function parseRegisterBody(body: unknown): DesktopInput[] {
  const invalid = (field: string, msg: string) => new ApiError('invalidParameter', `Invalid field ${field}: ${msg}`);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('body', 'it must be a JSON object.');
  for (const k of Object.keys(body)) if (k !== 'desktops') throw invalid(k, 'unknown field.');
  const list = (body as { desktops?: unknown }).desktops;
  if (list === undefined) throw new ApiError('bodyRequired', 'The request body must contain desktops.');
  if (!Array.isArray(list)) throw invalid('desktops', 'it must be an array.');
  if (list.length === 0) throw new ApiError('bodyRequired', 'The desktops list is empty.');
  if (list.length > MAX_REGISTER) throw invalid('desktops', `at most ${MAX_REGISTER} desktops per request.`);
  const seen = new Set<string>();
  return list.map((record, i) => {
    const r = validateDesktopInput(record);
    if (!r.ok) throw invalid(`desktops[${i}].${r.error.field}`, r.error.message);
    if (seen.has(r.desktop.desktopId)) throw invalid(`desktops[${i}].desktop_id`, 'the same desktop_id appears twice.');
    seen.add(r.desktop.desktopId);
    return r.desktop;
  });
}

export async function adminRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { store, clock } = services;

  app.post<{ Params: { project_id: string }; Body: unknown }>(
    '/admin/v1/projects/:project_id/desktops',
    {
      config: { action: ACTIONS.manageDesktops, projectScoped: true, body: 'required' },
      schema: {
        summary: 'Register or update up to 1000 desktops atomically',
        tags: ['admin'],
        params: ProjectParams,
        body: RegisterDesktopsBody,
        response: { 200: Type.Object({ desktops: Type.Array(DesktopWire) }), ...huaweiErrors(400, 401, 403, 415, 500) },
      },
    },
    async (req) => {
      const desktops = parseRegisterBody(req.body);
      const stored = await store.upsertDesktops(req.params.project_id, desktops, clock());
      return { desktops: stored.map(desktopToWire) };
    },
  );

  app.delete<{ Params: { project_id: string; desktop_id: string } }>(
    '/admin/v1/projects/:project_id/desktops/:desktop_id',
    {
      config: { action: ACTIONS.manageDesktops, projectScoped: true },
      schema: {
        summary: 'Remove a desktop and its report',
        tags: ['admin'],
        params: DesktopParams,
        response: { 204: Type.Null(), ...huaweiErrors(400, 401, 403, 404, 500) },
      },
    },
    async (req, reply) => {
      if (!(await store.deleteDesktop(req.params.project_id, req.params.desktop_id))) throw desktopNotFound(req.params.desktop_id);
      return reply.code(204).send();
    },
  );
}
