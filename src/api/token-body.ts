// Huawei IAM's token body (Keystone v3 shape): what POST and GET /v3/auth/tokens answer.
import { ROLE_DISPLAY } from '../auth/actions.js';
import { isoMicro } from '../auth/time-format.js';
import type { TokenClaims } from '../auth/token-provider.js';

export function tokenBody(c: TokenClaims, baseUrl: string, region: string) {
  const domain = { id: c.domainId, name: c.domainName };
  return {
    token: {
      expires_at: isoMicro(c.expiresAt),
      issued_at: isoMicro(c.issuedAt),
      methods: c.methods,
      catalog: [
        {
          type: 'workspace',
          id: 'f1e2d3c4b5a697887766554433221100',
          name: 'workspace',
          endpoints: [
            { id: 'e1e2d3c4b5a697887766554433221100', interface: 'public', region, region_id: region, url: `${baseUrl}/v2/${c.projectId}` },
          ],
        },
        {
          type: 'identity',
          id: 'f1e2d3c4b5a697887766554433221101',
          name: 'iam',
          endpoints: [{ id: 'e1e2d3c4b5a697887766554433221101', interface: 'public', region: '*', region_id: '*', url: `${baseUrl}/v3` }],
        },
      ],
      roles: c.roles.map((r) => ROLE_DISPLAY[r]),
      project: { domain, id: c.projectId, name: c.projectName },
      user: { domain, id: c.userId, name: c.userName, password_expires_at: '' },
    },
  };
}
