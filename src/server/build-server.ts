// buildServer(services) → a Fastify instance with the product's HTTP edges: request ids, size
// limits, the auth pipeline, raw bodies parsed only after authentication, and every error in
// the catalogue's shape (Fastify's own error body never reaches a client).
import '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyContextConfig, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Action } from '../auth/actions.js';
import { authenticate, authorize, type AuthInput, type Principal } from '../auth/principal.js';
import { PROJECT_ID_PATTERN } from '../schemas/common.js';
import { StoreUnavailableError } from '../store/store.js';
import { ApiError, ERRORS, ERROR_CONTENT_TYPE, errorBody, familyForUrl, lenientlyDecodedPath, type ErrorName } from './errors.js';
import { nextRequestId } from './request-id.js';
import type { Services } from './services.js';
import { NO_QUERY, describeValidationError, invalidParameterMessage, validatorCompiler } from './validation.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** IAM action the route performs; absent means authenticated-only (or public with auth: 'none'). */
    action?: Action;
    auth?: 'none' | 'required';
    /** 'required': a JSON body must be sent; 'optional': parsed when sent. */
    body?: 'required' | 'optional';
    /** The action is checked against the path's project_id. */
    projectScoped?: boolean;
    /**
     * Authorization that depends on the stored target (e.g. whose access key the path names):
     * run after authentication and before the body is parsed, so a 403 comes before a 400/415.
     */
    authorizeRequest?: (req: FastifyRequest) => Promise<void>;
  }
  interface FastifyRequest {
    principal: Principal | null;
    rawBody: Buffer | null;
  }
}

export const LIMITS = {
  uri: 32 * 1024,
  header: 32 * 1024,
  headers: 64 * 1024,
  /** What Node's HTTP parser buffers for the request line and headers together. */
  parser: 256 * 1024,
  /** Header lines; Node would silently drop those beyond its own 2000 (a repeated credential among them). */
  headerCount: 1000,
} as const;

const NO_SUCH_API = 'The API does not exist or has not been published in the environment';
const UTF8_JSON_ONLY = 'The request body must be application/json encoded in UTF-8.';
/** A `%` not followed by two hex digits. */
const MALFORMED_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
/** With the u flag a paired surrogate is one code point: only a lone one matches. */
const LONE_SURROGATE = /\p{Cs}/u;
const isWellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** True when every string (and key) in a parsed JSON value is well-formed UTF-16. */
function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return isWellFormed(value);
  if (Array.isArray(value)) return value.every(wellFormed);
  if (value !== null && typeof value === 'object') return Object.entries(value).every(([k, v]) => isWellFormed(k) && wellFormed(v));
  return true;
}

/** Throws on bytes that are not UTF-8 (a body with them is not UTF-8 JSON: 415). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const SHUTTING_DOWN = 'The service is shutting down; retry on another node.';
const STORE_UNAVAILABLE = 'The storage is unavailable; retry later.';
const PROJECT_ID = new RegExp(PROJECT_ID_PATTERN);

/**
 * Authorization for the path's project. Once the caller is authenticated, a project_id of the
 * wrong form is a 400 that names it; a well-formed project that is not the caller's, a 403.
 */
function authorizeForPath(principal: Principal, cfg: FastifyContextConfig, projectId: string | undefined): void {
  if (!cfg.action) return;
  if (cfg.projectScoped && !PROJECT_ID.test(projectId ?? '')) throw new ApiError('invalidParameter', invalidParameterMessage('project_id'));
  authorize(principal, cfg.action, cfg.projectScoped ? (projectId ?? '') : null);
}

/**
 * 414/431 for a URI or headers beyond DESIGN §2.5's limits (Node's own limit is set higher),
 * and 413 for a declared body beyond the body limit on any method: GET bodies are read only
 * when a signature needs them, and size limits come before authentication.
 */
