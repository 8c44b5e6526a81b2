// Encrypts secret access keys at rest (AES-256-GCM under a key derived from the server secret).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export function sealSecret(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const enc = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return `v1.${Buffer.concat([iv, enc, c.getAuthTag()]).toString('base64')}`;
}

/** Opens with the first of `keys` that authenticates the sealed text (current secret first). */
export function openSecretWithAny(keys: readonly Buffer[], sealed: string): string {
  for (let i = 0; i < keys.length - 1; i++) {
    try {
      return openSecret(keys[i], sealed);
    } catch {
      // sealed under an older secret: try the next
    }
  }
  return openSecret(keys[keys.length - 1], sealed);
}

export function openSecret(key: Buffer, sealed: string): string {
  if (!sealed.startsWith('v1.')) throw new Error('unknown sealed secret format');
  const raw = Buffer.from(sealed.slice(3), 'base64');
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
}
