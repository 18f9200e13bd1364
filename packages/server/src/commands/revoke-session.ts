import { type AuditTrail, GatehouseError, type RequestMeta, type SessionManager } from '@gatehouse/core';
import type { Principal } from '@gatehouse/core/principal';

/**
 * Ends one of the caller's own sessions, by public id. Another user's session id is
 * indistinguishable from a non-existent one: 404, never 403.
 */
export function revokeSessionCommand(deps: {
  sessions: SessionManager;
  audit: AuditTrail;
}): (input: {
  principal: Principal;
  sessionId: string;
  meta: RequestMeta;
}) => Promise<{ endedOwnCookie: boolean }> {
  return async function revokeSession({ principal, sessionId, meta }) {
    const userId = principal.subject;
    const ended = await deps.sessions.endByPublicId(userId, sessionId);
    if (ended === undefined) throw new GatehouseError('not_found', { detail: 'No such session.' });
    await deps.audit.record('session.revoked', meta, { subjectId: userId, details: { session: sessionId } });
    // The browser's own session ended: the edge clears its cookie.
    return { endedOwnCookie: principal.method === 'session' && ended.publicId === principal.sessionId };
  };
}