function checkSizeLimits(req: FastifyRequest, bodyLimit: number): void {
  if ((req.raw.url ?? '').length > LIMITS.uri) throw new ApiError('uriTooLong', 'The request URI is too long.');
  const raw = req.raw.rawHeaders;
  if (raw.length / 2 > LIMITS.headerCount) throw new ApiError('headersTooLarge', `The request has more than ${LIMITS.headerCount} headers.`);
  let total = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const size = raw[i].length + raw[i + 1].length + 4;
    if (size > LIMITS.header) throw new ApiError('headersTooLarge', `The request header ${raw[i].slice(0, 64)} is too large.`);
    total += size;
  }
  if (total > LIMITS.headers) throw new ApiError('headersTooLarge', 'The request headers are too large.');
  const declared = req.raw.headers['content-length'];
  if (declared !== undefined && Number(declared) > bodyLimit) throw new ApiError('bodyTooLarge', 'The request body is too large.');
}

export function sendError(reply: FastifyReply, name: ErrorName | ApiError, message?: string, detail?: string) {
  const err = name instanceof ApiError ? name : new ApiError(name, message ?? '', detail);
  // The matched route decides the family: `/%763/auth/tokens` is routed to /v3/auth/tokens.
  const family = familyForUrl(reply.request.routeOptions.url ?? reply.request.url);
  // After a refused oversized request (413, 414, 431) the rest of it, a body still arriving, is not read.
  if (err.code === ERRORS.bodyTooLarge.code) reply.header('connection', 'close');
  return reply
    .code(err.status)
    .header('x-request-id', reply.request.id)
    .header('content-type', ERROR_CONTENT_TYPE)
    .send(errorBody(family, err.status, err.code, err.message, reply.request.id, err.detail));
}

/** A response written straight to the socket, for errors Node raises before Fastify sees a request. */
function rawErrorResponse(name: ErrorName, message: string, url: string): string {
  const id = nextRequestId();
  const { status, code } = ERRORS[name];
  const body = errorBody(familyForUrl(url), status, code, message, id);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${ERROR_CONTENT_TYPE}\r\nX-Request-Id: ${id}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * What is known of the request line when Node's parser gives up: the URL (for the error
 * family) and whether the URI alone is over its limit (Node counts the request line against
 * maxHeaderSize, so a huge URI surfaces as a header overflow). A request whose headers were
 * complete (a body too slow) is still attached to the socket as its pending response.
 */
function requestLineOf(err: Error, socket: Socket): { url: string; uriTooLong: boolean } {
  const pending = (socket as Socket & { _httpMessage?: { req?: { url?: string } } })._httpMessage?.req?.url;
  if (pending !== undefined) return { url: pending, uriTooLong: false };
  const packet = (err as { rawPacket?: unknown }).rawPacket;
  if (!Buffer.isBuffer(packet)) return { url: '', uriTooLong: false };
  const m = /^[A-Z]{1,16} (\S{0,64})/.exec(packet.toString('latin1', 0, 96));
  if (!m) return { url: '', uriTooLong: false };
  const eol = packet.indexOf('\r\n');
  return { url: m[1], uriTooLong: eol < 0 ? packet.length > LIMITS.uri : eol > LIMITS.uri };
}

function headerCounter(raw: string[]) {
  return (name: string) => {
    let n = 0;
    for (let i = 0; i < raw.length; i += 2) if (raw[i].length === name.length && raw[i].toLowerCase() === name) n++;
    return n;
  };
}

/** Reads a body Fastify leaves unread (GET/HEAD/DELETE), bounded by the body limit. */
function readUnparsedBody(req: FastifyRequest, limit: number): Promise<Buffer> {
  const raw = req.raw;
  const len = raw.headers['content-length'];
  if (!raw.headers['transfer-encoding'] && (len === undefined || len === '0')) return Promise.resolve(Buffer.alloc(0));
  if (len !== undefined && Number(len) > limit) return Promise.reject(new ApiError('bodyTooLarge', 'The request body is too large.'));
  if (raw.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    raw.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        raw.removeAllListeners('data');
        reject(new ApiError('bodyTooLarge', 'The request body is too large.'));
        return;
      }
      chunks.push(c);
    });
    raw.on('end', () => resolve(Buffer.concat(chunks)));
    raw.on('error', reject);
  });
}

