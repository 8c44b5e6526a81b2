// The logger's redaction (DESIGN §5): whatever a log call is handed — request headers, answer
// headers, a password or secret — the credentials come out as "[REDACTED]".
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger('trace', stream), lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger redaction', () => {
  it('request headers: Authorization, X-Auth-Token, X-Subject-Token, X-Security-Token', () => {
    const { log, lines } = capture();
    log.info(
      {
        req: {
          method: 'GET',
          url: '/v2/p/desktops',
          headers: {
            authorization: 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=abc',
            'x-auth-token': 'token-value',
            'x-subject-token': 'subject-value',
            'x-security-token': 'security-value',
            'x-sdk-date': '20260101T000000Z',
            'content-type': 'application/json',
          },
        },
      },
      'incoming request',
    );
    expect(lines()[0]).toMatchObject({
      msg: 'incoming request',
      req: {
        method: 'GET',
        url: '/v2/p/desktops',
        headers: {
          authorization: '[REDACTED]',
          'x-auth-token': '[REDACTED]',
          'x-subject-token': '[REDACTED]',
          'x-security-token': '[REDACTED]',
          'x-sdk-date': '20260101T000000Z',
          'content-type': 'application/json',
        },
      },
    });
  });

  it('the token in an answer’s X-Subject-Token', () => {
    const { log, lines } = capture();
    log.info({ res: { statusCode: 201, headers: { 'x-subject-token': 'issued-token', 'x-request-id': 'a'.repeat(32) } } }, 'request completed');
    expect(lines()[0]).toMatchObject({ res: { statusCode: 201, headers: { 'x-subject-token': '[REDACTED]', 'x-request-id': 'a'.repeat(32) } } });
  });

  it('passwords and secrets at the top level and one level down', () => {
    const { log, lines } = capture();
    log.warn({ password: 'p1', secret: 's1', user: { name: 'alice', password: 'p2' }, key: { id: 'AK', secret: 's2' } }, 'identity change');
    expect(lines()[0]).toMatchObject({ password: '[REDACTED]', secret: '[REDACTED]', user: { name: 'alice', password: '[REDACTED]' }, key: { id: 'AK', secret: '[REDACTED]' } });
    expect(JSON.stringify(lines())).not.toMatch(/p1|p2|s1|s2/);
  });

  it('writes one JSON line per call, at the configured level', () => {
    const { log, lines } = capture();
    log.trace('t');
    log.info('i');
    expect(lines().map((l) => [l.level, l.msg])).toEqual([
      [10, 't'],
      [30, 'i'],
    ]);
  });
});
