/**
 * JWT-08 key retrieval: keys come only from the configured JWKS; an unknown `kid` triggers one
 * refetch, and refetches are rate-limited by the 30 s cooldown (so junk kids cannot make the guard
 * hammer Gatehouse). Only `Date` is faked: jose's cooldown and the claims checks read it.
 */
import { createGuard, type Guard } from '@gatehouse/guard';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUDIENCE, bearer, makeKey, refusal, StubGatehouse } from './support/stub-gatehouse.ts';

let stub: StubGatehouse;
let guard: Guard;

beforeAll(async () => {
  stub = await StubGatehouse.start();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  guard = createGuard({ issuer: stub.issuer, audience: AUDIENCE, revocationFeed: false });
});
afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

describe('JWT-08 unknown kid', () => {
  it('refetches the JWKS once for a new kid, and at most once per 30 s cooldown', async () => {
    const before = stub.jwksRequests;
    await guard.authenticate(bearer(await stub.mint()));
    expect(stub.jwksRequests).toBe(before + 1);

    // A rotated-in key right after a fetch: the cooldown holds the refetch back.
    const next = await makeKey('key-2');
    stub.keys.push(next);
    expect((await refusal(guard.authenticate(bearer(await stub.mint({}, { key: next }))))).reason).toBe(
      'ERR_JWKS_NO_MATCHING_KEY',
    );
    expect(stub.jwksRequests).toBe(before + 1);

    advance(31_000);
    await guard.authenticate(bearer(await stub.mint({}, { key: next })));
    expect(stub.jwksRequests).toBe(before + 2);

    // Junk kids: one refetch per cooldown, however many arrive.
    const junk = await makeKey('junk');
    for (let i = 0; i < 20; i++)
      await refusal(guard.authenticate(bearer(await stub.mint({}, { key: junk }))));
    expect(stub.jwksRequests).toBe(before + 2);
    advance(31_000);
    for (let i = 0; i < 20; i++) {
      const error = await refusal(
        guard.authenticate(bearer(await stub.mint({ jti: `j${i}` }, { key: junk }))),
      );
      expect(error.code).toBe('invalid_token');
    }
    expect(stub.jwksRequests).toBe(before + 3);
    // Known keys keep working from the cached set meanwhile.
    await guard.authenticate(bearer(await stub.mint()));
    expect(stub.jwksRequests).toBe(before + 3);
    stub.keys.pop();
  });

  it('an unreachable JWKS is 503 (fail closed), never an accepted token', async () => {
    const down = createGuard({
      issuer: stub.issuer,
      audience: AUDIENCE,
      jwksUri: 'http://127.0.0.1:9/jwks',
      revocationFeed: false,
    });
    const error = await refusal(down.authenticate(bearer(await stub.mint())));
    expect(error.status).toBe(503);
    expect(error.headers()['retry-after']).toBe('1');
  });
});
