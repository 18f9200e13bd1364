import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthContext } from '../auth-context.ts';
import { asGuardError } from '../errors.ts';
import type { Guard, Requirement } from '../guard.ts';
import { type PermissionOptions, satisfy } from './satisfy.ts';

declare global {
  namespace Express {
    interface Request {
      /** Set by the guard's middleware before the route handler runs. */
      auth?: AuthContext;
    }
  }
}

/**
 * Express 5 middleware of the same names and behaviour as the other adapters: `authenticated`
 * sets `req.auth` or answers 400/401/503; `requireScopes` also answers 403 `insufficient_scope`;
 * `requirePermission` 403 without the permission.
 *
 * @example
 * import { expressGuard } from '@gatehouse/guard/express';
 * const auth = expressGuard(guard);
 * app.delete('/notes/:id', auth.requirePermission('notes:delete'), (req, res) => { … });
 */
export function expressGuard(guard: Guard) {
  const middleware = (requirement: Requirement, options: PermissionOptions<Request> = {}): RequestHandler => {
    guard.validateRequirement(requirement);
    const { resource, context } = options;
    return async (req: Request, res: Response, next: NextFunction) => {
      try {
        req.auth = await satisfy(
          guard,
          {
            method: req.method,
            headers: req.headers,
            url: req.originalUrl,
            rawHeaders: req.rawHeaders,
            ip: req.ip,
          },
          req.auth,
          requirement,
          resource && (() => resource(req)),
          context && (() => context(req)),
        );
      } catch (error) {
        const refusal = asGuardError(error);
        res.status(refusal.status).set(refusal.headers()).send(JSON.stringify(refusal.toProblem()));
        return;
      }
      next();
    };
  };
  return {
    authenticated: (): RequestHandler => middleware({}),
    requirePermission: (permission: string, options?: PermissionOptions<Request>): RequestHandler =>
      middleware({ permission }, options),
    requireScopes: (...scopes: string[]): RequestHandler => middleware({ scopes }),
  };
}
