import { GatehouseError } from '@gatehouse/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { requireSession } from '../http/authenticate.ts';
import { requestMeta } from '../http/request-meta.ts';
import { EmailChangeBody, lifecycleSchemas as schemas } from '../http/schemas/account-lifecycle.ts';

function isForm(request: FastifyRequest): boolean {
  return String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

/**
 * The signed-in user's own address: changing it (password again, then the link to the new
 * address) and asking for a new verification link. The account page posts forms and is sent back
 * with a fixed notice flag; JSON clients get 202.
 */
export function accountEmailRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const sessionOnly = requireSession(gatehouse);

  const answer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    detail: string,
    flags: { ok: string; error: string },
    run: () => Promise<void>,
  ) => {
    const form = isForm(request);
    try {
      await run();
    } catch (error) {
      if (!form || !(error instanceof GatehouseError) || error.status >= 500) throw error;
      return reply.code(303).header('location', `/account?${flags.error}=1`).send();
    }
    reply.header('cache-control', 'no-store');
    if (form) return reply.code(303).header('location', `/account?${flags.ok}=1`).send();
    return reply.code(202).send({ status: 'accepted', detail });
  };

  app.post<{ Body: typeof EmailChangeBody.static }>(
    '/account/email',
    {
      preHandler: sessionOnly,
      schema: { ...schemas.changeEmail, body: EmailChangeBody },
      bodyLimit: 16 * 1024,
    },
    (request, reply) => {
      const { user } = request.session!;
      return answer(
        request,
        reply,
        'We sent a link to the new address. The change takes effect once it is used.',
        { ok: 'email_sent', error: 'email_error' },
        () =>
          commands.requestEmailChange({
            user,
            currentPassword: request.body.current_password,
            newEmail: request.body.new_email,
            meta: requestMeta(request, user.id),
          }),
      );
    },
  );

  app.post(
    '/account/email/verification',
    { preHandler: sessionOnly, schema: schemas.resendOwn },
    (request, reply) => {
      const { user } = request.session!;
      return answer(
        request,
        reply,
        'We sent a new verification link to your address.',
        { ok: 'verification_sent', error: 'verification_error' },
        () => commands.resendOwnVerification({ user, meta: requestMeta(request, user.id) }),
      );
    },
  );
}
