import { createRemoteJWKSet, jwtVerify, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL } from './harness.ts';
import {
  Browser,
  basic,
  codeFlow,
  createClient,
  decodeJwt,
  hiddenFields,
  NOTES_API,
  relyingParty,
  startOAuthServer,
} from './oauth-helpers.ts';

let h: Awaited<ReturnType<typeof startOAuthServer>>;

beforeAll(async () => {
  h = await startOAuthServer();
});
afterAll(async () => {
  await h?.close();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${h.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form(fields),
  });

describe('authorization code + PKCE, openid-client as the relying party', () => {
  it('TOK-01 OIDC-01: signs in, consents, gets a signed ID token and reads userinfo', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const browser = new Browser(h.issuer);
    const { screens, callback, tokens } = await codeFlow(rp, browser);
    expect(screens).toEqual(['login', 'consent']);
    // RFC 9207: the authorization response names the issuer.
    expect(callback.searchParams.get('iss')).toBe(h.issuer);
    expect(tokens?.token_type.toLowerCase()).toBe('bearer');
    expect(tokens?.expires_in).toBeGreaterThan(0);
    const claims = tokens?.claims();
    expect(claims?.iss).toBe(h.issuer);
    expect(claims?.aud).toBe(rp.clientId);
    // The ID token verifies against the one JWKS every Gatehouse token uses.
    const jwks = createRemoteJWKSet(new URL(`${h.issuer}/.well-known/jwks.json`));
    const verified = await jwtVerify(tokens?.id_token ?? '', jwks, {
      issuer: h.issuer,
      audience: rp.clientId,
    });
    expect(verified.protectedHeader.kid).toBe((await h.gatehouse.keyRing.active()).kid);
    const info = await oidc.fetchUserInfo(rp.config, tokens?.access_token ?? '', claims?.sub ?? '');
    expect(info).toMatchObject({ sub: claims?.sub, email: ADMIN_EMAIL, email_verified: false });
  });

  it('remembers consent per client and signs in once for every client (SSO)', async () => {
    const browser = new Browser(h.issuer);
    const first = await relyingParty(h, await createClient(h, { name: 'First' }));
    const second = await relyingParty(h, await createClient(h, { name: 'Second' }));
    expect((await codeFlow(first, browser)).screens).toEqual(['login', 'consent']);
    // Same client again: neither password nor consent.
    expect((await codeFlow(first, browser)).screens).toEqual([]);
    // Another client: the live session signs in, only consent is asked.
    const other = await codeFlow(second, browser);
    expect(other.screens).toEqual(['consent']);
    expect(other.tokens?.claims()?.sub).toBeDefined();
    // A new scope for a consented client asks again (AUTHZ-08).
    expect(
      (await codeFlow(first, browser, { scope: 'openid email offline_access', extra: { prompt: 'consent' } }))
        .screens,
    ).toEqual(['consent']);
  });

  it('AUTHZ-07: denying consent redirects with access_denied and the state, no code', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const { callback, state } = await codeFlow(rp, new Browser(h.issuer), { consent: 'deny' });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('AUTHZ-05: prompt=none without a session → login_required; with one → a code, no UI', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const browser = new Browser(h.issuer);
    const none = await codeFlow(rp, browser, { extra: { prompt: 'none' } });
    expect(none.callback.searchParams.get('error')).toBe('login_required');
    const first = await codeFlow(rp, browser);
    const silent = await codeFlow(rp, browser, { extra: { prompt: 'none' } });
    expect(silent.screens).toEqual([]);
    expect(silent.tokens?.claims()?.sub).toBe(first.tokens?.claims()?.sub);
    expect(silent.tokens?.claims()?.auth_time).toBe(first.tokens?.claims()?.auth_time);
  });

  it('AUTHZ-06: prompt=login shows the login page again and moves auth_time on', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const browser = new Browser(h.issuer);
    const first = await codeFlow(rp, browser, { extra: { max_age: '10000' } });
    expect(first.tokens?.claims()?.auth_time).toBeTypeOf('number');
    // (c) max_age=10000 needs no new login and keeps auth_time.
    const kept = await codeFlow(rp, browser, { extra: { max_age: '10000' } });
    expect(kept.screens).toEqual([]);
    expect(kept.tokens?.claims()?.auth_time).toBe(first.tokens?.claims()?.auth_time);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await codeFlow(rp, browser, { extra: { prompt: 'login' } });
    expect(again.screens).toEqual(['login']);
    expect(Number(again.tokens?.claims()?.auth_time)).toBeGreaterThan(
      Number(first.tokens?.claims()?.auth_time),
    );
  });

  it('ends single sign-on when the Gatehouse session ends (logout)', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const browser = new Browser(h.issuer);
    await codeFlow(rp, browser);
    const session = browser.cookies.get('__Host-gatehouse_session') ?? '';
    const active = await h.gatehouse.sessions.resolve(session);
    await h.gatehouse.sessions.end(active?.record.idHash ?? '');
    const none = await codeFlow(rp, browser, { extra: { prompt: 'none' } });
    expect(none.callback.searchParams.get('error')).toBe('login_required');
  });
});

