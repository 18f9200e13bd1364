import type { Clock, MailOutboxStore, MailQueue } from '@gatehouse/core';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { SealedStore } from '../keys/sealed-store.ts';
import { DevOutboxTransport } from './dev-outbox.ts';
import { MailTemplates } from './mail-templates.ts';
import type { MailTransport } from './mail-transport.ts';
import { MailWorker } from './mail-worker.ts';
import { mailOutboxSealedStore, outboxMailQueue } from './outbox-mail-queue.ts';
import { SmtpTransport } from './smtp-transport.ts';

export interface MailSetup {
  readonly queue: MailQueue;
  /** Undefined when a queue was given (tests) or when production has no SMTP server. */
  readonly worker: MailWorker | undefined;
  readonly sealedStore: SealedStore;
}

/** Backoff between attempts: 30 s, 1 min, 2 min, … at most an hour apart. */
export const MAIL_RETRY_BASE_MS = 30_000;
export const MAIL_RETRY_MAX_MS = 60 * 60_000;

/**
 * The transport: SMTP when `GATEHOUSE_SMTP_URL` is set; else, outside production, the dev outbox
 * (`<dataDir>/mail/`, `/dev/mail`). Production without SMTP starts (sign-up and resets may be off)
 * but says loudly that mail waits in the outbox until SMTP is configured.
 */
function chooseTransport(config: Config, clock: Clock, logger: Logger): MailTransport | undefined {
  if (config.smtpUrl !== undefined) {
    if (config.smtpAllowPlaintext)
      logger.warn(
        'GATEHOUSE_SMTP_DANGEROUSLY_ALLOW_PLAINTEXT=true: mail (with its links) may cross the network unencrypted',
      );
    if (!config.smtpTlsRejectUnauthorized)
      logger.warn(
        'GATEHOUSE_SMTP_TLS_REJECT_UNAUTHORIZED=false is dangerous: any certificate is accepted, so anyone on the path can read the mail',
      );
    return new SmtpTransport({
      url: config.smtpUrl,
      allowPlaintext: config.smtpAllowPlaintext,
      tlsRejectUnauthorized: config.smtpTlsRejectUnauthorized,
    });
  }
  if (config.nodeEnv !== 'production') return new DevOutboxTransport(config.dataDir, () => clock.now());
  logger.error(
    'GATEHOUSE_SMTP_URL is not set: no email will be sent (password resets, verification, invitations); messages wait in the outbox until it is',
  );
  return undefined;
}

export function setUpMail(options: {
  config: Config;
  outbox: MailOutboxStore;
  /** The outbox keys, current first (`deriveKeySet(secrets, 'mail-outbox')`). */
  keys: readonly Buffer[];
  clock: Clock;
  logger: Logger;
  override?: MailQueue | undefined;
}): MailSetup {
  const { config, outbox, keys, clock, logger } = options;
  const sealedStore = mailOutboxSealedStore(outbox, keys);
  if (options.override !== undefined) return { queue: options.override, worker: undefined, sealedStore };
  const templates = new MailTemplates({ overrideDir: config.mailTemplatesDir });
  const queue = outboxMailQueue(templates, outbox, keys);
  const transport = chooseTransport(config, clock, logger);
  const issuerHost = new URL(config.issuer).hostname;
  const worker =
    transport === undefined
      ? undefined
      : new MailWorker({
          outbox,
          transport,
          keys,
          from: config.mailFrom ?? `Gatehouse <no-reply@${issuerHost}>`,
          messageIdHost: issuerHost,
          clock,
          logger,
          pollIntervalMs: config.mailPollIntervalMs,
          retry: {
            maxAttempts: config.mailMaxAttempts,
            baseDelayMs: MAIL_RETRY_BASE_MS,
            maxDelayMs: MAIL_RETRY_MAX_MS,
          },
        });
  return { queue, worker, sealedStore };
}
