import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { sealingKeyId } from '../keys/key-encryption.ts';
import type { RenderedMail } from './render-mail.ts';

/**
 * Outbox bodies at rest: the rendered message (recipient, links with tokens) as JSON, sealed with
 * AES-256-GCM under a key derived from the master secret (`deriveKeySet(secrets, 'mail-outbox')`),
 * the message id as additional data (a body copied onto another row does not open). Same layout as
 * sealed signing keys: `v2.<key id>.<iv>.<ciphertext>.<tag>`, base64url.
 */
const VERSION = 'v2';

export class MailSealError extends Error {
  constructor(id: string) {
    super(`cannot open outbox message ${id}: sealed under another master secret, or altered`);
    this.name = 'MailSealError';
  }
}

export function sealMail(key: Buffer, id: string, mail: RenderedMail): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(id, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(mail), 'utf8'), cipher.final()]);
  return [
    VERSION,
    sealingKeyId(key),
    ...[iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url')),
  ].join('.');
}

/** Opens under the key the value names, among `keys` (current first, then previous master secrets'). */
export function openMail(keys: readonly Buffer[], id: string, sealed: string): RenderedMail {
  const [version, keyId, iv, ciphertext, tag] = sealed.split('.');
  const key = keys.find((candidate) => sealingKeyId(candidate) === keyId);
  if (
    version !== VERSION ||
    key === undefined ||
    iv === undefined ||
    ciphertext === undefined ||
    tag === undefined
  )
    throw new MailSealError(id);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const json = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    return JSON.parse(json.toString('utf8')) as RenderedMail;
  } catch {
    throw new MailSealError(id);
  }
}

/** True when `sealed` is under `key` already (re-encryption skips it). */
export function isSealedUnder(key: Buffer, sealed: string): boolean {
  return sealed.split('.')[1] === sealingKeyId(key);
}
