// The official Huawei Node SDK core against the running server (dev mode): its signer, its
// region-based project discovery and its error parsing, unchanged. Keys for the failure cases
// are made with the CLI on the server's data dir (a server notices CLI changes within 1 s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import { ClientRequestException } from '@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { Region } from '@huaweicloud/huaweicloud-sdk-core/region/region.js';
import { pollUntil, runCli, startServer, type ServerProcess } from '../helpers/server-process.js';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const FIRST = '24cf2487-67bb-43a1-a563-9f947e859613';
const ADMIN = { ak: 'DEVAKWORKSPACE000001', sk: 'devSK0workspace0sysprep0localonly0000001' };
const AGENT = { ak: 'DEVAKAGENT0000000001', sk: 'devSK0workspace0sysprep0agentonly0000001' };
const P = 'Incorrect IAM authentication information: ';

let srv: ServerProcess;

function client(key: { ak: string; sk: string }, endpoint = srv.base): HcClient {
  const credential = new BasicCredentials().withAk(key.ak).withSk(key.sk).withProjectId(PROJECT);
  return new ClientBuilder((c: HcClient) => c).withEndpoint(endpoint).withCredential(credential).build();
}

const showSysprep = (desktopId = FIRST) => ({
  method: 'GET',
  url: '/v2/{project_id}/desktops/{desktop_id}/sysprep',
  contentType: 'application/json',
  pathParams: { desktop_id: desktopId },
  queryParams: {},
  headers: {},
});

/** The SDK's exception for a failed call. */
async function sdkError(call: Promise<unknown>): Promise<ClientRequestException> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClientRequestException);
  return err as ClientRequestException;
}

