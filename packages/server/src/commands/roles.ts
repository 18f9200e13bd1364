import type { Accounts, RequestMeta, RoleRecord } from '@gatehouse/core';

/** Roles and their permissions (`/admin/v1/roles`, `gatehouse roles create|list`); changes are audited. */
export interface RoleCommands {
  readonly listRoles: () => Promise<RoleRecord[]>;
  /** Creates or replaces a role; every node drops what it cached of its holders' permissions. */
  readonly putRole: (input: {
    name: string;
    description?: string | undefined;
    permissions: readonly string[];
    meta: RequestMeta;
  }) => Promise<RoleRecord>;
  readonly deleteRole: (input: { name: string; meta: RequestMeta }) => Promise<void>;
}

export function roleCommands(deps: { accounts: Accounts }): RoleCommands {
  const { accounts } = deps;
  return {
    listRoles: () => accounts.listRoles(),
    putRole: ({ name, description, permissions, meta }) =>
      accounts.upsertRole({ name, permissions, ...(description === undefined ? {} : { description }) }, meta),
    deleteRole: ({ name, meta }) => accounts.deleteRole(name, meta),
  };
}
