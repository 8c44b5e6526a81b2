// Permanent access keys over HTTP, in Huawei IAM's shape (/v3.0/OS-CREDENTIAL/credentials):
// create (the SK is in that answer only), list, show, update status/description, delete.
// Anyone manages their own keys. Another user's keys need iam:users:manage in the caller's
// credential (the token's project; for a key, any of its user's projects) and, since roles are
// project-scoped, the admin role in every project where that user holds a role (mayManageUser);
// only within the caller's account. Errors are Huawei-style (this is not under /v3/).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AccessKeyLimitError, issueAccessKey, MAX_ACCESS_KEYS_PER_USER, MAX_DESCRIPTION_LENGTH } from '../auth/access-keys.js';
import { ACTIONS, mayManageUser, rolesAllow } from '../auth/actions.js';
import { forgetAccessKey, type Principal } from '../auth/principal.js';
import { isoMicro } from '../auth/time-format.js';
import { huaweiErrors } from '../schemas/common.js';
import {
  AccessKeyParams,
  CreateCredentialBody,
  CreatedCredential,
  ListCredentialsQuery,
  ListedCredentials,
  ShownCredential,
  UpdateCredentialBody,
  UpdatedCredential,
} from '../schemas/credentials.js';
import { ApiError } from '../server/errors.js';
import type { Services } from '../server/services.js';
import type { AccessKey, User } from '../store/store.js';

const BASE = '/v3.0/OS-CREDENTIAL/credentials';
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const cut = (v: string) => (v.length > 64 ? v.slice(0, 64) + '…' : v);
const invalid = (field: string, msg: string) => new ApiError('invalidParameter', `Invalid field ${field}: ${msg}`);

/** The `credential` object of a body, with only the allowed fields. */
function credentialOf(body: unknown, allowed: string[]): Record<string, unknown> {
  if (!isObj(body)) throw invalid('body', 'it must be a JSON object.');
  for (const k of Object.keys(body)) if (k !== 'credential') throw invalid(k, 'unknown field.');
  const c = body.credential;
  if (c === undefined) throw new ApiError('bodyRequired', 'The request body must contain credential.');
  if (!isObj(c)) throw invalid('credential', 'it must be a JSON object.');
  for (const k of Object.keys(c)) if (!allowed.includes(k)) throw invalid(`credential.${k}`, 'unknown field.');
  return c;
}

function descriptionOf(c: Record<string, unknown>): string | undefined {
  const d = c.description;
  if (d === undefined) return undefined;
  if (typeof d !== 'string' || d.length > MAX_DESCRIPTION_LENGTH) throw invalid('credential.description', `it must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters.`);
  return d;
}

const wire = (k: AccessKey) => ({ access: k.accessKey, user_id: k.userId, status: k.status, description: k.description, create_time: isoMicro(k.createdAt) });

