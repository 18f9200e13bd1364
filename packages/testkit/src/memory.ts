import { InProcessRateLimiter, LocalInvalidationBus, type Storage } from '@gatehouse/core';
import { MemoryAccountTokenStore } from './memory/account-tokens.ts';
import { MemoryApiKeyStore, MemoryServiceAccountStore } from './memory/api-keys.ts';
import { MemoryAuditLog } from './memory/audit.ts';
import { MemoryCounterStore } from './memory/counters.ts';
import { MemoryCredentialRepository } from './memory/credentials.ts';
import { MemoryMailOutboxStore } from './memory/mail-outbox.ts';
import { MemoryOAuthArtifactStore } from './memory/oauth-artifacts.ts';
import { MemoryOAuthClientStore } from './memory/oauth-clients.ts';
import { MemoryPolicyDocumentRepository } from './memory/policies.ts';
import { MemoryRefreshTokenStore } from './memory/refresh-tokens.ts';
import { MemoryRevocationStore } from './memory/revocations.ts';
import { MemoryRoleRepository } from './memory/roles.ts';
import {
  MemoryLoginTransactionStore,
  MemoryRecoveryCodeStore,
  MemorySecondFactorStore,
} from './memory/second-factors.ts';
import { MemorySessionStore } from './memory/sessions.ts';
import { MemorySigningKeyStore } from './memory/signing-keys.ts';
import { MemoryUserImportStore } from './memory/user-imports.ts';
import { MemoryUserProfileRepository } from './memory/user-profiles.ts';
import { MemoryUserRepository } from './memory/users.ts';

export { MemoryAccountTokenStore } from './memory/account-tokens.ts';
export { MemoryAuditLog } from './memory/audit.ts';
export { MemoryCounterStore } from './memory/counters.ts';
export { MemoryCredentialRepository } from './memory/credentials.ts';
export { MemoryMailOutboxStore } from './memory/mail-outbox.ts';
export { MemoryPolicyDocumentRepository } from './memory/policies.ts';
export { MemoryRevocationStore } from './memory/revocations.ts';
export { MemoryRoleRepository } from './memory/roles.ts';
export { MemorySessionStore } from './memory/sessions.ts';
export { MemoryUserProfileRepository } from './memory/user-profiles.ts';
export { MemoryUserRepository } from './memory/users.ts';

/**
 * The reference storage: every port of `Storage` in process memory, a user's dependents deleted
 * with them as the SQL store's foreign keys do. For tests and single-process demos only.
 *
 * @example
 * const storage = memoryStorage();
 * const sessions = new SessionManager({ store: storage.sessions, users: storage.users, bus: storage.bus, … });
 */
export function memoryStorage(options: { now?: () => number } = {}): Storage {
  const users = new MemoryUserRepository();
  const profiles = new MemoryUserProfileRepository(users);
  const credentials = new MemoryCredentialRepository();
  const sessions = new MemorySessionStore();
  const roles = new MemoryRoleRepository();
  const apiKeys = new MemoryApiKeyStore();
  const refreshTokens = new MemoryRefreshTokenStore();
  const accountTokens = new MemoryAccountTokenStore();
  users.onDelete((id) => profiles.forget(id));
  users.onDelete((id) => credentials.forget(id));
  users.onDelete((id) => sessions.deleteByUser(id));
  users.onDelete((id) => roles.forget(id));
  users.onDelete((id) => refreshTokens.forget(id));
  users.onDelete((id) => accountTokens.forget(id));
  const secondFactors = new MemorySecondFactorStore();
  const recoveryCodes = new MemoryRecoveryCodeStore();
  const loginTransactions = new MemoryLoginTransactionStore();
  users.onDelete((id) => void secondFactors.deleteByUser(id));
  users.onDelete((id) => void recoveryCodes.deleteByUser(id));
  users.onDelete((id) => void loginTransactions.deleteByUser(id));
  return {
    users,
    profiles,
    accountTokens,
    credentials,
    userImports: new MemoryUserImportStore({ users, profiles, credentials, roles }),
    sessions,
    roles,
    audit: new MemoryAuditLog(),
    counters: new MemoryCounterStore(),
    bus: new LocalInvalidationBus(),
    refreshTokens,
    revocations: new MemoryRevocationStore(),
    apiKeys,
    // Registers the cascade that deletes a person's keys with them.
    serviceAccounts: new MemoryServiceAccountStore(users, apiKeys),
    signingKeys: new MemorySigningKeyStore(),
    rs256SigningKeys: new MemorySigningKeyStore(),
    oauthClients: new MemoryOAuthClientStore(),
    oauthArtifacts: new MemoryOAuthArtifactStore(),
    policies: new MemoryPolicyDocumentRepository(),
    rateLimiter: new InProcessRateLimiter(options.now === undefined ? {} : { now: options.now }),
    mailOutbox: new MemoryMailOutboxStore(),
    secondFactors,
    recoveryCodes,
    loginTransactions,
    ping: async () => {},
    close: async () => {},
  };
}
