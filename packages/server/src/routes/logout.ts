import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { currentSession, requireCaller } from '../http/authenticate.ts';
import { sessionCsrfToken } from '../http/csrf.ts';
import { requestMeta } from '../http/request-meta.ts';
import { authSchemas } from '../http/schemas/auth.ts';
import { sendPage } from '../http/security-headers.ts';
import { clearSessionCookie } from '../http/session-cookie.ts';
import { logoutPage } from '../pages/logout-page.ts';

export function logoutRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  app.get('/logout', { schema: authSchemas.logoutPage }, async (request, reply) => {
    const active = await currentSession(gatehouse, request);
    const csrf = active === null ? undefined : sessionCsrfToken(gatehouse.keys.csrf, active.record.idHash);
    return sendPage(request, reply, logoutPage({ nonce: request.cspNonce, csrf }));
  });

  /** Ends the session server-side, expires the cookie and asks the browser to drop what it kept. */
  const signOut = { preHandler: requireCaller(gatehouse), schema: authSchemas.logout };
  app.post('/logout', signOut, async (request, reply) => {
    if (request.bearer !== null) {
      // Token mode: ends the token's session, and with it the refresh family and every access
      // token of the session (through the revocation index).
      const { user, claims } = request.bearer;
      if (claims.sid !== undefined) await gatehouse.sessions.endByPublicId(user.id, claims.sid);
      await gatehouse.audit.record('logout', requestMeta(request, user.id), {
        subjectId: user.id,
        details: { session: claims.sid ?? null, mode: 'token' },
      });
      return reply.header('cache-control', 'no-store').code(204).send();
    }
    const active = request.session!;
    await gatehouse.sessions.end(active.record.idHash);
    await gatehouse.audit.record('logout', requestMeta(request, active.user.id), {
      subjectId: active.user.id,
      details: { session: active.record.publicId },
    });
    clearSessionCookie(reply);
    reply.header('clear-site-data', '"cache", "cookies", "storage"').header('cache-control', 'no-store');
    const form = String(request.headers['content-type'] ?? '').startsWith(
      'application/x-www-form-urlencoded',
    );
    if (form) return reply.code(303).header('location', '/login?logged_out=1').send();
    return reply.code(204).send();
  });
}
