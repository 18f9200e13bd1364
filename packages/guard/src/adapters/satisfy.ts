import type { AuthContext } from '../auth-context.ts';
import type { ResourceRef } from '../decision-client.ts';
import type { Guard, Requirement } from '../guard.ts';
import type { GuardRequest } from '../request.ts';

/**
 * How an adapter's `requirePermission(permission, { resource, context })` finds the resource a
 * request acts on (typically: load it by the route parameter). Runs only after authentication and
 * scopes passed. `undefined` (no such resource) falls back to the caller's permission set, so the
 * handler can answer 404 to callers who hold the permission at all.
 */
export interface PermissionOptions<Req> {
  resource?: (request: Req) => ResourceRef | undefined | Promise<ResourceRef | undefined>;
  context?: (request: Req) => Record<string, unknown> | undefined;
}

/**
 * What every adapter runs before the handler: authenticate once per request (an earlier guard
 * middleware on the same request may have done it), then scopes, then the permission — decided by
 * Gatehouse's decision point when the route names its resource.
 */
export async function satisfy(
  guard: Guard,
  request: GuardRequest,
  previous: AuthContext | undefined,
  requirement: Requirement,
  resolve?: () => ReturnType<NonNullable<PermissionOptions<unknown>['resource']>>,
  context?: () => Record<string, unknown> | undefined,
): Promise<AuthContext> {
  const auth = previous ?? (await guard.authenticate(request));
  if (requirement.scopes !== undefined) guard.requireScopes(auth, requirement.scopes);
  if (requirement.permission === undefined) return auth;
  const resource = requirement.resource ?? (await resolve?.());
  if (resource !== undefined)
    return guard.decide(auth, requirement.permission, resource, requirement.context ?? context?.());
  return guard.requirePermission(auth, requirement.permission);
}
