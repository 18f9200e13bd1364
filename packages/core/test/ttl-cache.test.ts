import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { TtlCache } from '../src/ttl-cache.ts';

function make(ttlMs = 1000, maxEntries = 100) {
  const clock = new ManualClock();
  return { clock, cache: new TtlCache<string>({ ttlMs, maxEntries, clock }) };
}

describe('TtlCache', () => {
  it('returns what was set, and undefined for unknown keys', () => {
    const { cache } = make();
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', 'A');
    expect(cache.get('a')).toBe('A');
    expect(cache.size).toBe(1);
  });

  it('keeps an entry for exactly ttlMs', () => {
    const { cache, clock } = make(1000);
    cache.set('a', 'A');
    clock.advance(999);
    expect(cache.get('a')).toBe('A');
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0); // removed on access
  });

  it('never keeps an entry past notAfter, when that is sooner than the TTL', () => {
    const { cache, clock } = make(1000);
    cache.set('a', 'A', clock.now() + 300);
    cache.set('b', 'B', clock.now() + 5000);
    clock.advance(299);
    expect(cache.get('a')).toBe('A');
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('B');
    clock.advance(700);
    expect(cache.get('b')).toBeUndefined();
  });

  it('stores nothing with a notAfter in the past', () => {
    const { cache, clock } = make(1000);
    cache.set('a', 'A', clock.now());
    expect(cache.get('a')).toBeUndefined();
  });

  it('a TTL of 0 (or less) disables caching', () => {
    for (const ttl of [0, -1]) {
      const { cache } = make(ttl);
      cache.set('a', 'A');
      expect(cache.get('a')).toBeUndefined();
      expect(cache.size).toBe(0);
    }
  });

  it('setting again replaces the value and restarts its TTL', () => {
    const { cache, clock } = make(1000);
    cache.set('a', 'A');
    clock.advance(800);
    cache.set('a', 'A2');
    clock.advance(800);
    expect(cache.get('a')).toBe('A2');
    clock.advance(200);
    expect(cache.get('a')).toBeUndefined();
  });

  it('is bounded: at maxEntries the oldest insertion is evicted first', () => {
    const { cache } = make(1000, 3);
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.set('c', 'C');
    cache.set('a', 'A2'); // existing key: nothing evicted
    expect(cache.size).toBe(3);
    cache.set('d', 'D');
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('B');
    expect(cache.get('c')).toBe('C');
    expect(cache.get('d')).toBe('D');
  });

  it('never grows beyond maxEntries', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'tick'), fc.string({ maxLength: 3 })), {
          maxLength: 200,
        }),
        (max, ops) => {
          const { cache, clock } = make(50, max);
          for (const [op, key] of ops) {
            if (op === 'set') cache.set(key, key);
            else if (op === 'delete') cache.delete(key);
            else clock.advance(10);
            if (cache.size > max) return false;
          }
          return true;
        },
      ),
    );
  });

  it('delete, deleteWhere and clear take effect at once', () => {
    const users = new TtlCache<{ user: string }>({
      ttlMs: 60_000,
      maxEntries: 100,
      clock: new ManualClock(),
    });
    users.set('s1', { user: 'u1' });
    users.set('s2', { user: 'u1' });
    users.set('s3', { user: 'u2' });
    users.delete('s1');
    expect(users.get('s1')).toBeUndefined();
    users.delete('nope');
    users.deleteWhere((v) => v.user === 'u1');
    expect(users.get('s2')).toBeUndefined();
    expect(users.get('s3')).toEqual({ user: 'u2' });
    expect(users.size).toBe(1);
    users.clear();
    expect(users.get('s3')).toBeUndefined();
    expect(users.size).toBe(0);
  });

  it('behaves like a map with expiry (model-based)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant('set' as const),
              key: fc.constantFrom('a', 'b', 'c'),
              value: fc.nat(),
            }),
            fc.record({ op: fc.constant('get' as const), key: fc.constantFrom('a', 'b', 'c') }),
            fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c') }),
            fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 400 }) }),
          ),
          { maxLength: 100 },
        ),
        (ops) => {
          const clock = new ManualClock(0);
          const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 10, clock });
          const model = new Map<string, { value: number; expiresAt: number }>();
          for (const op of ops) {
            if (op.op === 'set') {
              cache.set(op.key, op.value);
              model.set(op.key, { value: op.value, expiresAt: clock.now() + 1000 });
            } else if (op.op === 'delete') {
              cache.delete(op.key);
              model.delete(op.key);
            } else if (op.op === 'tick') {
              clock.advance(op.ms);
            } else {
              const entry = model.get(op.key);
              const expected = entry !== undefined && entry.expiresAt > clock.now() ? entry.value : undefined;
              expect(cache.get(op.key)).toBe(expected);
            }
          }
        },
      ),
    );
  });
});
