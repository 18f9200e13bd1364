import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AuthContext } from '../auth-context.ts';
import { asGuardError } from '../errors.ts';
import type { Guard, Requirement } from '../guard.ts';
import { type PermissionOptions, satisfy } from './satisfy.ts';

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
 * // Decided by the policy (conditions on the note's owner, deny rules…):
 * app.delete<{ Params: { id: string } }>('/notes/:id', {
 *   preHandler: auth.requirePermission('notes:delete', {
 *     resource: (request) => ({ id: request.params.id, properties: { ownerID: owner(request.params.id) } }),
 *   }),
 * }, handler);
 */
export function fastifyGuard(guard: Guard) {
  const preHandler = (
    requirement: Requirement,
    options: PermissionOptions<FastifyRequest> = {},
  ): preHandlerAsyncHookHandler => {
    guard.validateRequirement(requirement);
    const { resource, context } = options;
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
          resource && (() => resource(request)),
          context && (() => context(request)),
        );
      } catch (error) {
        return refuse(reply, error);
      }
    };
  };
  return {
    authenticated: (): preHandlerAsyncHookHandler => preHandler({}),
    requirePermission: (
      permission: string,
      options?: PermissionOptions<FastifyRequest>,
    ): preHandlerAsyncHookHandler => preHandler({ permission }, options),
    requireScopes: (...scopes: string[]): preHandlerAsyncHookHandler => preHandler({ scopes }),
  };
}
