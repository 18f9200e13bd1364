import type { AuditTrail, RequestMeta, SessionManager } from '@gatehouse/core';
import type { Principal } from '@gatehouse/core/principal';

export interface LogoutInput {
  /** The caller signing out, by session cookie or by an access token of a token-mode login. */
  readonly principal: Principal;
  /** Cookie sessions: the session's storage key (the principal names it only by public id). */
  readonly sessionIdHash?: string | undefined;
  readonly meta: RequestMeta;
}

/** Which kind of login ended: the edge clears a cookie only for `session`. */
export interface LogoutResult {
  readonly mode: 'session' | 'token';
}

/**
 * Ends the caller's session server-side. In token mode that is the token's session, and with it
 * the refresh family and every access token of the session (through the revocation index).
 */
export function logoutCommand(deps: {
  sessions: SessionManager;
  audit: AuditTrail;
}): (input: LogoutInput) => Promise<LogoutResult> {
  return async function logout({ principal, sessionIdHash, meta }) {
    const userId = principal.subject;
    if (principal.method !== 'session' || sessionIdHash === undefined) {
      const sid = principal.sessionId;
      if (sid !== undefined) await deps.sessions.endByPublicId(userId, sid);
      await deps.audit.record('logout', meta, {
        subjectId: userId,
        details: { session: sid ?? null, mode: 'token' },
      });
      return { mode: 'token' };
    }
    await deps.sessions.end(sessionIdHash);
    await deps.audit.record('logout', meta, {
      subjectId: userId,
      details: { session: principal.sessionId ?? null },
    });
    return { mode: 'session' };
  };
}
