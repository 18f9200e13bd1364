import type { Accounts, RequestMeta, UserProfile } from '@gatehouse/core';

/**
 * A user's profile (OpenID Connect standard claims): what OAuth clients receive under the profile,
 * address and phone scopes. Read and replaced by the user (`/account/profile`, the account page)
 * or an administrator (`/admin/v1/users/:id/profile`).
 */
export interface ProfileCommands {
  /** The profile of the user with this id (or email); `not_found` when there is none. */
  readonly getProfile: (input: { user: string }) => Promise<UserProfile>;
  /**
   * Replaces the profile after validating it (core `parseUserProfile` names the claim at fault).
   * `by: 'self'` cannot vouch for its own phone number: see `Accounts.updateProfile`.
   */
  readonly updateProfile: (input: {
    userId: string;
    profile: unknown;
    by: 'self' | 'admin';
    meta: RequestMeta;
  }) => Promise<UserProfile>;
}

export function profileCommands(deps: { accounts: Accounts }): ProfileCommands {
  const { accounts } = deps;
  return {
    getProfile: async ({ user }) => accounts.profileOf((await accounts.requireUser(user)).id),
    updateProfile: ({ userId, profile, by, meta }) => accounts.updateProfile(userId, profile, meta, by),
  };
}
