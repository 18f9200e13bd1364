import { type OAuthArtifactStore, type OAuthArtifactWrite, randomId } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { type MakeFixture, sleep, useFixture } from './fixtures.ts';

export interface OAuthArtifactConformanceOptions {
  /** The store expires artifacts by itself (Redis TTLs) and ignores the `now` passed to reads. */
  readonly nativeTtl?: boolean;
}

function artifact(overrides: Partial<OAuthArtifactWrite> = {}): OAuthArtifactWrite {
  return {
    model: 'AuthorizationCode',
    id: randomId(16),
    payload: { jti: 'x', scope: 'openid', nested: { list: [1, 'two', null] } },
    expiresAt: Date.now() + 60_000,
    ...overrides,
  };
}

/**
 * The contract every OAuth artifact store meets: what the engine writes it reads back unchanged;
 * single-use artifacts are consumed exactly once even under concurrency; revoking a grant removes
 * everything issued under it and nothing else; nothing is returned once expired.
 */
export function describeOAuthArtifactStoreConformance(
  name: string,
  make: MakeFixture<OAuthArtifactStore>,
  options: OAuthArtifactConformanceOptions = {},
): void {
  describe(`${name}: OAuthArtifactStore`, () => {
    const fixture = useFixture(make);

    it('reads back what it stored, per model, and replaces on upsert', async () => {
      const { store } = fixture();
      const a = artifact();
      await store.upsert(a);
      expect(await store.find(a.model, a.id, Date.now())).toEqual({ payload: a.payload, consumedAt: null });
      expect(await store.find('AccessToken', a.id, Date.now())).toBeUndefined();
      await store.upsert({ ...a, payload: { replaced: true } });
      expect((await store.find(a.model, a.id, Date.now()))?.payload).toEqual({ replaced: true });
      await store.destroy(a.model, a.id);
      expect(await store.find(a.model, a.id, Date.now())).toBeUndefined();
    });

    it('consumes a single-use artifact exactly once, even when raced', async () => {
      const { store } = fixture();
      const a = artifact();
      await store.upsert(a);
      const now = Date.now();
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => store.consume(a.model, a.id, now)));
      expect(outcomes.filter((o) => o === 'consumed')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'already-consumed')).toHaveLength(7);
      const read = await store.find(a.model, a.id, now);
      expect(read?.consumedAt).toBeTypeOf('number');
      expect(await store.consume(a.model, 'unknown', now)).toBe('missing');
    });

    it('revokes every artifact of a grant, of any model, and only those', async () => {
      const { store } = fixture();
      const grantId = randomId(12);
      const mine = [
        artifact({ grantId }),
        artifact({ model: 'AccessToken', grantId }),
        artifact({ model: 'RefreshToken', grantId }),
      ];
      const other = artifact({ model: 'RefreshToken', grantId: randomId(12) });
      const grant = artifact({ model: 'Grant' });
      for (const a of [...mine, other, grant]) await store.upsert(a);
      expect(await store.revokeByGrantId(grantId)).toBe(3);
      for (const a of mine) expect(await store.find(a.model, a.id, Date.now())).toBeUndefined();
      expect(await store.find(other.model, other.id, Date.now())).toBeDefined();
      expect(await store.find(grant.model, grant.id, Date.now())).toBeDefined();
    });

    it('finds sessions by uid and device codes by user code', async () => {
      const { store } = fixture();
      const session = artifact({ model: 'Session', uid: randomId(8) });
      const device = artifact({ model: 'DeviceCode', userCode: 'BCDF-GHJK' });
      await store.upsert(session);
      await store.upsert(device);
      const now = Date.now();
      expect((await store.findByUid('Session', session.uid ?? '', now))?.payload).toEqual(session.payload);
      expect((await store.findByUserCode('DeviceCode', 'BCDF-GHJK', now))?.payload).toEqual(device.payload);
      expect(await store.findByUid('Interaction', session.uid ?? '', now)).toBeUndefined();
      expect(await store.findByUserCode('DeviceCode', 'XXXX-XXXX', now)).toBeUndefined();
    });

    it("lists an account's live artifacts of one model", async () => {
      const { store } = fixture();
      const mine = [
        artifact({ model: 'Grant', accountId: 'u1' }),
        artifact({ model: 'Grant', accountId: 'u1' }),
      ];
      for (const a of mine) await store.upsert(a);
      await store.upsert(artifact({ model: 'Grant', accountId: 'u2' }));
      await store.upsert(artifact({ model: 'Session', accountId: 'u1' }));
      await store.upsert(artifact({ model: 'Grant', accountId: 'u1', expiresAt: Date.now() + 100 }));
      await sleep(200);
      const listed = await store.listByAccount('Grant', 'u1', Date.now());
      expect(listed.map((a) => a.id).sort()).toEqual(mine.map((a) => a.id).sort());
      expect(listed.find((a) => a.id === mine[0]?.id)?.payload).toEqual(mine[0]?.payload);
      await store.destroy('Grant', mine[0]?.id ?? '');
      expect(await store.listByAccount('Grant', 'u1', Date.now())).toHaveLength(1);
    });

    it('never returns an expired artifact, by any lookup, nor consumes one', async () => {
      const { store } = fixture();
      const a = artifact({ expiresAt: Date.now() + 150, uid: 'u1', userCode: 'AAAA-BBBB' });
      await store.upsert(a);
      expect(await store.find(a.model, a.id, Date.now())).toBeDefined();
      await sleep(250);
      const now = Date.now();
      expect(await store.find(a.model, a.id, now)).toBeUndefined();
      expect(await store.findByUid(a.model, 'u1', now)).toBeUndefined();
      expect(await store.findByUserCode(a.model, 'AAAA-BBBB', now)).toBeUndefined();
      expect(await store.consume(a.model, a.id, now)).toBe('missing');
      await store.deleteExpired(now);
      expect(await store.find(a.model, a.id, 0)).toBeUndefined();
    });

    it.skipIf(options.nativeTtl === true)('uses the clock it is given for expiry', async () => {
      const { store } = fixture();
      const a = artifact({ expiresAt: 10_000 });
      await store.upsert(a);
      expect(await store.find(a.model, a.id, 9_999)).toBeDefined();
      expect(await store.find(a.model, a.id, 10_000)).toBeUndefined();
      expect(await store.deleteExpired(10_000)).toBe(1);
      expect(await store.find(a.model, a.id, 0)).toBeUndefined();
    });
  });
}
