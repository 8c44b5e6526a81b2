// The one error catalogue. Every non-2xx answer of the product is built here (DESIGN §2.5).

export type ErrorFamily = 'huawei' | 'keystone';

export interface ErrorSpec {
  status: number;
  code: string;
}

export const ERRORS = {
  bodyRequired: { status: 400, code: 'WKS.0001' },
  invalidParameter: { status: 400, code: 'WKS.00000400' },
  unauthenticated: { status: 401, code: 'APIGW.0301' },
  tokenInvalidated: { status: 401, code: 'APIGW.0307' },
  forbidden: { status: 403, code: 'APIGW.0302' },
  noSuchApi: { status: 404, code: 'APIGW.0101' },
  notFound: { status: 404, code: 'WKS.00000404' },
  bodyTooLarge: { status: 413, code: 'APIGW.0201' },
  uriTooLong: { status: 414, code: 'APIGW.0201' },
  headersTooLarge: { status: 431, code: 'APIGW.0201' },
  unsupportedMediaType: { status: 415, code: 'WKS.00000415' },
  requestTimeout: { status: 408, code: 'WKS.00000400' },
  throttled: { status: 429, code: 'APIGW.0308' },
  internal: { status: 500, code: 'WKS.00000500' },
  unavailable: { status: 503, code: 'WKS.00050902' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERRORS;

/** A failure that maps to exactly one catalogue entry. Thrown anywhere below the routes. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(
    readonly name_: ErrorName,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.status = ERRORS[name_].status;
    this.code = ERRORS[name_].code;
  }
}

export const apiError = (name: ErrorName, message: string, detail?: string) => new ApiError(name, message, detail);

const KEYSTONE_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The Keystone-style family answers under /v3/ (but /v3.0/OS-CREDENTIAL is Huawei-style). */
export function familyForUrl(url: string): ErrorFamily {
  const u = url.includes('%') ? lenientlyDecodedPath(url) : url;
  return u.startsWith('/v3/') || u === '/v3' || u.startsWith('/v3?') ? 'keystone' : 'huawei';
}

/**
 * A path with its well-formed escapes of printable ASCII decoded, except `/` and `%` (which
 * would change the segments), and every malformed escape left as it is: what the router would
 * see, for a path it refuses because of one bad escape (`/%763/projects/%zz` is `/v3/projects/%zz`).
 */
export function lenientlyDecodedPath(path: string): string {
  return path.replace(/%([2-7][0-9A-Fa-f])/g, (escape, hex: string) => {
    const c = String.fromCharCode(Number.parseInt(hex, 16));
    return c === '/' || c === '%' || c === '\x7f' ? escape : c;
  });
}

const MAX_MSG = 1000;
const cut = (s: string) => (s.length > MAX_MSG ? s.slice(0, MAX_MSG) : s);

/** The JSON text of an error body, in the family the URL calls for. */
export function errorBody(family: ErrorFamily, status: number, code: string, message: string, requestId: string, detail?: string): string {
  if (family === 'keystone') {
    return JSON.stringify({ error: { code: status, title: KEYSTONE_TITLES[status] ?? 'Error', message: cut(message) } });
  }
  const body: Record<string, string> = { error_code: code, error_msg: cut(message) };
  if (detail !== undefined) body.error_detail = cut(detail);
  if (code.startsWith('APIGW.')) body.request_id = requestId;
  return JSON.stringify(body);
}

export const ERROR_CONTENT_TYPE = 'application/json;charset=UTF-8';