describe('resource indicators → RFC 9068 JWT access tokens', () => {
  it('TOK-07: client credentials for a resource gives an at+jwt for that audience, no refresh token', async () => {
    const issued = await createClient(h, { name: 'Worker' });
    const rp = await relyingParty(h, issued);
    const tokens = await oidc.clientCredentialsGrant(rp.config, { scope: 'notes:read', resource: NOTES_API });
    expect(tokens.refresh_token).toBeUndefined();
    const { header, payload } = decodeJwt(tokens.access_token);
    expect(header.typ).toBe('at+jwt');
    expect(header.kid).toBe((await h.gatehouse.keyRing.active()).kid);
    expect(payload).toMatchObject({
      iss: h.issuer,
      aud: NOTES_API,
      client_id: rp.clientId,
      scope: 'notes:read',
    });
    expect(payload.sub).toBe(rp.clientId);
    // A resource the client may not use is refused (RFC 8707 invalid_target).
    await expect(
      oidc.clientCredentialsGrant(rp.config, { scope: 'notes:read', resource: 'https://other.example.test' }),
    ).rejects.toMatchObject({ error: 'invalid_target' });
  });

  it('a user token for a resource carries the user, the consented scope and the right aud', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const { tokens, screens } = await codeFlow(rp, new Browser(h.issuer), {
      scope: 'openid notes:read',
      resource: NOTES_API,
    });
    expect(screens).toEqual(['login', 'consent']);
    const { header, payload } = decodeJwt(tokens?.access_token ?? '');
    expect(header.typ).toBe('at+jwt');
    // The API first; the userinfo endpoint too, as the grant includes openid (issue 15 #13).
    expect(payload.aud).toEqual([NOTES_API, `${h.issuer}/oauth/userinfo`]);
    expect(payload.scope).toBe('notes:read');
    expect(payload.sub).toBe(tokens?.claims()?.sub);
    expect(String(payload.sid)).toMatch(/^grant:/);
  });
});

