import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Delivered {
  /** RCPT TO addresses of the SMTP envelope. */
  readonly envelopeTo: string[];
  readonly mail: ParsedMail;
  readonly raw: string;
}

/**
 * A real SMTP server in process (smtp-server), parsing what it receives with mailparser. On
 * 127.0.0.1 without STARTTLS or AUTH: the transport's loopback rule lets it deliver in the clear.
 * `rejectRecipients` answers RCPT TO with 550 (a permanent refusal).
 */
export class SmtpSink {
  readonly delivered: Delivered[] = [];
  rejectRecipients = false;
  #server: SMTPServer | undefined;
  port = 0;

  async start(port = 0): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (_address, _session, callback) => {
        if (!this.rejectRecipients) return callback();
        return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then(
            (mail) => {
              this.delivered.push({
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
                mail,
                raw: raw.toString('utf8'),
              });
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.port = (server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
