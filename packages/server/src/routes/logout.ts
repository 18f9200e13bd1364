import type { FastifyInstance } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { currentSession, requireCaller } from '../http/authenticate.ts';
import { sessionCsrfToken } from '../http/csrf.ts';
import { requireCallerPrincipal } from '../http/principal.ts';
import { requestMeta } from '../http/request-meta.ts';
import { authSchemas } from '../http/schemas/auth.ts';
import { sendPage } from '../http/security-headers.ts';
import { clearSessionCookie } from '../http/session-cookie.ts';
import { logoutPage } from '../pages/logout-page.ts';

export function logoutRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  app.get('/logout', { schema: authSchemas.logoutPage }, async (request, reply) => {
    const active = await currentSession(gatehouse, request);
    const csrf = active === null ? undefined : sessionCsrfToken(gatehouse.keys.csrf, active.record.idHash);
    return sendPage(request, reply, logoutPage({ nonce: request.cspNonce, csrf }));
  });

  /** Ends the session server-side, expires the cookie and asks the browser to drop what it kept. */
  app.post(
    '/logout',
    { preHandler: requireCaller(gatehouse), schema: authSchemas.logout },
    async (request, reply) => {
      const principal = requireCallerPrincipal(request);
      const { mode } = await commands.logout({
        principal,
        sessionIdHash: request.session?.record.idHash,
        meta: requestMeta(request, principal.subject),
      });
      if (mode === 'token') return reply.header('cache-control', 'no-store').code(204).send();
      clearSessionCookie(reply);
      reply.header('clear-site-data', '"cache", "cookies", "storage"').header('cache-control', 'no-store');
      const form = String(request.headers['content-type'] ?? '').startsWith(
        'application/x-www-form-urlencoded',
      );
      if (form) return reply.code(303).header('location', '/login?logged_out=1').send();
      return reply.code(204).send();
    },
  );
}
