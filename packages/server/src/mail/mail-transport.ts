import type { RenderedMail } from './render-mail.ts';

/** What a transport is told to send: the rendered message, its sender and a stable Message-ID. */
export interface OutgoingMail extends RenderedMail {
  readonly from: string;
  /** `<id@host>`: the same on every attempt, so a receiver can drop a duplicate after a lost reply. */
  readonly messageId: string;
}

/**
 * A way out for mail: SMTP (smtp-transport.ts) or the development outbox (dev-outbox.ts).
 * `send` rejects with `permanent: true` on the error when retrying cannot help (a 5xx reply).
 */
export interface MailTransport {
  readonly name: string;
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** True when the failure will not go away by itself (SMTP 5xx: unknown mailbox, policy refusal). */
export function isPermanentFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
