// The Keystone v3 identity API as Huawei IAM answers it: tokens and project discovery.
// Errors under /v3/ use Keystone's body (errors.ts picks the family from the URL).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { verifyPasswordOf } from '../auth/passwords.js';
import { rolesAllow, ACTIONS } from '../auth/actions.js';
import type { Principal } from '../auth/principal.js';
import type { TokenClaims } from '../auth/token-provider.js';
import { ListProjectsQuery, NoQuery, TokenQuery } from '../schemas/identity.js';
import { ApiError } from '../server/errors.js';
import type { Services } from '../server/services.js';
import type { Project, User } from '../store/store.js';
import { tokenBody } from './token-body.js';

const WRONG_CREDENTIALS = 'The username or password is wrong.';
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

interface PasswordAuth {
  user: { id?: string; name?: string; domainId?: string; domainName?: string; password: string };
  scope: { id?: string; name?: string; domainId?: string; domainName?: string };
}

/** Reads the Keystone password-method body; 400 naming what is wrong. */
function parseTokenRequest(body: unknown): PasswordAuth {
  const bad = (what: string) => new ApiError('invalidParameter', `Invalid request: ${what}.`);
  /** undefined when absent; a 400 naming the field when present but not a text of 1..max characters. */
  const text = (v: unknown, field: string, max = 255): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > max) throw bad(`${field} must be a string of 1 to ${max} characters`);
    return v;
  };
  const auth = isObj(body) ? body.auth : undefined;
  if (!isObj(auth)) throw bad('auth is required');
  const identity = auth.identity;
  if (!isObj(identity)) throw bad('auth.identity is required');
  if (!Array.isArray(identity.methods) || !identity.methods.includes('password')) throw bad('auth.identity.methods must contain "password"');
  const password = isObj(identity.password) ? identity.password : undefined;
  const user = password && isObj(password.user) ? password.user : undefined;
  if (!user) throw bad('auth.identity.password.user is required');
  const userPassword = text(user.password, 'auth.identity.password.user.password', 1024);
  if (userPassword === undefined) throw bad('auth.identity.password.user.password is required');
  const userId = text(user.id, 'auth.identity.password.user.id');
  const userName = text(user.name, 'auth.identity.password.user.name');
  if (userId === undefined && userName === undefined) throw bad('auth.identity.password.user needs an id or a name');
  const udom = isObj(user.domain) ? user.domain : undefined;
  const scope = isObj(auth.scope) ? auth.scope : undefined;
  const project = scope && isObj(scope.project) ? scope.project : undefined;
  if (!project) throw bad('auth.scope.project is required (tokens are project-scoped)');
  const projectId = text(project.id, 'auth.scope.project.id');
  const projectName = text(project.name, 'auth.scope.project.name');
  if (projectId === undefined && projectName === undefined) throw bad('auth.scope.project needs an id or a name');
  const pdom = isObj(project.domain) ? project.domain : undefined;
  return {
    user: {
      id: userId,
      name: userName,
      domainId: text(udom?.id, 'auth.identity.password.user.domain.id'),
      domainName: text(udom?.name, 'auth.identity.password.user.domain.name'),
      password: userPassword,
    },
    scope: {
      id: projectId,
      name: projectName,
      domainId: text(pdom?.id, 'auth.scope.project.domain.id'),
      domainName: text(pdom?.name, 'auth.scope.project.domain.name'),
    },
  };
}

/** A Host header: a name or IPv4 address, or a bracketed IPv6 address, and an optional port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** Where clients reach us: the configured public URL, else what the request's Host says (never copied unchecked into a URL). */
function baseUrl(req: FastifyRequest, publicUrl: string | null): string {
  if (publicUrl) return publicUrl;
  const host = req.headers.host ?? 'localhost';
  if (!HOST.test(host)) throw new ApiError('invalidParameter', 'Invalid header Host: it must be a host name or address with an optional port.');
  return `${req.protocol}://${host}`;
}

