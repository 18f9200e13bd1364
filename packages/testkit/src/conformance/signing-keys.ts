import { randomBytes } from 'node:crypto';
import type {
  SigningAlgorithm,
  SigningKeyRecord,
  SigningKeyRotation,
  SigningKeyStore,
} from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { HOUR, type MakeFixture, useFixture } from './fixtures.ts';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 24 * HOUR;

/** A key record with made-up material: stores treat the JWK and the sealed key as opaque. */
export function fakeSigningKey(
  status: SigningKeyRecord['status'],
  overrides: Partial<SigningKeyRecord> = {},
): SigningKeyRecord {
  const kid = overrides.kid ?? randomBytes(32).toString('base64url');
  const alg: SigningAlgorithm = overrides.alg ?? 'ES256';
  return {
    kid,
    alg,
    status,
    publicJwk: {
      kty: 'EC',
      crv: 'P-256',
      x: randomBytes(32).toString('base64url'),
      y: randomBytes(32).toString('base64url'),
      kid,
      alg,
      use: 'sig',
    },
    sealedPrivateKey: `v1.${randomBytes(12).toString('base64url')}.${randomBytes(138).toString('base64url')}.${randomBytes(16).toString('base64url')}`,
    createdAt: T0,
    activatedAt: status === 'next' ? null : T0,
    retiredAt: status === 'retired' ? T0 + DAY : null,
    removeAfter: status === 'retired' ? T0 + DAY + HOUR : null,
    ...overrides,
  };
}

function rotationFrom(
  active: SigningKeyRecord | undefined,
  next: SigningKeyRecord,
  at: number,
): SigningKeyRotation {
  return {
    retire: active === undefined ? null : { kid: active.kid, retiredAt: at, removeAfter: at + HOUR },
    activate: { kid: next.kid, activatedAt: at },
    next: fakeSigningKey('next', { createdAt: at }),
  };
}

const byKid = (keys: SigningKeyRecord[]) => [...keys].sort((a, b) => (a.kid < b.kid ? -1 : 1));

const byStatus = (keys: SigningKeyRecord[], status: SigningKeyRecord['status']) =>
  keys.filter((key) => key.status === status);

/**
 * The key-ring store contract: exact round trips, all-or-nothing inserts, compare-and-set
 * rotations of which exactly one of several concurrent attempts wins, and timed deletion.
 */
