import { openSealedValue, sealValue } from '../keys/sealed-value.ts';
import type { RenderedMail } from './render-mail.ts';

/**
 * Outbox bodies at rest: the rendered message (recipient, links with tokens) as JSON, sealed with
 * AES-256-GCM under a key derived from the master secret (`deriveKeySet(secrets, 'mail-outbox')`),
 * the message id as additional data (a body copied onto another row does not open): keys/sealed-value.ts.
 */
export class MailSealError extends Error {
  constructor(id: string) {
    super(`cannot open outbox message ${id}: sealed under another master secret, or altered`);
    this.name = 'MailSealError';
  }
}

export function sealMail(key: Buffer, id: string, mail: RenderedMail): string {
  return sealValue(key, id, JSON.stringify(mail));
}

/** Opens under the key the value names, among `keys` (current first, then previous master secrets'). */
export function openMail(keys: readonly Buffer[], id: string, sealed: string): RenderedMail {
  const json = openSealedValue(keys, id, sealed);
  if (json === undefined) throw new MailSealError(id);
  return JSON.parse(json) as RenderedMail;
}
