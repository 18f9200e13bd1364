import type {
  LoginTransactionStore,
  RecoveryCodeStore,
  SecondFactorRecord,
  SecondFactorStore,
  UserRepository,
} from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { givenUsers, HOUR, type MakeFixture, useFixture } from './fixtures.ts';

const NOW = Date.UTC(2026, 0, 1);

export interface SecondFactorStores {
  users: UserRepository;
  secondFactors: SecondFactorStore;
  recoveryCodes: RecoveryCodeStore;
  loginTransactions: LoginTransactionStore;
}

function factor(userId: string, overrides: Partial<SecondFactorRecord> = {}): SecondFactorRecord {
  return {
    id: `sf_${Math.random().toString(36).slice(2)}`,
    userId,
    kind: 'totp',
    name: 'Phone',
    sealedSecret: 'v2.k.iv.ct.tag',
    confirmed: false,
    createdAt: NOW,
    lastUsedAt: null,
    lastStep: null,
    ...overrides,
  };
}

/** The second-factor ports: the compare-and-set and single-use takes every backend must keep atomic. */
export function describeSecondFactorStoresConformance(
  name: string,
  make: MakeFixture<SecondFactorStores>,
): void {
  describe(`${name}: second factor stores conformance`, () => {
    const fixture = useFixture(make);

    it('keeps a factor and lists it with its user only', async () => {
      const { store } = fixture();
      const [alice = '', bob = ''] = await givenUsers(store.users, 2, NOW);
      const record = factor(alice);
      await store.secondFactors.insert(record);
      expect(await store.secondFactors.listByUser(alice)).toStrictEqual([record]);
      expect(await store.secondFactors.listByUser(bob)).toStrictEqual([]);
      expect(await store.secondFactors.find(record.id)).toStrictEqual(record);
    });

    it('accepts a time-step once: the same or an earlier step is refused (replay)', async () => {
      const { store } = fixture();
      const [alice = ''] = await givenUsers(store.users, 1, NOW);
      const record = factor(alice);
      await store.secondFactors.insert(record);
      expect(await store.secondFactors.acceptStep(record.id, 100, NOW + 1, true)).toBe(true);
      expect(await store.secondFactors.acceptStep(record.id, 100, NOW + 2, false)).toBe(false);
      expect(await store.secondFactors.acceptStep(record.id, 99, NOW + 2, false)).toBe(false);
      expect(await store.secondFactors.find(record.id)).toMatchObject({
        confirmed: true,
        lastStep: 100,
        lastUsedAt: NOW + 1,
      });
      expect(await store.secondFactors.acceptStep(record.id, 101, NOW + 3, false)).toBe(true);
    });

    it('lets one of concurrent acceptances of the same step win', async () => {
      const { store } = fixture();
      const [alice = ''] = await givenUsers(store.users, 1, NOW);
      const record = factor(alice, { confirmed: true });
      await store.secondFactors.insert(record);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => store.secondFactors.acceptStep(record.id, 7, NOW, false)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('deletes only its owner’s factor, and pages and replaces sealed secrets by compare-and-set', async () => {
      const { store } = fixture();
      const [alice = '', bob = ''] = await givenUsers(store.users, 2, NOW);
      const record = factor(alice, { id: 'sf_a' });
      await store.secondFactors.insert(record);
      await store.secondFactors.insert(factor(alice, { id: 'sf_b' }));
      expect(await store.secondFactors.pageSealed(null, 1)).toStrictEqual([
        { id: 'sf_a', sealed: record.sealedSecret },
      ]);
      expect((await store.secondFactors.pageSealed('sf_a', 10)).map((r) => r.id)).toStrictEqual(['sf_b']);
      expect(await store.secondFactors.replaceSealed('sf_a', 'other', 'new')).toBe(false);
      expect(await store.secondFactors.replaceSealed('sf_a', record.sealedSecret, 'new')).toBe(true);
      expect((await store.secondFactors.find('sf_a'))?.sealedSecret).toBe('new');
      expect(await store.secondFactors.delete('sf_a', bob)).toBe(false);
      expect(await store.secondFactors.delete('sf_a', alice)).toBe(true);
      expect(await store.secondFactors.deleteByUser(alice)).toBe(1);
      expect(await store.secondFactors.listByUser(alice)).toStrictEqual([]);
    });

    it('consumes a recovery code once, counts what is left, and regenerating replaces the set', async () => {
      const { store } = fixture();
      const [alice = '', bob = ''] = await givenUsers(store.users, 2, NOW);
      await store.recoveryCodes.replace(alice, ['h1', 'h2', 'h3'], NOW);
      expect(await store.recoveryCodes.consume(bob, 'h1', NOW)).toBeUndefined();
      expect(await store.recoveryCodes.consume(alice, 'h1', NOW)).toBe(2);
      expect(await store.recoveryCodes.consume(alice, 'h1', NOW)).toBeUndefined();
      const racing = await Promise.all([
        store.recoveryCodes.consume(alice, 'h2', NOW),
        store.recoveryCodes.consume(alice, 'h2', NOW),
      ]);
      expect(racing.filter((left) => left !== undefined)).toStrictEqual([1]);
      await store.recoveryCodes.replace(alice, ['n1', 'n2'], NOW);
      expect(await store.recoveryCodes.consume(alice, 'h3', NOW)).toBeUndefined();
      expect(await store.recoveryCodes.countUnused(alice)).toBe(2);
      expect(await store.recoveryCodes.deleteByUser(alice)).toBe(2);
      expect(await store.recoveryCodes.countUnused(alice)).toBe(0);
    });

    it('finds a login transaction until it expires and lets it be taken once', async () => {
      const { store } = fixture();
      const [alice = ''] = await givenUsers(store.users, 1, NOW);
      const record = {
        idHash: 'tx1',
        userId: alice,
        pending: ['totp', 'recovery_code'] as const,
        startedAt: NOW,
        expiresAt: NOW + HOUR,
      };
      await store.loginTransactions.insert(record);
      expect(await store.loginTransactions.find('tx1', NOW)).toStrictEqual(record);
      expect(await store.loginTransactions.find('tx1', NOW + HOUR)).toBeUndefined();
      expect(await store.loginTransactions.take('tx1', NOW + HOUR)).toBeUndefined();
      const racing = await Promise.all([
        store.loginTransactions.take('tx1', NOW + 1),
        store.loginTransactions.take('tx1', NOW + 1),
      ]);
      expect(racing.filter((taken) => taken !== undefined)).toStrictEqual([record]);
      expect(await store.loginTransactions.find('tx1', NOW + 1)).toBeUndefined();
    });

    it('sweeps expired transactions and forgets everything with the user', async () => {
      const { store } = fixture();
      const [alice = ''] = await givenUsers(store.users, 1, NOW);
      await store.loginTransactions.insert({
        idHash: 'old',
        userId: alice,
        pending: ['totp'],
        startedAt: NOW,
        expiresAt: NOW + 10,
      });
      await store.loginTransactions.insert({
        idHash: 'new',
        userId: alice,
        pending: ['totp'],
        startedAt: NOW,
        expiresAt: NOW + HOUR,
      });
      await store.secondFactors.insert(factor(alice));
      await store.recoveryCodes.replace(alice, ['h1'], NOW);
      expect(await store.loginTransactions.deleteExpired(NOW + 10)).toBe(1);
      await store.users.delete(alice);
      expect(await store.loginTransactions.find('new', NOW)).toBeUndefined();
      expect(await store.secondFactors.listByUser(alice)).toStrictEqual([]);
      expect(await store.recoveryCodes.countUnused(alice)).toBe(0);
    });
  });
}
