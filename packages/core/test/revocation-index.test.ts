import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { LifecycleEvents } from '../src/lifecycle-events.ts';
import { LocalInvalidationBus } from '../src/local-bus.ts';
import type { Invalidation } from '../src/ports.ts';
import { RevocationIndex } from '../src/revocation-index.ts';
import {
  type NewRevocation,
  type RevocationEntry,
  RevocationSet,
  type RevocationStore,
} from '../src/revocations.ts';

/** The SQL log's contract in memory, with a way to hold an appended entry back (not yet committed). */
class MemoryRevocationStore implements RevocationStore {
  readonly rows: RevocationEntry[] = [];
  readonly hidden = new Set<number>();
  #seq = 0;
  async append(entries: readonly NewRevocation[]): Promise<RevocationEntry[]> {
    const appended = entries.map((e) => ({ ...e, seq: ++this.#seq }));
    this.rows.push(...appended);
    return appended;
  }
  async after(seq: number, now: number, limit: number): Promise<RevocationEntry[]> {
    return this.rows
      .filter((r) => r.seq > seq && r.expiresAt > now && !this.hidden.has(r.seq))
      .slice(0, limit);
  }
  async deleteExpired(now: number): Promise<number> {
    const before = this.rows.length;
    this.rows.splice(0, this.rows.length, ...this.rows.filter((r) => r.expiresAt > now));
    return before - this.rows.length;
  }
}

/** Two nodes' buses joined by a link that can be cut (messages sent meanwhile are lost). */
function link(a: LocalInvalidationBus, b: LocalInvalidationBus) {
  const state = { cut: false };
  const forward = (from: LocalInvalidationBus, to: LocalInvalidationBus) => {
    const publish = from.publish.bind(from);
    from.publish = async (message: Invalidation) => {
      await publish(message);
      if (!state.cut) to.deliver(message);
    };
  };
  forward(a, b);
  forward(b, a);
  return state;
}

function setup() {
  const clock = new ManualClock();
  const store = new MemoryRevocationStore();
  const busA = new LocalInvalidationBus();
  const busB = new LocalInvalidationBus();
  const net = link(busA, busB);
  const options = { store, clock, catchUpIntervalMs: 0, gapSettleMs: 1000, gapDelayMs: 0 };
  const a = new RevocationIndex({ ...options, bus: busA });
  const recovered: string[] = [];
  const b = new RevocationIndex({ ...options, bus: busB, onRecovered: (i) => recovered.push(i.reason) });
  const sid = (value: string): NewRevocation => ({
    type: 'sid',
    value,
    at: clock.now(),
    expiresAt: clock.now() + 60_000,
  });
  return { clock, store, busB, net, a, b, sid, recovered };
}

describe('RevocationIndex catch-up', () => {
  it('applies entries pub/sub lost at the next catch-up, and passes them to subscribers', async () => {
    const { net, a, b, sid, recovered } = setup();
    const streamed: number[] = [];
    b.subscribe((entries) => streamed.push(...entries.map((e) => e.seq)));
    await a.add([sid('s1')]);
    expect(b.isRevoked({ sid: 's1' })).toBe(true);
    net.cut = true;
    await a.add([sid('s2')]);
    await a.add([sid('s3')]);
    expect(b.isRevoked({ sid: 's2' })).toBe(false);
    net.cut = false;
    await b.catchUp('periodic');
    expect(b.isRevoked({ sid: 's2' })).toBe(true);
    expect(b.isRevoked({ sid: 's3' })).toBe(true);
    expect(b.watermark).toBe(3);
    expect(streamed).toEqual([1, 2, 3]);
    expect(recovered).toEqual(['periodic']);
  });

  it('catches up by itself on a gap in the sequence numbers pub/sub brings', async () => {
    const { net, a, b, sid } = setup();
    net.cut = true;
    await a.add([sid('lost')]);
    net.cut = false;
    await a.add([sid('next')]); // seq 2 arrives, 1 is missing: a gap
    expect(b.isRevoked({ sid: 'lost' })).toBe(false);
    await expect.poll(() => b.isRevoked({ sid: 'lost' }), { timeout: 5000 }).toBe(true);
    expect(b.watermark).toBe(2);
  });

  it('catches up by itself when the bus says it resubscribed', async () => {
    const { net, a, b, busB, sid } = setup();
    net.cut = true;
    await a.add([sid('lost')]);
    net.cut = false;
    busB.deliver({ type: 'invalidations.missed' });
    await expect.poll(() => b.isRevoked({ sid: 'lost' }), { timeout: 5000 }).toBe(true);
  });

  it('keeps re-reading above a gap until it fills (an insert committing out of order) or settles', async () => {
    const { clock, store, a, b, sid } = setup();
    await a.add([sid('first')]);
    await a.add([sid('slow')]); // seq 2
    await a.add([sid('third')]);
    store.hidden.add(2); // seq 2 not committed yet as far as readers are concerned
    const late = store.rows.find((r) => r.seq === 2)!;
    const c = new RevocationIndex({
      store,
      clock,
      bus: new LocalInvalidationBus(),
      catchUpIntervalMs: 0,
      gapSettleMs: 1000,
    });
    await c.load(); // a bulk load passes gaps at once
    expect(c.watermark).toBe(3);
    // A running node: b saw everything through pub/sub; a fresh follower d sees seq 3 only.
    const d = new RevocationIndex({
      store,
      clock,
      bus: new LocalInvalidationBus(),
      catchUpIntervalMs: 0,
      gapSettleMs: 1000,
    });
    await d.catchUp();
    expect(d.watermark).toBe(1); // 2 is a gap younger than settleMs
    store.hidden.delete(2); // it commits
    clock.advance(500);
    await d.catchUp();
    expect(d.isRevoked({ sid: late.value })).toBe(true);
    expect(d.watermark).toBe(3);
    // A gap that never fills (a rolled-back insert) is passed after settleMs.
    store.rows.splice(0, store.rows.length, ...store.rows.filter((r) => r.seq !== 3));
    await a.add([sid('after-hole')]); // seq 4, seq 3 "rolled back" for e
    const e = new RevocationIndex({
      store,
      clock,
      bus: new LocalInvalidationBus(),
      catchUpIntervalMs: 0,
      gapSettleMs: 1000,
    });
    await e.catchUp();
    expect(e.watermark).toBe(2);
    clock.advance(1000);
    await e.catchUp();
    expect(e.watermark).toBe(4);
    expect(b.watermark).toBe(4); // b had every entry from pub/sub
  });

  it('counts staleness from the start of the last successful read', async () => {
    const { clock, b } = setup();
    expect(b.staleness()).toBe(Number.POSITIVE_INFINITY);
    await b.load();
    clock.advance(700);
    expect(b.staleness()).toBe(700);
    await b.catchUp();
    expect(b.staleness()).toBe(0);
  });
});

describe('RevocationSet: issue 25 entries', () => {
  it('kid refuses every token of that key; nbf refuses iat before the cut-off, per subject and for `*`', () => {
    const set = new RevocationSet();
    const entry = (seq: number, type: RevocationEntry['type'], value: string, at: number) => ({
      seq,
      type,
      value,
      at,
      expiresAt: at + 60_000,
    });
    set.apply(entry(1, 'kid', 'leaked', 1_000_000));
    set.apply(entry(2, 'nbf', 'u1', 2_000_000));
    expect(set.isKeyRevoked('leaked')).toBe(true);
    expect(set.isRevoked({ sub: 'u9', iat: 5000, kid: 'leaked' })).toBe(true);
    expect(set.isRevoked({ sub: 'u9', iat: 5000, kid: 'fine' })).toBe(false);
    expect(set.isRevoked({ sub: 'u1', iat: 1999 })).toBe(true);
    expect(set.isRevoked({ sub: 'u1', iat: 2000 })).toBe(false); // issued at the cut-off: after it
    expect(set.isRevoked({ sub: 'u2', iat: 1999 })).toBe(false);
    set.apply(entry(3, 'nbf', '*', 3_000_000));
    expect(set.isRevoked({ sub: 'u2', iat: 2999 })).toBe(true);
    expect(set.isRevoked({ sub: 'u2', iat: 3000 })).toBe(false);
    set.prune(1_060_000);
    expect(set.isKeyRevoked('leaked')).toBe(false);
    set.prune(3_060_000);
    expect(set.isRevoked({ sub: 'u2', iat: 2999 })).toBe(false);
  });
});

describe('RevocationIndex publishes SigningKeyRevoked', () => {
  it('on the node that applies a kid entry, once, whether pub/sub or a catch-up brought it', async () => {
    const { clock, store, busB, net, a } = setup();
    const events = new LifecycleEvents();
    const heard: string[][] = [];
    events.on('SigningKeyRevoked', ({ kids }) => {
      heard.push([...kids]);
    });
    const b = new RevocationIndex({ store, clock, catchUpIntervalMs: 0, gapDelayMs: 0, bus: busB, events });
    const kid = (value: string): NewRevocation => ({
      type: 'kid',
      value,
      at: clock.now(),
      expiresAt: clock.now() + 60_000,
    });
    await a.add([kid('k1'), { ...kid('u1'), type: 'sub' }]);
    await expect.poll(() => heard).toEqual([['k1']]);
    net.cut = true;
    await a.add([kid('k2')]);
    await b.catchUp();
    await expect.poll(() => heard).toEqual([['k1'], ['k2']]);
    // Read again, applied again: nothing new, so nothing published.
    net.cut = false;
    await b.catchUp();
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual([['k1'], ['k2']]);
  });
});