export async function iamRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { store, tokens, tokenAuth, invalidations, clock } = services;
  const publicUrl = services.config.publicUrl?.replace(/\/+$/, '') ?? null;

  async function findUser(a: PasswordAuth['user']): Promise<User | null> {
    if (a.id) return store.getUser(a.id);
    let domainId = a.domainId;
    if (!domainId && a.domainName) domainId = (await store.getDomainByName(a.domainName))?.id;
    if (domainId) return store.getUserByName(domainId, a.name as string);
    if (a.domainName) return null;
    // No domain given: accepted only when the name is unambiguous.
    const users = await store.findUsersByName(a.name as string);
    return users.length === 1 ? users[0] : null;
  }

  /** A project of the user's own account only: no token ever reaches across accounts. */
  async function findProject(s: PasswordAuth['scope'], user: User): Promise<Project | null> {
    if (s.id) {
      const p = await store.getProject(s.id);
      return p && p.domainId === user.domainId ? p : null;
    }
    let domainId = s.domainId ?? user.domainId;
    if (!s.domainId && s.domainName) domainId = (await store.getDomainByName(s.domainName))?.id ?? '';
    if (domainId !== user.domainId) return null;
    const list = await store.listProjects({ domainId, name: s.name });
    return list[0] ?? null;
  }

  app.post(
    '/v3/auth/tokens',
    {
      config: { auth: 'none', body: 'required' },
      schema: { summary: 'Obtain a project-scoped token with a password (the token is in X-Subject-Token)', tags: ['identity'], querystring: TokenQuery },
    },
    async (req, reply) => {
      const a = parseTokenRequest(req.body);
      const user = await findUser(a.user);
      // One answer, and one password verification, for every failure: names cannot be probed by answer or by time.
      if (!(await verifyPasswordOf(a.user.password, user)) || !user) throw new ApiError('unauthenticated', WRONG_CREDENTIALS);
      if (!user.enabled) throw new ApiError('unauthenticated', 'The user is disabled.');
      const project = await findProject(a.scope, user);
      const roles = project ? await store.getRoles(user.id, project.id) : [];
      if (!project || !project.enabled || roles.length === 0) throw new ApiError('unauthenticated', 'The user has no access to the requested project.');
      const domain = await store.getDomainById(user.domainId);
      const now = clock();
      const { token, claims } = tokens.issue(
        {
          userId: user.id,
          userName: user.name,
          domainId: user.domainId,
          domainName: domain?.name ?? '',
          projectId: project.id,
          projectName: project.name,
          roles,
          methods: ['password'],
        },
        // A password change or role change at this very millisecond must not outlive the token.
        Math.max(now, user.validAfter),
      );
      return reply.code(201).header('x-subject-token', token).send(tokenBody(claims, baseUrl(req, publicUrl), project.name));
    },
  );

  /** The subject token, checked, and whether the caller may see it (own token, or project admin). */
  async function subject(req: FastifyRequest): Promise<TokenClaims> {
    const header = req.headers['x-subject-token'];
    if (typeof header !== 'string' || header.trim() === '') throw new ApiError('invalidParameter', 'X-Subject-Token is required.');
    let claims: TokenClaims;
    try {
      claims = await tokenAuth.verifyToken(header, clock());
    } catch {
      throw new ApiError('notFound', 'The token could not be found.');
    }
    const p = req.principal as Principal;
    const isAdmin = p.projectId === claims.projectId && rolesAllow(p.roles, ACTIONS.manageUsers);
    if (claims.userId !== p.userId && !isAdmin) throw new ApiError('forbidden', 'You are not authorized to perform the requested action.');
    return claims;
  }

  app.get(
    '/v3/auth/tokens',
    { config: { auth: 'required' }, schema: { summary: 'Validate a token (X-Subject-Token)', tags: ['identity'], querystring: TokenQuery } },
    async (req, reply) => {
      const claims = await subject(req);
      return reply.header('x-subject-token', req.headers['x-subject-token']).send(tokenBody(claims, baseUrl(req, publicUrl), claims.projectName));
    },
  );

  app.delete(
    '/v3/auth/tokens',
    { config: { auth: 'required' }, schema: { summary: 'Revoke a token (X-Subject-Token)', tags: ['identity'], querystring: TokenQuery } },
    async (req, reply) => {
      const claims = await subject(req);
      const now = clock();
      await store.revokeToken(claims.tokenId, claims.userId, claims.expiresAt, now);
      invalidations.noteRevoked(claims.tokenId, claims.expiresAt);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: { name?: string; domain_id?: string; enabled?: 'true' | 'false' } }>(
    '/v3/projects',
    {
      config: { auth: 'required' },
      schema: { summary: "List the caller's projects (SDKs find a region's project id here)", tags: ['identity'], querystring: ListProjectsQuery },
    },
    async (req) => {
      const p = req.principal as Principal;
      const { name, domain_id: domainId, enabled } = req.query;
      const base = baseUrl(req, publicUrl);
      const links = { self: `${base}${req.url}`, previous: null, next: null };
      // Only the caller's account is ever visible: another domain_id has no projects for them.
      if (domainId !== undefined && domainId !== p.domainId) return { projects: [], links };
      const assigned = await store.listRoleAssignments(p.userId);
      const all = await store.listProjects({ domainId: p.domainId, name });
      const projects = all.filter((pr) => assigned.has(pr.id) && (enabled === undefined || pr.enabled === (enabled === 'true'))).map((pr) => projectToWire(pr, base));
      return { projects, links };
    },
  );

  // What each project's links.self points at. A project the caller holds no role in is not
  // found, like one that does not exist: its existence is not the caller's to learn.
  app.get<{ Params: { project_id: string } }>(
    '/v3/projects/:project_id',
    {
      config: { auth: 'required' },
      schema: { summary: 'Show one of the caller’s projects', tags: ['identity'], querystring: NoQuery },
    },
    async (req) => {
      const p = req.principal as Principal;
      const id = req.params.project_id;
      const project = await store.getProject(id);
      if (!project || project.domainId !== p.domainId || !(await store.listRoleAssignments(p.userId)).has(id)) {
        throw new ApiError('notFound', `Could not find project: ${id}.`);
      }
      return { project: projectToWire(project, baseUrl(req, publicUrl)) };
    },
  );
}

function projectToWire(pr: Project, base: string) {
  return {
    id: pr.id,
    name: pr.name,
    domain_id: pr.domainId,
    parent_id: pr.domainId,
    enabled: pr.enabled,
    description: pr.description,
    is_domain: false,
    links: { self: `${base}/v3/projects/${pr.id}` },
  };
}
