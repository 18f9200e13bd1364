/** Options are validated once, at construction, with every problem listed. */
import { createGuard, type GuardEvent, type GuardOptions, GuardOptionsError } from '@gatehouse/guard';
import { describe, expect, it } from 'vitest';

const ISSUER = 'https://auth.example.test';
const SECRET = 'x'.repeat(32);
const base = { issuer: ISSUER, audience: 'https://api.example.test', revocationFeed: false } as const;

function problems(options: GuardOptions): readonly string[] {
  try {
    createGuard(options);
  } catch (error) {
    if (error instanceof GuardOptionsError) return error.problems;
    throw error;
  }
  throw new Error('expected GuardOptionsError');
}

describe('createGuard options', () => {
  it.each([
    ['alg none', { ...base, algorithms: ['none'] }, /none is refused/],
    ['HS256', { ...base, algorithms: ['ES256', 'HS256'] }, /HS256 is refused/],
    ['an unknown algorithm', { ...base, algorithms: ['ES257'] }, /not supported/],
    ['no algorithms', { ...base, algorithms: [] }, /must not be empty/],
    ['issuer without audience', { issuer: ISSUER, revocationFeed: false }, /audience is required/],
    ['clockTolerance over 300 s', { ...base, clockTolerance: 301 }, /clockTolerance/],
    ['a negative clockTolerance', { ...base, clockTolerance: -1 }, /clockTolerance/],
    ['an unknown option', { ...base, jwksUrl: 'https://x' } as GuardOptions, /unknown option "jwksUrl"/],
    ['nothing to accept', {}, /set issuer/],
    ['a short secret', { gatehouseUrl: ISSUER, introspectionSecret: 'short' }, /at least 32/],
    ['a secret without URL', { introspectionSecret: SECRET }, /needs gatehouseUrl/],
    ['the feed without a secret', { ...base, revocationFeed: true }, /needs introspectionSecret/],
    ['jwks and jwksUri', { ...base, jwks: { keys: [{ kty: 'EC' }] }, jwksUri: `${ISSUER}/k` }, /not both/],
    ['a private key in jwks', { ...base, jwks: { keys: [{ kty: 'EC', d: 'secret' }] } }, /private key/],
    ['a symmetric key in jwks', { ...base, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, /symmetric/],
    ['a non-URL issuer', { ...base, issuer: 'auth.example.test' }, /absolute URL/],
    ['a quote in the realm', { ...base, realm: 'a"b' }, /realm/],
    ['a bad cookie name', { ...base, sessionCookie: 'a b' }, /cookie name/],
    ['an allowed origin with a path', { ...base, allowedOrigins: ['https://a.test/x'] }, /not an origin/],
    [
      'an unknown feed failure mode',
      { ...base, revocationFeedFailure: 'ajar' as 'open' },
      /revocationFeedFailure must be "closed" or "open"/,
    ],
    [
      'audience without issuer',
      { gatehouseUrl: ISSUER, introspectionSecret: SECRET, audience: 'x' },
      /audience needs issuer/,
    ],
  ])('refuses %s', (_name, options, message) => {
    expect(problems(options).join('\n')).toMatch(message);
  });

  it('lists every problem at once', () => {
    expect(problems({ issuer: ISSUER, algorithms: ['none'], clockTolerance: 9999 })).toHaveLength(3);
  });

  it('accepts a session-only guard (the first guard’s options) and a Bearer-only one', () => {
    expect(createGuard({ gatehouseUrl: ISSUER, introspectionSecret: SECRET }).status()).toMatchObject({
      bearer: false,
      sessions: true,
      revocationFeed: undefined,
    });
    expect(createGuard(base).status()).toMatchObject({ bearer: true, sessions: false });
  });

  it('warns about Bearer tokens without the revocation feed and plain http outside loopback', () => {
    const events: GuardEvent[] = [];
    createGuard({ ...base, issuer: 'http://auth.example.test', onEvent: (e) => events.push(e) });
    expect(events.map((e) => (e.type === 'config.warning' ? e.message : e.type))).toEqual([
      'issuer uses plain http outside loopback',
      'Bearer tokens without the revocation feed: revoked tokens stay valid until they expire',
    ]);
  });

  it('requirements are checked at route setup', () => {
    const guard = createGuard(base);
    expect(() => guard.validateRequirement({ permission: 'notes:delete' })).toThrow(
      /needs introspectionSecret/,
    );
    const full = createGuard({ ...base, introspectionSecret: SECRET });
    expect(() => full.validateRequirement({ permission: 'notes:*' })).toThrow(/concrete/);
    expect(() => full.validateRequirement({ scopes: ['a b'] })).toThrow(/not a valid scope/);
    expect(() => full.validateRequirement({ scopes: ['x"'] })).toThrow(/not a valid scope/);
    expect(() =>
      full.validateRequirement({ permission: 'notes:delete', scopes: ['notes:write'] }),
    ).not.toThrow();
  });
});
