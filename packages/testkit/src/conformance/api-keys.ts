import {
  type ApiKeyRecord,
  type ApiKeyStore,
  randomId,
  type ServiceAccountStore,
  type UserRepository,
} from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { givenUsers, type MakeFixture, useFixture } from './fixtures.ts';

export interface ApiKeyStores {
  apiKeys: ApiKeyStore;
  serviceAccounts: ServiceAccountStore;
  users: UserRepository;
}

const T0 = 1_750_000_000_000;

export function fakeApiKey(ownerId: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: randomId(8),
    ownerId,
    name: 'deploy bot',
    secretHash: randomId(32),
    lastFour: 'abcd',
    scopes: ['notes:read', 'notes:*'],
    createdAt: T0,
    expiresAt: null,
    revokedAt: null,
    replacedBy: null,
    lastUsedAt: null,
    lastUsedIp: null,
    rateLimit: null,
    allowedCidrs: null,
    ...overrides,
  };
}

/** The API-key and service-account stores, which share the users they belong to. */
export function describeApiKeyStoresConformance(name: string, make: MakeFixture<ApiKeyStores>): void {
  describe(`${name}: ApiKeyStore conformance`, () => {
    const fixture = useFixture(make);

    it('stores every field and reads it back, nulls and lists included', async () => {
      const { apiKeys, users } = fixture().store;
      const [owner] = await givenUsers(users, 1, T0);
      const plain = fakeApiKey(owner!);
      const full = fakeApiKey(owner!, {
        createdAt: T0 + 1,
        expiresAt: T0 + 60_000,
        rateLimit: { limit: 5, windowSeconds: 10 },
        allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'],
      });
      await apiKeys.insert(plain);
      await apiKeys.insert(full);
      expect(await apiKeys.findById(plain.id)).toEqual(plain);
      expect(await apiKeys.findById(full.id)).toEqual(full);
      expect(await apiKeys.findById('nope')).toBeUndefined();
      expect((await apiKeys.listByOwner(owner!)).map((k) => k.id)).toEqual([full.id, plain.id]);
      expect(await apiKeys.listByOwner('someone-else')).toEqual([]);
    });

    it('revokes once', async () => {
      const { apiKeys, users } = fixture().store;
      const [owner] = await givenUsers(users, 1, T0);
      const key = fakeApiKey(owner!);
      await apiKeys.insert(key);
      expect(await apiKeys.revoke(key.id, T0 + 5)).toBe(true);
      expect(await apiKeys.revoke(key.id, T0 + 9)).toBe(false);
      expect(await apiKeys.revoke('nope', T0)).toBe(false);
      expect((await apiKeys.findById(key.id))?.revokedAt).toBe(T0 + 5);
    });

    it('supersede brings the expiry forward, never later', async () => {
      const { apiKeys, users } = fixture().store;
      const [owner] = await givenUsers(users, 1, T0);
      const open = fakeApiKey(owner!);
      const soon = fakeApiKey(owner!, { expiresAt: T0 + 1000 });
      await apiKeys.insert(open);
      await apiKeys.insert(soon);
      expect(await apiKeys.supersede(open.id, 'next1', T0 + 5000)).toBe(true);
      expect(await apiKeys.supersede(soon.id, 'next2', T0 + 5000)).toBe(true);
      expect(await apiKeys.findById(open.id)).toMatchObject({ expiresAt: T0 + 5000, replacedBy: 'next1' });
      expect(await apiKeys.findById(soon.id)).toMatchObject({ expiresAt: T0 + 1000, replacedBy: 'next2' });
      // Only once, and never a revoked key.
      expect(await apiKeys.supersede(open.id, 'again', T0 + 10)).toBe(false);
      expect((await apiKeys.findById(open.id))?.replacedBy).toBe('next1');
      const revoked = fakeApiKey(owner!);
      await apiKeys.insert(revoked);
      await apiKeys.revoke(revoked.id, T0);
      expect(await apiKeys.supersede(revoked.id, 'x', T0 + 10)).toBe(false);
      expect(await apiKeys.supersede('nope', 'x', T0)).toBe(false);
    });

    it('issue 25 #2: replaceSecretHash is a compare-and-set on the stored hash', async () => {
      const { apiKeys, users } = fixture().store;
      const [owner] = await givenUsers(users, 1, T0);
      const key = fakeApiKey(owner!);
      await apiKeys.insert(key);
      const rehashed = randomId(32);
      expect(await apiKeys.replaceSecretHash(key.id, randomId(32), rehashed)).toBe(false);
      expect(await apiKeys.replaceSecretHash('nope', key.secretHash, rehashed)).toBe(false);
      expect(await apiKeys.replaceSecretHash(key.id, key.secretHash, rehashed)).toBe(true);
      expect(await apiKeys.replaceSecretHash(key.id, key.secretHash, randomId(32))).toBe(false);
      expect(await apiKeys.findById(key.id)).toStrictEqual({ ...key, secretHash: rehashed });
    });

    it('records usage in a batch and never moves last use backwards', async () => {
      const { apiKeys, users } = fixture().store;
      const [owner] = await givenUsers(users, 1, T0);
      const [a, b] = [fakeApiKey(owner!), fakeApiKey(owner!)];
      await apiKeys.insert(a);
      await apiKeys.insert(b);
      await apiKeys.recordUsage([
        { id: a.id, at: T0 + 10, ip: '203.0.113.7' },
        { id: b.id, at: T0 + 20, ip: '2001:db8::1' },
        { id: 'gone', at: T0, ip: '192.0.2.1' },
      ]);
      await apiKeys.recordUsage([{ id: a.id, at: T0 + 5, ip: '198.51.100.1' }]);
      expect(await apiKeys.findById(a.id)).toMatchObject({ lastUsedAt: T0 + 10, lastUsedIp: '203.0.113.7' });
      expect(await apiKeys.findById(b.id)).toMatchObject({ lastUsedAt: T0 + 20, lastUsedIp: '2001:db8::1' });
      await apiKeys.recordUsage([]);
    });
  });

  describe(`${name}: ServiceAccountStore conformance`, () => {
    const fixture = useFixture(make);
    const newAccount = (name: string) => ({
      id: randomId(16),
      name,
      description: 'nightly export',
      rateLimit: { limit: 100, windowSeconds: 60 },
      now: T0,
    });

    it('creates a service identity; a taken name creates nothing', async () => {
      const { serviceAccounts, users } = fixture().store;
      const input = newAccount(`svc-${randomId(4)}`);
      const created = await serviceAccounts.create(input);
      expect(created).toEqual({
        id: input.id,
        name: input.name,
        description: 'nightly export',
        disabled: false,
        rateLimit: { limit: 100, windowSeconds: 60 },
        createdAt: T0,
      });
      expect(await users.findById(input.id)).toMatchObject({ kind: 'service', disabled: false });
      const again = { ...newAccount(input.name) };
      expect(await serviceAccounts.create(again)).toBeUndefined();
      expect(await users.findById(again.id)).toBeUndefined();
      expect(await serviceAccounts.get(input.id)).toEqual(created);
      expect((await serviceAccounts.list()).map((a) => a.name)).toEqual([input.name]);
    });

    it('updates description and limit, reflects disabling, and deletes with its keys', async () => {
      const { serviceAccounts, users, apiKeys } = fixture().store;
      const input = newAccount(`svc-${randomId(4)}`);
      await serviceAccounts.create(input);
      const updated = await serviceAccounts.update(input.id, { rateLimit: null }, T0 + 1);
      expect(updated).toMatchObject({ description: 'nightly export', rateLimit: null });
      expect(await serviceAccounts.update(input.id, { description: 'x' }, T0 + 2)).toMatchObject({
        description: 'x',
      });
      expect(await serviceAccounts.update('nope', { description: 'x' }, T0)).toBeUndefined();
      await users.setDisabled(input.id, true, T0 + 3);
      expect((await serviceAccounts.get(input.id))?.disabled).toBe(true);
      const key = fakeApiKey(input.id);
      await apiKeys.insert(key);
      expect(await serviceAccounts.delete(input.id)).toBe(true);
      expect(await serviceAccounts.delete(input.id)).toBe(false);
      expect(await serviceAccounts.get(input.id)).toBeUndefined();
      expect(await users.findById(input.id)).toBeUndefined();
      expect(await apiKeys.findById(key.id)).toBeUndefined();
    });

    it("deleting a person deletes their keys, and no one else's", async () => {
      const { users, apiKeys } = fixture().store;
      const [person, other] = await givenUsers(users, 2, T0);
      const theirs = fakeApiKey(person!);
      const kept = fakeApiKey(other!);
      await apiKeys.insert(theirs);
      await apiKeys.insert(kept);
      expect(await users.delete(person!)).toBe(true);
      expect(await apiKeys.findById(theirs.id)).toBeUndefined();
      expect(await apiKeys.listByOwner(person!)).toEqual([]);
      expect(await apiKeys.findById(kept.id)).toEqual(kept);
    });

    it('never deletes a person through the service-account store', async () => {
      const { serviceAccounts, users } = fixture().store;
      const [person] = await givenUsers(users, 1, T0);
      expect(await serviceAccounts.delete(person!)).toBe(false);
      expect(await users.findById(person!)).toBeDefined();
    });
  });
}
