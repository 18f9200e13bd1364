import type { Accounts, RequestMeta, SessionRecord, UserRecord } from '@gatehouse/core';

export interface ChangePasswordInput {
  /** The signed-in user (by session cookie: re-authentication is by the current password). */
  readonly user: UserRecord;
  readonly currentPassword: string;
  readonly newPassword: string;
  readonly meta: RequestMeta & { readonly userAgent: string };
}

/** The caller's fresh session: every other one ended, and so did the one the request came with. */
export interface ChangePasswordResult {
  readonly token: string;
  readonly record: SessionRecord;
}

/**
 * The user changes their own password (`POST /account/password`). A wrong current password is
 * `invalid_credentials`; a new one must pass the one password policy. Every session and grant of
 * the user ends, and the caller continues in a new session (new id, no fixation).
 */
export function changePasswordCommand(deps: {
  accounts: Accounts;
}): (input: ChangePasswordInput) => Promise<ChangePasswordResult> {
  return function changePassword({ user, currentPassword, newPassword, meta }) {
    return deps.accounts.changeOwnPassword({ user, currentPassword, newPassword }, meta);
  };
}
