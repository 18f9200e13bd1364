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
});
afterAll(() => h.close());

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
