import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { healthSchemas } from '../http/schemas/health.ts';

/**
 * Liveness answers without touching anything; readiness makes one real round trip per store
 * (SELECT 1, PING) with a deadline, so a stalled store reads as down, not just a closed socket.
 */
export function healthRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  app.get('/healthz', { schema: healthSchemas.liveness }, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );
  app.get('/readyz', { schema: healthSchemas.readiness }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const stores = await gatehouse.storeHealth.check();
    if (Object.values(stores).every((state) => state === 'up')) return { status: 'ready' };
    // Store health logged the outage once; a probe every few seconds must not add a line each.
    request.log.debug({ stores }, 'not ready');
    return reply.code(503).header('retry-after', '2').send({ status: 'unavailable', stores });
  });
  // Browsers ask for it on every page; an empty answer keeps their consoles (and our logs) quiet.
  app.get('/favicon.ico', { schema: healthSchemas.favicon }, async (_request, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );
  app.get('/', { schema: healthSchemas.root }, async (_request, reply) =>
    reply.code(303).header('location', '/account').send(),
  );
}