describe('refresh tokens: rotation and reuse detection', () => {
  it('RT-01 RT-02: a refresh token reused after its successor was used revokes the whole grant', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const { tokens } = await codeFlow(rp, new Browser(h.issuer), {
      scope: 'openid offline_access',
      extra: { prompt: 'consent' },
    });
    const rt1 = tokens?.refresh_token ?? '';
    expect(rt1).not.toBe('');
    const second = await oidc.refreshTokenGrant(rp.config, rt1);
    const rt2 = second.refresh_token ?? '';
    expect(rt2).not.toBe(rt1);
    const rt3 = (await oidc.refreshTokenGrant(rp.config, rt2)).refresh_token ?? '';
    await expect(oidc.refreshTokenGrant(rp.config, rt1)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(rp.config, rt3)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The replay is an attack signal: it is in the audit trail.
    await expect
      .poll(async () =>
        (await h.gatehouse.storage.audit.list({ limit: 50, type: 'token.reuse_detected' })).some(
          (event) => event.details.client === rp.clientId,
        ),
      )
      .toBe(true);
    const introspected = await oidc.tokenIntrospection(rp.config, second.access_token);
    expect(introspected.active).toBe(false);
  });

  it('RT-03b: a retry after a lost response, and 10 concurrent refreshes, get the same successor; the grant lives', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const { tokens } = await codeFlow(rp, new Browser(h.issuer), {
      scope: 'openid offline_access',
      extra: { prompt: 'consent' },
    });
    const rt1 = tokens?.refresh_token ?? '';
    const lost = await oidc.refreshTokenGrant(rp.config, rt1); // committed; the client never sees it
    const retry = await oidc.refreshTokenGrant(rp.config, rt1);
    expect(retry.refresh_token).toBe(lost.refresh_token);
    expect((await oidc.tokenIntrospection(rp.config, retry.access_token)).active).toBe(true);
    const rt2 = retry.refresh_token ?? '';
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, () => oidc.refreshTokenGrant(rp.config, rt2)),
    );
    const successors = new Set(concurrent.map((t) => t.refresh_token));
    expect(successors.size).toBe(1);
    const [rt3] = successors;
    expect(rt3).not.toBe(rt2);
    // One live token: rt3 rotates on; rt2, its successor used, is now reuse and ends the grant.
    const rt4 = (await oidc.refreshTokenGrant(rp.config, rt3 ?? '')).refresh_token ?? '';
    await expect(oidc.refreshTokenGrant(rp.config, rt2)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(rp.config, rt4)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('RT-06: a refreshed ID token keeps iss, sub, aud and auth_time', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const { tokens } = await codeFlow(rp, new Browser(h.issuer), {
      scope: 'openid offline_access',
      extra: { prompt: 'consent' },
    });
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens?.refresh_token ?? '');
    const before = tokens?.claims();
    const after = refreshed.claims();
    for (const claim of ['iss', 'sub', 'aud', 'auth_time'] as const)
      expect(after?.[claim]).toEqual(before?.[claim]);
  });

  it('RT-04: another client cannot use the refresh token', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const other = await relyingParty(h, await createClient(h, { name: 'Other' }));
    const { tokens } = await codeFlow(rp, new Browser(h.issuer), {
      scope: 'openid offline_access',
      extra: { prompt: 'consent' },
    });
    await expect(oidc.refreshTokenGrant(other.config, tokens?.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const noAuth = await post('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens?.refresh_token ?? '',
      client_id: rp.clientId,
    });
    expect(noAuth.status).toBe(401);
    expect((await noAuth.json()).error).toBe('invalid_client');
  });
});

