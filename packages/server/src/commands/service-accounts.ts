import type {
  Accounts,
  RateLimit,
  RequestMeta,
  ServiceAccountRecord,
  ServiceAccounts,
} from '@gatehouse/core';

/** A service account with the roles granted to its identity. */
export interface ServiceAccountWithRoles extends ServiceAccountRecord {
  readonly roles: string[];
}

/**
 * Non-human identities (`/admin/v1/service-accounts…`, `gatehouse service-accounts …`): they sign
 * in only with API keys. Changes are audited by core `ServiceAccounts`; whether the caller may also
 * grant roles is the edge's check (the `roles:write` permission), made before `createServiceAccount`.
 */
export interface ServiceAccountCommands {
  readonly listServiceAccounts: () => Promise<ServiceAccountWithRoles[]>;
  readonly getServiceAccount: (input: { id: string }) => Promise<ServiceAccountWithRoles>;
  readonly createServiceAccount: (input: {
    name: string;
    description?: string | undefined;
    rateLimit: RateLimit | null;
    roles: readonly string[];
    meta: RequestMeta;
  }) => Promise<ServiceAccountWithRoles>;
  /** Changes what is given; the keys' cached default limit is dropped on every node. */
  readonly updateServiceAccount: (input: {
    id: string;
    description?: string | undefined;
    rateLimit?: RateLimit | null | undefined;
    meta: RequestMeta;
  }) => Promise<ServiceAccountWithRoles>;
  /** Disabled, its keys stop working at once. */
  readonly setServiceAccountDisabled: (input: {
    id: string;
    disabled: boolean;
    meta: RequestMeta;
  }) => Promise<void>;
  /** Revokes its live keys (guards hear of it), then deletes it with its roles. */
  readonly deleteServiceAccount: (input: { id: string; meta: RequestMeta }) => Promise<void>;
  /**
   * The id of an API-key owner as an operator names it: a service account's name, else a user's
   * email or id (`not_found` otherwise).
   */
  readonly resolveKeyOwner: (input: { owner: string }) => Promise<string>;
}

export function serviceAccountCommands(deps: {
  serviceAccounts: ServiceAccounts;
  accounts: Accounts;
}): ServiceAccountCommands {
  const { serviceAccounts, accounts } = deps;
  const withRoles = async (account: ServiceAccountRecord): Promise<ServiceAccountWithRoles> => ({
    ...account,
    roles: await accounts.rolesOf(account.id),
  });
  return {
    listServiceAccounts: async () => Promise.all((await serviceAccounts.list()).map(withRoles)),
    getServiceAccount: async ({ id }) => withRoles(await serviceAccounts.require(id)),
    createServiceAccount: async ({ name, description, rateLimit, roles, meta }) =>
      withRoles(
        await serviceAccounts.create(
          { name, ...(description === undefined ? {} : { description }), rateLimit, roles },
          meta,
        ),
      ),
    updateServiceAccount: async ({ id, description, rateLimit, meta }) =>
      withRoles(
        await serviceAccounts.update(
          id,
          {
            ...(description === undefined ? {} : { description }),
            ...(rateLimit === undefined ? {} : { rateLimit }),
          },
          meta,
        ),
      ),
    setServiceAccountDisabled: ({ id, disabled, meta }) => serviceAccounts.setDisabled(id, disabled, meta),
    deleteServiceAccount: ({ id, meta }) => serviceAccounts.delete(id, meta),
    resolveKeyOwner: async ({ owner }) => {
      const named = (await serviceAccounts.list()).find((account) => account.name === owner);
      return named?.id ?? (await accounts.requireUser(owner)).id;
    },
  };
}
