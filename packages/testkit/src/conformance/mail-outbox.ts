import { type MailOutboxStore, randomId } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { type MakeFixture, useFixture } from './fixtures.ts';

const T0 = 1_700_000_000_000;
const LEASE = 60_000;

/** The outbox's claim/lease contract: each message to one worker at a time, bodies gone once finished. */
export function describeMailOutboxStoreConformance(name: string, make: MakeFixture<MailOutboxStore>): void {
  describe(`${name}: MailOutboxStore conformance`, () => {
    const fixture = useFixture(make);
    const enqueue = async (store: MailOutboxStore, createdAt = T0) => {
      const id = randomId(12);
      await store.enqueue({ id, sealed: `sealed:${id}`, template: 'test-message', createdAt });
      return id;
    };
    const claim = (store: MailOutboxStore, now: number, owner = 'worker-a', limit = 10) =>
      store.claim({ limit, now, leaseMs: LEASE, owner });

    it('claims due messages oldest first, with their sealed body, counting the attempt', async () => {
      const { store } = fixture();
      const second = await enqueue(store, T0 + 10);
      const first = await enqueue(store, T0);
      const claimed = await claim(store, T0 + 20);
      expect(claimed.map((m) => m.id)).toEqual([first, second]);
      expect(claimed[0]).toMatchObject({
        sealed: `sealed:${first}`,
        template: 'test-message',
        status: 'pending',
        attempts: 1,
        leaseUntil: T0 + 20 + LEASE,
      });
      expect(await store.depth()).toEqual({ pending: 2, dead: 0 });
    });

    it('never hands a leased message to another worker until the lease runs out', async () => {
      const { store } = fixture();
      const id = await enqueue(store);
      expect((await claim(store, T0, 'worker-a')).map((m) => m.id)).toEqual([id]);
      expect(await claim(store, T0 + LEASE - 1, 'worker-b')).toEqual([]);
      const reclaimed = await claim(store, T0 + LEASE, 'worker-b');
      expect(reclaimed.map((m) => [m.id, m.attempts])).toEqual([[id, 2]]);
      // The first worker lost the lease: it can no longer mark the message.
      expect(await store.markSent(id, 'worker-a', T0 + LEASE + 1)).toBe(false);
      expect(await store.markSent(id, 'worker-b', T0 + LEASE + 1)).toBe(true);
    });

    it('concurrent claims split the messages: none is returned twice', async () => {
      const { store } = fixture();
      const ids = await Promise.all(Array.from({ length: 12 }, () => enqueue(store)));
      const results = await Promise.all(['a', 'b', 'c', 'd'].map((owner) => claim(store, T0 + 1, owner, 5)));
      // A claim may skip rows another claim holds locked; a later claim gets those.
      const rest = await claim(store, T0 + 1, 'e', 12);
      const claimed = [...results.flat(), ...rest].map((m) => m.id);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed.sort()).toEqual(ids.sort());
    });

    it('respects the limit and skips messages not yet due', async () => {
      const { store } = fixture();
      await enqueue(store);
      await enqueue(store);
      const later = await enqueue(store, T0 + 5_000);
      expect(await claim(store, T0 + 1, 'a', 1)).toHaveLength(1);
      expect((await claim(store, T0 + 1, 'b')).map((m) => m.id)).not.toContain(later);
    });

    it('markSent deletes the body and keeps the metadata', async () => {
      const { store } = fixture();
      const id = await enqueue(store);
      await claim(store, T0);
      expect(await store.markSent(id, 'worker-a', T0 + 5)).toBe(true);
      const [sent] = await store.list({ limit: 10 });
      expect(sent).toMatchObject({ id, status: 'sent', sealed: null, finishedAt: T0 + 5, attempts: 1 });
      expect(await claim(store, T0 + 10 * LEASE)).toEqual([]);
      expect(await store.depth()).toEqual({ pending: 0, dead: 0 });
      expect(await store.markSent(id, 'worker-a', T0 + 6)).toBe(false);
    });

    it('markFailed schedules a retry, or gives up (dead, body deleted)', async () => {
      const { store } = fixture();
      const id = await enqueue(store);
      await claim(store, T0);
      expect(
        await store.markFailed(id, 'worker-a', { error: 'connection refused', retryAt: T0 + 1000 }, T0),
      ).toBe(true);
      expect(await claim(store, T0 + 999)).toEqual([]);
      const [retry] = await claim(store, T0 + 1000);
      expect(retry).toMatchObject({
        id,
        attempts: 2,
        lastError: 'connection refused',
        sealed: `sealed:${id}`,
      });
      expect(
        await store.markFailed(id, 'worker-a', { error: '550 no such user', retryAt: null }, T0 + 1001),
      ).toBe(true);
      const [dead] = await store.list({ limit: 10, status: 'dead' });
      expect(dead).toMatchObject({ id, status: 'dead', sealed: null, lastError: '550 no such user' });
      expect(await store.depth()).toEqual({ pending: 0, dead: 1 });
    });

    it('lists newest first and deletes only finished messages older than the cut-off', async () => {
      const { store } = fixture();
      const old = await enqueue(store, T0);
      const pending = await enqueue(store, T0 + 1);
      const recent = await enqueue(store, T0 + 2);
      await claim(store, T0 + 3);
      await store.markSent(old, 'worker-a', T0 + 10);
      await store.markFailed(recent, 'worker-a', { error: 'x', retryAt: null }, T0 + 100);
      expect((await store.list({ limit: 10 })).map((m) => m.id)).toEqual([recent, pending, old]);
      expect((await store.list({ limit: 1, status: 'pending' })).map((m) => m.id)).toEqual([pending]);
      expect(await store.deleteFinishedBefore(T0 + 50)).toBe(1);
      expect((await store.list({ limit: 10 })).map((m) => m.id)).toEqual([recent, pending]);
    });

    it('pages pending sealed bodies in id order and replaces one only if unchanged', async () => {
      const { store } = fixture();
      const ids = (await Promise.all([enqueue(store), enqueue(store), enqueue(store)])).sort();
      const first = await store.pageSealed(null, 2);
      expect(first.map((r) => r.id)).toEqual(ids.slice(0, 2));
      expect((await store.pageSealed(ids[1] ?? null, 2)).map((r) => r.id)).toEqual(ids.slice(2));
      const id = ids[0] as string;
      expect(await store.replaceSealed(id, 'something else', 'new')).toBe(false);
      expect(await store.replaceSealed(id, `sealed:${id}`, 'new')).toBe(true);
      expect((await store.pageSealed(null, 1))[0]).toEqual({ id, sealed: 'new' });
    });
  });
}