describe('introspection (RFC 7662) and revocation (RFC 7009)', () => {
  it('INT-01: authenticated, consistent, and per resource server', async () => {
    const issued = await createClient(h, { name: 'Worker' });
    const rp = await relyingParty(h, issued);
    const tokens = await oidc.clientCredentialsGrant(rp.config, { scope: 'notes:read', resource: NOTES_API });
    const anonymous = await post('/oauth/introspect', { token: tokens.access_token });
    expect(anonymous.status).toBe(401);
    const wrong = await post(
      '/oauth/introspect',
      { token: tokens.access_token },
      { authorization: basic(rp.clientId, 'nope') },
    );
    expect(wrong.status).toBe(401);
    const own = await oidc.tokenIntrospection(rp.config, tokens.access_token);
    expect(own).toMatchObject({
      active: true,
      client_id: rp.clientId,
      scope: 'notes:read',
      iss: h.issuer,
      aud: NOTES_API,
    });
    // The resource server itself (a client whose audience is the API) sees tokens for it …
    const rs = await h.gatehouse.oauth.registry.create({
      name: 'Notes API',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: [],
      audience: NOTES_API,
    });
    const asRs = await post(
      '/oauth/introspect',
      { token: tokens.access_token },
      { authorization: basic(rs.client.clientId, rs.secret ?? '') },
    );
    expect((await asRs.json()).active).toBe(true);
    // … another resource server does not.
    const rs2 = await h.gatehouse.oauth.registry.create({
      name: 'Billing API',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: [],
      audience: 'https://billing.example.test',
    });
    const asRs2 = await post(
      '/oauth/introspect',
      { token: tokens.access_token },
      { authorization: basic(rs2.client.clientId, rs2.secret ?? '') },
    );
    expect((await asRs2.json()).active).toBe(false);
  });

  it('REV-01 REV-02: revoking a refresh token ends the grant; revoking an AT reaches the feed', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const { tokens } = await codeFlow(rp, new Browser(h.issuer), {
      scope: 'openid offline_access notes:read',
      resource: NOTES_API,
      extra: { prompt: 'consent' },
    });
    const at = tokens?.access_token ?? '';
    const { payload } = decodeJwt(at);
    expect(h.gatehouse.revocations.isRevoked({ sid: String(payload.sid) })).toBe(false);
    await oidc.tokenRevocation(rp.config, tokens?.refresh_token ?? '', { token_type_hint: 'refresh_token' });
    await expect(oidc.refreshTokenGrant(rp.config, tokens?.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await oidc.tokenIntrospection(rp.config, at)).active).toBe(false);
    // Resource servers hear it through the revocation feed: the grant's sid is revoked.
    await expect.poll(() => h.gatehouse.revocations.isRevoked({ sid: String(payload.sid) })).toBe(true);
  });

  it('REV-04: revocation needs the owning client', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const other = await relyingParty(h, await createClient(h, { name: 'Other' }));
    const tokens = await oidc.clientCredentialsGrant(rp.config, { scope: 'notes:read', resource: NOTES_API });
    const anonymous = await post('/oauth/revoke', { token: tokens.access_token });
    expect(anonymous.status).toBe(401);
    const wrong = await post(
      '/oauth/revoke',
      { token: tokens.access_token },
      { authorization: basic(rp.clientId, 'wrong') },
    );
    expect(wrong.status).toBe(401);
    // Another client gets the answer an unknown token gets (200) and the token stays active —
    // a JWT access token here, a refresh token below.
    await oidc.tokenRevocation(other.config, tokens.access_token);
    const viaGet = await fetch(`${h.issuer}/oauth/revoke?token=${encodeURIComponent(tokens.access_token)}`);
    expect([400, 404, 405]).toContain(viaGet.status);
    expect((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(true);
    const { tokens: userTokens } = await codeFlow(rp, new Browser(h.issuer), {
      scope: 'openid offline_access notes:read',
      resource: NOTES_API,
      extra: { prompt: 'consent' },
    });
    const refreshToken = userTokens?.refresh_token ?? '';
    await oidc.tokenRevocation(other.config, refreshToken, { token_type_hint: 'refresh_token' });
    expect((await oidc.tokenIntrospection(rp.config, refreshToken)).active).toBe(true);
  });
});

describe('issue 17 #2: introspection verifies JWT access tokens with the one RFC 9068 verifier', () => {
  it('a ring-signed token without jti, or living longer than the engine issues, is not active', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const issued = await oidc.clientCredentialsGrant(rp.config, { scope: 'notes:read', resource: NOTES_API });
    const genuine = decodeJwt(issued.access_token).payload;
    const { privateKey, alg, kid } = await h.gatehouse.keyRing.active();
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ ...genuine, ...claims }).setProtectedHeader({ alg, kid, typ: 'at+jwt' }).sign(privateKey);
    const introspect = async (token: string) => (await oidc.tokenIntrospection(rp.config, token)).active;
    const now = Math.floor(Date.now() / 1000);
    // The same claims, signed again by the test: active (the forgeries below differ in one claim).
    expect(await introspect(await sign({ jti: 'resigned' }))).toBe(true);
    expect(await introspect(await sign({ jti: undefined }))).toBe(false);
    expect(await introspect(await sign({ sub: undefined }))).toBe(false);
    expect(await introspect(await sign({ iat: now, exp: now + 10 * 86_400 }))).toBe(false);
  });
});

