import { fakeSigningKey, MemorySigningKeyStore } from '@gatehouse/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isKeyPublished,
  isKeyRemovable,
  isSigningAlgorithm,
  keyRemoveAfter,
  keyRingState,
  keyRotationDue,
  keyRotationOf,
  keyRotationPolicy,
  planKeyRingMaintenance,
  planKeyRingRepair,
  publishedSigningKeys,
  type SigningKeyRecord,
  signingKeyInfo,
} from '../src/signing-keys.ts';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const policy = keyRotationPolicy({ maxTokenLifetimeMs: HOUR });

describe('keyRotationPolicy', () => {
  it('fills in 30-day rotation, 60 s skew, 30 s propagation and 10 min publication', () => {
    expect(policy).toEqual({
      rotationPeriodMs: 30 * DAY,
      maxTokenLifetimeMs: HOUR,
      clockSkewMs: MINUTE,
      propagationMs: 30_000,
      minPublishMs: 10 * MINUTE,
    });
    expect(keyRotationPolicy({ maxTokenLifetimeMs: 1, rotationPeriodMs: 7 * DAY }).rotationPeriodMs).toBe(
      7 * DAY,
    );
  });

  it('rejects negative, fractional and non-finite durations and a zero period', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => keyRotationPolicy({ maxTokenLifetimeMs: bad })).toThrow(RangeError);
      expect(() => keyRotationPolicy({ maxTokenLifetimeMs: HOUR, clockSkewMs: bad })).toThrow(RangeError);
    }
    expect(() => keyRotationPolicy({ maxTokenLifetimeMs: HOUR, rotationPeriodMs: 0 })).toThrow(/positive/);
  });
});

describe('retention', () => {
  it('keeps a retired key for the longest token lifetime plus skew plus propagation', () => {
    expect(keyRemoveAfter(T0, policy)).toBe(T0 + HOUR + MINUTE + 30_000);
  });

  it('publishes next and active keys always, retired keys until removeAfter', () => {
    const retired = fakeSigningKey('retired', { removeAfter: T0 + HOUR });
    expect(isKeyPublished(retired, T0 + HOUR - 1)).toBe(true);
    expect(isKeyPublished(retired, T0 + HOUR)).toBe(false);
    expect(isKeyRemovable(retired, T0 + HOUR - 1)).toBe(false);
    expect(isKeyRemovable(retired, T0 + HOUR)).toBe(true);
    for (const status of ['active', 'next'] as const) {
      const key = fakeSigningKey(status);
      expect(isKeyPublished(key, T0 + 1000 * DAY)).toBe(true);
      expect(isKeyRemovable(key, T0 + 1000 * DAY)).toBe(false);
    }
  });
});

describe('keyRingState and publishedSigningKeys', () => {
  it('sorts keys by role and publishes active, next, then retired newest first', () => {
    const old = fakeSigningKey('retired', { retiredAt: T0 - 2 * DAY, removeAfter: T0 + HOUR });
    const recent = fakeSigningKey('retired', { retiredAt: T0 - DAY, removeAfter: T0 + 2 * HOUR });
    const gone = fakeSigningKey('retired', { retiredAt: T0 - 3 * DAY, removeAfter: T0 });
    const active = fakeSigningKey('active');
    const next = fakeSigningKey('next');
    const keys = [old, next, gone, active, recent];
    expect(keyRingState(keys)).toEqual({ active, next, retired: [recent, old, gone] });
    expect(publishedSigningKeys(keys, T0).map((key) => key.kid)).toEqual(
      [active, next, recent, old].map((key) => key.kid),
    );
    expect(keyRingState([])).toEqual({ active: undefined, next: undefined, retired: [] });
  });

  it('prefers the most recently activated key should a store hold two', () => {
    const older = fakeSigningKey('active', { activatedAt: T0 });
    const newer = fakeSigningKey('active', { activatedAt: T0 + 1 });
    expect(keyRingState([newer, older]).active).toBe(newer);
  });
});

describe('keyRotationDue', () => {
  const next = fakeSigningKey('next', { createdAt: T0 - 40 * DAY });

  it('is due once the key has been active a whole period, counted from activation', () => {
    const active = fakeSigningKey('active', { createdAt: T0 - 60 * DAY, activatedAt: T0 });
    expect(keyRotationDue(active, next, T0 + 30 * DAY - 1, policy)).toBe(false);
    expect(keyRotationDue(active, next, T0 + 30 * DAY, policy)).toBe(true);
  });

  it('waits until the next key has been published long enough', () => {
    const active = fakeSigningKey('active', { activatedAt: T0 - 90 * DAY });
    const young = fakeSigningKey('next', { createdAt: T0 });
    expect(keyRotationDue(active, young, T0 + 10 * MINUTE - 1, policy)).toBe(false);
    expect(keyRotationDue(active, young, T0 + 10 * MINUTE, policy)).toBe(true);
  });
});

