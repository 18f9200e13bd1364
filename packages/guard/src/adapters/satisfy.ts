import type { AuthContext } from '../auth-context.ts';
import type { Guard, Requirement } from '../guard.ts';
import type { GuardRequest } from '../request.ts';

/**
 * What every adapter runs before the handler: authenticate once per request (an earlier guard
 * middleware on the same request may have done it), then scopes, then the permission.
 */
export async function satisfy(
  guard: Guard,
  request: GuardRequest,
  previous: AuthContext | undefined,
  requirement: Requirement,
): Promise<AuthContext> {
  let auth = previous ?? (await guard.authenticate(request));
  if (requirement.scopes !== undefined) guard.requireScopes(auth, requirement.scopes);
  if (requirement.permission !== undefined)
    auth = await guard.requirePermission(auth, requirement.permission);
  return auth;
}