export async function credentialRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { store, secret, clock } = services;
  const manageDenied = () => new ApiError('forbidden', `Policy doesn't allow ${ACTIONS.manageUsers} to be performed.`);

  /** 403 unless the caller is admin wherever `target` holds a role (the store's current grants, not the credential's). */
  async function ensureMayManage(p: Principal, target: User): Promise<void> {
    const [mine, theirs] = await Promise.all([store.listRoleAssignments(p.userId), store.listRoleAssignments(target.id)]);
    if (!mayManageUser(mine, theirs)) throw manageDenied();
  }

  /** The user whose keys are meant: the caller, or another user of the caller's account for an admin. */
  async function targetUser(p: Principal, userId: string | undefined): Promise<User> {
    if (userId === undefined || userId === p.userId) {
      const self = await store.getUser(p.userId);
      if (self) return self;
      throw new ApiError('notFound', `The user ${cut(p.userId)} does not exist.`);
    }
    if (!rolesAllow(p.roles, ACTIONS.manageUsers)) throw manageDenied();
    const user = await store.getUser(userId);
    // Another account's users do not exist for this caller.
    if (!user || user.domainId !== p.domainId) throw new ApiError('notFound', `The user ${cut(userId)} does not exist.`);
    await ensureMayManage(p, user);
    return user;
  }

  const keyNotFound = (accessKey: string) => new ApiError('notFound', `The access key ${cut(accessKey)} does not exist.`);

  /**
   * The key if the caller may manage it, null when it does not exist in the caller's account
   * (another account's keys do not exist for them); 403 for a key of another user without
   * iam:users:manage. Callers validate the body between this and the 404 (DESIGN §2.5 order).
   */
  async function manageableKey(p: Principal, accessKey: string): Promise<AccessKey | null> {
    const key = await store.getAccessKey(accessKey);
    if (!key || key.userId === p.userId) return key;
    const owner = await store.getUser(key.userId);
    if (!owner || owner.domainId !== p.domainId) return null;
    if (!rolesAllow(p.roles, ACTIONS.manageUsers)) throw manageDenied();
    await ensureMayManage(p, owner);
    return key;
  }

  app.post(
    BASE,
    {
      config: { auth: 'required', body: 'required' },
      schema: {
        summary: 'Create a permanent access key (the SK is shown only in this answer)',
        tags: ['identity'],
        body: CreateCredentialBody,
        response: { 201: CreatedCredential, ...huaweiErrors(400, 401, 403, 404, 415, 500) },
      },
    },
    async (req, reply) => {
      const c = credentialOf(req.body, ['user_id', 'description']);
      if (c.user_id === undefined) throw invalid('credential.user_id', 'it is required: the ID of the user who gets the key.');
      if (typeof c.user_id !== 'string' || c.user_id.length === 0 || c.user_id.length > 64) throw invalid('credential.user_id', 'it must be a user ID of 1 to 64 characters.');
      const description = descriptionOf(c) ?? '';
      const user = await targetUser(req.principal as Principal, c.user_id);
      try {
        const { key, secretKey } = await issueAccessKey(store, secret, user.id, description, clock());
        return reply.code(201).send({ credential: { ...wire(key), secret: secretKey } });
      } catch (err) {
        if (err instanceof AccessKeyLimitError) {
          throw new ApiError('invalidParameter', `The user ${user.id} already has ${MAX_ACCESS_KEYS_PER_USER} access keys, the maximum; delete one first.`);
        }
        throw err;
      }
    },
  );

  app.get<{ Querystring: { user_id?: string } }>(
    BASE,
    {
      config: { auth: 'required' },
      schema: {
        summary: "List a user's permanent access keys (yours by default)",
        tags: ['identity'],
        querystring: ListCredentialsQuery,
        response: { 200: ListedCredentials, ...huaweiErrors(400, 401, 403, 404, 500) },
      },
    },
    async (req) => {
      const user = await targetUser(req.principal as Principal, req.query.user_id);
      return { credentials: (await store.listAccessKeys(user.id)).map(wire) };
    },
  );

  app.get<{ Params: { access_key: string } }>(
    `${BASE}/:access_key`,
    {
      config: { auth: 'required' },
      schema: {
        summary: 'Show a permanent access key',
        tags: ['identity'],
        params: AccessKeyParams,
        response: { 200: ShownCredential, ...huaweiErrors(400, 401, 403, 404, 500) },
      },
    },
    async (req) => {
      const key = await manageableKey(req.principal as Principal, req.params.access_key);
      if (!key) throw keyNotFound(req.params.access_key);
      return { credential: { ...wire(key), last_use_time: isoMicro(key.lastUsedAt ?? key.createdAt) } };
    },
  );

  /** The key a PUT names, found (and its management authorized) before the body is read. */
  const keyOfRequest = new WeakMap<FastifyRequest, AccessKey | null>();

  app.put<{ Params: { access_key: string }; Body: unknown }>(
    `${BASE}/:access_key`,
    {
      config: {
        auth: 'required',
        body: 'required',
        authorizeRequest: async (req) => {
          keyOfRequest.set(req, await manageableKey(req.principal as Principal, (req.params as { access_key: string }).access_key));
        },
      },
      schema: {
        summary: "Change a permanent access key's status (active/inactive) or description",
        tags: ['identity'],
        params: AccessKeyParams,
        body: UpdateCredentialBody,
        response: { 200: UpdatedCredential, ...huaweiErrors(400, 401, 403, 404, 415, 500) },
      },
    },
    async (req) => {
      const key = keyOfRequest.get(req) ?? null;
      const c = credentialOf(req.body, ['status', 'description']);
      if (c.status !== undefined && c.status !== 'active' && c.status !== 'inactive') throw invalid('credential.status', 'it must be "active" or "inactive".');
      const description = descriptionOf(c);
      if (c.status === undefined && description === undefined) throw invalid('credential', 'it must contain status or description.');
      if (!key) throw keyNotFound(req.params.access_key);
      if (c.status !== undefined) await store.setAccessKeyStatus(key.accessKey, c.status);
      if (description !== undefined) await store.setAccessKeyDescription(key.accessKey, description);
      forgetAccessKey(services.authenticators, key.accessKey);
      const updated = await store.getAccessKey(key.accessKey);
      if (!updated) throw keyNotFound(key.accessKey);
      return { credential: wire(updated) };
    },
  );

  app.delete<{ Params: { access_key: string } }>(
    `${BASE}/:access_key`,
    {
      config: { auth: 'required' },
      schema: {
        summary: 'Delete a permanent access key',
        tags: ['identity'],
        params: AccessKeyParams,
        response: { 204: { type: 'null' }, ...huaweiErrors(400, 401, 403, 404, 500) },
      },
    },
    async (req, reply) => {
      const key = await manageableKey(req.principal as Principal, req.params.access_key);
      if (!key || !(await store.deleteAccessKey(key.accessKey))) throw keyNotFound(req.params.access_key);
      forgetAccessKey(services.authenticators, key.accessKey);
      return reply.code(204).send();
    },
  );
}
