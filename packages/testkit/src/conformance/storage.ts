import type { RefreshTokenRecord, Storage } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { describeAccountTokenStoreConformance } from './account-tokens.ts';
import { describeApiKeyStoresConformance, fakeApiKey } from './api-keys.ts';
import { describeAuditLogConformance } from './audit.ts';
import { describeInvalidationBusConformance } from './bus.ts';
import { describeCounterStoreConformance } from './counters.ts';
import { describeCredentialRepositoryConformance } from './credentials.ts';
import { HOUR } from './fixtures.ts';
import { describeMailOutboxStoreConformance } from './mail-outbox.ts';
import { describeOAuthArtifactStoreConformance } from './oauth-artifacts.ts';
import { describeOAuthClientStoreConformance } from './oauth-clients.ts';
import { describePolicyDocumentRepositoryConformance } from './policies.ts';
import { describeRateLimiterConformance } from './rate-limiter.ts';
import { describeRefreshTokenStoreConformance } from './refresh-tokens.ts';
import { describeRevocationStoreConformance } from './revocations.ts';
import { describeRoleRepositoryConformance } from './roles.ts';
import { describeSecondFactorStoresConformance } from './second-factors.ts';
import type { SessionStoreConformanceOptions } from './sessions.ts';
import { describeSessionStoreConformance } from './sessions.ts';
import { describeSigningKeyStoreConformance } from './signing-keys.ts';
import { describeUserImportStoreConformance } from './user-imports.ts';
import { describeUserProfileRepositoryConformance } from './user-profiles.ts';
import { describeUserRepositoryConformance } from './users.ts';

export interface StorageConformanceOptions extends SessionStoreConformanceOptions {
  /** The storage keeps short-lived OAuth artifacts apart (in Redis, with native TTLs): run them too. */
  readonly shortLivedOAuthArtifacts?: boolean;
}

/**
 * Runs every port suite against a whole `Storage`; `make` must return an empty storage. Ports a
 * backend does not serve itself (a SQL storage's in-process rate limiter) run too: the suite
 * proves what the bundle hands the server, whatever sits behind each port.
 */
