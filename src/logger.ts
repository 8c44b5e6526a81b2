// JSON logs (pino). Credentials never reach a log line.
import { pino, type Logger } from 'pino';

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
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, base: { pid: process.pid } }, destination as never);
}
