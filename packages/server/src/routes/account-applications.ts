import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { requireCaller, requireCallerUser, wantsHtml } from '../http/authenticate.ts';
import { sessionCsrfToken } from '../http/csrf.ts';
import { requestMeta } from '../http/request-meta.ts';
import { accountSchemas } from '../http/schemas/account.ts';
import { sendPage } from '../http/security-headers.ts';
import { connectedApplicationView } from '../oauth/client-view.ts';
import { applicationsPage } from '../pages/oauth-pages.ts';

const GrantParams = Type.Object({ grant: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }) });

/**
 * The user's connected applications (OAuth grants): a page and a JSON API. Disconnecting
 * withdraws consent: the grant, its refresh and access tokens, and (through the revocation feed)
 * its JWT access tokens at every resource server.
 */
export function accountApplicationRoutes(
  app: FastifyInstance,
  gatehouse: Gatehouse,
  commands: Commands,
): void {
  const gate = requireCaller(gatehouse, (request, reply) =>
    wantsHtml(request)
      ? reply.code(303).header('location', '/login?return_to=%2Faccount%2Fapplications').send()
      : undefined,
  );
  const render = async (request: FastifyRequest, reply: FastifyReply, notice?: string) => {
    const user = requireCallerUser(request);
    const applications = await commands.connectedApplications({ userId: user.id });
    if (!wantsHtml(request) || request.session === null)
      return reply.header('cache-control', 'no-store').send({
        applications: applications.map(connectedApplicationView),
      });
    return sendPage(
      request,
      reply,
      applicationsPage({
        nonce: request.cspNonce,
        csrf: sessionCsrfToken(gatehouse.keys.csrf, request.session.record.idHash),
        applications,
        notice,
      }),
    );
  };

  app.get(
    '/account/applications',
    { preHandler: gate, schema: accountSchemas.applications },
    (request, reply) => render(request, reply),
  );

  const revoke = async (request: FastifyRequest<{ Params: typeof GrantParams.static }>) => {
    const user = requireCallerUser(request);
    await commands.disconnectApplication({
      userId: user.id,
      grantId: request.params.grant,
      meta: requestMeta(request, user.id),
    });
  };

  app.delete<{ Params: typeof GrantParams.static }>(
    '/account/applications/:grant',
    { preHandler: gate, schema: { ...accountSchemas.disconnect, params: GrantParams } },
    async (request, reply) => {
      await revoke(request);
      return reply.code(204).send();
    },
  );

  /** The page's form (a browser cannot send DELETE without script). */
  app.post<{ Params: typeof GrantParams.static }>(
    '/account/applications/:grant/revoke',
    { preHandler: gate, schema: { ...accountSchemas.disconnectForm, params: GrantParams } },
    async (request, reply) => {
      await revoke(request);
      return reply.code(303).header('location', '/account/applications').send();
    },
  );
}
