/**
 * The verified-token cache: a repeated token skips signature and claims checks, entries end at the
 * token's `exp`, the cache is bounded, and nothing but success is cached. (Revocation on cache hits:
 * JWT-09 in revocation-feed.test.ts.)
 */
import { createGuard } from '@gatehouse/guard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../src/token-cache.ts';
import { AUDIENCE, bearer, refusal, StubGatehouse } from './support/stub-gatehouse.ts';

let stub: StubGatehouse;
beforeAll(async () => {
  stub = await StubGatehouse.start();
});
afterAll(async () => {
  await stub.close();
});

describe('VerifiedTokenCache', () => {
  it('answers until exp, evicts the oldest when full, and can be turned off', () => {
    const cache = new VerifiedTokenCache<string>(2);
    cache.set('a', 'A', 100);
    cache.set('b', 'B', 200);
    expect(cache.get('a', 99)).toBe('A');
    expect(cache.get('a', 100)).toBeUndefined();
    cache.set('a', 'A', 100);
    cache.set('c', 'C', 300);
    expect([cache.get('a', 0), cache.get('b', 0), cache.get('c', 0)]).toEqual(['A', undefined, 'C']);
    expect(cache.size).toBe(2);
    const off = new VerifiedTokenCache<string>(0);
    off.set('a', 'A', 100);
    expect(off.get('a', 0)).toBeUndefined();
  });
});

describe('the guard’s cache', () => {
  it('serves a repeated token without re-verifying it, until exp, within its bound', async () => {
    let clock = Date.now();
    const guard = createGuard({
      issuer: stub.issuer,
      audience: AUDIENCE,
      jwks: { keys: [stub.key.jwk] },
      tokenCacheMaxEntries: 1,
      now: () => clock,
    });
    const iat = Math.floor(clock / 1000);
    const token = await stub.mint({ iat, exp: iat + 300 });
    await guard.authenticate(bearer(token));
    expect(guard.status().cachedTokens).toBe(1);

    // Two minutes earlier, jose would refuse the token (iat in the future): the hit proves no re-check.
    clock -= 120_000;
    await expect(guard.authenticate(bearer(token))).resolves.toBeDefined();

    // A second token evicts the first (bound 1): the first is verified again, and refused now.
    clock += 120_000;
    await guard.authenticate(bearer(await stub.mint({ iat, exp: iat + 300 })));
    clock -= 120_000;
    expect((await refusal(guard.authenticate(bearer(token)))).code).toBe('invalid_token');

    // Past exp (and the tolerance) the entry is gone and the token refused.
    clock = (iat + 300 + 31) * 1000;
    expect((await refusal(guard.authenticate(bearer(token)))).reason).toBe('ERR_JWT_EXPIRED');
  });

  it('never caches a refusal', async () => {
    const guard = createGuard({ issuer: stub.issuer, audience: AUDIENCE, jwks: { keys: [stub.key.jwk] } });
    await refusal(guard.authenticate(bearer(await stub.mint({ aud: 'other' }))));
    expect(guard.status().cachedTokens).toBe(0);
  });
});
