import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';

/** Liveness answers without touching anything; readiness checks every store. */
export function healthRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  app.get('/healthz', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );
  app.get('/readyz', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      await gatehouse.storage.ping();
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
  // Browsers ask for it on every page; an empty answer keeps their consoles (and our logs) quiet.
  app.get('/favicon.ico', async (_request, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );
  app.get('/', async (_request, reply) => reply.code(303).header('location', '/account').send());
}