describe('planning', () => {
  const active = fakeSigningKey('active', { activatedAt: T0 });
  const next = fakeSigningKey('next', { createdAt: T0 });

  it('repairs an incomplete ring', () => {
    expect(planKeyRingRepair(keyRingState([]))).toEqual({ action: 'initialise' });
    expect(planKeyRingRepair(keyRingState([fakeSigningKey('retired')]))).toEqual({ action: 'initialise' });
    expect(planKeyRingRepair(keyRingState([next]))).toEqual({ action: 'promote', next });
    expect(planKeyRingRepair(keyRingState([active]))).toEqual({ action: 'add-next', active });
    expect(planKeyRingRepair(keyRingState([active, next]))).toEqual({ action: 'none' });
  });

  it('rotates when due, repairs first, and lists removable keys', () => {
    const gone = fakeSigningKey('retired', { removeAfter: T0 + DAY });
    const keys = [active, next, gone];
    expect(planKeyRingMaintenance(keys, T0 + DAY - 1, policy)).toEqual({
      plan: { action: 'none' },
      removable: [],
    });
    expect(planKeyRingMaintenance(keys, T0 + 30 * DAY, policy)).toEqual({
      plan: { action: 'rotate', active, next },
      removable: [gone],
    });
    expect(planKeyRingMaintenance([active, gone], T0 + 30 * DAY, policy).plan).toEqual({
      action: 'add-next',
      active,
    });
  });

  it('builds the rotation: retire with removeAfter, activate, add the new next key', () => {
    const newNext = fakeSigningKey('next');
    const at = T0 + 30 * DAY;
    expect(keyRotationOf(active, next, newNext, at, policy)).toEqual({
      retire: { kid: active.kid, retiredAt: at, removeAfter: keyRemoveAfter(at, policy) },
      activate: { kid: next.kid, activatedAt: at },
      next: newNext,
    });
    expect(keyRotationOf(undefined, next, newNext, at, policy).retire).toBeNull();
    expect(() => keyRotationOf(active, next, fakeSigningKey('active'), at, policy)).toThrow(TypeError);
  });
});

describe('records', () => {
  it('knows the algorithms and strips key material for listings', () => {
    expect(['ES256', 'EdDSA', 'PS256', 'RS256'].every(isSigningAlgorithm)).toBe(true);
    expect(['HS256', 'none', 'es256', 7, undefined].some(isSigningAlgorithm)).toBe(false);
    const info = signingKeyInfo(fakeSigningKey('retired'));
    expect(Object.keys(info).sort()).toEqual(
      ['activatedAt', 'alg', 'createdAt', 'kid', 'removeAfter', 'retiredAt', 'status'].sort(),
    );
  });
});

describe('lifecycle (simulated over random schedules)', () => {
  it('keeps one active and one next key, publishes keys before they sign and until their tokens expire', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 20 * DAY }), { minLength: 1, maxLength: 40 }),
        async (steps) => {
          const store = new MemorySigningKeyStore();
          let now = T0;
          let serial = 0;
          const newKey = (status: 'active' | 'next'): SigningKeyRecord =>
            fakeSigningKey(status, {
              kid: `k${serial++}`,
              createdAt: now,
              activatedAt: status === 'active' ? now : null,
            });
          /** When each kid was first seen published, and the last time each kid signed. */
          const publishedSince = new Map<string, number>();
          const lastSigned = new Map<string, number>();
          const tick = async () => {
            const keys = await store.list();
            const { plan, removable } = planKeyRingMaintenance(keys, now, policy);
            if (plan.action === 'initialise') await store.insert([newKey('active'), newKey('next')]);
            if (plan.action === 'add-next') await store.insert([newKey('next')]);
            if (plan.action === 'promote')
              await store.rotate(keyRotationOf(undefined, plan.next, newKey('next'), now, policy));
            if (plan.action === 'rotate')
              await store.rotate(keyRotationOf(plan.active, plan.next, newKey('next'), now, policy));
            if (removable.length > 0) await store.deleteRemovable(now);
          };
          await tick();
          for (const step of steps) {
            const keys = await store.list();
            const { active, next } = keyRingState(keys);
            expect(active).toBeDefined();
            expect(next).toBeDefined();
            for (const key of publishedSigningKeys(keys, now))
              if (!publishedSince.has(key.kid)) publishedSince.set(key.kid, now);
            if (active !== undefined) {
              // Apart from the very first key, a key signs only after a whole publication window.
              if (active.kid !== 'k0')
                expect(now - (publishedSince.get(active.kid) ?? now)).toBeGreaterThanOrEqual(
                  policy.minPublishMs,
                );
              lastSigned.set(active.kid, now);
            }
            // Every key that signed stays published until its last token (+ skew) has expired.
            const published = new Set(publishedSigningKeys(keys, now).map((key) => key.kid));
            for (const [kid, at] of lastSigned)
              if (now <= at + policy.maxTokenLifetimeMs + policy.clockSkewMs)
                expect(published.has(kid)).toBe(true);
            now += step;
            await tick();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
