import { createGuard, type Guard, GuardError } from '@gatehouse/guard';
import { AUTHORIZATION_HEADER_CASES } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, type Harness, strongPassword } from './harness.ts';

/**
 * Issue 15 #11 and #12: the server reads `Authorization` exactly as the guard does (core's
 * `parseAuthorization`), proven by the same table (`@gatehouse/testkit`, run against the guard in
 * packages/guard/test/credentials.test.ts): the scheme is case-insensitive, another scheme is 401
 * with a bare Bearer challenge, a malformed credential is 400 `invalid_request`.
 */
let h: Harness;
let token: string;
let guard: Guard;

beforeAll(async () => {
  h = await createHarness();
  const pw = strongPassword();
  await createUser(h, 'reader@example.test', pw);
  const response = await h.app.inject({
    method: 'POST',
    url: '/login',
    payload: { email: 'reader@example.test', password: pw, mode: 'token' },
  });
  token = response.json<{ access_token: string }>().access_token;
  // A guard in front of a resource server that trusts this Gatehouse, with its keys given locally.
  const jwks = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
  guard = createGuard({
    issuer: h.config.issuer,
    audience: h.config.tokenAudience,
    jwks,
    revocationFeed: false,
    realm: 'gatehouse',
  });
});
afterAll(async () => {
  await guard?.close();
  await h.close();
});

/** A verdict as a client sees it: the status and the challenge's `error` (none for a bare one). */
type Verdict = { status: number; error: string | undefined };
const challengeError = (value: string | undefined) => /error="([^"]+)"/.exec(value ?? '')?.[1];

describe('issue 15 #12: the shared Authorization table at the server (GET /account)', () => {
  it.each(AUTHORIZATION_HEADER_CASES)('$name → $outcome', async ({ header, outcome }) => {
    const response = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { authorization: header.replaceAll('{token}', token), accept: 'application/json' },
    });
    if (outcome === 'accepted') {
      expect(response.statusCode).toBe(200);
      return;
    }
    expect(response.headers['content-type']).toContain('application/problem+json');
    if (outcome === 'unauthenticated') {
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
    } else {
      expect(response.statusCode).toBe(400);
      expect(response.headers['www-authenticate']).toMatch(
        /^Bearer realm="gatehouse", error="invalid_request"/,
      );
    }
  });
});

describe('issue 17 #2: the guard and the server give the same verdict on every Authorization header', () => {
  it.each(AUTHORIZATION_HEADER_CASES)('$name', async ({ header }) => {
    const authorization = header.replaceAll('{token}', token);
    const response = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { authorization, accept: 'application/json' },
    });
    const server: Verdict = {
      status: response.statusCode,
      error: challengeError(response.headers['www-authenticate'] as string | undefined),
    };
    const atGuard: Verdict = await guard
      .authenticate({ method: 'GET', url: '/notes', headers: new Headers({ authorization }) })
      .then(
        () => ({ status: 200, error: undefined }),
        (error: unknown) => {
          if (!(error instanceof GuardError)) throw error;
          return { status: error.status, error: challengeError(error.headers()['www-authenticate']) };
        },
      );
    expect(atGuard).toEqual(server);
  });
});
