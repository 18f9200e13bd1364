import type { RequestMeta } from '@gatehouse/core';
import type { Gatehouse } from './gatehouse.ts';

export type SignOutTarget = { readonly userId: string } | 'everyone';

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
export async function signOut(
  gatehouse: Pick<Gatehouse, 'sessions' | 'oauth' | 'audit' | 'storage' | 'clock'>,
  target: SignOutTarget,
  meta: RequestMeta,
): Promise<SignOutResult> {
  const before = gatehouse.clock.now();
  let grants = 0;
  let sessions: number;
  if (target === 'everyone') {
    sessions = await gatehouse.sessions.endEveryone();
    for (let offset = 0; ; offset += USER_PAGE) {
      const users = await gatehouse.storage.users.list({ limit: USER_PAGE, offset });
      for (const user of users) grants += await gatehouse.oauth.revokeUser(user.id);
      if (users.length < USER_PAGE) break;
    }
  } else {
    sessions = await gatehouse.sessions.endAll(target.userId);
    grants = await gatehouse.oauth.revokeUser(target.userId);
  }
  // The cut-off is the first whole second after the call began (see RevocationIndex.cutOff).
  const cutoff = Math.ceil(before / 1000) * 1000;
  await gatehouse.audit.record(
    target === 'everyone' ? 'sessions.revoked_everyone' : 'sessions.revoked_all',
    meta,
    {
      ...(target === 'everyone' ? {} : { subjectId: target.userId }),
      details: { revoked: sessions, grants, cutoff: new Date(cutoff).toISOString() },
    },
  );
  return { cutoff, sessions, grants };
}
