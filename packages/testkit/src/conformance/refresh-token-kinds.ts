import { type RefreshTokenRecord, type RefreshTokenStore, randomId } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { givenUsers, HOUR, type MakeFixture, useFixture } from './fixtures.ts';

/** A fixed `now`: the store compares the times it is given, never its own clock. */
const T0 = 1_800_000_000_000;

/** What the OAuth engine keeps of a refresh token: nested JSON the store returns as it was given. */
export const ENGINE_MODEL: Readonly<Record<string, unknown>> = {
  kind: 'RefreshToken',
  grantId: 'g1',
  iiat: 1_800_000_000,
  rotations: 2,
  resource: ['https://api.example.test'],
  claims: { id_token: { email: null } },
};

/** One store, two kinds: lookups, deletion and user and session revocation reach both. */
export function describeBothKinds(name: string, make: MakeFixture<RefreshTokenStore>): void {
  describe(`${name}: RefreshTokenStore conformance (first-party and OAuth tokens in one store)`, () => {
    const fixture = useFixture(make);

    const tokens = async () => {
      const [userId] = (await givenUsers(fixture().users, 1, T0)) as [string];
      const base = {
        userId,
        clientId: 'c1',
        scope: 'openid offline_access',
        createdAt: T0,
        expiresAt: T0 + HOUR,
        familyExpiresAt: T0 + HOUR,
        consumedAt: null,
        revokedAt: null,
      };
      const firstParty: RefreshTokenRecord = {
        ...base,
        idHash: randomId(32),
        kind: 'first-party',
        familyId: randomId(16),
        sessionIdHash: `s_${randomId(8)}`,
        payload: null,
      };
      const online: RefreshTokenRecord = {
        ...base,
        idHash: randomId(32),
        kind: 'oauth',
        familyId: 'grant:g1',
        sessionIdHash: `oauth-session:${randomId(8)}`,
        payload: { ...ENGINE_MODEL, accountId: userId, expiresWithSession: true },
      };
      // offline_access: the user's consent to outlive sessions.
      const offline: RefreshTokenRecord = {
        ...online,
        idHash: randomId(32),
        familyId: 'grant:g2',
        sessionIdHash: '',
        payload: { ...ENGINE_MODEL, accountId: userId, expiresWithSession: false },
      };
      for (const token of [firstParty, online, offline]) await fixture().store.insert(token);
      return { userId, firstParty, online, offline };
    };

    it('finds a token of either kind in any state, with the engine model as it was given', async () => {
      const { store } = fixture();
      const { firstParty, online } = await tokens();
      expect(await store.find(firstParty.idHash)).toEqual(firstParty);
      expect(await store.find(online.idHash)).toEqual(online);
      await store.consume(online.idHash, T0 + 1);
      await store.revokeFamily(online.familyId, T0 + 2);
      expect(await store.find(online.idHash)).toEqual({ ...online, consumedAt: T0 + 1, revokedAt: T0 + 2 });
      expect(await store.find(randomId(32))).toBeUndefined();
    });

    it('delete forgets one token and nothing else', async () => {
      const { store } = fixture();
      const { firstParty, online } = await tokens();
      await store.delete(online.idHash);
      expect(await store.find(online.idHash)).toBeUndefined();
      expect(await store.consume(online.idHash, T0 + 1)).toEqual({ status: 'invalid' });
      expect(await store.find(firstParty.idHash)).toEqual(firstParty);
    });

    it('revokeByUser reaches both kinds; sessionBoundOnly spares what outlives sessions', async () => {
      const { store } = fixture();
      const { userId, firstParty, online, offline } = await tokens();
      expect(await store.revokeByUser(userId, T0 + 1, { sessionBoundOnly: true })).toBe(2);
      expect((await store.find(firstParty.idHash))?.revokedAt).toBe(T0 + 1);
      expect((await store.find(online.idHash))?.revokedAt).toBe(T0 + 1);
      expect((await store.consume(offline.idHash, T0 + 2)).status).toBe('consumed');
      expect(await store.revokeByUser(userId, T0 + 3)).toBe(1);
      expect((await store.find(offline.idHash))?.revokedAt).toBe(T0 + 3);
    });

    it('revokeBySession reaches the OAuth tokens bound to an engine session, and only those', async () => {
      const { store } = fixture();
      const { firstParty, online, offline } = await tokens();
      expect(await store.revokeBySession(online.sessionIdHash, T0 + 1)).toBe(1);
      expect((await store.consume(online.idHash, T0 + 2)).status).toBe('invalid');
      expect((await store.consume(offline.idHash, T0 + 2)).status).toBe('consumed');
      expect((await store.consume(firstParty.idHash, T0 + 2)).status).toBe('consumed');
    });

    it('deleteExpired forgets expired tokens of both kinds', async () => {
      const { store } = fixture();
      const { firstParty, online, offline } = await tokens();
      expect(await store.deleteExpired(T0 + HOUR)).toBe(3);
      for (const token of [firstParty, online, offline])
        expect(await store.find(token.idHash)).toBeUndefined();
    });
  });
}
