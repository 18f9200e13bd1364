/**
 * One credential per request, read the same from a Web `Request`, `Headers` and Node header
 * objects; anything malformed, duplicated or conflicting is 400 `invalid_request`.
 */
import { createGuard, type Guard, type GuardRequest } from '@gatehouse/guard';
import { AUTHORIZATION_HEADER_CASES } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, refusal, SECRET, StubGatehouse } from './support/stub-gatehouse.ts';

let stub: StubGatehouse;
let guard: Guard;
let token: string;
const COOKIE = '__Host-gatehouse_session';

beforeAll(async () => {
  stub = await StubGatehouse.start();
  stub.sessions.set('cookie-token', { sub: 'user-1', sid: 'session-1', permissions: ['notes:read'] });
  guard = createGuard({ issuer: stub.issuer, audience: AUDIENCE, introspectionSecret: SECRET, realm: 'api' });
  await guard.ready();
  token = await stub.mint();
});
afterAll(async () => {
  await guard.close();
  await stub.close();
});

const node = (
  headers: Record<string, string | string[]>,
  extra: Partial<GuardRequest> = {},
): GuardRequest => ({
  method: 'GET',
  headers,
  ...extra,
});

describe('invalid_request', () => {
  it.each([
    [
      'two Authorization headers (Node rawHeaders)',
      () =>
        node(
          { authorization: `Bearer ${token}` },
          { rawHeaders: ['Authorization', `Bearer ${token}`, 'authorization', `Bearer ${token}`] },
        ),
      'duplicate_authorization',
    ],
    [
      'two Authorization values in a header object',
      () => node({ authorization: [`Bearer ${token}`, `Bearer ${token}`] }),
      'duplicate_authorization',
    ],
    [
      'comma-joined values (Web Headers)',
      () =>
        new Request('https://api.test/', {
          headers: [
            ['authorization', `Bearer ${token}`],
            ['authorization', `Bearer ${token}`],
          ],
        }),
      'duplicate_authorization',
    ],
    [
      'a Bearer token and the session cookie',
      () => node({ authorization: `Bearer ${token}`, cookie: `${COOKIE}=cookie-token` }),
      'bearer_and_cookie',
    ],
    [
      'a Bearer token and an empty session cookie',
      () => node({ authorization: `Bearer ${token}`, cookie: `${COOKIE}=` }),
      'bearer_and_cookie',
    ],
    [
      'access_token in the query string',
      () => node({}, { url: `/notes?access_token=${token}` }),
      'token_in_query',
    ],
    [
      'access_token percent-encoded in an absolute URL',
      () => new Request(`https://api.test/n?%61ccess_token=${token}`),
      'token_in_query',
    ],
    [
      'access_token in the query beside a header',
      () => node({ authorization: `Bearer ${token}` }, { url: '/n?access_token=x' }),
      'token_in_query',
    ],
    ['an empty Authorization header', () => node({ authorization: '' }), 'empty_token'],
    ['Bearer with no token', () => node({ authorization: 'Bearer' }), 'empty_token'],
    ['a token with a space', () => node({ authorization: `Bearer ${token} extra` }), 'token_syntax'],
    [
      'a token with characters outside b64token',
      () => node({ authorization: 'Bearer a.b.c"' }),
      'token_syntax',
    ],
  ])('%s', async (_name, request, reason) => {
    const error = await refusal(guard.authenticate(request()));
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', reason });
    expect(error.headers()['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_request", error_description="The request carries malformed, duplicated or conflicting credentials."',
    );
    expect(JSON.stringify(error.toProblem())).not.toContain(token.slice(0, 30));
  });
});

describe('accepted shapes', () => {
  it('a Web Request, Web Headers and a Node header object all work; the scheme is case-insensitive', async () => {
    const requests: GuardRequest[] = [
      new Request('https://api.test/notes?x=1', { headers: { authorization: `Bearer ${token}` } }),
      { method: 'GET', headers: new Headers({ Authorization: `bearer ${token}` }) },
      node(
        { authorization: `BEARER  ${token}` },
        { rawHeaders: ['Authorization', `BEARER  ${token}`], url: '/n?a=1' },
      ),
    ];
    for (const request of requests)
      expect((await guard.authenticate(request)).principal.subject).toBe('user-1');
  });

  it('the session cookie alone is the session path; other cookies are ignored', async () => {
    const auth = await guard.authenticate(node({ cookie: `theme=dark; ${COOKIE}=cookie-token` }));
    expect(auth).toMatchObject({
      method: 'session',
      principal: { subject: 'user-1', sessionId: 'session-1' },
    });
    expect(auth.can('notes:read')).toBe(true);
    const none = await refusal(guard.authenticate(node({ cookie: 'theme=dark' })));
    expect(none.headers()['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('issue 15 #11: with no credentials the challenge is a bare Bearer one, on a session-only guard too (no unregistered Session scheme)', async () => {
    const error = await refusal(guard.authenticate(node({})));
    expect(error).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(error.headers()['www-authenticate']).toBe('Bearer realm="api"');
    const sessionOnly = createGuard({ gatehouseUrl: stub.url, introspectionSecret: SECRET });
    const legacy = await refusal(sessionOnly.authenticate(node({})));
    expect(legacy.headers()['www-authenticate']).toBe('Bearer realm="gatehouse"');
    const unknownCookie = await refusal(sessionOnly.authenticate(node({ cookie: `${COOKIE}=nope` })));
    expect(unknownCookie.headers()['www-authenticate']).toBe('Bearer realm="gatehouse"');
    // A session-only guard does not accept Bearer tokens.
    const bearerRefused = await refusal(sessionOnly.authenticate(node({ authorization: `Bearer ${token}` })));
    expect(bearerRefused).toMatchObject({
      status: 401,
      code: 'invalid_token',
      reason: 'bearer_not_accepted',
    });
  });

  it('a Bearer-only guard ignores the session cookie', async () => {
    const bearerOnly = createGuard({ issuer: stub.issuer, audience: AUDIENCE, revocationFeed: false });
    const auth = await bearerOnly.authenticate(
      node({ authorization: `Bearer ${token}`, cookie: `${COOKIE}=x` }),
    );
    expect(auth.method).toBe('bearer');
  });
});

describe('issue 15 #12: the shared Authorization table (the server answers the same, server/test/authorization-header.test.ts)', () => {
  it.each(AUTHORIZATION_HEADER_CASES)('$name → $outcome', async ({ header, outcome }) => {
    const request = node({ authorization: header.replaceAll('{token}', token) });
    if (outcome === 'accepted') {
      expect((await guard.authenticate(request)).principal.subject).toBe('user-1');
      return;
    }
    const error = await refusal(guard.authenticate(request));
    if (outcome === 'unauthenticated') {
      // issue 15 #11: another scheme (Basic) is no credential here: 401 and a bare challenge.
      expect(error).toMatchObject({ status: 401, code: 'unauthenticated' });
      expect(error.headers()['www-authenticate']).toBe('Bearer realm="api"');
    } else {
      expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
      expect(error.headers()['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_request"/);
    }
  });
});
