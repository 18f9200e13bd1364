import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import type { MailTransport, OutgoingMail } from './mail-transport.ts';

/** The development outbox directory: `<dataDir>/mail/`. */
export function devOutboxDir(dataDir: string): string {
  return join(dataDir, 'mail');
}

const FILE_NAME = /^\d{13}-[A-Za-z0-9_-]{1,64}\.eml$/;

/** One file of the dev outbox, newest first in `listDevOutbox`. */
export interface DevOutboxEntry {
  readonly id: string;
  readonly writtenAt: number;
}

/**
 * The development transport: each message becomes an RFC 5322 `.eml` file (built by nodemailer,
 * exactly what SMTP would carry) in `<dataDir>/mail/`, shown at `/dev/mail`. Never used in
 * production: the files hold live links. Written to a temporary name, then renamed, so the page
 * never shows half a message.
 */
export class DevOutboxTransport implements MailTransport {
  readonly name = 'dev-outbox';
  readonly #dir: string;
  readonly #composer = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  readonly #now: () => number;

  constructor(dataDir: string, now: () => number) {
    this.#dir = devOutboxDir(dataDir);
    this.#now = now;
  }

  async send(mail: OutgoingMail): Promise<void> {
    const info = await this.#composer.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      ...(mail.html === undefined ? {} : { html: mail.html }),
      messageId: mail.messageId,
    });
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const id = mail.messageId.replace(/^<|@.*$/g, '').replace(/[^A-Za-z0-9_-]/g, '');
    const name = `${String(this.#now()).padStart(13, '0')}-${id}.eml`;
    const path = join(this.#dir, name);
    await writeFile(`${path}.tmp`, info.message as Buffer, { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  }

  close(): void {
    this.#composer.close();
  }
}

/** The dev outbox's messages, newest first (at most `limit`). */
export async function listDevOutbox(dataDir: string, limit = 100): Promise<DevOutboxEntry[]> {
  const names = await readdir(devOutboxDir(dataDir)).catch(() => [] as string[]);
  return names
    .filter((name) => FILE_NAME.test(name))
    .sort()
    .reverse()
    .slice(0, limit)
    .map((name) => ({ id: name.slice(0, -'.eml'.length), writtenAt: Number(name.slice(0, 13)) }));
}

/** One message's raw `.eml`, or undefined for an id that is not a dev outbox file. */
export async function readDevOutbox(dataDir: string, id: string): Promise<Buffer | undefined> {
  const name = `${id}.eml`;
  if (!FILE_NAME.test(name)) return undefined;
  return readFile(join(devOutboxDir(dataDir), name)).catch(() => undefined);
}
