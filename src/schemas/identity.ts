// Query parameters of the Keystone-style identity API under /v3/.
import { Type } from '@sinclair/typebox';

/**
 * /v3/auth/tokens: Keystone's flags, accepted (as keystoneauth may send them) and changing
 * nothing here; any other parameter is refused like everywhere else.
 */
export const TokenQuery = Type.Object(
  {
    nocatalog: Type.Optional(Type.Unknown({ description: "Keystone's flag; accepted, the catalog is always included." })),
    allow_expired: Type.Optional(Type.Unknown({ description: "Keystone's flag; accepted, expired tokens are never validated." })),
  },
  { additionalProperties: false },
);

/** GET /v3/projects/{project_id}: no parameters. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

/** GET /v3/projects: each filter once, as text (a repeated one is a 400, never an array reaching the store). */
export const ListProjectsQuery = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 255, description: 'Project name (a region such as cn-north-4); the SDKs find a project id by it.' })),
    domain_id: Type.Optional(Type.String({ maxLength: 64, description: "Account id; only the caller's account is ever listed." })),
    enabled: Type.Optional(Type.String({ enum: ['true', 'false'], description: 'Only enabled (true) or disabled (false) projects.' })),
  },
  { additionalProperties: false },
);
