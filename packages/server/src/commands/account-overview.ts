import type {
  Accounts,
  ApiKeyRecord,
  ApiKeyService,
  Clock,
  PermissionResolver,
  SessionManager,
  SessionRecord,
  UserProfile,
} from '@gatehouse/core';
import type { Principal } from '@gatehouse/core/principal';

/** Everything the account page shows about its user, as of `now`. */
export interface AccountOverview {
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
  readonly sessions: readonly SessionRecord[];
  readonly apiKeys: readonly ApiKeyRecord[];
  readonly profile: UserProfile;
  readonly now: number;
}

/** The caller's roles, current permissions, sessions, API keys and profile, read together. */
export function accountOverviewCommand(deps: {
  permissions: PermissionResolver;
  sessions: SessionManager;
  apiKeys: ApiKeyService;
  accounts: Accounts;
  clock: Clock;
}): (input: { principal: Principal }) => Promise<AccountOverview> {
  return async function accountOverview({ principal }) {
    const userId = principal.subject;
    const [{ roles, permissions }, sessions, apiKeys, profile] = await Promise.all([
      deps.permissions.accessOf(userId),
      deps.sessions.list(userId),
      deps.apiKeys.list(userId),
      deps.accounts.profileOf(userId),
    ]);
    return { roles, permissions: permissions.toArray(), sessions, apiKeys, profile, now: deps.clock.now() };
  };
}
