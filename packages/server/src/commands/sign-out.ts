import type {
  Accounts,
  AuditTrail,
  Clock,
  RequestMeta,
  SessionManager,
  UserRepository,
} from '@gatehouse/core';
import type { OAuthServer } from '../oauth/oauth-server.ts';

/** One user (by id or email), or every user. */
export type SignOutTarget = { readonly user: string } | 'everyone';

export interface SignOutResult {
  /** Access tokens issued before this (ms) are refused everywhere; sessions from before it ended. */
  readonly cutoff: number;
  /** Gatehouse sessions deleted. */
  readonly sessions: number;
  /** OAuth grants revoked (their refresh tokens stop at once). */
  readonly grants: number;
}

const USER_PAGE = 500;

/**
 * Mass sign-out (`gatehouse sessions revoke-all`, `POST /admin/v1/sessions/revoke-all`): a
 * not-before cut-off in the revocation log first — every access token issued before it is refused
 * by every node and guard — then every session, refresh family and OAuth grant of the user (or of
 * every user) ends. Nothing is listed before the cut-off, so nothing started meanwhile slips by;
 * what starts after it is unaffected (the account is not disabled: disable it to keep someone out).
 */
export function signOutCommand(deps: {
  accounts: Accounts;
  sessions: SessionManager;
  oauth: Pick<OAuthServer, 'revokeUser'>;
  audit: AuditTrail;
  storage: { readonly users: UserRepository };
  clock: Clock;
}): (input: { target: SignOutTarget; meta: RequestMeta }) => Promise<SignOutResult> {
  return async function signOut({ target, meta }) {
    const userId = target === 'everyone' ? undefined : (await deps.accounts.requireUser(target.user)).id;
    const before = deps.clock.now();
    let grants = 0;
    let sessions: number;
    if (userId === undefined) {
      sessions = await deps.sessions.endEveryone();
      for (let offset = 0; ; offset += USER_PAGE) {
        const users = await deps.storage.users.list({ limit: USER_PAGE, offset });
        for (const user of users) grants += await deps.oauth.revokeUser(user.id);
        if (users.length < USER_PAGE) break;
      }
    } else {
      sessions = await deps.sessions.endAll(userId);
      grants = await deps.oauth.revokeUser(userId);
    }
    // The cut-off is the first whole second after the call began (see RevocationIndex.cutOff).
    const cutoff = Math.ceil(before / 1000) * 1000;
    await deps.audit.record(
      userId === undefined ? 'sessions.revoked_everyone' : 'sessions.revoked_all',
      meta,
      {
        ...(userId === undefined ? {} : { subjectId: userId }),
        details: { revoked: sessions, grants, cutoff: new Date(cutoff).toISOString() },
      },
    );
    return { cutoff, sessions, grants };
  };
}