export function authInputFor(req: FastifyRequest, services: Services, params = req.params as Record<string, string> | undefined): AuthInput {
  let bodyPromise: Promise<Buffer> | null = null;
  return {
    method: req.method,
    rawUrl: req.raw.url ?? req.url,
    header: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(',') : v;
    },
    headerCount: headerCounter(req.raw.rawHeaders),
    body: () => {
      if (req.rawBody) return Promise.resolve(req.rawBody);
      bodyPromise ??= readUnparsedBody(req, services.config.bodyLimit).then((b) => (req.rawBody = b));
      return bodyPromise;
    },
    pathProjectId: params?.project_id ?? null,
    now: services.clock(),
  };
}

function isJsonContentType(ct: string | undefined): boolean {
  if (!ct) return false;
  const [type, ...params] = ct.split(';');
  if (type.trim().toLowerCase() !== 'application/json') return false;
  for (const p of params) {
    const [k, v] = p.split('=');
    if (k?.trim().toLowerCase() === 'charset' && !/^"?utf-?8"?$/i.test((v ?? '').trim())) return false;
  }
  return true;
}

export interface BuildOptions {
  logger: Logger | false;
}

export async function buildServer(services: Services, opts: BuildOptions): Promise<FastifyInstance> {
  const { config } = services;
  const app: FastifyInstance = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger as unknown as FastifyBaseLogger } : { logger: false }),
    genReqId: nextRequestId,
    requestIdHeader: false,
    bodyLimit: config.bodyLimit,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Node counts the request line and all headers against this. Well above our own limits, so
    // that an oversized URI or header set reaches checkSizeLimits and gets its exact answer
    // (414 or 431, in the route's error family); only beyond this does the parser refuse alone.
    http: {
      maxHeaderSize: LIMITS.parser,
      // Without a Host header Node would answer 400 itself, without our body or request id.
      requireHostHeader: false,
      // A client that never finishes its request (slowloris) gets a 408 within about a second of
      // the limit. Node arms this check only when the timeout is given at construction.
      connectionsCheckingInterval: 1000,
      requestTimeout: config.requestTimeout * 1000,
    },
    requestTimeout: config.requestTimeout * 1000,
    routerOptions: { maxParamLength: LIMITS.uri, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false },
    // Errors Node's parser raises before a request exists still get the Huawei shape.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable) return socket.destroy();
      const code = err.code ?? '';
      const line = requestLineOf(err, socket);
      const res =
        code === 'HPE_HEADER_OVERFLOW' && line.uriTooLong
          ? rawErrorResponse('uriTooLong', 'The request URI is too long.', line.url)
          : code === 'HPE_HEADER_OVERFLOW'
            ? rawErrorResponse('headersTooLarge', 'The request headers are too large.', line.url)
            : code === 'HPE_URI_TOO_LONG'
              ? rawErrorResponse('uriTooLong', 'The request URI is too long.', line.url)
              : code === 'ERR_HTTP_REQUEST_TIMEOUT'
                ? rawErrorResponse('requestTimeout', 'The request was not received in time.', line.url)
                : rawErrorResponse('invalidParameter', 'The request is not valid HTTP.', line.url);
      socket.end(res);
    },
    frameworkErrors: (err, req, reply) => {
      if (err.code === 'FST_ERR_BAD_URL') return void refuseAfterAuth(req, reply, new ApiError('invalidParameter', 'Invalid parameter: the path contains malformed percent-encoding.'));
      if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return void answerOverlongParameter(req, reply);
      void sendError(reply, 'invalidParameter', 'The request is invalid.');
    },
  });

  // Every route as a pattern: a badly encoded path never reaches the router, so it is routed here.
  const routeTable: { method: string; pattern: RegExp; names: string[]; config: FastifyContextConfig }[] = [];
  app.addHook('onRoute', (route) => {
    // Huawei-style APIs name every query parameter they take; an unknown one (a filter we do not implement) is a 400.
    if ((route.url.startsWith('/v2/') || route.url.startsWith('/admin/') || route.url.startsWith('/v3.0/')) && !route.schema?.querystring) route.schema = { ...route.schema, querystring: NO_QUERY };
    const names: string[] = [];
    const source = route.url.split('/').map((seg) => (seg.startsWith(':') ? (names.push(seg.slice(1)), '([^/]*)') : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routeTable.push({ method, pattern: new RegExp(`^${source.join('/')}$`), names, config: (route.config ?? {}) as FastifyContextConfig });
  });
  const routeFor = (method: string, path: string) => {
    for (const r of routeTable) {
      if (r.method !== method) continue;
      const m = r.pattern.exec(path);
      if (m) return { config: r.config, params: Object.fromEntries(r.names.map((n, i) => [n, m[i + 1]])) };
    }
    return null;
  };

  /**
   * A request that Fastify refuses before our hooks run (a path with malformed
   * percent-encoding, an unparsable Content-Type) still follows the order of DESIGN §2.5: no
   * such API, size limits, authentication, authorization, and only then `refusal`. Without a
   * matched route, the path is matched against the route patterns as written on the wire.
   */
  async function refuseAfterAuth(req: FastifyRequest, reply: FastifyReply, refusal: ApiError) {
    try {
      reply.header('x-request-id', req.id);
      if (services.lifecycle.closing) throw new ApiError('unavailable', SHUTTING_DOWN);
      const rawUrl = req.raw.url ?? '';
      const q = rawUrl.indexOf('?');
      const found =
        req.routeOptions.url !== undefined
          ? { config: req.routeOptions.config, params: req.params as Record<string, string> }
          : routeFor(req.method, lenientlyDecodedPath(q < 0 ? rawUrl : rawUrl.slice(0, q)));
      if (!found) return await sendError(reply, 'noSuchApi', NO_SUCH_API);
      const cfg = found.config;
      checkSizeLimits(req, config.bodyLimit);
      if (cfg.auth !== 'none') {
        const principal = await authenticate(services.authenticators, authInputFor(req, services, found.params));
        req.principal = principal;
        authorizeForPath(principal, cfg, found.params.project_id);
        // Only a matched route has its parameters parsed; the pattern fallback has raw ones.
        if (cfg.authorizeRequest && req.routeOptions.url !== undefined) await cfg.authorizeRequest(req);
      }
      await sendError(reply, refusal);
    } catch (e) {
      if (e instanceof ApiError) return void sendError(reply, e);
      if (e instanceof StoreUnavailableError) return void sendError(reply, 'unavailable', STORE_UNAVAILABLE);
      req.log.error({ err: e }, 'unexpected failure');
      void sendError(reply, 'internal', 'Internal server error.');
    }
  }

  /**
   * The router gives up on a path parameter longer than maxParamLength (= the URI limit), so the
   * URI is over the limit too: no such API first, then the 414 (DESIGN §2.5), never a 400.
   */
  function answerOverlongParameter(req: FastifyRequest, reply: FastifyReply) {
    if (services.lifecycle.closing) return sendError(reply, 'unavailable', SHUTTING_DOWN);
    const rawUrl = req.raw.url ?? '';
    const q = rawUrl.indexOf('?');
    if (!routeFor(req.method, lenientlyDecodedPath(q < 0 ? rawUrl : rawUrl.slice(0, q)))) return sendError(reply, 'noSuchApi', NO_SUCH_API);
    return sendError(reply, 'uriTooLong', 'The request URI is too long.');
  }

  app.setValidatorCompiler(validatorCompiler);
  app.decorateRequest('principal', null);
  app.decorateRequest('rawBody', null);

  // Bodies are kept raw: AK/SK hashes the exact bytes, and JSON is parsed only after authentication.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    req.rawBody = body as Buffer;
    done(null, body);
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (services.lifecycle.closing) {
      reply.header('connection', 'close');
      throw new ApiError('unavailable', SHUTTING_DOWN);
    }
    // No such API is answered here, before any body is read: it comes before the size limits.
    if (req.routeOptions.url === undefined) {
      await sendError(reply, 'noSuchApi', NO_SUCH_API);
      return reply;
    }
    checkSizeLimits(req, config.bodyLimit);
    // Fastify never reads a GET/HEAD body; a chunked one has no declared size, so it is read
    // (bounded) here, where the size limit comes before authentication.
    if (req.raw.headers['transfer-encoding'] !== undefined && (req.method === 'GET' || req.method === 'HEAD')) req.rawBody = await readUnparsedBody(req, config.bodyLimit);
  });

  // An expectation other than 100-continue is ignored (RFC 9110 allows it), never answered
  // with Node's bare 417 that has neither our body nor a request id.
  app.server.on('checkExpectation', (req, res) => app.server.emit('request', req, res));
  // Every header reaches checkSizeLimits (bounded by maxHeaderSize), none is dropped unseen.
  app.server.maxHeadersCount = 0;
  // CONNECT is no API here; without a listener Node would drop the connection without a word.
  app.server.on('connect', (req: { url?: string }, socket: Socket) => socket.end(rawErrorResponse('noSuchApi', NO_SUCH_API, req.url ?? '')));

  app.setNotFoundHandler((req, reply) => sendError(reply, 'noSuchApi', NO_SUCH_API));

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof ApiError) return sendError(reply, err);
    const e = err as { validation?: unknown; validationContext?: string; code?: string; statusCode?: number; message?: string };
    if (e.validation) return sendError(reply, 'invalidParameter', describeValidationError(e.validation as never, e.validationContext ?? 'body'));
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 'bodyTooLarge', 'The request body is too large.');
    if (e.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return sendError(reply, 'invalidParameter', 'Invalid body: the Content-Length does not match the body.');
    // Fastify refuses an unparsable Content-Type while reading the body, before authentication.
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return refuseAfterAuth(req, reply, new ApiError('unsupportedMediaType', UTF8_JSON_ONLY));
    if (err instanceof StoreUnavailableError) {
      req.log.error({ err: (err as Error).cause ?? err }, 'storage unavailable');
      return sendError(reply, 'unavailable', STORE_UNAVAILABLE);
    }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      req.log.info({ err }, 'client error');
      return sendError(reply, 'invalidParameter', 'The request is invalid.');
    }
    req.log.error({ err }, 'unexpected failure');
    return sendError(reply, 'internal', 'Internal server error.');
  });

  return app;
}

