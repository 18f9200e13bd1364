import type { MailQueue, MailRequest } from '@gatehouse/core';
import type { MailTemplates } from './mail-templates.ts';
import { type RenderedMail, renderMail } from './render-mail.ts';

/**
 * The server's `MailQueue`: renders at enqueue (a missing template or value fails in the caller,
 * in its tests, not later in a worker) and hands the message to `store`, the outbox, which keeps
 * it sealed until the delivery worker sends it. Nothing is sent inside the request.
 */
export class RenderingMailQueue implements MailQueue {
  readonly #templates: MailTemplates;
  readonly #store: (mail: RenderedMail, now: number) => Promise<void>;

  constructor(templates: MailTemplates, store: (mail: RenderedMail, now: number) => Promise<void>) {
    this.#templates = templates;
    this.#store = store;
  }

  async enqueue(request: MailRequest, now: number): Promise<void> {
    const source = this.#templates.load(request.template, request.locale);
    await this.#store(renderMail(source, request.to, request.values), now);
  }
}
