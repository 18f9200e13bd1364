import type { SessionStore } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { givenUsers, HOUR, type MakeFixture, sessionFor, useFixture } from './fixtures.ts';

export interface SessionStoreConformanceOptions {
  /** The store expires records natively (Redis TTL): `deleteExpired` returns 0 and expired records vanish. */
  nativeTtl?: boolean;
}

/** Times are real (`Date.now()`-based) so stores with native TTLs can pass. */
export function describeSessionStoreConformance(
  name: string,
  make: MakeFixture<SessionStore>,
  options: SessionStoreConformanceOptions = {},
): void {
  describe(`${name}: SessionStore conformance`, () => {
    const fixture = useFixture(make);

    it('round-trips a record exactly, numbers as numbers', async () => {
      const { store, users } = fixture();
      const [userId = ''] = await givenUsers(users, 1, Date.now());
      const record = sessionFor(userId);
      await store.create(record);
      const stored = await store.get(record.idHash);
      expect(stored).toStrictEqual(record);
      expect(typeof stored?.createdAt).toBe('number');
      expect(typeof stored?.absoluteExpiresAt).toBe('number');
    });

    it('returns undefined for an unknown hash', async () => {
      expect(await fixture().store.get('0'.repeat(64))).toBeUndefined();
    });

    it('touch updates activity and idle expiry only', async () => {
      const { store, users } = fixture();
      const [userId = ''] = await givenUsers(users, 1, Date.now());
      const record = sessionFor(userId);
      await store.create(record);
      await store.touch(record.idHash, record.lastSeenAt + 60_000, record.idleExpiresAt + 60_000);
      expect(await store.get(record.idHash)).toStrictEqual({
        ...record,
        lastSeenAt: record.lastSeenAt + 60_000,
        idleExpiresAt: record.idleExpiresAt + 60_000,
      });
    });

    it('touch never resurrects a deleted or unknown session', async () => {
      const { store, users } = fixture();
      const [userId = ''] = await givenUsers(users, 1, Date.now());
      const record = sessionFor(userId);
      await store.create(record);
      expect(await store.delete(record.idHash)).toBe(true);
      await store.touch(record.idHash, Date.now(), Date.now() + HOUR);
      await store.touch('f'.repeat(64), Date.now(), Date.now() + HOUR);
      expect(await store.get(record.idHash)).toBeUndefined();
      expect(await store.get('f'.repeat(64))).toBeUndefined();
      expect(await store.listByUser(userId)).toEqual([]);
    });

    it('delete reports whether the session existed', async () => {
      const { store, users } = fixture();
      const [userId = ''] = await givenUsers(users, 1, Date.now());
      const record = sessionFor(userId);
      await store.create(record);
      expect(await store.delete(record.idHash)).toBe(true);
      expect(await store.delete(record.idHash)).toBe(false);
      expect(await store.get(record.idHash)).toBeUndefined();
    });

    it('lists the sessions of one user only', async () => {
      const { store, users } = fixture();
      const now = Date.now();
      const [alice = '', bob = ''] = await givenUsers(users, 2, now);
      const mine = [sessionFor(alice, now), sessionFor(alice, now + 1), sessionFor(alice, now + 2)];
      for (const record of [...mine, sessionFor(bob, now)]) await store.create(record);
      const listed = await store.listByUser(alice);
      expect(byHash(listed)).toStrictEqual(byHash(mine));
      expect(await store.listByUser('nobody')).toEqual([]);
    });

    it('deleteByUser deletes every session of the user except the one kept', async () => {
      const { store, users } = fixture();
      const [alice = '', bob = ''] = await givenUsers(users, 2, Date.now());
      const [keep, a, b] = [sessionFor(alice), sessionFor(alice), sessionFor(alice)];
      const other = sessionFor(bob);
      for (const record of [keep, a, b, other]) await store.create(record);

      expect(await store.deleteByUser(alice, keep.idHash)).toBe(2);
      expect(await store.get(a.idHash)).toBeUndefined();
      expect(await store.get(b.idHash)).toBeUndefined();
      expect(await store.get(keep.idHash)).toStrictEqual(keep);
      expect(await store.get(other.idHash)).toStrictEqual(other);

      expect(await store.deleteByUser(alice)).toBe(1);
      expect(await store.listByUser(alice)).toEqual([]);
      expect(await store.deleteByUser(alice)).toBe(0);
      expect(await store.listByUser(bob)).toStrictEqual([other]);
    });

    it('deleteExpired removes only expired sessions', async () => {
      const { store, users } = fixture();
      const now = Date.now();
      const [userId = ''] = await givenUsers(users, 1, now);
      const live = sessionFor(userId, now);
      const idle = sessionFor(userId, now - 2 * HOUR, { idleExpiresAt: now - 1000 });
      const absolute = sessionFor(userId, now - 13 * HOUR, {
        idleExpiresAt: now + HOUR,
        absoluteExpiresAt: now - 1,
      });
      for (const record of [live, idle, absolute]) await store.create(record);

      expect(await store.deleteExpired(now)).toBe(options.nativeTtl ? 0 : 2);
      expect(await store.get(idle.idHash)).toBeUndefined();
      expect(await store.get(absolute.idHash)).toBeUndefined();
      expect(await store.get(live.idHash)).toStrictEqual(live);
      expect(await store.listByUser(userId)).toStrictEqual([live]);
    });
  });
}

function byHash<T extends { idHash: string }>(records: T[]): T[] {
  return [...records].sort((x, y) => (x.idHash < y.idHash ? -1 : 1));
}
