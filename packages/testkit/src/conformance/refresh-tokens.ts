import {
  type RefreshTokenKind,
  type RefreshTokenRecord,
  type RefreshTokenStore,
  randomId,
} from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { givenUsers, HOUR, type MakeFixture, useFixture } from './fixtures.ts';
import { describeBothKinds, ENGINE_MODEL } from './refresh-token-kinds.ts';

const GRACE = 30_000;
/** A fixed `now`: the store compares the times it is given, never its own clock. */
const T0 = 1_800_000_000_000;

/**
 * Rotation with reuse detection and the retry grace (RFC 9700 §4.14.2): a consumed token is
 * `retried` only within the grace, while its successor is absent or unused; otherwise `reused`.
 * Every rule holds for both kinds the one store keeps: first-party and OAuth engine tokens.
 */
export function describeRefreshTokenStoreConformance(
  name: string,
  make: MakeFixture<RefreshTokenStore>,
): void {
  for (const kind of ['first-party', 'oauth'] as const) describeKind(name, make, kind);
  describeBothKinds(name, make);
}

function describeKind(name: string, make: MakeFixture<RefreshTokenStore>, kind: RefreshTokenKind): void {
  describe(`${name}: RefreshTokenStore conformance (${kind} tokens)`, () => {
    const fixture = useFixture(make);

    const family = async (overrides: Partial<RefreshTokenRecord> = {}) => {
      const [userId] = await givenUsers(fixture().users, 1, T0);
      const familyId = randomId(16);
      const token = (more: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord => ({
        idHash: randomId(32),
        kind,
        familyId,
        userId: userId!,
        clientId: 'gatehouse',
        sessionIdHash: `s_${familyId}`,
        scope: '',
        createdAt: T0,
        expiresAt: T0 + HOUR,
        familyExpiresAt: T0 + 24 * HOUR,
        consumedAt: null,
        revokedAt: null,
        payload: kind === 'oauth' ? { ...ENGINE_MODEL, accountId: userId } : null,
        ...overrides,
        ...more,
      });
      return { userId: userId!, familyId, token };
    };

    it('consumes a live token once; a second use without a grace is reuse', async () => {
      const { store } = fixture();
      const { token } = await family();
      const first = token();
      await store.insert(first);
      const consumed = await store.consume(first.idHash, T0 + 1000);
      expect(consumed).toEqual({ status: 'consumed', record: { ...first, consumedAt: T0 + 1000 } });
      expect(await store.consume(first.idHash, T0 + 2000)).toEqual({
        status: 'reused',
        record: { ...first, consumedAt: T0 + 1000 },
      });
    });

    it('unknown, expired, family-expired and revoked tokens are invalid', async () => {
      const { store } = fixture();
      const { token } = await family();
      const idle = token({ expiresAt: T0 + 10 });
      const old = token({ familyExpiresAt: T0 + 10 });
      const revoked = token({ revokedAt: T0 });
      for (const t of [idle, old, revoked]) await store.insert(t);
      expect(await store.consume(randomId(32), T0)).toEqual({ status: 'invalid' });
      for (const t of [idle, old])
        expect(await store.consume(t.idHash, T0 + 10)).toEqual({ status: 'invalid' });
      expect(await store.consume(revoked.idHash, T0 + 1)).toEqual({ status: 'invalid' });
    });

    it('inserting an existing token again is a no-op (successors are derived, retries insert them again)', async () => {
      const { store } = fixture();
      const { token } = await family();
      const first = token();
      await store.insert(first);
      await store.consume(first.idHash, T0 + 1);
      await store.insert({ ...first, createdAt: T0 + 5, expiresAt: T0 + 2 * HOUR });
      expect(await store.consume(first.idHash, T0 + 2)).toEqual({
        status: 'reused',
        record: { ...first, consumedAt: T0 + 1 },
      });
    });

    it('within the grace a consumed token is retried while its successor is absent or unused', async () => {
      const { store } = fixture();
      const { token } = await family();
      const parent = token();
      const successor = token();
      await store.insert(parent);
      await store.consume(parent.idHash, T0);
      const retry = { successorIdHash: successor.idHash, graceMs: GRACE };
      // The first consumer has not inserted the successor yet (or crashed before it did).
      expect(await store.consume(parent.idHash, T0 + 1, retry)).toMatchObject({ status: 'retried' });
      await store.insert(successor);
      const again = await store.consume(parent.idHash, T0 + GRACE - 1, retry);
      expect(again).toEqual({ status: 'retried', record: { ...parent, consumedAt: T0 } });
    });

    it('a retry after the grace, with the grace 0, or once the successor was used or revoked is reuse', async () => {
      const { store } = fixture();
      const { token } = await family();
      const parent = token();
      const successor = token();
      await store.insert(parent);
      await store.insert(successor);
      await store.consume(parent.idHash, T0);
      const retry = { successorIdHash: successor.idHash, graceMs: GRACE };
      expect((await store.consume(parent.idHash, T0 + GRACE, retry)).status).toBe('reused');
      expect((await store.consume(parent.idHash, T0 + 1, { ...retry, graceMs: 0 })).status).toBe('reused');
      expect((await store.consume(parent.idHash, T0 + 1, retry)).status).toBe('retried');
      expect((await store.consume(successor.idHash, T0 + 2)).status).toBe('consumed');
      expect((await store.consume(parent.idHash, T0 + 3, retry)).status).toBe('reused');

      const other = await family();
      const p2 = other.token();
      const s2 = other.token();
      await store.insert(p2);
      await store.insert(s2);
      await store.consume(p2.idHash, T0);
      await store.revokeBySession(s2.sessionIdHash, T0 + 1);
      const retry2 = { successorIdHash: s2.idHash, graceMs: GRACE };
      expect((await store.consume(p2.idHash, T0 + 2, retry2)).status).toBe('reused');
    });

    it('a retry in a family that expired meanwhile is reuse, not a token that is dead on arrival', async () => {
      const { store } = fixture();
      const { token } = await family({ familyExpiresAt: T0 + 10 });
      const parent = token();
      await store.insert(parent);
      await store.consume(parent.idHash, T0);
      const retry = { successorIdHash: randomId(32), graceMs: GRACE };
      expect((await store.consume(parent.idHash, T0 + 5, retry)).status).toBe('retried');
      expect((await store.consume(parent.idHash, T0 + 10, retry)).status).toBe('reused');
    });

    it('of 10 concurrent uses exactly one consumes; the other nine are retries of it', async () => {
      const { store } = fixture();
      const { token } = await family();
      const parent = token();
      await store.insert(parent);
      const retry = { successorIdHash: randomId(32), graceMs: GRACE };
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.consume(parent.idHash, T0 + 1, retry)),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual(['consumed', ...Array.from({ length: 9 }, () => 'retried')]);
    });

    it('of 10 concurrent uses without a grace exactly one consumes; the other nine are reuse', async () => {
      const { store } = fixture();
      const { token } = await family();
      const parent = token();
      await store.insert(parent);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.consume(parent.idHash, T0 + 1)),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual(['consumed', ...Array.from({ length: 9 }, () => 'reused')]);
    });

    it('revokeFamily ends every live token of the family at once, and only that family', async () => {
      const { store } = fixture();
      const a = await family();
      const b = await family();
      const [consumed, live, other] = [a.token(), a.token(), b.token()];
      for (const t of [consumed, live, other]) await store.insert(t);
      await store.consume(consumed.idHash, T0 + 1);
      expect(await store.revokeFamily(a.familyId, T0 + 2)).toBe(2);
      expect(await store.consume(live.idHash, T0 + 3)).toEqual({ status: 'invalid' });
      const retry = { successorIdHash: live.idHash, graceMs: GRACE };
      expect((await store.consume(consumed.idHash, T0 + 3, retry)).status).toBe('reused');
      expect((await store.consume(other.idHash, T0 + 3)).status).toBe('consumed');
    });

    it('revokes by family, session and user (counting rows newly revoked) and deletes the expired', async () => {
      const { store } = fixture();
      const a = await family();
      const b = await family();
      const [a1, a2, b1] = [a.token(), a.token(), b.token({ expiresAt: T0 + 10 })];
      for (const t of [a1, a2, b1]) await store.insert(t);
      expect(await store.revokeFamily(a.familyId, T0)).toBe(2);
      expect(await store.revokeFamily(a.familyId, T0)).toBe(0);
      expect(await store.revokeBySession(b1.sessionIdHash, T0)).toBe(1);
      expect(await store.revokeByUser(a.userId, T0)).toBe(0);
      expect((await store.consume(a1.idHash, T0 + 1)).status).toBe('invalid');
      expect(await store.deleteExpired(T0 + 10)).toBe(1);
      expect(await store.consume(b1.idHash, T0 + 1)).toEqual({ status: 'invalid' });
    });
  });
}