export function describeSigningKeyStoreConformance(name: string, make: MakeFixture<SigningKeyStore>): void {
  describe(`${name}: SigningKeyStore conformance`, () => {
    const fixture = useFixture(make);

    it('starts empty and round-trips records exactly, oldest first, numbers as numbers', async () => {
      const { store } = fixture();
      expect(await store.list()).toEqual([]);
      const retired = fakeSigningKey('retired', { alg: 'RS256', createdAt: T0 - 2 * DAY });
      const active = fakeSigningKey('active', { alg: 'EdDSA', createdAt: T0 - DAY, activatedAt: T0 + 1 });
      const next = fakeSigningKey('next', { alg: 'PS256' });
      expect(await store.insert([next, retired])).toBe(true);
      expect(await store.insert([active])).toBe(true);
      const listed = await store.list();
      expect(listed).toStrictEqual([retired, active, next]);
      expect(typeof listed[0]?.removeAfter).toBe('number');
      expect(listed[2]?.activatedAt).toBeNull();
    });

    it('inserting nothing succeeds', async () => {
      expect(await fixture().store.insert([])).toBe(true);
    });

    it('refuses a taken kid, a second active key and a second next key, inserting nothing', async () => {
      const { store } = fixture();
      const active = fakeSigningKey('active');
      const next = fakeSigningKey('next');
      expect(await store.insert([active, next])).toBe(true);

      const fresh = fakeSigningKey('retired');
      expect(await store.insert([fresh, fakeSigningKey('retired', { kid: active.kid })])).toBe(false);
      expect(await store.insert([fresh, fakeSigningKey('active')])).toBe(false);
      expect(await store.insert([fresh, fakeSigningKey('next')])).toBe(false);
      expect(byKid(await store.list())).toStrictEqual(byKid([active, next]));

      expect(await store.insert([fresh])).toBe(true);
      expect(await store.list()).toHaveLength(3);
    });

    it('refuses two active keys in one insert', async () => {
      const { store } = fixture();
      expect(await store.insert([fakeSigningKey('active'), fakeSigningKey('active')])).toBe(false);
      expect(await store.list()).toEqual([]);
    });

    it('rotates: active → retired, next → active, and a new next key', async () => {
      const { store } = fixture();
      const active = fakeSigningKey('active');
      const next = fakeSigningKey('next');
      await store.insert([active, next]);
      const at = T0 + 30 * DAY;
      const rotation = rotationFrom(active, next, at);
      expect(await store.rotate(rotation)).toBe(true);
      const listed = await store.list();
      expect(listed).toHaveLength(3);
      expect(listed.find((key) => key.kid === active.kid)).toStrictEqual({
        ...active,
        status: 'retired',
        retiredAt: at,
        removeAfter: at + HOUR,
      });
      expect(listed.find((key) => key.kid === next.kid)).toStrictEqual({
        ...next,
        status: 'active',
        activatedAt: at,
      });
      expect(listed.find((key) => key.kid === rotation.next.kid)).toStrictEqual(rotation.next);
    });

    it('refuses a rotation from a stale state, changing nothing', async () => {
      const { store } = fixture();
      const active = fakeSigningKey('active');
      const next = fakeSigningKey('next');
      await store.insert([active, next]);
      const before = await store.list();
      const at = T0 + DAY;

      // The retiring key is not the active one.
      expect(await store.rotate(rotationFrom(fakeSigningKey('active'), next, at))).toBe(false);
      // The activating key is not the next one.
      expect(await store.rotate(rotationFrom(active, fakeSigningKey('next'), at))).toBe(false);
      expect(await store.rotate(rotationFrom(active, active, at))).toBe(false);
      // The new next key's kid is taken.
      expect(await store.rotate({ ...rotationFrom(active, next, at), next: { ...next } })).toBe(false);
      // Promotion without retiring, while a key is active.
      expect(await store.rotate(rotationFrom(undefined, next, at))).toBe(false);
      expect(await store.list()).toStrictEqual(before);

      const first = rotationFrom(active, next, at);
      expect(await store.rotate(first)).toBe(true);
      // The same rotation again is stale now.
      expect(await store.rotate(rotationFrom(active, next, at + 1))).toBe(false);
      expect(byStatus(await store.list(), 'active').map((key) => key.kid)).toEqual([next.kid]);
    });

    it('promotes the next key when no key is active', async () => {
      const { store } = fixture();
      const retired = fakeSigningKey('retired');
      const next = fakeSigningKey('next');
      await store.insert([retired, next]);
      const rotation = rotationFrom(undefined, next, T0 + DAY);
      expect(await store.rotate(rotation)).toBe(true);
      const listed = await store.list();
      expect(byStatus(listed, 'active').map((key) => key.kid)).toEqual([next.kid]);
      expect(byStatus(listed, 'next').map((key) => key.kid)).toEqual([rotation.next.kid]);
      expect(byStatus(listed, 'retired')).toStrictEqual([retired]);
    });

    it('of concurrent rotations from one state, exactly one wins', async () => {
      const { store } = fixture();
      const active = fakeSigningKey('active');
      const next = fakeSigningKey('next');
      await store.insert([active, next]);
      const attempts = Array.from({ length: 6 }, (_, i) => rotationFrom(active, next, T0 + DAY + i));
      const results = await Promise.all(attempts.map((rotation) => store.rotate(rotation)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = attempts[results.indexOf(true)];
      const listed = await store.list();
      expect(listed).toHaveLength(3);
      expect(byStatus(listed, 'active').map((key) => key.kid)).toEqual([next.kid]);
      expect(byStatus(listed, 'next').map((key) => key.kid)).toEqual([winner?.next.kid]);
      expect(byStatus(listed, 'retired').map((key) => key.kid)).toEqual([active.kid]);
    });

    it('of concurrent first inserts of an active and a next key, exactly one wins', async () => {
      const { store } = fixture();
      const pairs = Array.from({ length: 6 }, () => [fakeSigningKey('active'), fakeSigningKey('next')]);
      const results = await Promise.all(pairs.map((pair) => store.insert(pair)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = pairs[results.indexOf(true)] ?? [];
      expect((await store.list()).map((key) => key.kid).sort()).toEqual(winner.map((key) => key.kid).sort());
    });

    it('deleteRemovable deletes only retired keys whose time has come', async () => {
      const { store } = fixture();
      const now = T0 + 10 * DAY;
      const gone = fakeSigningKey('retired', { removeAfter: now - 1 });
      const exactly = fakeSigningKey('retired', { removeAfter: now });
      const kept = fakeSigningKey('retired', { removeAfter: now + 1 });
      const active = fakeSigningKey('active', { createdAt: T0 - 90 * DAY });
      const next = fakeSigningKey('next', { createdAt: T0 - 90 * DAY });
      await store.insert([gone, exactly, kept, active, next]);
      expect(await store.deleteRemovable(now)).toBe(2);
      expect(
        (await store.list())
          .map((key) => key.kid)
          .sort()
          .join(),
      ).toBe([kept.kid, active.kid, next.kid].sort().join());
      expect(await store.deleteRemovable(now)).toBe(0);
    });

    it('replaceSealedKey is a compare-and-set on the sealed key alone', async () => {
      const { store } = fixture();
      const active = fakeSigningKey('active');
      const next = fakeSigningKey('next');
      await store.insert([active, next]);
      const resealed = fakeSigningKey('active').sealedPrivateKey;
      expect(await store.replaceSealedKey(active.kid, 'v2.other', resealed)).toBe(false);
      expect(await store.replaceSealedKey('no-such-kid', active.sealedPrivateKey, resealed)).toBe(false);
      const attempts = await Promise.all(
        [resealed, fakeSigningKey('active').sealedPrivateKey].map((sealed) =>
          store.replaceSealedKey(active.kid, active.sealedPrivateKey, sealed),
        ),
      );
      expect(attempts.filter(Boolean)).toHaveLength(1);
      const listed = await store.list();
      const stored = listed.find((key) => key.kid === active.kid);
      expect(stored).toStrictEqual({ ...active, sealedPrivateKey: stored?.sealedPrivateKey });
      expect(stored?.sealedPrivateKey).not.toBe(active.sealedPrivateKey);
      expect(listed.find((key) => key.kid === next.kid)).toStrictEqual(next);
    });

    it('revoke marks a key of any state revoked once; deleteRemovable deletes it in its time', async () => {
      const { store } = fixture();
      const active = fakeSigningKey('active');
      const next = fakeSigningKey('next');
      await store.insert([active, next]);
      expect(await store.revoke(active.kid, T0 + 1, T0 + DAY)).toBe(true);
      expect(await store.revoke(active.kid, T0 + 2, T0 + DAY)).toBe(false);
      expect(await store.revoke('no-such-kid', T0, T0)).toBe(false);
      const revoked = (await store.list()).find((key) => key.kid === active.kid);
      expect(revoked).toMatchObject({ status: 'revoked', retiredAt: T0 + 1, removeAfter: T0 + DAY });
      // No active key any more: the next one can be promoted.
      expect(await store.insert([fakeSigningKey('active')])).toBe(true);
      expect(await store.deleteRemovable(T0 + DAY - 1)).toBe(0);
      expect(await store.deleteRemovable(T0 + DAY)).toBe(1);
      expect((await store.list()).some((key) => key.kid === active.kid)).toBe(false);
    });
  });
}
