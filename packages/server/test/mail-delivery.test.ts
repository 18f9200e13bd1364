import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type MailRequest, ManualClock } from '@gatehouse/core';
import { postgresUrlOrSkip } from '@gatehouse/testkit';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createGatehouse, type Gatehouse } from '../src/gatehouse.ts';
import { createLogger } from '../src/logger.ts';
import { createHarness, type Harness } from './harness.ts';
import { withRawDatabase } from './raw-database.ts';
import { SmtpSink } from './smtp-sink.ts';

const TEMPLATES = fileURLToPath(new URL('./fixtures/mail-templates/', import.meta.url));
const postgresUrl = await postgresUrlOrSkip();

/** A message as a flow would ask for it, its link carrying a token that must never be logged. */
function request(to = 'ada@example.test'): MailRequest & { token: string; link: string } {
  const token = randomBytes(16).toString('base64url');
  const link = `http://localhost:8080/reset?token=${token}`;
  return { to, template: 'test-message', values: { name: 'Ada', link }, token, link };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sink(port = 0): Promise<SmtpSink> {
  const server = await new SmtpSink().start(port);
  cleanups.push(() => server.stop());
  return server;
}

async function harness(overrides: Record<string, unknown>, clock = new ManualClock()): Promise<Harness> {
  const h = await createHarness({ mailTemplatesDir: TEMPLATES, ...overrides }, { clock });
  cleanups.push(() => h.close());
  return h;
}

function worker(gatehouse: Gatehouse) {
  const found = gatehouse.mailWorker;
  if (found === undefined) throw new Error('no mail worker');
  return found;
}

describe('email over SMTP (a real SMTP server in process)', () => {
  it('enqueue -> worker delivers: recipient, subject, text and HTML with the link, Message-ID and From', async () => {
    const smtp = await sink();
    const h = await harness({ smtpUrl: smtp.url, mailFrom: 'Gatehouse <accounts@example.test>' });
    const message = request();
    await h.gatehouse.mail.enqueue(message, h.gatehouse.clock.now());
    expect(smtp.delivered).toEqual([]); // nothing is sent inside enqueue
    expect(await worker(h.gatehouse).tick()).toBe(1);
    expect(smtp.delivered).toHaveLength(1);
    const [{ envelopeTo, mail }] = smtp.delivered as [(typeof smtp.delivered)[0]];
    expect(envelopeTo).toEqual(['ada@example.test']);
    expect(mail.subject).toBe('Hello Ada, your test message');
    expect(mail.text).toContain(message.link);
    expect(mail.html).toContain(`href="${message.link}"`);
    expect(mail.from?.value).toEqual([{ name: 'Gatehouse', address: 'accounts@example.test' }]);
    const [sent] = await h.gatehouse.storage.mailOutbox.list({ limit: 1 });
    expect(mail.messageId).toBe(`<${sent?.id}@localhost>`);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(sent).toMatchObject({ status: 'sent', sealed: null });
    expect(h.logs.join('')).not.toContain(message.token);
  });

  it('SMTP down, then up: the message is retried after the backoff and delivered', async () => {
    const port = (await sink()).port;
    await cleanups.pop()?.(); // nothing listens on `port` now
    const clock = new ManualClock();
    const h = await harness({ smtpUrl: `smtp://127.0.0.1:${port}` }, clock);
    const message = request();
    await h.gatehouse.mail.enqueue(message, clock.now());
    expect(await worker(h.gatehouse).tick()).toBe(0);
    const [waiting] = await h.gatehouse.storage.mailOutbox.list({ limit: 1 });
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, lastError: 'ESOCKET' });
    expect(waiting?.nextAttemptAt).toBe(clock.now() + 30_000);
    const smtp = await sink(port);
    clock.advance(29_999);
    expect(await worker(h.gatehouse).tick()).toBe(0); // not due yet
    clock.advance(1);
    expect(await worker(h.gatehouse).tick()).toBe(1);
    expect(smtp.delivered.map((d) => d.envelopeTo)).toEqual([['ada@example.test']]);
    const logs = h.logs.join('');
    expect(logs).toContain('will retry');
    expect(logs).not.toContain(message.token);
    expect(logs).not.toContain('ada@example.test');
  });

  it('a permanent refusal (550) gives up at once; repeated failures give up after the last attempt', async () => {
    const smtp = await sink();
    smtp.rejectRecipients = true;
    const clock = new ManualClock();
    const h = await harness({ smtpUrl: smtp.url, mailMaxAttempts: 2 }, clock);
    const refused = request('refused@example.test');
    await h.gatehouse.mail.enqueue(refused, clock.now());
    await worker(h.gatehouse).tick();
    expect(await h.gatehouse.storage.mailOutbox.list({ limit: 5, status: 'dead' })).toMatchObject([
      { status: 'dead', sealed: null, attempts: 1, lastError: expect.stringMatching(/^smtp 550/) },
    ]);
    // SMTP down: attempt 1 fails and is retried, attempt 2 is the last.
    await smtp.stop();
    const flaky = request('flaky@example.test');
    await h.gatehouse.mail.enqueue(flaky, clock.now());
    await worker(h.gatehouse).tick();
    clock.advance(30_000);
    await worker(h.gatehouse).tick();
    expect(await h.gatehouse.storage.mailOutbox.depth()).toEqual({ pending: 0, dead: 2 });
    const logs = h.logs.join('');
    expect(logs.match(/mail given up/g)).toHaveLength(2);
    for (const secret of [
      refused.token,
      flaky.token,
      'refused@example.test',
      'flaky@example.test',
      'Hello Ada',
    ])
      expect(logs).not.toContain(secret);
  });

  it('bodies are encrypted at rest: the raw row shows neither the link nor the recipient', async () => {
    const h = await harness({ smtpUrl: 'smtp://127.0.0.1:1' });
    const message = request();
    await h.gatehouse.mail.enqueue(message, h.gatehouse.clock.now());
    const rows = await withRawDatabase(h, (db) => db.selectFrom('mail_outbox').selectAll().execute());
    expect(rows).toHaveLength(1);
    const raw = JSON.stringify(rows);
    expect(rows[0]?.sealed).toMatch(/^v2\./);
    for (const clear of [message.token, 'ada@example.test', 'Hello Ada']) expect(raw).not.toContain(clear);
  });

  it('a restart (a new Gatehouse on the same data dir) delivers what was queued', async () => {
    const smtp = await sink();
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-mail-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const config = loadConfig(
      {},
      { dataDir, nodeEnv: 'test', logLevel: 'silent', smtpUrl: smtp.url, mailTemplatesDir: TEMPLATES },
    );
    const logger = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
    const first = await createGatehouse(config, logger);
    const message = request();
    await first.mail.enqueue(message, Date.now());
    await first.close();
    expect(smtp.delivered).toEqual([]);
    const second = await createGatehouse(config, logger);
    try {
      expect(await worker(second).tick()).toBe(1);
    } finally {
      await second.close();
    }
    expect(smtp.delivered[0]?.mail.text).toContain(message.link);
  });
});

