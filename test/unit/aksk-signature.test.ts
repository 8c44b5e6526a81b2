import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import querystring from 'node:querystring';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { HttpRequestBuilder } from '@huaweicloud/huaweicloud-sdk-core/http/IHttpRequestBuilder.js';
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  checkSdkDate,
  EMPTY_BODY_SHA256,
  isValidSdkDate,
  MalformedQueryError,
  parseSdkAuthorization,
  payloadHash,
  sdkDateSkewMs,
  signRequest,
  stringToSign,
  verifySdkSignature,
  type ParsedSdkAuthorization,
  type SignedRequestParts,
} from '../../src/auth/aksk-signature.js';
import { bodyBytes, sdkDate, signHeaders, signingFixture } from '../helpers/sign.js';

const fixture = signingFixture;

/** Request parts from a URL (path?query) and headers in any case. */
function partsOf(method: string, url: string, headers: Record<string, string>, body: Buffer | string = ''): SignedRequestParts {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const q = url.indexOf('?');
  return {
    method,
    rawPath: q < 0 ? url : url.slice(0, q),
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    headers: (name) => lower.get(name),
    body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
  };
}

function parse(authorization: string): ParsedSdkAuthorization {
  const parsed = parseSdkAuthorization(authorization);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

/** Verifies a request whose headers include Authorization. */
function verify(parts: SignedRequestParts, sk: string) {
  return verifySdkSignature(parts, parse(parts.headers('authorization')!), sk);
}

const SHA_EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('known-answer vectors', () => {
  it('the fixture is not empty', () => {
    expect(fixture.signing_vectors.length).toBeGreaterThanOrEqual(3);
    expect(fixture.canonical_query_vectors.length).toBeGreaterThanOrEqual(2);
  });

  for (const v of fixture.signing_vectors) {
    it(`signing vector ${v.name}`, () => {
      const url = v.query ? `${v.path}?${v.query}` : v.path;
      const parts = partsOf(v.method, url, v.headers, v.body);
      if (v.canonical_uri !== undefined) expect(canonicalUri(v.path)).toBe(v.canonical_uri);

      const hash = payloadHash(parts);
      expect(typeof hash).toBe('string');
      const cr = canonicalRequest(parts, v.signed_headers, hash as string);
      expect(signRequest(v.sk, stringToSign(v.headers['x-sdk-date'], cr))).toBe(v.signature);

      const authorization = `SDK-HMAC-SHA256 Access=${v.ak}, SignedHeaders=${v.signed_headers.join(';')}, Signature=${v.signature}`;
      expect(verifySdkSignature(parts, parse(authorization), v.sk)).toEqual({ ok: true });
      expect(verifySdkSignature(parts, parse(authorization), v.sk + 'x')).toMatchObject({ ok: false, reason: 'signature mismatch' });
    });
  }

  it('the canonical request has the header block ending in a newline, then a separator', () => {
    const v = fixture.signing_vectors[0];
    const parts = partsOf(v.method, `${v.path}?${v.query}`, v.headers);
    expect(canonicalRequest(parts, v.signed_headers, SHA_EMPTY)).toBe(
      `GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n${SHA_EMPTY}`,
    );
  });

  for (const v of fixture.canonical_query_vectors) {
    it(`canonical query ${v.wire_query}`, () => {
      expect(canonicalQuery(v.wire_query)).toBe(v.canonical);
    });
  }
});

describe('canonicalUri', () => {
  it.each([
    ['/path', '/path/'],
    ['/path/', '/path/'],
    ['/', '/'],
    ['', '/'],
    ['/v2/p/desktops/a%2Fb/sysprep', '/v2/p/desktops/a%252Fb/sysprep/'],
    ['/a%20b/c+d', '/a%2520b/c%2Bd/'],
    ["/a!*'()~._-Z9", '/a%21%2A%27%28%29~._-Z9/'],
    ['//v2/x', '//v2/x/'],
    ['/é', '/%C3%A9/'],
    ['/😀', '/%F0%9F%98%80/'],
  ])('%s → %s', (raw, expected) => {
    expect(canonicalUri(raw)).toBe(expected);
  });
});

describe('canonicalQuery', () => {
  it.each([
    ['', ''],
    ['a=1&&b=2&', 'a=1&b=2'],
    ['b=2&a=1', 'a=1&b=2'],
    ['a=2&a=10&a=1', 'a=1&a=10&a=2'],
    ['x=a+b', 'x=a%20b'],
    ['x=a%2Bb', 'x=a%2Bb'],
    ['x=%7e%2d', 'x=~-'],
    ['x=a=b', 'x=a%3Db'],
    ['=v', '=v'],
    ['k=', 'k='],
    // sorted on decoded keys: "a." < "a/" although "a%2F" < "a." when encoded
    ['a%2F=1&a.=2', 'a.=2&a%2F=1'],
    // invalid UTF-8 survives byte for byte
    ['x=%FF%fe', 'x=%FF%FE'],
  ])('%s → %s', (raw, expected) => {
    expect(canonicalQuery(raw)).toBe(expected);
  });

  it.each(['a=%', 'a=%2', 'a=%zz', '%G1=1', 'a=1&b=%2'])('throws MalformedQueryError on %s', (raw) => {
    expect(() => canonicalQuery(raw)).toThrow(MalformedQueryError);
  });

  it('canonicalRequest keeps a stray % literally instead of throwing', () => {
    const parts = partsOf('GET', '/p?a=100%&b=%zz', { 'x-sdk-date': '20240101T000000Z' });
    expect(canonicalRequest(parts, ['x-sdk-date'], SHA_EMPTY).split('\n')[2]).toBe('a=100%25&b=%25zz');
  });
});

describe('parseSdkAuthorization', () => {
  const sig = 'a'.repeat(64);
  it('parses the SDK format, with or without spaces after commas', () => {
    const expected = { accessKey: 'AK1', signedHeaders: ['content-type', 'host', 'x-sdk-date'], signature: sig };
    expect(parseSdkAuthorization(`SDK-HMAC-SHA256 Access=AK1, SignedHeaders=content-type;host;x-sdk-date, Signature=${sig}`)).toEqual(expected);
    expect(parseSdkAuthorization(`SDK-HMAC-SHA256 Access=AK1,SignedHeaders=content-type;host;x-sdk-date,Signature=${sig}`)).toEqual(expected);
    expect(parseSdkAuthorization(`SDK-HMAC-SHA256 Access=AK1,   SignedHeaders=content-type;host;x-sdk-date,  Signature=${sig}`)).toEqual(expected);
  });

  it.each([
    ['', 'must start with'],
    ['Bearer abc', 'must start with'],
    [`SDK-HMAC-SHA1 Access=AK, SignedHeaders=x-sdk-date, Signature=${sig}`, 'must start with'],
    [`sdk-hmac-sha256 Access=AK, SignedHeaders=x-sdk-date, Signature=${sig}`, 'must start with'],
    [`SDK-HMAC-SHA256 SignedHeaders=x-sdk-date, Signature=${sig}`, 'missing Access'],
    [`SDK-HMAC-SHA256 Access=, SignedHeaders=x-sdk-date, Signature=${sig}`, 'missing Access'],
    [`SDK-HMAC-SHA256 Access=AK, Signature=${sig}`, 'missing SignedHeaders'],
    ['SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date', 'missing Signature'],
    [`SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=${sig.slice(1)}`, '64 lower-case hex'],
    [`SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=${sig.toUpperCase()}`, '64 lower-case hex'],
    [`SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=${'g'.repeat(64)}`, '64 lower-case hex'],
    [`SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=${sig}`, 'must include x-sdk-date'],
    [`SDK-HMAC-SHA256 Access=AK, SignedHeaders=Host;x-sdk-date, Signature=${sig}`, 'lower-case header names'],
    [`SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x-sdk-date, Signature=${sig}`, 'lower-case header names'],
    [`SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date;, Signature=${sig}`, 'lower-case header names'],
    [`SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date;x-sdk-date, Signature=${sig}`, 'twice'],
    [`SDK-HMAC-SHA256 Access=AK, Access=AK2, SignedHeaders=x-sdk-date, Signature=${sig}`, 'repeats Access'],
    [`SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=${sig}, Extra=1`, 'unexpected parameter'],
    [`SDK-HMAC-SHA256 Access=A K, SignedHeaders=x-sdk-date, Signature=${sig}`, 'Access is malformed'],
  ])('rejects %j', (value, message) => {
    const result = parseSdkAuthorization(value);
    expect(result).toHaveProperty('error');
    expect((result as { error: string }).error).toContain(message);
  });

  it('never echoes the values it rejects', () => {
    const result = parseSdkAuthorization('SDK-HMAC-SHA256 Access=SECRETAK, SignedHeaders=host, Signature=SECRETSIG');
    expect(JSON.stringify(result)).not.toMatch(/SECRET/);
  });
});

describe('verifySdkSignature', () => {
  const ak = 'AK';
  const sk = 'SK-secret';
  const date = '20240101T000000Z';
  const url = '/v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/desktops/sysprep?b=2&a=1';
  const body = '{"desktop_ids":["x"]}';
  const baseHeaders = { 'Content-Type': 'application/json', Host: 'ws.example.com', 'X-Project-Id': '0a1b2c3d4e5f60718293a4b5c6d7e8f9' };
  const signed = signHeaders({ ak, sk, method: 'POST', url, headers: baseHeaders, body, date });

  it('the helper output verifies', () => {
    expect(signed['X-Sdk-Date']).toBe(date);
    expect(signed.Authorization).toContain('SignedHeaders=content-type;host;x-project-id;x-sdk-date,');
    expect(verify(partsOf('POST', url, signed, body), sk)).toEqual({ ok: true });
  });

  it('rejects a tampered method, path, query, header, body or SignedHeaders order', () => {
    const ok = partsOf('POST', url, signed, body);
    expect(verify({ ...ok, method: 'PUT' }, sk)).toMatchObject({ ok: false, reason: 'signature mismatch' });
    expect(verify({ ...ok, rawPath: ok.rawPath.replace('sysprep', 'sysprep2') }, sk)).toMatchObject({ ok: false });
    expect(verify({ ...ok, rawQuery: 'b=2&a=2' }, sk)).toMatchObject({ ok: false });
    expect(verify({ ...ok, rawQuery: 'b=2' }, sk)).toMatchObject({ ok: false });
    expect(verify({ ...ok, body: Buffer.from(body + ' ') }, sk)).toMatchObject({ ok: false });
    expect(verify({ ...ok, body: Buffer.alloc(0) }, sk)).toMatchObject({ ok: false });
    expect(verify(partsOf('POST', url, { ...signed, Host: 'other.example.com' }, body), sk)).toMatchObject({ ok: false });
    expect(verify(partsOf('POST', url, { ...signed, 'X-Sdk-Date': '20240101T000001Z' }, body), sk)).toMatchObject({ ok: false });
    const reordered = signed.Authorization.replace('content-type;host', 'host;content-type');
    expect(verify(partsOf('POST', url, { ...signed, Authorization: reordered }, body), sk)).toMatchObject({ ok: false });
  });

  it('ignores query order and unsigned headers', () => {
    const parts = partsOf('POST', url.replace('b=2&a=1', 'a=1&b=2'), { ...signed, 'User-Agent': 'x', Accept: '*/*' }, body);
    expect(verify(parts, sk)).toEqual({ ok: true });
  });

  it('trims whitespace around signed header values', () => {
    const parts = partsOf('POST', url, { ...signed, 'X-Project-Id': ' \t0a1b2c3d4e5f60718293a4b5c6d7e8f9 ' }, body);
    expect(verify(parts, sk)).toEqual({ ok: true });
  });

  it('requires every signed header to be present', () => {
    const { Host: _host, ...withoutHost } = signed;
    expect(verify(partsOf('POST', url, withoutHost, body), sk)).toEqual({ ok: false, reason: 'signed header host is missing' });
  });

  it('returns the canonical request on a mismatch', () => {
    const result = verify(partsOf('POST', url, signed, body), 'wrong');
    expect(result).toMatchObject({ ok: false, reason: 'signature mismatch' });
    expect((result as { canonicalRequest?: string }).canonicalRequest).toContain('POST\n/v2/');
  });

  it('authenticates a correctly signed request whose query has a stray %', () => {
    const bad = '/v2/p/desktops/sysprep?a=100%';
    const h = signHeaders({ ak, sk, method: 'GET', url: bad, headers: { Host: 'h' }, date });
    expect(verify(partsOf('GET', bad, h), sk)).toEqual({ ok: true });
  });

  it('accepts the doubled leading slash the Node SDK signs with an endpoint ending in /', () => {
    const h = signHeaders({ ak, sk, method: 'GET', url: '//v2/p/desktops/x/sysprep', headers: { Host: 'h' }, date });
    const parts = partsOf('GET', '/v2/p/desktops/x/sysprep', h);
    expect(verify(parts, sk)).toEqual({ ok: true });
    expect(verifySdkSignature(parts, parse(h.Authorization), sk, { allowDoubledLeadingSlash: false })).toMatchObject({ ok: false });
    // and never the other way round, nor a third slash
    const h1 = signHeaders({ ak, sk, method: 'GET', url: '/v2/x', headers: { Host: 'h' }, date });
    expect(verify(partsOf('GET', '//v2/x', h1), sk)).toMatchObject({ ok: false });
    const h3 = signHeaders({ ak, sk, method: 'GET', url: '///v2/x', headers: { Host: 'h' }, date });
    expect(verify(partsOf('GET', '/v2/x', h3), sk)).toMatchObject({ ok: false });
  });
});

describe('X-Sdk-Content-Sha256', () => {
  const sk = 'SK';
  const date = '20240101T000000Z';
  const body = '{"a":1}';
  const bodySha = createHash('sha256').update(body).digest('hex');

  it('payloadHash without the header is the sha256 of the raw body', () => {
    expect(payloadHash(partsOf('GET', '/', {}))).toBe(EMPTY_BODY_SHA256);
    expect(payloadHash(partsOf('GET', '/', {}, '{}'))).toBe(createHash('sha256').update('{}').digest('hex'));
    expect(payloadHash(partsOf('POST', '/', {}, Buffer.from([0xff, 0x00])))).toBe(
      createHash('sha256').update(Buffer.from([0xff, 0x00])).digest('hex'),
    );
  });

  it('a hex value must match the body (case-insensitively) and is signed verbatim', () => {
    expect(payloadHash(partsOf('POST', '/', { 'x-sdk-content-sha256': bodySha }, body))).toBe(bodySha);
    expect(payloadHash(partsOf('POST', '/', { 'x-sdk-content-sha256': bodySha.toUpperCase() }, body))).toBe(bodySha.toUpperCase());
    expect(payloadHash(partsOf('POST', '/', { 'x-sdk-content-sha256': EMPTY_BODY_SHA256 }, body))).toEqual({
      error: 'X-Sdk-Content-Sha256 does not match the body',
    });
    expect(payloadHash(partsOf('POST', '/', { 'x-sdk-content-sha256': 'abc' }, body))).toHaveProperty('error');
  });

  it('UNSIGNED-PAYLOAD only without a body', () => {
    expect(payloadHash(partsOf('GET', '/', { 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' }))).toBe('UNSIGNED-PAYLOAD');
    expect(payloadHash(partsOf('POST', '/', { 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' }, body))).toHaveProperty('error');
  });

  it('verification applies the rules', () => {
    const sign = (headers: Record<string, string>, b: string) =>
      signHeaders({ ak: 'AK', sk, method: 'POST', url: '/x', headers, body: b, date });
    const good = sign({ 'X-Sdk-Content-Sha256': bodySha }, body);
    expect(verify(partsOf('POST', '/x', good, body), sk)).toEqual({ ok: true });
    // declared hash signed, but the body differs
    expect(verify(partsOf('POST', '/x', good, body + ' '), sk)).toEqual({ ok: false, reason: 'X-Sdk-Content-Sha256 does not match the body' });
    const unsigned = sign({ 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' }, '');
    expect(verify(partsOf('POST', '/x', unsigned), sk)).toEqual({ ok: true });
    const unsignedWithBody = sign({ 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' }, body);
    expect(verify(partsOf('POST', '/x', unsignedWithBody, body), sk)).toMatchObject({ ok: false });
  });
});

describe('X-Sdk-Date', () => {
  const now = Date.UTC(2024, 0, 1, 12, 0, 0);
  const at = (ms: number) => sdkDate(new Date(ms));

  it.each(['20240101T000000Z', '20240229T235959Z', '20000229T000000Z', '00010101T000000Z', '99991231T235959Z'])('%s is valid', (v) => {
    expect(isValidSdkDate(v)).toBe(true);
  });

  it.each([
    '', '20240101T000000', '20240101T000000z', '2024-01-01T00:00:00Z', '20240101 000000Z', '20240101T0000000Z',
    '２0240101T000000Z', '20241301T000000Z', '20240001T000000Z', '20240100T000000Z', '20240230T000000Z',
    '20230229T000000Z', '21000229T000000Z', '20240101T240000Z', '20240101T006000Z', '20240101T000060Z',
    ' 20240101T000000Z', '20240101T000000Z\n',
  ])('%j is not valid', (v) => {
    expect(isValidSdkDate(v)).toBe(false);
    expect(checkSdkDate(v, now)).toMatchObject({ ok: false, reason: expect.stringContaining('signature expired') });
  });

  it('sdkDateSkewMs is the signed distance from now', () => {
    expect(sdkDateSkewMs('20240101T120000Z', now)).toBe(0);
    expect(sdkDateSkewMs('20240101T121500Z', now)).toBe(15 * 60 * 1000);
    expect(sdkDateSkewMs('20240101T114500Z', now)).toBe(-15 * 60 * 1000);
    expect(sdkDateSkewMs('00990101T000000Z', now)).toBe(Date.parse('0099-01-01T00:00:00Z') - now);
    expect(sdkDateSkewMs('bad', now)).toBeNaN();
  });

  it('accepts up to 15 minutes either way and rejects beyond', () => {
    const m15 = 15 * 60 * 1000;
    expect(checkSdkDate(at(now), now)).toEqual({ ok: true });
    expect(checkSdkDate(at(now + m15), now)).toEqual({ ok: true });
    expect(checkSdkDate(at(now - m15), now)).toEqual({ ok: true });
    expect(checkSdkDate(at(now + m15 + 1000), now)).toMatchObject({ ok: false, reason: expect.stringContaining('signature expired') });
    expect(checkSdkDate(at(now - m15 - 1000), now)).toMatchObject({ ok: false, reason: expect.stringContaining('signature expired') });
    expect(checkSdkDate(undefined, now)).toMatchObject({ ok: false, reason: expect.stringContaining('signature expired') });
    expect(checkSdkDate(at(now + 60_000), now, 30_000)).toMatchObject({ ok: false });
  });
});

describe('test helper signHeaders', () => {
  it('signs given headers plus x-sdk-date by default and can sign a chosen list', () => {
    const h = signHeaders({ ak: 'AK', sk: 'SK', method: 'get', url: '/p?q=1', headers: { Host: 'h', 'X-A': '1' }, date: '20240101T000000Z' });
    expect(h).toMatchObject({ Host: 'h', 'X-A': '1', 'X-Sdk-Date': '20240101T000000Z' });
    expect(h.Authorization).toMatch(/^SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-a;x-sdk-date, Signature=[0-9a-f]{64}$/);
    const only = signHeaders({ ak: 'AK', sk: 'SK', method: 'GET', url: '/p', headers: { Host: 'h' }, signedHeaders: ['x-sdk-date'] });
    expect(only.Authorization).toContain('SignedHeaders=x-sdk-date,');
    expect(verify(partsOf('GET', '/p', only), 'SK')).toEqual({ ok: true });
    expect(bodyBytes({ a: 1 }).toString()).toBe('{"a":1}');
  });
});

// ---- cross-checks with the official Node SDK signer ----------------------------------------

const SDK_DATE = '20240101T000000Z';
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

/** Signs with the SDK's AKSKSigner; returns the headers it would send. */
function sdkSign(opts: { endpoint: string; method: string; headers: Record<string, string>; query?: Record<string, unknown>; data?: unknown }) {
  const request = new HttpRequestBuilder()
    .withEndpoint(opts.endpoint)
    .withMethod(opts.method)
    .withHeaders({ ...opts.headers })
    .withQueryParams(opts.query ?? {})
    .withData(opts.data)
    .build();
  const credential = new BasicCredentials().withAk('SDKAK').withSk('SDK-secret');
  return AKSKSigner.sign(request, credential) as Record<string, string>;
}

/** The SDK's protected canonicalisation helpers, for property checks. */
const sdkInternals = AKSKSigner as unknown as {
  CanonicalURI(path: string): string;
  CanonicalQueryString(r: { queryParams: Record<string, string | string[]> }): string;
};

describe('official Node SDK AKSKSigner', () => {
  it('GET sysprep with content-type, host, x-project-id, x-sdk-date', () => {
    const path = `/v2/${PROJECT}/desktops/abc/sysprep`;
    const headers = sdkSign({
      endpoint: `http://127.0.0.1:8080${path}`,
      method: 'GET',
      headers: { 'content-type': 'application/json', 'X-Project-Id': PROJECT, 'X-Sdk-Date': SDK_DATE },
    });
    expect(headers.Authorization).toContain('SignedHeaders=content-type;host;x-project-id;x-sdk-date,');
    expect(headers.host).toBe('127.0.0.1:8080');
    expect(verify(partsOf('GET', path, headers), 'SDK-secret')).toEqual({ ok: true });
    expect(verify(partsOf('GET', path, headers), 'other')).toMatchObject({ ok: false });
  });

  it('POST with a JSON body and a query with special characters', () => {
    const path = `/v2/${PROJECT}/desktops/sysprep`;
    const data = { desktop_ids: ['6a3b3c7c-0000-4000-8000-000000000001'], note: 'é "x" 😀' };
    const query = { 'a b': 'x+y z', test: "一 (&=?!#%.*)'~", multi: ['1', '3', '2', '10'], empty: '', '/k': '/tmp/1' };
    const headers = sdkSign({
      endpoint: `http://127.0.0.1:8080${path}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Project-Id': PROJECT, 'X-Sdk-Date': SDK_DATE },
      query,
      data,
    });
    // What DefaultHttpClient sends: querystring.stringify for the query, JSON.stringify for the body.
    const url = `${path}?${querystring.stringify(query as querystring.ParsedUrlQueryInput)}`;
    const parts = partsOf('POST', url, headers, JSON.stringify(data));
    expect(verify(parts, 'SDK-secret')).toEqual({ ok: true });
    // the same query written form-style (+ for space, other parameter order) still verifies
    const formStyle = `${path}?multi=2&multi=10&multi=3&multi=1&test=%E4%B8%80+(%26%3D%3F!%23%25.*)'~&a+b=x%2By+z&empty&%2Fk=%2Ftmp%2F1`;
    expect(verify({ ...parts, ...partsOf('POST', formStyle, {}), headers: parts.headers, body: parts.body }, 'SDK-secret')).toEqual({ ok: true });
  });

  it('GET with the 2-byte {} body the IAM project lookup sends', () => {
    const headers = sdkSign({
      endpoint: 'http://127.0.0.1:8080/v3/projects',
      method: 'GET',
      headers: { 'content-type': 'application/json', 'X-Sdk-Date': SDK_DATE },
      query: { name: 'cn-north-4' },
      data: {},
    });
    expect(verify(partsOf('GET', '/v3/projects?name=cn-north-4', headers, '{}'), 'SDK-secret')).toEqual({ ok: true });
    expect(verify(partsOf('GET', '/v3/projects?name=cn-north-4', headers), 'SDK-secret')).toMatchObject({ ok: false });
  });

  it('paths with characters that need encoding', () => {
    for (const id of ['a%2Fb', 'a%20b', 'a+b;c=d,e!f*g(h)i~j@k:l$m&n', '%7Bx%7D']) {
      const path = `/v2/${PROJECT}/desktops/${id}/sysprep`;
      const headers = sdkSign({ endpoint: `http://127.0.0.1:8080${path}`, method: 'GET', headers: { 'X-Sdk-Date': SDK_DATE } });
      expect(verify(partsOf('GET', path, headers), 'SDK-secret')).toEqual({ ok: true });
    }
  });

  it('sorts query keys in UTF-16 order like the SDK', () => {
    const query = { '\uE000': '1', '😀': '2', z: '3' };
    const headers = sdkSign({ endpoint: 'http://127.0.0.1:8080/q', method: 'GET', headers: { 'X-Sdk-Date': SDK_DATE }, query });
    const url = `/q?${querystring.stringify(query)}`;
    expect(canonicalQuery(url.slice(3))).toBe('z=3&%F0%9F%98%80=2&%EE%80%80=1');
    expect(verify(partsOf('GET', url, headers), 'SDK-secret')).toEqual({ ok: true });
  });

  it('canonical URI equals the SDK for any ASCII path', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', minLength: 1 }), (s) => {
        const path = '/' + s;
        expect(canonicalUri(path)).toBe(sdkInternals.CanonicalURI(path));
      }),
      { numRuns: 500 },
    );
  });

  it('canonical query of the wire query equals the SDK canonical query of the parameters', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 8 });
    fc.assert(
      fc.property(fc.dictionary(text, fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 4 }))), (params) => {
        const copy = JSON.parse(JSON.stringify(params)) as Record<string, string | string[]>;
        const sdk = sdkInternals.CanonicalQueryString({ queryParams: copy });
        expect(canonicalQuery(querystring.stringify(params))).toBe(sdk);
      }),
      { numRuns: 500 },
    );
  });
});

describe('official Node SDK over HTTP (what actually reaches a server)', () => {
  interface Captured {
    parts: SignedRequestParts;
  }
  const captured: Captured[] = [];
  let server: http.Server;
  let port = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        captured.push({
          parts: {
            method: req.method ?? 'GET',
            rawPath: q < 0 ? url : url.slice(0, q),
            rawQuery: q < 0 ? '' : url.slice(q + 1),
            headers: (name) => {
              const v = req.headers[name];
              return Array.isArray(v) ? v.join(', ') : v;
            },
            body: Buffer.concat(chunks),
          },
        });
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  function client(endpoint: string): HcClient {
    const credential = new BasicCredentials().withAk('SDKAK').withSk('SDK-secret').withProjectId(PROJECT);
    return new ClientBuilder((c) => c).withEndpoint(endpoint).withCredential(credential).build();
  }

  async function send(c: HcClient, options: Parameters<HcClient['sendRequest']>[0]): Promise<SignedRequestParts> {
    captured.length = 0;
    await c.sendRequest(options);
    expect(captured).toHaveLength(1);
    return captured[0].parts;
  }

  const showSysprep = (desktopId: string) => ({
    method: 'GET',
    url: '/v2/{project_id}/desktops/{desktop_id}/sysprep',
    contentType: 'application/json',
    pathParams: { desktop_id: desktopId },
    queryParams: {},
    headers: {},
  });

  it('ShowSysprepInfo-style GET verifies; the SDK signs content-type;host;x-project-id;x-sdk-date', async () => {
    const parts = await send(client(`http://127.0.0.1:${port}`), showSysprep('6a3b3c7c-0000-4000-8000-000000000001'));
    expect(parts.rawPath).toBe(`/v2/${PROJECT}/desktops/6a3b3c7c-0000-4000-8000-000000000001/sysprep`);
    const parsed = parse(parts.headers('authorization')!);
    expect(parsed.signedHeaders).toEqual(['content-type', 'host', 'x-project-id', 'x-sdk-date']);
    expect(checkSdkDate(parts.headers('x-sdk-date'), Date.now())).toEqual({ ok: true });
    expect(verifySdkSignature(parts, parsed, 'SDK-secret')).toEqual({ ok: true });
  });

  it('POST with JSON body and special query characters verifies', async () => {
    const parts = await send(client(`http://127.0.0.1:${port}`), {
      method: 'POST',
      url: '/v2/{project_id}/desktops/sysprep',
      contentType: 'application/json',
      pathParams: {},
      queryParams: { 'a b': 'x+y z', test: "一 (&=?!#%.*)'~", multi: ['1', '3', '2'], empty: '' },
      headers: {},
      data: { desktop_ids: ['x'], note: 'é 😀' },
    });
    expect(parts.body.length).toBeGreaterThan(0);
    expect(verify(parts, 'SDK-secret')).toEqual({ ok: true });
  });

  it('path parameters with characters the SDK leaves to the URL parser verify', async () => {
    const c = client(`http://127.0.0.1:${port}`);
    for (const id of ['a b', 'a%2Fb', 'a+b;c=d,e!f*g(h)i~j@k:l$m&n', 'x`{y}"<z>']) {
      const parts = await send(c, showSysprep(id));
      expect(verify(parts, 'SDK-secret'), id).toEqual({ ok: true });
    }
  });

  it("known SDK-side mismatch: non-ASCII and ' | ^ in path parameters are signed differently from what is sent", async () => {
    const c = client(`http://127.0.0.1:${port}`);
    for (const id of ['é', "a'b"]) {
      const parts = await send(c, showSysprep(id));
      expect(verify(parts, 'SDK-secret'), id).toMatchObject({ ok: false, reason: 'signature mismatch' });
    }
  });

  it('an endpoint with a trailing slash (signed //v2/..., sent /v2/...) verifies', async () => {
    const parts = await send(client(`http://127.0.0.1:${port}/`), showSysprep('abc'));
    expect(parts.rawPath.startsWith('/v2/')).toBe(true);
    expect(verify(parts, 'SDK-secret')).toEqual({ ok: true });
  });
});