/** Runs the CLI on the server's data dir and store (dev mode). */
async function cli(...args: string[]): Promise<string> {
  const r = await runCli([...srv.storeArgs, '--dev', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** A user of its own (viewer) with a key made by the CLI. */
let seq = 0;
async function keyOfOwnUser(): Promise<{ ak: string; sk: string; user: string }> {
  const user = `sdkuser${++seq}`;
  await cli('users', 'create', '--name', user, '--domain', 'devaccount', '--password', 'sdkpassword1', '--project', PROJECT, '--role', 'viewer');
  const out = await cli('keys', 'create', '--user', user, '--domain', 'devaccount', '--description', 'e2e');
  const ak = /access key \(AK\): ([A-Z0-9]{20})/.exec(out)?.[1];
  const sk = /secret key \(SK\): ([A-Za-z0-9]{40})/.exec(out)?.[1];
  expect(ak && sk, out).toBeTruthy();
  return { ak: ak!, sk: sk!, user };
}

/** Polls `probe` until it resolves truthy (a CLI change reaches the server within about a second). */
async function eventually(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not within 10 s: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  srv = await startServer(['--dev'], { env: { WKS_LOG_LEVEL: 'info' } });
});
afterAll(async () => {
  await srv?.stop('SIGKILL');
});

describe('official Node SDK core, unchanged, against the server', () => {
  it('ShowSysprep-style GET with the dev admin key', async () => {
    const res = await client(ADMIN).sendRequest(showSysprep());
    expect(res).toEqual({ sysprep_version: '10.0.22621.2506', support_create_image: true, httpStatusCode: 200 });
  });

  it('desktops list with a query', async () => {
    const res = (await client(ADMIN).sendRequest({
      method: 'GET',
      url: '/v2/{project_id}/desktops',
      contentType: 'application/json',
      pathParams: {},
      queryParams: { limit: 3, offset: 1 },
      headers: {},
    })) as { desktops: { desktop_id: string }[]; total_count: number; httpStatusCode: number };
    expect(res.httpStatusCode).toBe(200);
    expect(res.desktops).toHaveLength(3);
    expect(res.total_count).toBeGreaterThanOrEqual(150);
  });

  it('PUT a report with the dev agent key (a signed JSON body)', async () => {
    const res = await client(AGENT).sendRequest({
      method: 'PUT',
      url: '/v2/{project_id}/desktops/{desktop_id}/sysprep',
      contentType: 'application/json',
      pathParams: { desktop_id: FIRST },
      queryParams: {},
      headers: {},
      data: { collected_at: new Date(Date.now() - 60_000).toISOString(), sysprep_version: '10.0.22621.2506' },
    });
    expect(res).toMatchObject({ httpStatusCode: 200, applied: expect.any(Boolean) });
  });

  it('a client built with a region finds the dev project by itself (GET /v3/projects?name=…, signed, {} body)', async () => {
    const credential = new BasicCredentials().withAk(ADMIN.ak).withSk(ADMIN.sk).withIamEndpoint(srv.base);
    const regional = new ClientBuilder((c: HcClient) => c).withCredential(credential).withRegion(new Region('cn-north-4', [srv.base])).build();
    const res = await regional.sendRequest(showSysprep());
    expect(res).toEqual({ sysprep_version: '10.0.22621.2506', support_create_image: true, httpStatusCode: 200 });
    expect(credential.getPathParams()).toEqual({ project_id: PROJECT });
  });

  it('wrong SK → ClientRequestException APIGW.0301 with the X-Request-Id as requestId', async () => {
    const own = await keyOfOwnUser();
    const err = await sdkError(client({ ak: own.ak, sk: 'x'.repeat(40) }).sendRequest(showSysprep()));
    expect(err.httpStatusCode).toBe(401);
    expect(err.errorCode).toBe('APIGW.0301');
    expect(err.errorMsg).toBe(`${P}verify aksk signature fail, the signature does not match the request (check the SK, and that the method, path, query, signed headers and body are sent exactly as signed)`);
    expect(err.requestId).toMatch(/^[0-9a-f]{32}$/);
    // It is the X-Request-Id of that very answer: the server logged the 401 under that id.
    const logged = await pollUntil(
      async () => srv.output().split('\n').filter((l) => l.includes(`"reqId":"${err.requestId}"`)).map((l) => JSON.parse(l) as { res?: { statusCode?: number } }),
      (lines) => lines.some((l) => l.res?.statusCode === 401),
    );
    expect(logged.some((l) => l.res?.statusCode === 401)).toBe(true);
    // The requestId is the response header, which the body repeats for APIGW errors.
    const raw = await fetch(`${srv.base}/v2/${PROJECT}/desktops`);
    const body = (await raw.json()) as { request_id: string };
    expect(body.request_id).toBe(raw.headers.get('x-request-id'));
  });

  it('unknown AK, and an endpoint ending in "/" (explained, as the cloud refuses it)', async () => {
    const unknown = await sdkError(client({ ak: 'NOSUCHKEY00000000000', sk: ADMIN.sk }).sendRequest(showSysprep()));
    expect([unknown.httpStatusCode, unknown.errorCode, unknown.errorMsg]).toEqual([401, 'APIGW.0301', `${P}Get secretKey failed,ak:NOSUCHKEY00000000000,err:ak not exist`]);
    const own = await keyOfOwnUser();
    const slash = await sdkError(client(own, `${srv.base}/`).sendRequest(showSysprep()));
    expect([slash.httpStatusCode, slash.errorCode, slash.errorMsg]).toEqual([
      401,
      'APIGW.0301',
      `${P}verify aksk signature fail, the request was signed for a path starting with "//" (an endpoint ending in "/"); remove the trailing "/" from the endpoint`,
    ]);
  });

  it('a role the key’s user lacks → 403 APIGW.0302, as with a token', async () => {
    const err = await sdkError(client(AGENT).sendRequest(showSysprep()));
    expect([err.httpStatusCode, err.errorCode, err.errorMsg]).toEqual([403, 'APIGW.0302', "Policy doesn't allow workspace:desktops:getSysprepVersion to be performed."]);
  });

  it('keys made, disabled and deleted with the CLI take effect in the running server', async () => {
    const own = await keyOfOwnUser();
    expect(await client(own).sendRequest(showSysprep())).toMatchObject({ httpStatusCode: 200 });
    const listed = await cli('keys', 'list', '--user', own.user, '--domain', 'devaccount');
    expect(listed).toContain(own.ak);
    expect(listed).not.toContain(own.sk);

    await cli('keys', 'disable', '--user', own.user, '--domain', 'devaccount', '--access-key', own.ak);
    const status = async () => client(own).sendRequest(showSysprep()).then(() => 'ok', (e: ClientRequestException) => e.errorMsg);
    await eventually(async () => (await status()) === `${P}Get secretKey failed,ak:${own.ak},err:ak is inactive`, 'disabled key refused');
    await cli('keys', 'enable', '--user', own.user, '--domain', 'devaccount', '--access-key', own.ak);
    await eventually(async () => (await status()) === 'ok', 'enabled key accepted');
    await cli('keys', 'delete', '--user', own.user, '--domain', 'devaccount', '--access-key', own.ak);
    await eventually(async () => (await status()) === `${P}Get secretKey failed,ak:${own.ak},err:ak not exist`, 'deleted key refused');
  });
});
