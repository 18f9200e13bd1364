import type { Context, MiddlewareHandler } from 'hono';
import type { AuthContext } from '../auth-context.ts';
import { asGuardError } from '../errors.ts';
import type { Guard, Requirement } from '../guard.ts';
import { type PermissionOptions, satisfy } from './satisfy.ts';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by the guard's middleware before the route handler runs. */
    auth: AuthContext;
  }
}

/**
 * Hono middleware of the same names and behaviour as the other adapters: `authenticated` sets
 * `c.get('auth')` or answers 400/401/503; `requireScopes` also answers 403 `insufficient_scope`;
 * `requirePermission` 403 without the permission. Runs on any runtime Hono runs on.
 *
 * @example
 * import { honoGuard } from '@gatehouse/guard/hono';
 * const auth = honoGuard(guard);
 * app.delete('/notes/:id', auth.requirePermission('notes:delete'), (c) => c.body(null, 204));
 */
export function honoGuard(guard: Guard) {
  const middleware = (
    requirement: Requirement,
    options: PermissionOptions<Context> = {},
  ): MiddlewareHandler => {
    guard.validateRequirement(requirement);
    const { resource, context } = options;
    return async (c, next) => {
      let auth: AuthContext;
      try {
        auth = await satisfy(
          guard,
          c.req.raw,
          c.get('auth') as AuthContext | undefined,
          requirement,
          resource && (() => resource(c)),
          context && (() => context(c)),
        );
      } catch (error) {
        return asGuardError(error).toResponse();
      }
      c.set('auth', auth);
      await next();
    };
  };
  return {
    authenticated: (): MiddlewareHandler => middleware({}),
    requirePermission: (permission: string, options?: PermissionOptions<Context>): MiddlewareHandler =>
      middleware({ permission }, options),
    requireScopes: (...scopes: string[]): MiddlewareHandler => middleware({ scopes }),
  };
}