export function describeStorageConformance(
  name: string,
  make: () => Promise<{ storage: Storage; cleanup(): Promise<void> }>,
  options: StorageConformanceOptions = {},
): void {
  const port =
    <K extends keyof Storage>(key: K) =>
    async () => {
      const { storage, cleanup } = await make();
      return { store: storage[key], users: storage.users, cleanup };
    };
  // Suites that make no users get the port alone (a store without users ignores them anyway).
  const alone =
    <K extends keyof Storage>(key: K) =>
    async () => {
      const { storage, cleanup } = await make();
      return { store: storage[key], cleanup };
    };
  describeUserRepositoryConformance(name, port('users'));
  describeUserProfileRepositoryConformance(name, port('profiles'));
  describeCredentialRepositoryConformance(name, port('credentials'));
  describeAccountTokenStoreConformance(name, port('accountTokens'));
  describeUserImportStoreConformance(name, async () => {
    const { storage, cleanup } = await make();
    const { userImports, users, credentials, profiles, roles } = storage;
    return { store: { userImports, users, credentials, profiles, roles }, cleanup };
  });
  describeSecondFactorStoresConformance(name, async () => {
    const { storage, cleanup } = await make();
    const { users, secondFactors, recoveryCodes, loginTransactions } = storage;
    return { store: { users, secondFactors, recoveryCodes, loginTransactions }, cleanup };
  });
  describeSessionStoreConformance(name, port('sessions'), options);
  describeRoleRepositoryConformance(name, port('roles'));
  describeAuditLogConformance(name, port('audit'));
  describeCounterStoreConformance(name, port('counters'));
  describeInvalidationBusConformance(name, alone('bus'));
  describeRefreshTokenStoreConformance(name, port('refreshTokens'));
  describeRevocationStoreConformance(name, alone('revocations'));
  describeApiKeyStoresConformance(name, async () => {
    const { storage, cleanup } = await make();
    const { users, apiKeys, serviceAccounts } = storage;
    return { store: { users, apiKeys, serviceAccounts }, cleanup };
  });
  describeSigningKeyStoreConformance(name, alone('signingKeys'));
  describeSigningKeyStoreConformance(`${name} (RS256 ring)`, alone('rs256SigningKeys'));
  describeOAuthClientStoreConformance(name, alone('oauthClients'));
  describeOAuthArtifactStoreConformance(name, alone('oauthArtifacts'));
  if (options.shortLivedOAuthArtifacts === true)
    describeOAuthArtifactStoreConformance(
      `${name} (short-lived)`,
      async () => {
        const { storage, cleanup } = await make();
        if (storage.shortLivedOAuthArtifacts === undefined) throw new Error('no short-lived artifact store');
        return { store: storage.shortLivedOAuthArtifacts, cleanup };
      },
      { nativeTtl: true },
    );
  describePolicyDocumentRepositoryConformance(name, alone('policies'));
  describeRateLimiterConformance(name, alone('rateLimiter'));
  describeMailOutboxStoreConformance(name, alone('mailOutbox'));
  describe(`${name}: deleting a user`, () => {
    it('takes its credentials, role bindings, profile, refresh tokens, API keys and account tokens with it', async () => {
      const { storage, cleanup } = await make();
      try {
        const now = Date.UTC(2026, 0, 1);
        await storage.users.create({ id: 'gone', email: 'gone@example.test', kind: 'user', now });
        await storage.users.create({ id: 'kept', email: 'kept@example.test', kind: 'user', now });
        await storage.roles.upsert({ name: 'reader', description: '', permissions: ['notes:read'], now });
        for (const id of ['gone', 'kept']) {
          await storage.credentials.setPasswordHash(id, `$argon2id$${id}`, now);
          await storage.roles.grant(id, 'reader', now);
          await storage.profiles.set(id, { name: id }, now);
          await storage.refreshTokens.insert(refreshToken(id, now));
          await storage.apiKeys.insert(fakeApiKey(id, { id: `key-${id}` }));
          await storage.accountTokens.insert({
            idHash: `at-${id}`,
            purpose: 'verify-email',
            userId: id,
            email: `${id}@example.test`,
            createdAt: now,
            expiresAt: now + HOUR,
          });
        }
        expect(await storage.users.delete('gone')).toBe(true);
        expect(await storage.refreshTokens.consume('rt-gone', now)).toEqual({ status: 'invalid' });
        expect(await storage.apiKeys.findById('key-gone')).toBeUndefined();
        expect(await storage.accountTokens.find('at-gone', 'verify-email', now)).toBeUndefined();
        expect((await storage.accountTokens.find('at-kept', 'verify-email', now))?.userId).toBe('kept');
        expect((await storage.refreshTokens.consume('rt-kept', now)).status).toBe('consumed');
        expect((await storage.apiKeys.findById('key-kept'))?.ownerId).toBe('kept');
        expect(await storage.credentials.getPasswordHash('gone')).toBeUndefined();
        expect(await storage.roles.rolesOf('gone')).toEqual([]);
        expect(await storage.profiles.get('gone')).toEqual({});
        expect(await storage.credentials.getPasswordHash('kept')).toBe('$argon2id$kept');
        expect(await storage.roles.rolesOf('kept')).toEqual(['reader']);
        expect(await storage.profiles.get('kept')).toEqual({ name: 'kept' });
      } finally {
        await cleanup();
      }
    });
  });
}

function refreshToken(userId: string, now: number): RefreshTokenRecord {
  return {
    idHash: `rt-${userId}`,
    kind: 'first-party',
    familyId: `family-${userId}`,
    userId,
    clientId: 'gatehouse',
    sessionIdHash: `session-${userId}`,
    scope: '',
    createdAt: now,
    expiresAt: now + HOUR,
    familyExpiresAt: now + 24 * HOUR,
    consumedAt: null,
    revokedAt: null,
    payload: null,
  };
}
