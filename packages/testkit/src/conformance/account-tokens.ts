import type { AccountTokenRecord, AccountTokenStore } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { givenUsers, HOUR, type MakeFixture, useFixture } from './fixtures.ts';

const NOW = Date.UTC(2026, 0, 1);

function token(userId: string, overrides: Partial<AccountTokenRecord> = {}): AccountTokenRecord {
  return {
    idHash: `hash-${Math.random().toString(36).slice(2)}`,
    purpose: 'reset-password',
    userId,
    email: `${userId}@example.test`,
    createdAt: NOW,
    expiresAt: NOW + HOUR,
    ...overrides,
  };
}

export function describeAccountTokenStoreConformance(
  name: string,
  make: MakeFixture<AccountTokenStore>,
): void {
  describe(`${name}: AccountTokenStore conformance`, () => {
    const fixture = useFixture(make);

    it('finds without consuming, then consumes exactly once', async () => {
      const { store, users } = fixture();
      const [userId = ''] = await givenUsers(users, 1, NOW);
      const record = token(userId);
      await store.insert(record);
      expect(await store.find(record.idHash, 'reset-password', NOW)).toStrictEqual(record);
      expect(await store.consume(record.idHash, 'reset-password', NOW + 1)).toStrictEqual(record);
      expect(await store.consume(record.idHash, 'reset-password', NOW + 2)).toBeUndefined();
      expect(await store.find(record.idHash, 'reset-password', NOW + 2)).toBeUndefined();
    });

    it('refuses another purpose and leaves the token usable for its own', async () => {
      const { store, users } = fixture();
      const [userId = ''] = await givenUsers(users, 1, NOW);
      const record = token(userId, { purpose: 'verify-email' });
      await store.insert(record);
      expect(await store.consume(record.idHash, 'reset-password', NOW)).toBeUndefined();
      expect(await store.find(record.idHash, 'invitation', NOW)).toBeUndefined();
      expect((await store.consume(record.idHash, 'verify-email', NOW))?.userId).toBe(userId);
    });

    it('refuses an expired token (expiry is exclusive) and sweeps it', async () => {
      const { store, users } = fixture();
      const [userId = ''] = await givenUsers(users, 1, NOW);
      const record = token(userId, { expiresAt: NOW + 1000 });
      await store.insert(record);
      expect(await store.find(record.idHash, 'reset-password', NOW + 1000)).toBeUndefined();
      expect(await store.consume(record.idHash, 'reset-password', NOW + 1000)).toBeUndefined();
      const live = token(userId, { expiresAt: NOW + HOUR });
      await store.insert(live);
      expect(await store.deleteExpired(NOW + 1000)).toBe(1);
      expect(await store.find(live.idHash, 'reset-password', NOW + 1000)).toStrictEqual(live);
    });

    it('names the holder of a live token for an address and purpose (the newest), never an expired one', async () => {
      const { store, users } = fixture();
      const [first = '', second = ''] = await givenUsers(users, 2, NOW);
      const email = 'old-address@example.test';
      await store.insert(token(first, { purpose: 'undo-email-change', email }));
      await store.insert(token(second, { purpose: 'undo-email-change', email, createdAt: NOW + 5 }));
      await store.insert(token(first, { purpose: 'change-email', email: 'other@example.test' }));
      expect(await store.holderOf('undo-email-change', email, NOW)).toBe(second);
      expect(await store.holderOf('change-email', email, NOW)).toBeUndefined();
      expect(await store.holderOf('undo-email-change', 'nobody@example.test', NOW)).toBeUndefined();
      expect(await store.holderOf('undo-email-change', email, NOW + HOUR)).toBeUndefined();
    });

    it("deletes one user's tokens of one purpose only", async () => {
      const { store, users } = fixture();
      const [alice = '', bob = ''] = await givenUsers(users, 2, NOW);
      const a1 = token(alice);
      const a2 = token(alice);
      const aVerify = token(alice, { purpose: 'verify-email' });
      const b1 = token(bob);
      for (const record of [a1, a2, aVerify, b1]) await store.insert(record);
      expect(await store.deleteByUser(alice, 'reset-password')).toBe(2);
      expect(await store.find(a1.idHash, 'reset-password', NOW)).toBeUndefined();
      expect(await store.find(a2.idHash, 'reset-password', NOW)).toBeUndefined();
      expect(await store.find(aVerify.idHash, 'verify-email', NOW)).toBeDefined();
      expect(await store.find(b1.idHash, 'reset-password', NOW)).toBeDefined();
    });

    it('lets exactly one of 10 concurrent consumes of a token succeed', async () => {
      const { store, users } = fixture();
      const [userId = ''] = await givenUsers(users, 1, NOW);
      const record = token(userId);
      await store.insert(record);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.consume(record.idHash, 'reset-password', NOW)),
      );
      expect(results.filter((result) => result !== undefined)).toHaveLength(1);
    });
  });
}
