import { it, expect } from 'vitest';
import { buildTestApp, devToken, DEV_PROJECT } from './helpers/app.js';
it('smoke', async () => {
  const t = await buildTestApp();
  const tok = await devToken(t);
  console.log('token len', tok.length);
  for (const [m, u, h, p] of [
    ['GET', `/v2/${DEV_PROJECT}/desktops/24cf2487-67bb-43a1-a563-9f947e859613/sysprep`, { 'x-auth-token': tok }],
    ['HEAD', `/v2/${DEV_PROJECT}/desktops/24cf2487-67bb-43a1-a563-9f947e859613/sysprep`, { 'x-auth-token': tok }],
    ['HEAD', `/v2/${DEV_PROJECT}/desktops/24cf2487-67bb-43a1-a563-9f947e859613/sysprep`, {}],
    ['GET', `/v2/${DEV_PROJECT}/desktops/e1c68255-7dee-42a7-8d27-71d699ec9921/sysprep`, { 'x-auth-token': tok }],
    ['GET', `/v2/${DEV_PROJECT}/desktops/nope/sysprep`, { 'x-auth-token': tok }],
    ['GET', `/v2/${DEV_PROJECT}/desktops/a%2Fb/sysprep`, { 'x-auth-token': tok }],
    ['GET', `/v2/${DEV_PROJECT}/desktops/a%zz/sysprep`, { 'x-auth-token': tok }],
    ['GET', `/v2/${DEV_PROJECT}/desktops/a%zz/sysprep`, {}],
    ['GET', `/v2/${DEV_PROJECT}/desktops/x/sysprep`, {}],
    ['POST', `/v2/${DEV_PROJECT}/desktops/x/sysprep`, {}],
    ['GET', `/v2/${DEV_PROJECT}/desktops?limit=2`, { 'x-auth-token': tok }],
    ['GET', `/v2/${DEV_PROJECT}/desktops?limit=abc`, { 'x-auth-token': tok }],
    ['GET', `/v2/ABC/desktops`, { 'x-auth-token': tok }],
    ['PUT', `/v2/${DEV_PROJECT}/desktops/x/sysprep`, { 'x-auth-token': tok }],
    ['PUT', `/v2/${DEV_PROJECT}/desktops/x/sysprep`, { 'x-auth-token': tok, 'content-type': 'text/plain' }, 'hello'],
    ['PUT', `/v2/${DEV_PROJECT}/desktops/x/sysprep`, { 'x-auth-token': tok, 'content-type': 'application/json' }, '{bad'],
    ['PUT', `/v2/${DEV_PROJECT}/desktops/24cf2487-67bb-43a1-a563-9f947e859613/sysprep`, { 'x-auth-token': tok, 'content-type': 'application/json' }, JSON.stringify({collected_at: new Date().toISOString(), sysprep_version: '10.0.22621.1'})],
    ['GET', `/v3/auth/tokens`, { 'x-auth-token': tok, 'x-subject-token': tok }],
    ['GET', `/v3/projects?name=cn-north-4`, { 'x-auth-token': tok }],
    ['GET', `/healthz`, {}],
    ['GET', `/readyz`, {}],
  ] as const) {
    const r = await t.app.inject({ method: m as any, url: u, headers: h as any, payload: p as any });
    console.log(m, u.slice(0, 80), r.statusCode, r.headers['content-type'], r.headers['x-request-id'], r.body.slice(0, 300));
  }
  const o = await t.app.inject({ url: '/openapi.json' });
  console.log(o.statusCode, o.body.length);
  await t.close();
});
