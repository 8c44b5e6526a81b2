// Permanent access keys in Huawei IAM's /v3.0/OS-CREDENTIAL/credentials shape.
import { Type } from '@sinclair/typebox';

const time = (what: string) => Type.String({ description: `${what}, UTC ISO 8601 with microseconds (2020-01-08T06:26:08.123000Z)` });

const common = {
  access: Type.String({ description: 'The access key ID (AK): 20 upper-case letters and digits.' }),
  user_id: Type.String(),
  status: Type.String({ enum: ['active', 'inactive'] }),
  description: Type.String(),
  create_time: time('Creation time'),
};

export const CreatedCredential = Type.Object({
  credential: Type.Object({ ...common, secret: Type.String({ description: 'The secret access key (SK): shown only in this answer.' }) }),
});
export const ListedCredentials = Type.Object({ credentials: Type.Array(Type.Object(common)) });
export const ShownCredential = Type.Object({
  credential: Type.Object({ ...common, last_use_time: time('Last use; the creation time when this server has not recorded a use') }),
});
export const UpdatedCredential = Type.Object({ credential: Type.Object(common) });

export const CreateCredentialBody = Type.Object({
  credential: Type.Object(
    {
      user_id: Type.String({ description: 'The user who gets the key: yourself, or (with iam:users:manage) another user of your account.' }),
      description: Type.Optional(Type.String({ maxLength: 255 })),
    },
    { additionalProperties: false },
  ),
});
export const UpdateCredentialBody = Type.Object({
  credential: Type.Object(
    {
      status: Type.Optional(Type.String({ enum: ['active', 'inactive'] })),
      description: Type.Optional(Type.String({ maxLength: 255 })),
    },
    { additionalProperties: false },
  ),
});
export const ListCredentialsQuery = Type.Object(
  {
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Whose keys (default: your own).' })),
  },
  { additionalProperties: false },
);
export const AccessKeyParams = Type.Object({ access_key: Type.String({ minLength: 1, maxLength: 64 }) });
