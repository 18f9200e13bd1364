import type { AuthContext } from '../auth-context.ts';
import { asGuardError } from '../errors.ts';
import type { Guard, Requirement } from '../guard.ts';
import { satisfy } from './satisfy.ts';

/** A fetch-style handler that runs only for an authorized caller. */
export type AuthenticatedHandler = (request: Request, auth: AuthContext) => Response | Promise<Response>;

export interface WithAuthOptions extends Requirement {
  readonly guard: Guard;
}

/**
 * Wraps a `(request: Request) => Response` handler (Bun, Deno, workers, Node's `fetch`-style
 * servers): the guard runs first and answers refusals itself; errors thrown by the handler pass
 * through untouched.
 *
 * @example
 * import { withAuth } from '@gatehouse/guard/fetch';
 * export default { fetch: withAuth((req, auth) => Response.json({ sub: auth.principal.subject }),
 *   { guard, scopes: ['notes:read'] }) };
 */
export function withAuth(
  handler: AuthenticatedHandler,
  options: WithAuthOptions,
): (request: Request) => Promise<Response> {
  const { guard, ...requirement } = options;
  guard.validateRequirement(requirement);
  return async (request) => {
    let auth: AuthContext;
    try {
      auth = await satisfy(guard, request, undefined, requirement);
    } catch (error) {
      return asGuardError(error).toResponse();
    }
    return handler(request, auth);
  };
}
