import type { SessionManager, SessionRecord } from '@gatehouse/core';
import type { Principal } from '@gatehouse/core/principal';

const iso = (ms: number) => new Date(ms).toISOString();

/** A session as its owner sees it: never the token or its hash. */
export function sessionView(s: SessionRecord, currentId: string | undefined) {
  return {
    id: s.publicId,
    current: s.publicId === currentId,
    created_at: iso(s.createdAt),
    last_seen_at: iso(s.lastSeenAt),
    expires_at: iso(Math.min(s.idleExpiresAt, s.absoluteExpiresAt)),
    auth_method: s.authMethod,
    ip: s.ip,
    user_agent: s.userAgent,
  };
}

export type SessionView = ReturnType<typeof sessionView>;

/** The caller's sessions; the one it is using (cookie, or the session of its token) is `current`. */
export function listSessionsCommand(deps: {
  sessions: SessionManager;
}): (input: { principal: Principal }) => Promise<SessionView[]> {
  return async function listSessions({ principal }) {
    const sessions = await deps.sessions.list(principal.subject);
    return sessions.map((s) => sessionView(s, principal.sessionId));
  };
}
