import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AuthContext } from '../auth-context.ts';
import { asGuardError } from '../errors.ts';
import type { Guard, Requirement } from '../guard.ts';
import { satisfy } from './satisfy.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guard's pre-handlers before the route handler runs. */
    auth?: AuthContext;
  }
}

function refuse(reply: FastifyReply, error: unknown): FastifyReply {
  const refusal = asGuardError(error);
  return reply.code(refusal.status).headers(refusal.headers()).send(JSON.stringify(refusal.toProblem()));
}

/**
 * Fastify pre-handlers. `authenticated` sets `request.auth` or answers 400/401/503;
 * `requireScopes` also answers 403 `insufficient_scope`, `requirePermission` 403 without the
 * permission. They run before the handler, so a handler never sees an unauthorized request.
 *
 * @example
 * import { fastifyGuard } from '@gatehouse/guard/fastify';
 * const auth = fastifyGuard(guard);
 * app.delete('/notes/:id', { preHandler: auth.requirePermission('notes:delete') }, handler);
 */
export function fastifyGuard(guard: Guard) {
  const preHandler = (requirement: Requirement): preHandlerAsyncHookHandler => {
    guard.validateRequirement(requirement);
    return async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        request.auth = await satisfy(
          guard,
          {
            method: request.method,
            headers: request.headers,
            url: request.url,
            rawHeaders: request.raw.rawHeaders,
            ip: request.ip,
          },
          request.auth,
          requirement,
        );
      } catch (error) {
        return refuse(reply, error);
      }
    };
  };
  return {
    authenticated: (): preHandlerAsyncHookHandler => preHandler({}),
    requirePermission: (permission: string): preHandlerAsyncHookHandler => preHandler({ permission }),
    requireScopes: (...scopes: string[]): preHandlerAsyncHookHandler => preHandler({ scopes }),
  };
}
