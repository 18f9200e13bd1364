import { GatehouseError } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { sendProblem } from '../http/problem.ts';
import { sendPage } from '../http/security-headers.ts';
import { listDevOutbox, readDevOutbox } from '../mail/dev-outbox.ts';
import { devMailListPage, devMailMessagePage } from '../pages/dev-mail-pages.ts';

const ID = '^\\d{13}-[A-Za-z0-9_-]{1,64}$';
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * The dev outbox pages (`/dev/mail`), registered only outside production and only when the dev
 * outbox is the transport (no SMTP configured): in production these paths are 404. They answer
 * only peers on this machine (the socket's address, whatever a proxy header says): a staging
 * server left in development mode must not show reset links to the world.
 */
export function devMailRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  const { config } = gatehouse;
  if (config.nodeEnv === 'production' || gatehouse.mailWorker?.transport !== 'dev-outbox') return;
  // Parsing is only needed here, in development: load it on first use.
  const parse = async (raw: Buffer) => (await import('mailparser')).simpleParser(raw);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/dev/mail')) return;
    if (!LOOPBACK.test(request.socket.remoteAddress ?? ''))
      return sendProblem(reply, new GatehouseError('not_found'));
  });

  app.get('/dev/mail', { schema: { hide: true } }, async (request, reply) => {
    const entries = await listDevOutbox(config.dataDir);
    const parsed = await Promise.all(
      entries.map(async (entry) => {
        const raw = await readDevOutbox(config.dataDir, entry.id);
        return raw === undefined ? undefined : parse(raw);
      }),
    );
    return sendPage(
      request,
      reply,
      devMailListPage({
        nonce: request.cspNonce,
        entries,
        subjects: parsed.map((mail) => mail?.subject ?? ''),
        recipients: parsed.map((mail) =>
          mail?.to === undefined
            ? ''
            : [mail.to]
                .flat()
                .map((a) => a.text)
                .join(', '),
        ),
      }),
    );
  });

  app.get<{ Params: { id: string } }>(
    '/dev/mail/:id',
    {
      schema: {
        hide: true,
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 90 } } },
      },
    },
    async (request, reply) => {
      const raw = request.params.id.endsWith('.eml');
      const id = raw ? request.params.id.slice(0, -4) : request.params.id;
      const message = new RegExp(ID).test(id) ? await readDevOutbox(config.dataDir, id) : undefined;
      if (message === undefined) return sendProblem(reply, new GatehouseError('not_found'));
      if (raw)
        return reply
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="${id}.eml"`)
          .type('message/rfc822')
          .send(message);
      const mail = await parse(message);
      return sendPage(
        request,
        reply,
        devMailMessagePage({
          nonce: request.cspNonce,
          id,
          from: mail.from?.text ?? '',
          to:
            mail.to === undefined
              ? ''
              : [mail.to]
                  .flat()
                  .map((a) => a.text)
                  .join(', '),
          subject: mail.subject ?? '',
          date: mail.date?.toISOString() ?? '',
          messageId: mail.messageId ?? '',
          text: mail.text ?? '',
          hasHtml: typeof mail.html === 'string',
        }),
      );
    },
  );
}
