import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { GuardError } from './errors.ts';
import type { AuthContext, Guard } from './guard.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guard's pre-handlers before the route handler runs. */
    auth?: AuthContext;
  }
}

function refuse(reply: FastifyReply, error: unknown): FastifyReply {
  const refusal = error instanceof GuardError ? error : new GuardError('unavailable', { cause: error });
  return reply.code(refusal.status).headers(refusal.headers()).send(JSON.stringify(refusal.toProblem()));
}

async function authenticate(guard: Guard, request: FastifyRequest): Promise<AuthContext> {
  if (request.auth !== undefined) return request.auth;
  request.auth = await guard.authenticate({ method: request.method, headers: request.headers });
  return request.auth;
}

/**
 * Fastify pre-handlers. `authenticated` sets `request.auth` or answers 401; `requirePermission`
 * also answers 403 without the permission. Both run before the handler, so a handler never sees
 * an unauthorized request.
 */
export function fastifyGuard(guard: Guard) {
  return {
    authenticated(): preHandlerAsyncHookHandler {
      return async (request, reply) => {
        try {
          await authenticate(guard, request);
        } catch (error) {
          return refuse(reply, error);
        }
      };
    },
    requirePermission(permission: string): preHandlerAsyncHookHandler {
      return async (request, reply) => {
        try {
          guard.authorize(await authenticate(guard, request), permission);
        } catch (error) {
          return refuse(reply, error);
        }
      };
    },
  };
}
