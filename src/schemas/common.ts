// TypeBox wire schemas: one source for validation, fast serialisation and the OpenAPI document.
import { Type, type TSchema } from '@sinclair/typebox';

export const PROJECT_ID_PATTERN = '^[0-9a-f]{32}$';
export const DESKTOP_ID_PATTERN = '^[A-Za-z0-9-]{1,255}$';

export const ProjectId = Type.String({ pattern: PROJECT_ID_PATTERN, description: 'Project ID: 32 lowercase hexadecimal characters.' });
export const DesktopId = Type.String({ pattern: DESKTOP_ID_PATTERN, description: 'Desktop ID (a UUID in practice).' });

export const ProjectParams = Type.Object({ project_id: ProjectId });
export const DesktopParams = Type.Object({ project_id: ProjectId, desktop_id: DesktopId });

export const HuaweiError = Type.Object(
  {
    error_code: Type.String({ maxLength: 12 }),
    error_msg: Type.String({ maxLength: 1000 }),
    error_detail: Type.Optional(Type.String({ maxLength: 1000 })),
    encoded_authorization_message: Type.Optional(Type.String()),
    request_id: Type.Optional(Type.String()),
  },
  { $id: 'HuaweiError', description: 'Error body of every API outside /v3/.' },
);

export const KeystoneError = Type.Object(
  { error: Type.Object({ code: Type.Integer(), title: Type.String(), message: Type.String() }) },
  { description: 'Error body of the identity API under /v3/.' },
);

/** Error responses for the OpenAPI document (errors are sent pre-serialised, not via these). */
export function huaweiErrors(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of statuses) out[s] = Type.Ref('HuaweiError');
  return out;
}

export const Tag = Type.Object({ key: Type.String({ minLength: 1, maxLength: 128 }), value: Type.String({ maxLength: 255 }) });
