// Pre-signed AK/SK requests for the load generator, signed by the official Huawei Node SDK
// signer with the headers the SDK itself signs (content-type;host;x-project-id;x-sdk-date).
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { HttpRequestBuilder } from '@huaweicloud/huaweicloud-sdk-core/http/IHttpRequestBuilder.js';

/**
 * One line per request for requests.lua's `signed` mode: `path \t Name: value \t …`. Every
 * header the signer returns is sent except `host`, which wrk sets to the same `127.0.0.1:port`.
 */
export function signedSysprepLines(opts: { ak: string; sk: string; projectId: string; port: number; desktopIds: string[] }): string {
  const credential = new BasicCredentials().withAk(opts.ak).withSk(opts.sk);
  const lines: string[] = [];
  for (const id of opts.desktopIds) {
    const path = `/v2/${opts.projectId}/desktops/${id}/sysprep`;
    const request = new HttpRequestBuilder()
      .withEndpoint(`http://127.0.0.1:${opts.port}${path}`)
      .withMethod('GET')
      .withHeaders({ 'Content-Type': 'application/json', 'X-Project-Id': opts.projectId })
      .build();
    const headers = AKSKSigner.sign(request, credential) as Record<string, string>;
    const fields = [path];
    for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() !== 'host') fields.push(`${name}: ${value}`);
    lines.push(fields.join('\t'));
  }
  return lines.join('\n') + '\n';
}
