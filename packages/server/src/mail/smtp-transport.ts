import { createTransport, type Transporter } from 'nodemailer';
import type { MailTransport, OutgoingMail } from './mail-transport.ts';

export interface SmtpSettings {
  /** `smtp://user:pass@host:587` (STARTTLS) or `smtps://…:465` (TLS from the first byte). */
  readonly url: string;
  /** DANGEROUS when true: lets `smtp://` to a host other than this machine send without TLS. */
  readonly allowPlaintext: boolean;
  /** DANGEROUS when false: accepts any certificate, so anyone on the path can read the mail. */
  readonly tlsRejectUnauthorized: boolean;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * nodemailer options from the settings. Secure by default: `smtps://` is TLS throughout;
 * `smtp://` must upgrade with STARTTLS (`requireTLS`) unless the server is on this machine or
 * plaintext was explicitly allowed; certificates are verified. Timeouts keep a send well inside
 * the worker's lease (mail-worker.ts).
 */
export function smtpOptions(settings: SmtpSettings): Record<string, unknown> {
  const url = new URL(settings.url);
  const implicitTls = url.protocol === 'smtps:';
  const loopback = LOOPBACK.has(url.hostname);
  return {
    host: url.hostname,
    port: url.port === '' ? (implicitTls ? 465 : 587) : Number(url.port),
    secure: implicitTls,
    requireTLS: !implicitTls && !loopback && !settings.allowPlaintext,
    ...(url.username === ''
      ? {}
      : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
    tls: { rejectUnauthorized: settings.tlsRejectUnauthorized, servername: url.hostname },
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  };
}

/** SMTP through nodemailer: one connection per message (messages are few; no pool to go stale). */
export class SmtpTransport implements MailTransport {
  readonly name = 'smtp';
  readonly #transporter: Transporter;

  constructor(settings: SmtpSettings) {
    this.#transporter = createTransport(smtpOptions(settings));
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.#transporter.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      ...(mail.html === undefined ? {} : { html: mail.html }),
      messageId: mail.messageId,
      // Automated mail: no auto-replies back to the sender address.
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  }

  close(): void {
    this.#transporter.close();
  }
}
