// Wire schemas of the readiness and summary APIs (ours; docs/policy.md describes the bodies).
import { Type } from '@sinclair/typebox';
import { BLOCKER_CODES } from '../domain/policy.js';
import { WARNING_CODES } from '../domain/readiness.js';
import { IMAGE_STATES } from '../domain/types.js';

const BlockerCode = Type.Union(BLOCKER_CODES.map((c) => Type.Literal(c)));
const WarningCode = Type.Union(WARNING_CODES.map((c) => Type.Literal(c)));
const Instant = Type.String({ format: 'date-time', description: 'UTC, ISO 8601 with milliseconds' });

const AppxPackage = Type.Object({
  full_name: Type.String(),
  name: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  architecture: Type.Optional(Type.String()),
  resource_id: Type.Optional(Type.String({ description: 'empty for most packages; `~` for a bundle' })),
  publisher_id: Type.Optional(Type.String()),
});

const ReadinessBlocker = Type.Object({
  code: BlockerCode,
  message: Type.String(),
  fact: Type.Optional(Type.String({ description: 'wire name of the fact that triggered it; a key of `facts`' })),
  value: Type.Optional(Type.Unknown({ description: 'the value of that fact' })),
  packages: Type.Optional(Type.Array(AppxPackage, { description: 'APPX_NOT_PROVISIONED only: each package full name split into its parts' })),
});

const ReadinessWarning = Type.Object({ code: WarningCode, message: Type.String(), fact: Type.Optional(Type.String()) });

const ReadinessFacts = Type.Object(
  {
    os_type: Type.String({ description: 'inventory' }),
    status: Type.String({ description: 'inventory' }),
    collected_at: Type.Optional(Instant),
    sysprep_version: Type.Optional(Type.String()),
    os_version: Type.Optional(Type.String()),
    image_state: Type.Optional(Type.String({ description: `${IMAGE_STATES.join(', ')} or IMAGE_STATE_UNKNOWN (any other text reported)` })),
    rearm_remaining: Type.Optional(Type.Integer({ description: '4294967295 = not applicable' })),
    skip_rearm: Type.Optional(Type.Boolean()),
    upgraded_in_place: Type.Optional(Type.Boolean()),
    appx_unprovisioned: Type.Optional(Type.Array(Type.String())),
    bitlocker_os_volume: Type.Optional(Type.String()),
    generalize_count: Type.Optional(Type.Integer()),
    pending_reboot: Type.Optional(Type.Boolean()),
  },
  { description: 'The facts the rules and capabilities read: inventory facts and the report facts present.' },
);

const ReadinessInformation = Type.Object(
  {
    os_edition: Type.Optional(Type.String()),
    domain_joined: Type.Optional(Type.Boolean()),
    sysprep_succeeded_tag: Type.Optional(Type.Boolean()),
    agent_version: Type.Optional(Type.String()),
  },
  { description: 'Report facts no rule reads, shown for information.' },
);

export const ReadinessResponse = Type.Object({
  desktop_id: Type.String(),
  sysprep_version: Type.String({ description: 'as the seed API answers it; "" when never reported' }),
  support_create_image: Type.Boolean({ description: 'true exactly when `blockers` is empty' }),
  support_hibernate: Type.Boolean(),
  support_update_route: Type.Boolean(),
  blockers: Type.Array(ReadinessBlocker, { description: 'in the order of the rule table' }),
  warnings: Type.Array(ReadinessWarning),
  facts: ReadinessFacts,
  information: ReadinessInformation,
  collected_at: Type.Union([Instant, Type.Null()], { description: 'when the latest report was measured; null when none' }),
  stale: Type.Boolean({ description: 'the report is older than the policy allows' }),
  evaluated_at: Instant,
});

const Count = Type.Integer({ minimum: 0 });

export const SummaryResponse = Type.Object({
  total_count: Count,
  ready_count: Type.Integer({ minimum: 0, description: 'desktops with support_create_image true' }),
  blocked_count: Type.Integer({ minimum: 0, description: 'desktops with at least one blocker' }),
  stale_count: Count,
  support_hibernate_count: Count,
  support_update_route_count: Count,
  blockers: Type.Array(Type.Object({ code: BlockerCode, count: Count }), {
    description: 'every blocker code in table order; a desktop counts once under each of its codes',
  }),
  warnings: Type.Array(Type.Object({ code: WarningCode, count: Count })),
  evaluated_at: Instant,
});
