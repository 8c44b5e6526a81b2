// X-Request-Id: 32 lowercase hex. A random per-process prefix plus a counter is unique and far
// cheaper than 16 random bytes per request.
import { randomBytes } from 'node:crypto';

const prefix = randomBytes(8).toString('hex');
let counter = Number.parseInt(randomBytes(4).toString('hex'), 16);

export function nextRequestId(): string {
  counter = (counter + 1) % 0x1_0000_0000_0000;
  return prefix + counter.toString(16).padStart(16, '0');
}
