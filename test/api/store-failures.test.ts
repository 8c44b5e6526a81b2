// What a client sees when the store fails: 500 WKS.00000500 for an unexpected failure (no cause
// leaks), 503 WKS.00050902 when the store is unavailable, and /readyz failing — on whichever
// store the suite runs (the PostgreSQL e2e tests stop a real server; here the store is closed).
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { ERROR_CT, expectHuaweiError, expectKeystoneError, requestIdOf } from '../helpers/api-assert.js';
import { buildTestApp, DEV_PROJECT, devToken, type TestApp } from '../helpers/app.js';

const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613';
const SYSPREP = `/v2/${DEV_PROJECT}/desktops/${FIRST}/sysprep`;

/** A store whose getVerdictInputs fails like a bug would (a plain Error that mentions SQL) while `broken`. */
function faultyReads(target: Store, state: { broken: boolean }): Store {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (prop === 'getVerdictInputs') {
        return (...args: unknown[]) => {
          if (state.broken) throw new Error('no such column: r.secret_sql_detail');
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(obj) : value;
    },
  });
}

describe('store failures', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close().catch(() => undefined);
    t = undefined;
  });

  it('an unexpected failure → 500 WKS.00000500, nothing of the cause in the answer, and the next request works', async () => {
    const state = { broken: false };
    t = await buildTestApp({ wrapStore: (s) => faultyReads(s, state) });
    const token = await devToken(t);
    state.broken = true;
    const res = await t.app.inject({ method: 'GET', url: SYSPREP, headers: { 'x-auth-token': token } });
    expectHuaweiError(res, 500, { error_code: 'WKS.00000500', error_msg: 'Internal server error.' });
    expect(res.body).not.toMatch(/secret_sql_detail|column|stack/);
    state.broken = false;
    const ok = await t.app.inject({ method: 'GET', url: SYSPREP, headers: { 'x-auth-token': token } });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('a HEAD that fails unexpectedly → 500 with the headers and no body', async () => {
    const state = { broken: true };
    t = await buildTestApp({ wrapStore: (s) => faultyReads(s, state) });
    state.broken = false;
    const token = await devToken(t);
    state.broken = true;
    const res = await t.app.inject({ method: 'HEAD', url: SYSPREP, headers: { 'x-auth-token': token } });
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toBe(ERROR_CT);
    requestIdOf(res);
    expect(res.body).toBe('');
  });

  it('the store unavailable → 503 WKS.00050902 on the API (Keystone body under /v3/), /readyz fails, /healthz still answers', async () => {
    t = await buildTestApp();
    const token = await devToken(t);
    // Past the 1 s invalidation copy, so the token check reads the (closed) store too.
    t.clock.now += 2000;
    await t.store.close();

    const res = await t.app.inject({ method: 'GET', url: SYSPREP, headers: { 'x-auth-token': token } });
    expectHuaweiError(res, 503, { error_code: 'WKS.00050902', error_msg: 'The storage is unavailable; retry later.' });

    const list = await t.app.inject({ method: 'GET', url: `/v2/${DEV_PROJECT}/desktops`, headers: { 'x-auth-token': token } });
    expectHuaweiError(list, 503, { error_code: 'WKS.00050902', error_msg: 'The storage is unavailable; retry later.' });

    const issue = await t.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: { auth: { identity: { methods: ['password'], password: { user: { name: 'devadmin', password: 'devpassword', domain: { name: 'devaccount' } } } }, scope: { project: { id: DEV_PROJECT } } } },
    });
    expectKeystoneError(issue, 503, 'The storage is unavailable; retry later.');

    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expectHuaweiError(ready, 503, { error_code: 'WKS.00050902', error_msg: 'The storage is unavailable.' });

    const live = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(live.statusCode).toBe(200);
    expect(JSON.parse(live.body)).toEqual({ status: 'ok' });
  });
});
