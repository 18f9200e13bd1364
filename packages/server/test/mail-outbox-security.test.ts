import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '@gatehouse/core';
import { MemoryMailOutboxStore } from '@gatehouse/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { rekey } from '../src/keys/rekey.ts';
import { createLogger } from '../src/logger.ts';
import { MailSealError, openMail } from '../src/mail/mail-sealing.ts';
import { setUpMail } from '../src/mail/mail-setup.ts';
import { MailTemplates } from '../src/mail/mail-templates.ts';
import { mailOutboxSealedStore, outboxMailQueue } from '../src/mail/outbox-mail-queue.ts';
import { smtpOptions } from '../src/mail/smtp-transport.ts';
import { createHarness } from './harness.ts';
import { SmtpSink } from './smtp-sink.ts';

const TEMPLATES = fileURLToPath(new URL('./fixtures/mail-templates/', import.meta.url));
const templates = new MailTemplates({ overrideDir: TEMPLATES });
const key = () => randomBytes(32);
const values = { name: 'Ada', link: 'https://id.example.test/x?token=secret-token-1' };

describe('SMTP settings: secure by default', () => {
  const base = { allowPlaintext: false, tlsRejectUnauthorized: true };

  it('smtp:// to another host requires STARTTLS; smtps:// is TLS throughout; certificates are verified', () => {
    expect(smtpOptions({ ...base, url: 'smtp://u%40x:p%3Ass@mail.example.test:587' })).toMatchObject({
      host: 'mail.example.test',
      port: 587,
      secure: false,
      requireTLS: true,
      auth: { user: 'u@x', pass: 'p:ss' },
      tls: { rejectUnauthorized: true },
    });
    expect(smtpOptions({ ...base, url: 'smtps://mail.example.test' })).toMatchObject({
      port: 465,
      secure: true,
      requireTLS: false,
    });
  });

  it('only a loopback server or the dangerous option sends without TLS', () => {
    expect(smtpOptions({ ...base, url: 'smtp://localhost:25' }).requireTLS).toBe(false);
    expect(smtpOptions({ ...base, url: 'smtp://relay.internal:25', allowPlaintext: true }).requireTLS).toBe(
      false,
    );
    expect(
      smtpOptions({ ...base, url: 'smtp://relay.internal:25', tlsRejectUnauthorized: false }).tls,
    ).toEqual({
      rejectUnauthorized: false,
      servername: 'relay.internal',
    });
  });

  it('the configuration refuses a URL that is not smtp(s):// and names the dangerous options in its warnings', () => {
    expect(() => loadConfig({ GATEHOUSE_SMTP_URL: 'http://mail.example.test' })).toThrow(
      /GATEHOUSE_SMTP_URL/,
    );
    expect(() => loadConfig({ GATEHOUSE_SMTP_TLS_REJECT_UNAUTHORIZED: 'no' })).toThrow(/REJECT_UNAUTHORIZED/);
    const config = loadConfig({
      GATEHOUSE_SMTP_URL: 'smtp://relay.internal:25',
      GATEHOUSE_SMTP_DANGEROUSLY_ALLOW_PLAINTEXT: 'true',
      GATEHOUSE_SMTP_TLS_REJECT_UNAUTHORIZED: 'false',
    });
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({ write: (c, _e, cb) => cb(void lines.push(String(c))) }),
    );
    const { worker } = setUpMail({
      config,
      outbox: new MemoryMailOutboxStore(),
      keys: [key()],
      clock: new ManualClock(),
      logger,
    });
    worker?.stop();
    expect(lines.join('')).toContain('GATEHOUSE_SMTP_DANGEROUSLY_ALLOW_PLAINTEXT=true');
    expect(lines.join('')).toContain('GATEHOUSE_SMTP_TLS_REJECT_UNAUTHORIZED=false is dangerous');
    expect(lines.join('')).not.toContain('relay.internal');
  });
});

describe('outbox encryption', () => {
  it('a body opens only under its key and its own row (the id is bound)', async () => {
    const outbox = new MemoryMailOutboxStore();
    const current = key();
    await outboxMailQueue(templates, outbox, [current]).enqueue(
      { to: 'ada@example.test', template: 'test-message', values },
      1,
    );
    const [row] = await outbox.list({ limit: 1 });
    const sealed = row?.sealed ?? '';
    expect(openMail([current], row?.id ?? '', sealed).text).toContain(values.link);
    expect(() => openMail([key()], row?.id ?? '', sealed)).toThrow(MailSealError);
    expect(() => openMail([current], 'another-row', sealed)).toThrow(MailSealError);
  });

  it('secrets rekey re-encrypts waiting messages under the new master secret', async () => {
    const outbox = new MemoryMailOutboxStore();
    const [oldKey, newKey] = [key(), key()];
    const queue = outboxMailQueue(templates, outbox, [oldKey]);
    for (const to of ['a@example.test', 'b@example.test', 'c@example.test'])
      await queue.enqueue({ to, template: 'test-message', values }, 1);
    const progress = await rekey([mailOutboxSealedStore(outbox, [newKey, oldKey])], { batch: 2 });
    expect(progress).toEqual([{ store: 'mail-outbox', scanned: 3, rekeyed: 3, current: 0, skipped: 0 }]);
    for (const { id, sealed } of await outbox.pageSealed(null, 10)) {
      expect(openMail([newKey], id, sealed).to).toMatch(/@example\.test$/);
      expect(() => openMail([oldKey], id, sealed)).toThrow(MailSealError);
    }
  });
});

describe('the worker with the server', () => {
  const sinks: SmtpSink[] = [];
  afterEach(async () => {
    for (const s of sinks.splice(0)) await s.stop();
  });

  it('runs on its own timer once started, and close stops it cleanly', async () => {
    const smtp = await new SmtpSink().start();
    sinks.push(smtp);
    const h = await createHarness({ smtpUrl: smtp.url, mailTemplatesDir: TEMPLATES, mailPollIntervalMs: 50 });
    const worker = h.gatehouse.mailWorker;
    worker?.start();
    await h.gatehouse.mail.enqueue(
      { to: 'ada@example.test', template: 'test-message', locale: 'fr-CA', values },
      Date.now(),
    );
    const started = performance.now();
    while (smtp.delivered.length === 0 && performance.now() - started < 10_000)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(smtp.delivered[0]?.mail.subject).toBe('Bonjour Ada');
    await h.close();
    // Stopped: with the stores closed, a poll still running would log a failed claim.
    const linesAtClose = h.logs.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.logs.slice(linesAtClose).join('')).not.toContain('mail');
    expect(smtp.delivered).toHaveLength(1);
  });
});
