import { GatehouseError, type UserRecord } from '@gatehouse/core';
import type { Principal } from '@gatehouse/core/principal';
import type { FastifyRequest } from 'fastify';

/**
 * The core `Principal` of the request's authenticated caller, whichever credential proved it
 * (the gates in `authenticate.ts` ran first): a session cookie, a Bearer access token or an API
 * key. Commands take this value, never the request.
 */
export function callerPrincipal(request: FastifyRequest): Principal | undefined {
  if (request.apiKey !== null) return principalOf(request.apiKey.owner, 'api_key');
  if (request.bearer !== null) {
    const { user, claims } = request.bearer;
    return principalOf(user, 'bearer', {
      ...(claims.sid === undefined ? {} : { sessionId: claims.sid }),
      ...(typeof claims.auth_time === 'number' ? { authTime: claims.auth_time * 1000 } : {}),
    });
  }
  if (request.session !== null) {
    const { user, record } = request.session;
    return principalOf(user, 'session', { sessionId: record.publicId, authTime: record.authTime });
  }
  return undefined;
}

/** The same, or 401 when no credential proved one. */
export function requireCallerPrincipal(request: FastifyRequest): Principal {
  const principal = callerPrincipal(request);
  if (principal === undefined) throw new GatehouseError('unauthenticated');
  return principal;
}

function principalOf(
  user: UserRecord,
  method: Principal['method'],
  session: { sessionId?: string; authTime?: number } = {},
): Principal {
  return Object.freeze({ subject: user.id, kind: user.kind, email: user.email, method, ...session });
}
