import { Type } from '@sinclair/typebox';

export const SysprepVersionResponse = Type.Object({
  sysprep_version: Type.String({ description: 'Sysprep version: the normalised file version of sysprep.exe, "" when never reported.' }),
  support_create_image: Type.Boolean({ description: 'Whether an image can be created from the desktop.' }),
});

const str = (max: number) => Type.String({ maxLength: max });

/** The agent's report (DESIGN §3). Semantic checks (dates, versions) are in domain/report.ts. */
export const SysprepReportBody = Type.Object(
  {
    collected_at: Type.String({ description: 'RFC 3339 instant the facts were measured' }),
    sysprep_version: str(128),
    os_version: Type.Optional(Type.Union([str(64), Type.Null()])),
    os_edition: Type.Optional(Type.Union([str(64), Type.Null()])),
    image_state: Type.Optional(Type.Union([str(64), Type.Null()])),
    rearm_remaining: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 4294967295 }), Type.Null()])),
    skip_rearm: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    upgraded_in_place: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    appx_unprovisioned: Type.Optional(Type.Union([Type.Array(str(255), { maxItems: 1000 }), Type.Null()])),
    bitlocker_os_volume: Type.Optional(Type.Union([Type.String({ enum: ['off', 'on', 'suspended', 'unknown'] }), Type.Null()])),
    generalize_count: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    sysprep_succeeded_tag: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    pending_reboot: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    domain_joined: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    agent_version: Type.Optional(Type.Union([str(64), Type.Null()])),
  },
  { additionalProperties: false },
);

export const PutReportResponse = Type.Object({ applied: Type.Boolean(), collected_at: Type.String() });

/** POST /v2/{project_id}/sysprep (Huawei's batch API, DESIGN §2.2). */
export const BatchSysprepBody = Type.Object(
  { desktop_ids: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);

export const BatchSysprepResponse = Type.Object({
  sysprep_infos: Type.Array(
    Type.Object({
      desktop_id: Type.String(),
      sysprep_version: Type.String(),
      support_hibernate: Type.Boolean(),
      support_update_route: Type.Boolean(),
    }),
  ),
});
