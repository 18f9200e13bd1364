import type { MailQueue, MailRequest } from '@gatehouse/core';
import type { Logger } from 'pino';

/**
 * The mail queue until the outbox (SMTP, dev outbox, templates) is wired: it records that an email
 * could not be delivered, naming the template only (never the address or its values, which hold
 * links that work as credentials). `GatehouseOverrides.mail` replaces it.
 */
export function undeliveredMail(logger: Logger): MailQueue {
  return {
    async enqueue(request: MailRequest): Promise<void> {
      logger.warn({ template: request.template }, 'no mail delivery is configured: an email was dropped');
    },
  };
}
