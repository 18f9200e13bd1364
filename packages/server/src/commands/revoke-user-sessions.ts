import type { Accounts, AuditTrail, RequestMeta, SessionManager } from '@gatehouse/core';

/**
 * Ends every session of one user on every node (`DELETE /admin/v1/users/:id/sessions`,
 * `gatehouse sessions revoke`), with the refresh families and tokens hanging off them, and
 * audits how many ended. For a whole-user cut-off of access tokens too, see `signOut`.
 */
export function revokeUserSessionsCommand(deps: {
  accounts: Accounts;
  sessions: SessionManager;
  audit: AuditTrail;
}): (input: { user: string; meta: RequestMeta }) => Promise<{ revoked: number }> {
  return async function revokeUserSessions({ user, meta }) {
    const { id } = await deps.accounts.requireUser(user);
    const revoked = await deps.sessions.endAll(id);
    await deps.audit.record('sessions.revoked_all', meta, { subjectId: id, details: { revoked } });
    return { revoked };
  };
}
