// JSON logs (pino). Credentials never reach a log line.
import { pino, type Logger } from 'pino';

/** Headers whose values are credentials (a token, or a signature over one): never logged. */
export const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'x-auth-token', 'x-subject-token', 'x-security-token'];
export const REDACTED = '[REDACTED]';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'req.headers["x-security-token"]',
  'res.headers["x-subject-token"]',
  '*.password',
  '*.secret',
  'password',
  'secret',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: REDACTED }, base: { pid: process.pid } }, destination as never);
}
