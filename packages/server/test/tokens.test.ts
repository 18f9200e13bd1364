import { sign } from 'node:crypto';
import { ManualClock } from '@gatehouse/core';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, type Harness, login, strongPassword } from './harness.ts';

const clock = new ManualClock(Date.now());
let h: Harness;
const pw = strongPassword();
const limits = { loginLimitPerAccountAndIp: 10_000, loginLimitPerAccount: 10_000, loginLimitPerIp: 100_000 };

beforeAll(async () => {
  clock.set(Date.now());
  h = await createHarness(limits, { clock });
  await createUser(h, 'u1@example.test', pw);
});
afterAll(() => h.close());

interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

async function tokenLogin(
  email = 'u1@example.test',
  password = pw,
  extra: Record<string, string> = {},
): Promise<Tokens> {
  const response = await h.app.inject({
    method: 'POST',
    url: '/login',
    payload: { email, password, mode: 'token', ...extra },
  });
  expect(response.statusCode).toBe(200);
  return response.json<Tokens>();
}

const account = (token: string) =>
  h.app.inject({ method: 'GET', url: '/account', headers: { authorization: `Bearer ${token}` } });
const refresh = (refreshToken: string, clientId?: string) =>
  h.app.inject({
    method: 'POST',
    url: '/token/refresh',
    payload: { refresh_token: refreshToken, ...(clientId === undefined ? {} : { client_id: clientId }) },
  });

