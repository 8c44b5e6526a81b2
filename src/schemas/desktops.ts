import { Type } from '@sinclair/typebox';
import { DesktopId, Tag } from './common.js';

export const DesktopWire = Type.Object({
  desktop_id: Type.String(),
  computer_name: Type.String(),
  os_type: Type.String({ description: 'Windows or Linux' }),
  os_version: Type.String(),
  status: Type.String({ description: 'ACTIVE, SHUTOFF or ERROR' }),
  enterprise_project_id: Type.String(),
  tags: Type.Array(Tag),
  created: Type.String({ description: 'UTC, ISO 8601' }),
  metadata: Type.Object(
    { os_type: Type.String(), desktop_os_version: Type.String() },
    { description: "The OS where Huawei's desktop details carry it: os_type and os_version again." },
  ),
});

export const ListDesktopsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 1000, description: 'Page size, 0 to 1000 (default 1000).' })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, default: 0 })),
  },
  { additionalProperties: false },
);

export const ListDesktopsResponse = Type.Object({ desktops: Type.Array(DesktopWire), total_count: Type.Integer() });
export const ShowDesktopResponse = Type.Object({ desktop: DesktopWire });

export const RegisterDesktop = Type.Object(
  {
    desktop_id: DesktopId,
    computer_name: Type.String({ minLength: 1, maxLength: 64 }),
    os_type: Type.Union([Type.Literal('Windows'), Type.Literal('Linux')]),
    os_version: Type.String({ maxLength: 64 }),
    status: Type.Union([Type.Literal('ACTIVE'), Type.Literal('SHUTOFF'), Type.Literal('ERROR')]),
    enterprise_project_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    tags: Type.Optional(Type.Array(Tag, { maxItems: 50 })),
  },
  { additionalProperties: false },
);

export const RegisterDesktopsBody = Type.Object(
  { desktops: Type.Array(RegisterDesktop, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
