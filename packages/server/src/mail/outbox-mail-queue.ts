import { type MailOutboxStore, randomId } from '@gatehouse/core';
import type { SealedStore } from '../keys/sealed-store.ts';
import { isSealedUnder } from '../keys/sealed-value.ts';
import { openMail, sealMail } from './mail-sealing.ts';
import type { MailTemplates } from './mail-templates.ts';
import type { RenderedMail } from './render-mail.ts';
import { RenderingMailQueue } from './rendering-mail-queue.ts';

/**
 * The production `MailQueue`: renders, seals (mail-sealing.ts) and stores in the outbox; the
 * delivery worker sends later. `keys` are the outbox keys, current first.
 */
export function outboxMailQueue(
  templates: MailTemplates,
  outbox: MailOutboxStore,
  keys: readonly Buffer[],
): RenderingMailQueue {
  const [current] = keys;
  if (current === undefined) throw new RangeError('the outbox needs its current key');
  return new RenderingMailQueue(templates, async (mail: RenderedMail, now: number) => {
    const id = randomId(16);
    await outbox.enqueue({
      id,
      sealed: sealMail(current, id, mail),
      template: mail.template,
      createdAt: now,
    });
  });
}

/**
 * The outbox as a sealed store, so `gatehouse secrets rekey` re-encrypts waiting messages too.
 * Most are delivered within seconds, but a message held back by an SMTP outage must still open
 * once the previous master secret is retired.
 */
export function mailOutboxSealedStore(outbox: MailOutboxStore, keys: readonly Buffer[]): SealedStore {
  const [current] = keys;
  if (current === undefined) throw new RangeError('a sealed store needs the current key');
  return {
    name: 'mail-outbox',
    page: (after, limit) => outbox.pageSealed(after, limit),
    reseal: ({ id, sealed }) =>
      isSealedUnder(current, sealed) ? null : sealMail(current, id, openMail(keys, id, sealed)),
    replace: (id, expected, sealed) => outbox.replaceSealed(id, expected, sealed),
  };
}
