import type { Accounts, RequestMeta, UserRecord } from '@gatehouse/core';

/** A user (or service account identity) with the roles granted to it. */
export interface UserWithRoles extends UserRecord {
  readonly roles: string[];
}

/**
 * Administering users: the admin API (`/admin/v1/users…`) and `gatehouse users|roles …` call
 * these. Actions take the user's id, as the API does; `getUser` also takes an email, and the CLI
 * resolves the name an operator typed with it first. Every change is audited by `Accounts`.
 */
export interface UserCommands {
  /** By id or email; `not_found` otherwise. */
  readonly getUser: (input: { user: string }) => Promise<UserWithRoles>;
  readonly listUsers: (input: { limit: number; offset: number }) => Promise<UserWithRoles[]>;
  /** Without a password the user cannot sign in until an administrator sets one. */
  readonly createUser: (input: {
    email: string;
    password?: string | undefined;
    roles: readonly string[];
    meta: RequestMeta;
  }) => Promise<UserWithRoles>;
  /** Disabling ends every session of the user at once, on every node. */
  readonly setUserDisabled: (input: {
    userId: string;
    disabled: boolean;
    meta: RequestMeta;
  }) => Promise<void>;
  /** Revokes everything issued to the user first (sessions, tokens, grants, API keys). */
  readonly deleteUser: (input: { userId: string; meta: RequestMeta }) => Promise<void>;
  /** An administrator sets a password: the one policy, then the user's sessions and grants end. */
  readonly setUserPassword: (input: { userId: string; password: string; meta: RequestMeta }) => Promise<void>;
  /** True when the role was not held before. */
  readonly grantRole: (input: { userId: string; role: string; meta: RequestMeta }) => Promise<boolean>;
  /** True when the role was held. */
  readonly revokeRole: (input: { userId: string; role: string; meta: RequestMeta }) => Promise<boolean>;
}

export function userCommands(deps: { accounts: Accounts }): UserCommands {
  const { accounts } = deps;
  const withRoles = async (user: UserRecord): Promise<UserWithRoles> => ({
    ...user,
    roles: await accounts.rolesOf(user.id),
  });
  return {
    getUser: async ({ user }) => withRoles(await accounts.requireUser(user)),
    listUsers: async (page) => Promise.all((await accounts.listUsers(page)).map(withRoles)),
    createUser: async ({ email, password, roles, meta }) =>
      withRoles(
        await accounts.createUser({ email, ...(password === undefined ? {} : { password }), roles }, meta),
      ),
    setUserDisabled: ({ userId, disabled, meta }) => accounts.setDisabled(userId, disabled, meta),
    deleteUser: ({ userId, meta }) => accounts.deleteUser(userId, meta),
    setUserPassword: ({ userId, password, meta }) => accounts.setPassword(userId, password, meta),
    grantRole: ({ userId, role, meta }) => accounts.grantRole(userId, role, meta),
    revokeRole: ({ userId, role, meta }) => accounts.revokeRole(userId, role, meta),
  };
}
