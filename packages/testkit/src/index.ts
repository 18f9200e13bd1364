export { describeAccountTokenStoreConformance } from './conformance/account-tokens.ts';
export {
  type ApiKeyStores,
  describeApiKeyStoresConformance,
  fakeApiKey,
} from './conformance/api-keys.ts';
export { describeAuditLogConformance } from './conformance/audit.ts';
export { describeInvalidationBusConformance } from './conformance/bus.ts';
export { describeCounterStoreConformance } from './conformance/counters.ts';
export { describeCredentialRepositoryConformance } from './conformance/credentials.ts';
export {
  type Fixture,
  givenUsers,
  HOUR,
  type MakeFixture,
  sessionFor,
  sleep,
} from './conformance/fixtures.ts';
export { describeMailOutboxStoreConformance } from './conformance/mail-outbox.ts';
export {
  describeOAuthArtifactStoreConformance,
  type OAuthArtifactConformanceOptions,
} from './conformance/oauth-artifacts.ts';
export { describeOAuthClientStoreConformance, fakeOAuthClient } from './conformance/oauth-clients.ts';
export { describePolicyDocumentRepositoryConformance } from './conformance/policies.ts';
export { describeRateLimiterConformance } from './conformance/rate-limiter.ts';
export { describeRefreshTokenStoreConformance } from './conformance/refresh-tokens.ts';
export { describeRevocationStoreConformance } from './conformance/revocations.ts';
export { describeRoleRepositoryConformance } from './conformance/roles.ts';
export {
  describeSessionStoreConformance,
  type SessionStoreConformanceOptions,
} from './conformance/sessions.ts';
export { describeSigningKeyStoreConformance, fakeSigningKey } from './conformance/signing-keys.ts';
export { describeStorageConformance, type StorageConformanceOptions } from './conformance/storage.ts';
export { describeUserImportStoreConformance } from './conformance/user-imports.ts';
export { describeUserRepositoryConformance } from './conformance/users.ts';
export { MemoryAccountTokenStore } from './memory/account-tokens.ts';
export { MemoryApiKeyStore, MemoryServiceAccountStore } from './memory/api-keys.ts';
export { MemoryOAuthArtifactStore } from './memory/oauth-artifacts.ts';
export { MemoryOAuthClientStore } from './memory/oauth-clients.ts';
export { MemoryRefreshTokenStore } from './memory/refresh-tokens.ts';
export {
  MemoryLoginTransactionStore,
  MemoryRecoveryCodeStore,
  MemorySecondFactorStore,
} from './memory/second-factors.ts';
export { MemorySigningKeyStore } from './memory/signing-keys.ts';
export {
  MemoryAuditLog,
  MemoryCounterStore,
  MemoryCredentialRepository,
  MemoryMailOutboxStore,
  MemoryPolicyDocumentRepository,
  MemoryRevocationStore,
  MemoryRoleRepository,
  MemorySessionStore,
  MemoryUserProfileRepository,
  MemoryUserRepository,
  memoryStorage,
} from './memory.ts';
export { RecordingMailQueue } from './recording-mail-queue.ts';
export {
  defaultPostgresUrl,
  defaultRedisUrl,
  postgresUrlOrSkip,
  redisUrlOrSkip,
  servicesRequired,
} from './services.ts';
export { AUTHORIZATION_HEADER_CASES } from './vectors/authorization-headers.ts';
