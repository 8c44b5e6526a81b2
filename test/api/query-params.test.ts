// Query parameters of the Huawei-style APIs: only documented ones, and integers written as
// plain decimals (a filter we do not implement must not be silently ignored).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, devToken, DEV_PROJECT, type TestApp } from '../helpers/app.js';
import { expectHuaweiError, expectJson } from '../helpers/api-assert.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613';
let t: TestApp;
let admin: string;

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': admin } });

beforeAll(async () => {
  t = await buildTestApp();
  admin = await devToken(t);
});
afterAll(async () => t?.close());

describe('unknown query parameters → 400 naming them', () => {
  for (const url of [
    `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep?foo=1`,
    `/v2/${DEV_PROJECT}/desktops?foo=1`,
    `/v2/${DEV_PROJECT}/desktops?limit=1&foo=`,
    `/v2/${DEV_PROJECT}/desktops/${FIRST}?foo=bar`,
    `/v2/${DEV_PROJECT}/sysprep/summary?foo=1`,
    `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep/readiness?foo=1`,
  ]) {
    it(url.replace(DEV_PROJECT, '{p}'), async () => {
      expectHuaweiError(await get(url), 400, { error_code: 'WKS.00000400', error_msg: 'Unknown query parameter foo.' });
    });
  }

  it('a query on the seed API is still authenticated first', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep?foo=1` });
    expect(res.statusCode).toBe(401);
  });
});

describe('limit and offset are plain decimal integers', () => {
  const LIMIT = 'Invalid parameter limit: must be an integer from 0 to 1000.';
  const OFFSET = 'Invalid parameter offset: must be a non-negative integer.';
  for (const [q, msg] of [
    ['limit=%20', LIMIT],
    ['limit=', LIMIT],
    ['limit=0x5', LIMIT],
    ['limit=1e1', LIMIT],
    ['limit=1.5', LIMIT],
    ['limit=-1', LIMIT],
    ['limit=+5', LIMIT],
    ['limit=05', LIMIT],
    ['limit=1001', LIMIT],
    ['limit=1&limit=2', LIMIT],
    ['offset=%20', OFFSET],
    ['offset=abc', OFFSET],
  ] as const) {
    it(`${q} → 400`, async () => {
      expectHuaweiError(await get(`/v2/${DEV_PROJECT}/desktops?${q}`), 400, { error_code: 'WKS.00000400', error_msg: msg });
    });
  }

  it('limit=5&offset=10 pages; no limit gives up to 1000', async () => {
    const page = expectJson(await get(`/v2/${DEV_PROJECT}/desktops?limit=5&offset=10`)) as { desktops: unknown[]; total_count: number };
    expect(page.desktops).toHaveLength(5);
    const all = expectJson(await get(`/v2/${DEV_PROJECT}/desktops`)) as { desktops: unknown[]; total_count: number };
    expect(all.desktops).toHaveLength(all.total_count);
    const none = expectJson(await get(`/v2/${DEV_PROJECT}/desktops?limit=0`)) as { desktops: unknown[]; total_count: number };
    expect(none).toEqual({ desktops: [], total_count: all.total_count });
  });
});

describe('a repeated parameter on the identity routes is a 400 or ignored, never a 500', () => {
  it('credentials ?user_id=a&user_id=b → 400 naming user_id (Huawei body)', async () => {
    const res = await get('/v3.0/OS-CREDENTIAL/credentials?user_id=a&user_id=b');
    expectHuaweiError(res, 400, { error_code: 'WKS.00000400', error_msg: 'Invalid parameter user_id: must be string.' });
  });

  it('Huawei-style routes that read no query refuse one; Keystone routes ignore it', async () => {
    expectHuaweiError(await get('/v3.0/OS-CREDENTIAL/credentials/NOSUCHKEY00000000000?x=1&x=2'), 400, {
      error_code: 'WKS.00000400',
      error_msg: 'Unknown query parameter x.',
    });
    // keystoneauth may send ?nocatalog (Keystone's flag); it is accepted and changes nothing here.
    const res = await t.app.inject({ method: 'GET', url: '/v3/auth/tokens?nocatalog&nocatalog', headers: { 'x-auth-token': admin, 'x-subject-token': admin } });
    expect((expectJson(res) as { token: { user: { name: string } } }).token.user.name).toBe('devadmin');
  });
});