/** Signs with the server's own active key: the test-only [K] capability of the checklist. */
async function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const key = await h.gatehouse.keyRing.active();
  const now = Math.floor(clock.now() / 1000);
  return new SignJWT({ client_id: 'gatehouse', scope: '', sid: 'x', ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .setIssuer(String(claims.iss ?? h.config.issuer))
    .setAudience(String(claims.aud ?? h.config.tokenAudience))
    .setSubject(String(claims.sub ?? 'nobody'))
    .setIssuedAt(Number(claims.iat ?? now))
    .setExpirationTime(Number(claims.exp ?? now + 300))
    .setJti(String(claims.jti ?? 'forged'))
    .sign(key.privateKey);
}

/** Signs any header with the active key by hand (jose refuses to sign an unknown `crit`). */
async function signRaw(header: Record<string, unknown>, payload: string): Promise<string> {
  const key = await h.gatehouse.keyRing.active();
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

describe('token mode', () => {
  it('HDR-01 / RFC 9068: login returns a short-lived at+jwt with identity claims only, and a refresh token', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: 'u1@example.test', password: pw, mode: 'token' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.pragma).toBe('no-cache');
    expect(response.headers['set-cookie']).toBeUndefined();
    const body = response.json<Tokens>();
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBeLessThanOrEqual(900);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    const claims = decodeJwt(body.access_token);
    expect(Object.keys(claims).sort()).toEqual([
      'aud',
      'client_id',
      'exp',
      'iat',
      'iss',
      'jti',
      'scope',
      'sid',
      'sub',
    ]);
    expect(claims.iss).toBe(h.config.issuer);
    expect(claims.exp! - claims.iat!).toBe(h.config.accessTokenTtlSeconds);
    expect((await account(body.access_token)).json().email).toBe('u1@example.test');
  });

  it('token-mode login failures are as generic as cookie-mode ones', async () => {
    const wrong = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: 'u1@example.test', password: 'x'.repeat(pw.length), mode: 'token' },
    });
    const unknown = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: 'nobody@example.test', password: 'x'.repeat(pw.length), mode: 'token' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json().detail).toBe(wrong.json().detail);
  });

  it('RFC 6750: missing, malformed, duplicated and invalid credentials', async () => {
    const none = await h.app.inject({ method: 'GET', url: '/account' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
    const invalid = await account('a.b.c');
    expect(invalid.statusCode).toBe(401);
    expect(invalid.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(invalid.body).not.toContain('a.b.c');
    const basic = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { authorization: 'Basic dTpw' },
    });
    // Another scheme is no credential of ours: 401 and a bare challenge (issue 15 #11).
    expect(basic.statusCode).toBe(401);
    expect(basic.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
    const tokens = await tokenLogin();
    const session = await login(h.app, 'u1@example.test', pw);
    const both = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { authorization: `Bearer ${tokens.access_token}`, cookie: session.cookie },
    });
    expect(both.statusCode).toBe(400);
  });

  it('JWT-01/02/03/05/06/07: forged, expired, misaddressed and non-access tokens are refused', async () => {
    const user = await h.gatehouse.accounts.findUser('u1@example.test');
    const sub = user!.id;
    const now = Math.floor(clock.now() / 1000);
    const good = await forge({ sub });
    expect((await account(good)).statusCode).toBe(200);
    const [header, payload] = good.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    const badSignature = `${header}.${payload}.${'A'.repeat(86)}`;
    const cases = {
      none,
      badSignature,
      expired: await forge({ sub, iat: now - 1000, exp: now - 100 }),
      future: await forge({ sub, iat: now + 3600, exp: now + 3900 }),
      wrongIssuer: await forge({ sub, iss: 'https://evil.test' }),
      wrongAudience: await forge({ sub, aud: 'https://other.test' }),
      idToken: await forge({ sub }, { typ: 'JWT' }),
      tooLong: await forge({ sub, iat: now, exp: now + 24 * 3600 }),
      unknownUser: await forge({ sub: 'f'.repeat(32) }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const response = await account(token);
      expect(response.statusCode, name).toBe(401);
      expect(response.headers['www-authenticate'], name).toContain('invalid_token');
    }
  });

  it('JWT-01/02/03/09/10: alg tricks, psychic signatures, header-borne keys, crit and malformed tokens', async () => {
    const user = await h.gatehouse.accounts.findUser('u1@example.test');
    const good = await forge({ sub: user!.id });
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const decodedHeader = JSON.parse(Buffer.from(header, 'base64url').toString());
    const otherToken = (await tokenLogin()).access_token;
    const publicJwk = (await h.gatehouse.keyRing.publicKeys())[0]!;
    const hs256 = await new SignJWT(decodeJwt(good))
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: decodedHeader.kid })
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    const cases: Record<string, string> = {
      ...Object.fromEntries(
        ['none', 'None', 'NONE', 'nOnE'].map((alg) => [alg, `${b64({ ...decodedHeader, alg })}.${payload}.`]),
      ),
      flippedPayload: `${header}.${b64({ ...decodeJwt(good), sub: 'someone-else' })}.${signature}`,
      truncatedSignature: `${header}.${payload}.${signature.slice(0, 20)}`,
      graftedSignature: `${header}.${payload}.${otherToken.split('.')[2]}`,
      psychicSignature: `${header}.${payload}.${Buffer.alloc(64).toString('base64url')}`,
      hs256WithPublicKey: hs256,
      embeddedJwk: `${b64({ ...decodedHeader, jwk: publicJwk })}.${payload}.${signature}`,
      crit: await signRaw({ ...decodedHeader, crit: ['urn:x-unknown'], 'urn:x-unknown': true }, payload),
      twoSegments: `${header}.${payload}`,
      fourSegments: `${good}.x`,
      nonJsonHeader: `${Buffer.from('not json').toString('base64url')}.${payload}.${signature}`,
      arrayPayload: `${header}.${b64([1, 2])}.${signature}`,
      huge: `${header}.${'A'.repeat(100_000)}.${signature}`,
    };
    for (const [name, token] of Object.entries(cases)) {
      const response = await account(token);
      expect([400, 401], name).toContain(response.statusCode);
      expect(response.statusCode, name).toBeLessThan(500);
    }
    const empty = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { authorization: 'Bearer ' },
    });
    expect(empty.statusCode).toBe(400);
  });

  it('JWT-08: issued access tokens have the expected header and claims, kid in the JWKS', async () => {
    const tokens = await tokenLogin();
    const header = decodeProtectedHeader(tokens.access_token);
    const jwks = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{
      keys: { kid: string }[];
    }>();
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    const claims = decodeJwt(tokens.access_token);
    for (const claim of ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'])
      expect(claims[claim], claim).toBeDefined();
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(900);
  });

  it('OIDC-08: after a rotation old tokens verify until they expire, new ones use the new kid', async () => {
    const before = await tokenLogin();
    const oldKid = decodeProtectedHeader(before.access_token).kid;
    await h.gatehouse.keyRing.rotate();
    const after = await tokenLogin();
    const newKid = decodeProtectedHeader(after.access_token).kid;
    expect(newKid).not.toBe(oldKid);
    const kids = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' }))
      .json<{ keys: { kid: string }[] }>()
      .keys.map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect((await account(before.access_token)).statusCode).toBe(200);
    expect((await account(after.access_token)).statusCode).toBe(200);
  });

  it('RT-01: refresh rotates; reuse of a token whose successor was used revokes the family, its session and its access tokens', async () => {
    const first = await tokenLogin();
    const second = (await refresh(first.refresh_token)).json<Tokens>();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const third = (await refresh(second.refresh_token)).json<Tokens>();
    expect((await account(third.access_token)).statusCode).toBe(200);
    const reuse = await refresh(first.refresh_token);
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'The refresh token is invalid or expired.',
    });
    expect((await refresh(third.refresh_token)).statusCode).toBe(400);
    expect((await account(third.access_token)).statusCode).toBe(401);
    expect((await account(first.access_token)).statusCode).toBe(401);
  });

  it('RT-01b (RFC 9700 §4.14.2): reuse after the grace window revokes the family even if the successor is unused', async () => {
    const first = await tokenLogin();
    const second = (await refresh(first.refresh_token)).json<Tokens>();
    clock.advance(h.config.refreshReuseGraceSeconds * 1000);
    expect((await refresh(first.refresh_token)).statusCode).toBe(400);
    expect((await refresh(second.refresh_token)).statusCode).toBe(400);
    expect((await account(second.access_token)).statusCode).toBe(401);
  });

  it('RT-02: a refresh token works only for its client; 10 concurrent uses all get the same successor, the only live one', async () => {
    const tokens = await tokenLogin('u1@example.test', pw, { client_id: 'mobile-app' });
    expect((await refresh(tokens.refresh_token, 'other-app')).statusCode).toBe(400);
    const again = await tokenLogin('u1@example.test', pw, { client_id: 'mobile-app' });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => refresh(again.refresh_token, 'mobile-app')),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array.from({ length: 10 }, () => 200));
    const successors = new Set(results.map((r) => r.json<Tokens>().refresh_token));
    expect(successors.size).toBe(1);
    const [successor] = successors;
    expect(successor).not.toBe(again.refresh_token);
    // Exactly one live token in the family: the successor rotates once, then the original is reuse.
    const next = await refresh(successor!, 'mobile-app');
    expect(next.statusCode).toBe(200);
    expect((await refresh(successor!, 'mobile-app')).json<Tokens>().refresh_token).toBe(
      next.json<Tokens>().refresh_token,
    );
    expect((await refresh(again.refresh_token, 'mobile-app')).statusCode).toBe(400);
    expect((await refresh(next.json<Tokens>().refresh_token, 'mobile-app')).statusCode).toBe(400);
  });

  it('RT-03b: a client that lost the response retries with its previous token within the grace and is not logged out', async () => {
    const user = await createUser(h, `rt3b-${Date.now()}@example.test`, pw);
    const first = await tokenLogin(user.email);
    const lost = await refresh(first.refresh_token); // committed, but the client never sees it
    expect(lost.statusCode).toBe(200);
    clock.advance(h.config.refreshReuseGraceSeconds * 1000 - 1);
    const retry = await refresh(first.refresh_token);
    expect(retry.statusCode).toBe(200);
    const tokens = retry.json<Tokens>();
    expect(tokens.refresh_token).toBe(lost.json<Tokens>().refresh_token);
    expect((await account(tokens.access_token)).statusCode).toBe(200);
    const next = await refresh(tokens.refresh_token);
    expect(next.statusCode).toBe(200);
    expect((await account(next.json<Tokens>().access_token)).statusCode).toBe(200);
    const reuse = await h.gatehouse.storage.audit.list({
      limit: 1,
      type: 'token.reuse_detected',
      subjectId: user.id,
    });
    expect(reuse).toEqual([]);
  });

  it('RT-04: idle and absolute refresh lifetimes', async () => {
    const tokens = await tokenLogin();
    clock.advance(h.config.refreshTokenIdleSeconds * 1000 + 1);
    expect((await refresh(tokens.refresh_token)).statusCode).toBe(400);
  });

  it('RT-05 / hybrid index: logout, password change, disable and session revocation stop tokens at once', async () => {
    const user = await createUser(h, `rt5-${Date.now()}@example.test`, pw);
    // Token-mode logout.
    const a = await tokenLogin(user.email);
    const out = await h.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { authorization: `Bearer ${a.access_token}` },
    });
    expect(out.statusCode).toBe(204);
    expect((await account(a.access_token)).statusCode).toBe(401);
    expect((await refresh(a.refresh_token)).statusCode).toBe(400);
    // Revoking the session from another session.
    const b = await tokenLogin(user.email);
    const cookie = await login(h.app, user.email, pw);
    const sid = decodeJwt(b.access_token).sid as string;
    const revoke = await h.app.inject({
      method: 'DELETE',
      url: `/account/sessions/${sid}`,
      headers: { cookie: cookie.cookie, 'x-csrf-token': cookie.csrf },
    });
    expect(revoke.statusCode).toBe(204);
    expect((await account(b.access_token)).statusCode).toBe(401);
    expect((await refresh(b.refresh_token)).statusCode).toBe(400);
    // Refresh-token revocation (RFC 7009 style).
    const c = await tokenLogin(user.email);
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/token/revoke',
          payload: { refresh_token: c.refresh_token },
        })
      ).statusCode,
    ).toBe(200);
    expect((await account(c.access_token)).statusCode).toBe(401);
    // Password change ends every session and its tokens.
    const d = await tokenLogin(user.email);
    const me = await login(h.app, user.email, pw);
    const next = strongPassword();
    await h.app.inject({
      method: 'POST',
      url: '/account/password',
      headers: { cookie: me.cookie, 'x-csrf-token': me.csrf },
      payload: { current_password: pw, new_password: next },
    });
    expect((await account(d.access_token)).statusCode).toBe(401);
    expect((await refresh(d.refresh_token)).statusCode).toBe(400);
    // Disabling the user.
    const e = await tokenLogin(user.email, next);
    await h.gatehouse.accounts.setDisabled(user.id, true);
    expect((await account(e.access_token)).statusCode).toBe(401);
    expect((await refresh(e.refresh_token)).statusCode).toBe(400);
  });

  it('token-level revocation by jti (admin API)', async () => {
    const tokens = await tokenLogin();
    const other = await tokenLogin();
    const admin = await login(h.app, 'admin@example.test', 'tangerine orbit quietly 4417');
    const jti = decodeJwt(tokens.access_token).jti;
    const revoke = await h.app.inject({
      method: 'POST',
      url: '/admin/v1/access-tokens/revoke',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      payload: { jti },
    });
    expect(revoke.statusCode).toBe(204);
    expect((await account(tokens.access_token)).statusCode).toBe(401);
    expect((await account(other.access_token)).statusCode).toBe(200);
    const plain = await h.app.inject({
      method: 'POST',
      url: '/admin/v1/access-tokens/revoke',
      headers: { authorization: `Bearer ${other.access_token}` },
      payload: { jti: 'x' },
    });
    expect(plain.statusCode).toBe(403);
  });

  it('RT-07: a refresh family dies at its absolute lifetime even when used regularly', async () => {
    const short = await createHarness(
      { ...limits, refreshTokenIdleSeconds: 5 * 60, refreshTokenAbsoluteSeconds: 20 * 60 },
      { clock },
    );
    try {
      await createUser(short, 'rt7@example.test', pw);
      const first = await short.app.inject({
        method: 'POST',
        url: '/login',
        payload: { email: 'rt7@example.test', password: pw, mode: 'token' },
      });
      let current = first.json<Tokens>().refresh_token;
      const statuses: number[] = [];
      for (let minute = 2; minute <= 24; minute += 2) {
        clock.advance(2 * 60_000);
        const response = await short.app.inject({
          method: 'POST',
          url: '/token/refresh',
          payload: { refresh_token: current },
        });
        statuses.push(response.statusCode);
        if (response.statusCode === 200) current = response.json<Tokens>().refresh_token;
      }
      expect(statuses.slice(0, 9)).toEqual(Array(9).fill(200));
      expect(statuses.slice(10)).toEqual([400, 400]);
    } finally {
      await short.close();
    }
  });

  it('the revocation feed is authenticated and lists what was revoked', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/revocations' })).statusCode).toBe(401);
    const tokens = await tokenLogin();
    await h.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const feed = await h.app.inject({
      method: 'GET',
      url: '/revocations?after=0',
      headers: { authorization: `Bearer ${h.config.introspectionSecret}` },
    });
    expect(feed.statusCode).toBe(200);
    const body = feed.json<{ entries: { seq: number; type: string; value: string }[]; cursor: number }>();
    const sid = decodeJwt(tokens.access_token).sid;
    expect(body.entries.some((e) => e.type === 'sid' && e.value === sid)).toBe(true);
    expect(body.cursor).toBe(body.entries[body.entries.length - 1]!.seq);
    const later = await h.app.inject({
      method: 'GET',
      url: `/revocations?after=${body.cursor}`,
      headers: { authorization: `Bearer ${h.config.introspectionSecret}` },
    });
    expect(later.json().entries).toEqual([]);
  });

  it('permissions introspection answers for the subject, not from the token', async () => {
    const user = await h.gatehouse.accounts.findUser('u1@example.test');
    const ask = (sub: string, secret = h.config.introspectionSecret) =>
      h.app.inject({
        method: 'POST',
        url: '/permissions/introspect',
        headers: { authorization: `Bearer ${secret}` },
        payload: { sub },
      });
    expect((await ask(user!.id, 'wrong-secret-wrong-secret-wrong-secret')).statusCode).toBe(401);
    expect((await ask(user!.id)).json()).toEqual({ active: true, sub: user!.id, permissions: [] });
    expect((await ask('0'.repeat(32))).json()).toEqual({ active: false });
  });
});

describe('GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS=0', () => {
  it('disables retries: a used refresh token presented again is reuse at once', async () => {
    const strict = await createHarness({ ...limits, refreshReuseGraceSeconds: 0 });
    try {
      await createUser(strict, 'strict@example.test', pw);
      const login = await strict.app.inject({
        method: 'POST',
        url: '/login',
        payload: { email: 'strict@example.test', password: pw, mode: 'token' },
      });
      const first = login.json<Tokens>();
      const use = (token: string) =>
        strict.app.inject({ method: 'POST', url: '/token/refresh', payload: { refresh_token: token } });
      const second = await use(first.refresh_token);
      expect(second.statusCode).toBe(200);
      expect((await use(first.refresh_token)).statusCode).toBe(400);
      expect((await use(second.json<Tokens>().refresh_token)).statusCode).toBe(400);
    } finally {
      await strict.close();
    }
  });
});