describe('the development outbox', () => {
  it('without SMTP outside production, messages become .eml files listed at /dev/mail', async () => {
    const h = await harness({});
    const message = request();
    await h.gatehouse.mail.enqueue(message, h.gatehouse.clock.now());
    expect(await worker(h.gatehouse).tick()).toBe(1);
    const files = readdirSync(join(h.dataDir, 'mail'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{13}-[A-Za-z0-9_-]+\.eml$/);
    const list = await h.app.inject({ method: 'GET', url: '/dev/mail' });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Hello Ada, your test message');
    expect(list.body).toContain('ada@example.test');
    const id = files[0]?.slice(0, -4);
    const view = await h.app.inject({ method: 'GET', url: `/dev/mail/${id}` });
    expect(view.statusCode).toBe(200);
    expect(view.body).toContain(message.link);
    expect(view.headers['cache-control']).toBe('no-store');
    const raw = await h.app.inject({ method: 'GET', url: `/dev/mail/${id}.eml` });
    expect(raw.headers['content-type']).toMatch(/^message\/rfc822/);
    expect((await h.app.inject({ method: 'GET', url: '/dev/mail/0000000000000-nope' })).statusCode).toBe(404);
    const traversal = await h.app.inject({ method: 'GET', url: '/dev/mail/..%2Fgatehouse.db' });
    expect(traversal.statusCode).toBeGreaterThanOrEqual(400);
    expect(traversal.statusCode).toBeLessThan(500);
    // Only from this machine: a peer elsewhere (whatever X-Forwarded-For says) gets a 404.
    for (const url of ['/dev/mail', `/dev/mail/${id}`, `/dev/mail/${id}.eml`]) {
      const remote = await h.app.inject({
        method: 'GET',
        url,
        remoteAddress: '203.0.113.9',
        headers: { 'x-forwarded-for': '127.0.0.1' },
      });
      expect(remote.statusCode).toBe(404);
      expect(remote.body).not.toContain('ada@example.test');
    }
    expect(h.logs.join('')).not.toContain(message.token);
  });

  it('/dev/mail is 404 in production, and no file is written there', async () => {
    const h = await harness({
      nodeEnv: 'production',
      secret: randomBytes(32).toString('base64url'),
      issuer: 'https://id.example.test',
      trustProxy: '127.0.0.1',
    });
    const page = await h.app.inject({
      method: 'GET',
      url: '/dev/mail',
      headers: { 'x-forwarded-proto': 'https', accept: 'text/html' },
      remoteAddress: '127.0.0.1',
    });
    expect(page.statusCode).toBe(404);
    expect(h.gatehouse.mailWorker).toBeUndefined();
    await h.gatehouse.mail.enqueue(request(), h.gatehouse.clock.now());
    expect(await h.gatehouse.storage.mailOutbox.depth()).toEqual({ pending: 1, dead: 0 });
    expect(existsSync(join(h.dataDir, 'mail'))).toBe(false);
    expect(h.logs.join('')).toContain('GATEHOUSE_SMTP_URL is not set');
  });
});

describe.skipIf(postgresUrl === undefined)('two nodes on one PostgreSQL', () => {
  const schema = `gh_mail_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it('each message is sent once, whichever node claims it', async () => {
    const smtp = await sink();
    const shared = {
      databaseUrl: postgresUrl,
      secret: randomBytes(32).toString('base64url'),
      smtpUrl: smtp.url,
      mailTemplatesDir: TEMPLATES,
    };
    const nodes: Harness[] = [];
    for (let i = 0; i < 2; i++) {
      const node = await createHarness(shared, { databaseSchema: schema });
      cleanups.push(() => node.close());
      nodes.push(node);
    }
    const [a, b] = nodes as [Harness, Harness];
    const messages = Array.from({ length: 24 }, (_, i) => request(`user${i}@example.test`));
    for (const [i, message] of messages.entries())
      await (i % 2 === 0 ? a : b).gatehouse.mail.enqueue(message, Date.now());
    const sent = [0, 0];
    for (let round = 0; round < 10 && sent[0]! + sent[1]! < messages.length; round++) {
      const [x, y] = await Promise.all([worker(a.gatehouse).tick(), worker(b.gatehouse).tick()]);
      sent[0]! += x;
      sent[1]! += y;
    }
    const ids = smtp.delivered.map((d) => d.mail.messageId);
    expect(ids).toHaveLength(messages.length);
    expect(new Set(ids).size).toBe(messages.length);
    expect(smtp.delivered.map((d) => d.envelopeTo[0]).sort()).toEqual(messages.map((m) => m.to).sort());
    console.log(`two nodes sent ${sent[0]} + ${sent[1]} of ${messages.length} messages`);
  });
});