describe('userinfo and discovery', () => {
  it('OIDC-04: userinfo refuses missing, garbage and machine tokens cleanly', async () => {
    const none = await fetch(`${h.issuer}/oauth/userinfo`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const garbage = await fetch(`${h.issuer}/oauth/userinfo`, {
      headers: { authorization: 'Bearer garbage' },
    });
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toContain('invalid_token');
    const query = await fetch(`${h.issuer}/oauth/userinfo?access_token=garbage`);
    expect(query.status).toBeGreaterThanOrEqual(400);
    expect(query.status).toBeLessThan(500);
  });

  it('OIDC-06: both metadata documents agree and advertise only what is safe', async () => {
    const oidcDoc = await (await fetch(`${h.issuer}/.well-known/openid-configuration`)).json();
    const oauthDoc = await (await fetch(`${h.issuer}/.well-known/oauth-authorization-server`)).json();
    expect(oauthDoc).toEqual(oidcDoc);
    expect(oidcDoc.issuer).toBe(h.issuer);
    expect(oidcDoc.jwks_uri).toBe(`${h.issuer}/.well-known/jwks.json`);
    expect(oidcDoc.code_challenge_methods_supported).toEqual(['S256']);
    expect(oidcDoc.response_types_supported).toEqual(['code']);
    expect(oidcDoc.grant_types_supported).not.toContain('implicit');
    expect(oidcDoc.grant_types_supported).not.toContain('password');
    expect(oidcDoc.authorization_response_iss_parameter_supported).toBe(true);
    expect(oidcDoc.registration_endpoint).toBeUndefined();
    for (const endpoint of [
      'introspection_endpoint',
      'revocation_endpoint',
      'device_authorization_endpoint',
      'pushed_authorization_request_endpoint',
      'end_session_endpoint',
      'userinfo_endpoint',
    ])
      expect(oidcDoc[endpoint]).toMatch(new RegExp(`^${h.issuer}/oauth/`));
    expect(oidcDoc.token_endpoint_auth_signing_alg_values_supported ?? []).not.toContain('none');
    expect(oidcDoc.dpop_signing_alg_values_supported).toContain('ES256');
  });
});

describe('device authorization grant (RFC 8628)', () => {
  it('a CLI gets tokens once the user enters the code in a browser', async () => {
    const issued = await createClient(h, {
      name: 'Notes CLI',
      type: 'public',
      redirectUris: [],
      grantTypes: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    });
    const rp = await relyingParty(h, issued);
    const device = await oidc.initiateDeviceAuthorization(rp.config, { scope: 'openid email' });
    const browser = new Browser(h.issuer);
    const input = await browser.navigate(device.verification_uri);
    let step = await browser.submit(new URL(device.verification_uri).pathname, {
      ...hiddenFields(await input.response.text()),
      user_code: device.user_code,
    });
    const confirmPage = await step.response.text();
    expect(confirmPage).toContain(device.user_code);
    step = await browser.submit(new URL(device.verification_uri).pathname, hiddenFields(confirmPage));
    for (let i = 0; i < 3; i++) {
      if (step.url.includes('/login'))
        step = await browser.signIn(step, ADMIN_EMAIL, 'tangerine orbit quietly 4417');
      else if (step.url.includes('/oauth/interaction/')) step = await browser.consent(step, 'allow');
    }
    const done = await step.response.text();
    expect(done).toContain('Device connected');
    const tokens = await oidc.pollDeviceAuthorizationGrant(rp.config, { ...device, interval: 0.01 });
    const sub = tokens.claims()?.sub ?? '';
    expect((await oidc.fetchUserInfo(rp.config, tokens.access_token, sub)).email).toBe(ADMIN_EMAIL);
  });

  it('issue 15 #1: the code-entry page sends exactly one user_code field, and it is labelled', async () => {
    const browser = new Browser(h.issuer);
    const device = await oidc.initiateDeviceAuthorization(
      (
        await relyingParty(
          h,
          await createClient(h, {
            name: 'Notes CLI',
            type: 'public',
            redirectUris: [],
            grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'],
          }),
        )
      ).config,
      { scope: 'openid' },
    );
    const page = await (await browser.navigate(device.verification_uri)).response.text();
    // A browser submits every named control of the form (and those attached to it with form=).
    expect(page.match(/name="user_code"/g)).toHaveLength(1);
    expect(page).toMatch(/<label for="user_code">/);
    expect(page).not.toMatch(/form="op\.deviceInputForm"/);
    // No inline event handler: the page's CSP would block it and log an error.
    expect(page).not.toMatch(/\son[a-z]+="/);
  });

  it('a code entered without the form, cancelled, or at a made-up address gets the page again — never a 500', async () => {
    const issued = await createClient(h, {
      name: 'Notes CLI',
      type: 'public',
      redirectUris: [],
      grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'],
    });
    const device = await oidc.initiateDeviceAuthorization((await relyingParty(h, issued)).config, {
      scope: 'openid',
    });
    const path = new URL(device.verification_uri).pathname;
    // A visitor with no session yet: no cookie, so no form secret. Then a stale form secret.
    const visitor = new Browser(h.issuer);
    for (const form of [{ user_code: device.user_code }, { user_code: device.user_code, xsrf: 'stale' }]) {
      const refused = await visitor.submit(path, form);
      expect(refused.response.status).toBe(400);
      expect(refused.response.headers.get('content-type')).toContain('text/html');
      // The new session's cookie outlives the browser session, as the engine's own would.
      const sessionCookies = refused.response.headers.getSetCookie().filter((c) => c.startsWith('_session='));
      if (!('xsrf' in form)) expect(sessionCookies.some((c) => /; expires=/i.test(c))).toBe(true);
      const page = await refused.response.text();
      expect(page).toContain('This form has expired. Enter the code again.');
      expectNoStackTrace(page);
      // The form shown again works: its secret was saved with the visitor's new session.
      const unknown = await visitor.submit(path, { ...hiddenFields(page), user_code: 'BCDF-GHJK' });
      expect(unknown.response.status).toBe(200);
      const again = await unknown.response.text();
      expect(again).toContain('That code is not valid or has expired');
      const retried = await visitor.submit(path, { ...hiddenFields(again), user_code: device.user_code });
      expect(retried.response.status).toBe(200);
      expect(await retried.response.text()).toContain(device.user_code);
    }
    // Cancel on the confirmation page: the page says so, and the CLI is told access_denied.
    const confirmPage = await (
      await visitor.navigate(`${path}?user_code=${device.user_code}`)
    ).response.text();
    const formPost = await visitor.submit(path, hiddenFields(confirmPage));
    const confirm = await formPost.response.text();
    expect(confirm).toContain('Confirm the device');
    const cancelled = await visitor.submit(path, { ...hiddenFields(confirm), abort: 'yes' });
    expect(await cancelled.response.text()).toContain('Cancelled: the device was not connected.');
    await expect(
      oidc.pollDeviceAuthorizationGrant((await relyingParty(h, issued)).config, {
        ...device,
        interval: 0.01,
      }),
    ).rejects.toMatchObject({ error: 'access_denied' });
    for (const address of [`${path}/auth`, `${path}/not-an-interaction`]) {
      const response = await fetch(`${h.issuer}${address}`, { headers: { accept: 'text/html' } });
      expect(response.status, address).toBeGreaterThanOrEqual(400);
      expect(response.status, address).toBeLessThan(500);
      expectNoStackTrace(await response.text());
    }
  });
});

function expectNoStackTrace(body: string): void {
  expect(body).not.toMatch(/at .*\.(ts|js):\d+|node_modules|TypeError/);
}
