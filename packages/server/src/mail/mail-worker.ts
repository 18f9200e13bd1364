import {
  type Clock,
  type MailOutboxMessage,
  type MailOutboxStore,
  mailRetryAt,
  randomId,
} from '@gatehouse/core';
import type { Logger } from 'pino';
import { isStoreFailure } from '../stores/store-failure.ts';
import { MailSealError, openMail } from './mail-sealing.ts';
import { isPermanentFailure, type MailTransport } from './mail-transport.ts';

/** Longer than a send can take (SMTP timeouts in smtp-transport.ts add up to about two minutes). */
export const MAIL_LEASE_MS = 5 * 60_000;
const BATCH = 10;

export interface MailWorkerOptions {
  readonly outbox: MailOutboxStore;
  readonly transport: MailTransport;
  /** The outbox keys, current first (mail-sealing.ts). */
  readonly keys: readonly Buffer[];
  readonly from: string;
  /** The host part of Message-IDs (the issuer's host). */
  readonly messageIdHost: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly pollIntervalMs: number;
  readonly retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
}

/**
 * Delivers the outbox, outside any request: every node polls, and a claim leases each message to
 * one worker, so a cluster sends each message once. A failed send is retried with exponential
 * backoff; a permanent refusal (SMTP 5xx), an unopenable body or the last attempt gives up. Logs
 * name the message id, template and the failure's code — never the recipient, subject or body,
 * which hold the links.
 */
export class MailWorker {
  readonly #options: MailWorkerOptions;
  readonly #owner = randomId(12);
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = false;

  constructor(options: MailWorkerOptions) {
    this.#options = options;
  }

  get transport(): string {
    return this.#options.transport.name;
  }

  start(): void {
    this.#stopped = false;
    this.#timer ??= setInterval(() => void this.tick(), this.#options.pollIntervalMs);
    this.#timer.unref();
  }

  /** Stops polling and waits for the message in flight, so no send is cut off by closing the stores. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => 0);
    this.#options.transport.close();
  }

  /** One poll: claims and sends a batch; resolves to the number of messages sent. */
  tick(): Promise<number> {
    // One batch at a time per node: a slow SMTP server must not stack polls.
    this.#running ??= this.#batch().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /**
   * Up to BATCH messages, each claimed just before it is sent: a lease taken for a whole batch
   * could run out behind slow sends, and another node would send the rest again.
   */
  async #batch(): Promise<number> {
    const { outbox, clock, logger } = this.#options;
    let sent = 0;
    // Stopping ends the batch after the message in hand.
    for (let i = 0; i < BATCH && !this.#stopped; i++) {
      let claimed: MailOutboxMessage[];
      try {
        claimed = await outbox.claim({
          limit: 1,
          now: clock.now(),
          leaseMs: MAIL_LEASE_MS,
          owner: this.#owner,
        });
      } catch (error) {
        if (!isStoreFailure(error)) logger.warn({ err: error }, 'mail outbox claim failed');
        return sent;
      }
      const [message] = claimed;
      if (message === undefined) break;
      if (await this.#deliver(message)) sent += 1;
    }
    return sent;
  }

  async #deliver(message: MailOutboxMessage): Promise<boolean> {
    const { outbox, transport, keys, from, messageIdHost, clock, logger, retry } = this.#options;
    const meta = { mailId: message.id, template: message.template, attempts: message.attempts };
    try {
      if (message.sealed === null) throw new MailSealError(message.id);
      const mail = openMail(keys, message.id, message.sealed);
      await transport.send({ ...mail, from, messageId: `<${message.id}@${messageIdHost}>` });
    } catch (error) {
      const reason = describeFailure(error);
      const permanent = isPermanentFailure(error) || error instanceof MailSealError;
      const retryAt = permanent ? null : mailRetryAt(message.attempts, clock.now(), retry);
      await outbox
        .markFailed(message.id, this.#owner, { error: reason, retryAt }, clock.now())
        .catch((markError: unknown) => logger.warn({ ...meta, err: markError }, 'mail outbox update failed'));
      if (retryAt === null) logger.error({ ...meta, reason }, 'mail given up: it will not be sent');
      else
        logger.warn(
          { ...meta, reason, retryAt: new Date(retryAt).toISOString() },
          'mail delivery failed; will retry',
        );
      return false;
    }
    const marked = await outbox.markSent(message.id, this.#owner, clock.now()).catch((error: unknown) => {
      logger.warn({ ...meta, err: error }, 'mail sent, but the outbox update failed');
      return false;
    });
    logger.info({ ...meta, transport: transport.name, marked }, 'mail sent');
    return true;
  }
}

/**
 * A failure as a short code: the SMTP reply code or the socket error code. Not the message: a
 * server's reply often quotes the recipient, and nodemailer's errors may quote the command sent.
 */
export function describeFailure(error: unknown): string {
  const { responseCode, code, name } = (error ?? {}) as {
    responseCode?: unknown;
    code?: unknown;
    name?: unknown;
  };
  if (typeof responseCode === 'number')
    return `smtp ${responseCode}${typeof code === 'string' ? ` ${code}` : ''}`;
  if (typeof code === 'string') return code;
  return typeof name === 'string' ? name : 'Error';
}
