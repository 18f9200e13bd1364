import type { AccountFlows, Accounts, RequestMeta, SignUpInput, UserRecord } from '@gatehouse/core';
import type { signOutCommand } from './sign-out.ts';
import type { UserWithRoles } from './users.ts';

/**
 * The account lifecycle's use cases (docs/accounts.md): the public pages and JSON endpoints, the
 * signed-in user's own address, and what an operator does for someone else (admin API, CLI). The
 * enumeration-free ones resolve before their address-dependent work, which runs after the
 * response (`AccountFlows.idle` waits for it).
 */
export interface AccountLifecycleCommands {
  readonly signUp: (input: SignUpInput & { meta: RequestMeta }) => Promise<void>;
  readonly verifyEmail: (input: { token: string; meta: RequestMeta }) => Promise<void>;
  /** The six-digit code from the same email, with the address; guesses limited per address. */
  readonly verifyEmailCode: (input: { email: string; code: string; meta: RequestMeta }) => Promise<void>;
  readonly resendVerification: (input: { email: string; meta: RequestMeta }) => Promise<void>;
  /** The signed-in user's own link; `400` when the address is verified already. */
  readonly resendOwnVerification: (input: { user: UserRecord; meta: RequestMeta }) => Promise<void>;
  readonly requestPasswordReset: (input: { email: string; meta: RequestMeta }) => Promise<void>;
  /** Whether a reset link still works (the page shows its form only then). */
  readonly checkResetLink: (input: { token: string }) => Promise<boolean>;
  readonly resetPassword: (input: { token: string; password: string; meta: RequestMeta }) => Promise<void>;
  readonly requestEmailChange: (input: {
    user: UserRecord;
    currentPassword: string;
    newEmail: string;
    meta: RequestMeta;
  }) => Promise<void>;
  readonly confirmEmailChange: (input: { token: string; meta: RequestMeta }) => Promise<void>;
  readonly undoEmailChange: (input: { token: string; meta: RequestMeta }) => Promise<void>;
  /** The invited address while the link works; undefined otherwise. */
  readonly checkInvitation: (input: { token: string }) => Promise<string | undefined>;
  readonly acceptInvitation: (input: { token: string; password: string; meta: RequestMeta }) => Promise<void>;
  /** An administrator invites an address with roles, whatever the registration mode. */
  readonly inviteUser: (input: {
    email: string;
    roles: readonly string[];
    meta: RequestMeta;
  }) => Promise<{ user: UserWithRoles; expiresAt: number }>;
  /** An administrator emails a user a reset link; `not_found` for no such active person. */
  readonly sendPasswordReset: (input: { userId: string; meta: RequestMeta }) => Promise<void>;
}

export function accountLifecycleCommands(deps: {
  accountFlows: AccountFlows;
  accounts: Accounts;
  /** The sign-out of one user everywhere (sessions, refresh families, grants, access tokens). */
  signOut: ReturnType<typeof signOutCommand>;
}): AccountLifecycleCommands {
  const { signUp, verification, reset, emailChange, invitations } = deps.accountFlows;
  return {
    signUp: ({ meta, ...input }) => signUp.register(input, meta),
    verifyEmail: async ({ token, meta }) => {
      await verification.verify(token, meta);
    },
    verifyEmailCode: async ({ email, code, meta }) => {
      await verification.verifyCode(email, code, meta);
    },
    resendVerification: ({ email, meta }) => verification.resend(email, meta),
    resendOwnVerification: ({ user, meta }) => verification.resendOwn(user, meta),
    requestPasswordReset: ({ email, meta }) => reset.request(email, meta),
    checkResetLink: ({ token }) => reset.isValid(token),
    resetPassword: ({ token, password, meta }) => reset.reset(token, password, meta),
    requestEmailChange: ({ meta, ...input }) => emailChange.request(input, meta),
    confirmEmailChange: async ({ token, meta }) => {
      await emailChange.confirm(token, meta);
    },
    undoEmailChange: async ({ token, meta }) => {
      // Whoever changed the address may hold more than a session: a password reset's reach.
      const user = await emailChange.undo(token, meta);
      await deps.signOut({ target: { user: user.id }, meta });
    },
    checkInvitation: ({ token }) => invitations.peek(token),
    acceptInvitation: async ({ token, password, meta }) => {
      await invitations.accept(token, password, meta);
    },
    inviteUser: async ({ email, roles, meta }) => {
      const { user, expiresAt } = await invitations.invite({ email, roles }, meta);
      return { user: { ...user, roles: await deps.accounts.rolesOf(user.id) }, expiresAt };
    },
    sendPasswordReset: ({ userId, meta }) => reset.sendLinkTo(userId, meta),
  };
}