/**
 * The authentication pipeline of the API routes, in the order of DESIGN §2.5: authenticate,
 * authorize for the path's project, then parse the raw body as JSON. Installed in the API
 * plugin's scope only, so operational routes (/healthz, /docs) stay public.
 */
export function installAuthPipeline(scope: FastifyInstance, services: Services) {
  scope.addHook('preValidation', async (req) => {
    const cfg = req.routeOptions.config;
    if (cfg.auth !== 'none') {
      const principal = await authenticate(services.authenticators, authInputFor(req, services));
      req.principal = principal;
      authorizeForPath(principal, cfg, (req.params as Record<string, string>).project_id);
      if (cfg.authorizeRequest) await cfg.authorizeRequest(req);
    }
    // The query parser decodes leniently; a malformed escape is a 400, after authentication.
    const url = req.raw.url ?? '';
    const q = url.indexOf('?');
    if (q >= 0 && MALFORMED_ESCAPE.test(url.slice(q + 1))) throw new ApiError('invalidParameter', 'Invalid parameter: the query string contains malformed percent-encoding.');
    if (cfg.body) {
      const raw = req.rawBody;
      if (!raw || raw.length === 0) {
        if (cfg.body === 'required') throw new ApiError('bodyRequired', 'The request body is missing or empty.');
        req.body = undefined;
        return;
      }
      if (!isJsonContentType(req.headers['content-type'])) throw new ApiError('unsupportedMediaType', UTF8_JSON_ONLY);
      let text: string;
      try {
        text = strictUtf8.decode(raw);
      } catch {
        throw new ApiError('unsupportedMediaType', UTF8_JSON_ONLY);
      }
      try {
        req.body = JSON.parse(text);
      } catch {
        throw new ApiError('invalidParameter', 'Invalid body: it is not valid JSON.');
      }
      // Only a \uD800–\uDFFF escape can make a string that is not Unicode (stored, it would change).
      if (SURROGATE_ESCAPE.test(text) && !wellFormed(req.body)) throw new ApiError('invalidParameter', 'Invalid body: a string holds an unpaired UTF-16 surrogate.');
    }
  });

}
