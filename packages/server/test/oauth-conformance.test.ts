import { createGuard, GuardError } from '@gatehouse/guard';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-runner.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, login } from './harness.ts';
import {
  Browser,
  basic,
  codeFlow,
  createClient,
  decodeJwt,
  hiddenFields,
  NOTES_API,
  RP_CALLBACK,
  type RpSetup,
  relyingParty,
  startOAuthServer,
} from './oauth-helpers.ts';

/** Protocol conformance found by an outside review (issue 15), spoken through openid-client. */
let h: Awaited<ReturnType<typeof startOAuthServer>>;

beforeAll(async () => {
  h = await startOAuthServer();
});
afterAll(async () => {
  await h?.close();
});

const RP_SITE = new URL(RP_CALLBACK).origin;

/** Signs in and consents wherever Gatehouse asks, until the browser leaves for the client. */
async function throughInteraction(browser: Browser, first: { response: Response; url: string }) {
  let step = first;
  const screens: string[] = [];
  for (let i = 0; i < 4 && new URL(step.url).origin === h.issuer; i++) {
    if (step.url.includes('/login')) {
      screens.push('login');
      step = await browser.signIn(step, ADMIN_EMAIL, ADMIN_PASSWORD);
    } else if (step.url.includes('/oauth/interaction/')) {
      screens.push('consent');
      step = await browser.consent(step, 'allow');
    } else break;
  }
  return { step, screens };
}

/** An authorization request POSTed by a form on the client's site (optionally pushed first). */
async function postedCodeFlow(rp: RpSetup, browser: Browser, options: { par?: boolean } = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const params = {
    redirect_uri: RP_CALLBACK,
    scope: 'openid email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  };
  const url = options.par
    ? await oidc.buildAuthorizationUrlWithPAR(rp.config, params)
    : oidc.buildAuthorizationUrl(rp.config, params);
  const posted = await browser.postFrom(RP_SITE, '/oauth/authorize', Object.fromEntries(url.searchParams));
  const { step, screens } = await throughInteraction(browser, posted);
  const callback = new URL(step.url);
  expect(callback.origin + callback.pathname, await step.response.clone().text()).toBe(RP_CALLBACK);
  const tokens = await oidc.authorizationCodeGrant(rp.config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  return { screens, callback, tokens };
}

describe('issue 15: protocol conformance', () => {
  it('issue 15 #7: POST /oauth/authorize is accepted (OIDC Core 3.1.2.1)', async () => {
    const rp = await relyingParty(h, await createClient(h, { name: 'Posting RP' }));
    const browser = new Browser(h.issuer);
    // A cross-site form post: no cookie comes along, the login and consent pages follow as for GET.
    const first = await postedCodeFlow(rp, browser);
    expect(first.screens).toEqual(['login', 'consent']);
    expect(first.callback.searchParams.get('iss')).toBe(h.issuer);
    expect(first.tokens.claims()?.aud).toBe(rp.clientId);
    // Signed in already: the Gatehouse session signs the user in on the way (single sign-on).
    const again = await postedCodeFlow(rp, browser);
    expect(again.screens).toEqual([]);
    expect(again.tokens.claims()?.sub).toBe(first.tokens.claims()?.sub);
    // Silent sign-in cannot work that way: a cross-site post carries no cookie (SameSite=Lax).
    const silentUrl = oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: RP_CALLBACK,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'silent',
      prompt: 'none',
    });
    const silent = await browser.postFrom(
      RP_SITE,
      '/oauth/authorize',
      Object.fromEntries(silentUrl.searchParams),
    );
    expect(new URL(silent.url).searchParams.get('error')).toBe('login_required');
    expect(new URL(silent.url).searchParams.get('state')).toBe('silent');
    // Pushed first (PAR), then posted: client_id and request_uri in the form.
    const pushed = await postedCodeFlow(rp, browser, { par: true });
    expect(pushed.tokens.claims()?.sub).toBe(first.tokens.claims()?.sub);
    // Errors travel to the client as for GET; a body that is not a form is refused.
    const bad = await browser.postFrom(RP_SITE, '/oauth/authorize', {
      client_id: rp.clientId,
      redirect_uri: RP_CALLBACK,
      response_type: 'code',
      scope: 'openid',
      state: 's',
    });
    const error = new URL(bad.url).searchParams;
    expect(error.get('error')).toBe('invalid_request'); // no code_challenge
    expect(error.get('state')).toBe('s');
    const json = await fetch(`${h.issuer}/oauth/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: rp.clientId }),
    });
    expect(json.status).toBe(415);
    const put = await fetch(`${h.issuer}/oauth/authorize`, { method: 'PUT' });
    expect(put.status).toBe(405);
    // The access log says what the client did.
    const logged = h.logs
      .map((line) => JSON.parse(line) as { msg?: string; method?: string; path?: string })
      .filter((line) => line.msg === 'request' && line.path === '/oauth/authorize');
    expect(logged.map((line) => line.method)).toContain('POST');
    expect(logged.map((line) => line.method)).not.toContain('GET');
  });

  it('issue 15 #8: discovery lists exactly the response modes that work; every other is invalid_request', async () => {
    const issued = await createClient(h, { name: 'Modes RP' });
    const discovery = await (await fetch(`${h.issuer}/.well-known/openid-configuration`)).json();
    expect(discovery.response_modes_supported).toEqual(['query', 'form_post']);
    const browser = new Browser(h.issuer);
    const request = (mode: string) =>
      `/oauth/authorize?${new URLSearchParams({
        client_id: issued.client.clientId,
        response_type: 'code',
        redirect_uri: RP_CALLBACK,
        scope: 'openid',
        state: `state-${mode}`,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        response_mode: mode,
      })}`;
    // Sign in and consent once, through the default mode.
    const { step } = await throughInteraction(browser, await browser.navigate(request('query')));
    expect(new URL(step.url).searchParams.get('code')).toBeTruthy();
    for (const mode of discovery.response_modes_supported as string[]) {
      const answer = await browser.navigate(request(mode));
      if (mode === 'query') {
        const params = new URL(answer.url).searchParams;
        expect(params.get('code'), mode).toBeTruthy();
        expect(params.get('state')).toBe('state-query');
      } else {
        // form_post: a page that posts the code to the redirect URI.
        expect(answer.response.status, mode).toBe(200);
        const page = await answer.response.text();
        expect(page).toContain(`action="${RP_CALLBACK}"`);
        expect(hiddenFields(page).code).toBeTruthy();
        expect(hiddenFields(page).state).toBe('state-form_post');
      }
    }
    for (const mode of [
      'fragment',
      'jwt',
      'query.jwt',
      'fragment.jwt',
      'form_post.jwt',
      'web_message',
      'bogus',
    ]) {
      const answer = await browser.navigate(request(mode));
      const location = new URL(answer.url);
      const params =
        location.hash === '' ? location.searchParams : new URLSearchParams(location.hash.slice(1));
      expect(params.get('error'), mode).toBe('invalid_request');
      expect(params.get('state'), mode).toBe(`state-${mode}`);
      expect(location.searchParams.get('code'), mode).toBeNull();
      expect(new URLSearchParams(location.hash.slice(1)).get('code'), mode).toBeNull();
    }
  });

  it('issue 15 #10: introspection of an empty token answers exactly {"active":false} (RFC 7662 §2.2)', async () => {
    const issued = await createClient(h, { name: 'Introspecting RP' });
    const auth = { authorization: basic(issued.client.clientId, issued.secret ?? '') };
    const introspect = (body: string, headers: Record<string, string> = auth) =>
      fetch(`${h.issuer}/oauth/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      });
    const empty = await introspect('token=');
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-type')).toMatch(/^application\/json/);
    expect(empty.headers.get('cache-control')).toBe('no-store');
    expect(await empty.text()).toBe('{"active":false}');
    const withHint = await introspect('token=&token_type_hint=access_token');
    expect(await withHint.json()).toEqual({ active: false });
    // Still no answer at all without client authentication …
    const anonymous = await introspect('token=', {});
    expect(anonymous.status).toBe(401);
    // … and a request without the parameter stays malformed (it is REQUIRED, §2.1).
    const missing = await introspect('');
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toBe('invalid_request');
  });

  it('issue 15 #13: the API token of an openid login reads userinfo; nothing else accepts a foreign audience', async () => {
    const rp = await relyingParty(h, await createClient(h, { name: 'API and userinfo RP' }));
    const browser = new Browser(h.issuer);
    const { tokens } = await codeFlow(rp, browser, { scope: 'openid email notes:read', resource: NOTES_API });
    const at = tokens?.access_token ?? '';
    const sub = tokens?.claims()?.sub ?? '';
    expect(decodeJwt(at).payload.aud).toEqual([NOTES_API, `${h.issuer}/oauth/userinfo`]);
    // The relying party reads userinfo with it: the claims of the granted OpenID scopes.
    expect(await oidc.fetchUserInfo(rp.config, at, sub)).toEqual({
      sub,
      email: ADMIN_EMAIL,
      email_verified: false,
    });
    // The notes API's guard takes it; another API's guard does not, nor do Gatehouse's own APIs.
    const guardFor = (audience: string) =>
      createGuard({ issuer: h.issuer, audience, algorithms: ['ES256'], gatehouseUrl: h.issuer });
    const notes = guardFor(NOTES_API);
    const billing = guardFor('https://billing.example.test');
    try {
      const request = () => new Request(`${NOTES_API}/notes`, { headers: { authorization: `Bearer ${at}` } });
      expect((await notes.check(request())).principal.subject).toBe(sub);
      const refused = await billing.check(request()).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(GuardError);
      expect((refused as GuardError).code).toBe('invalid_token');
    } finally {
      await notes.close();
      await billing.close();
    }
    const account = await fetch(`${h.issuer}/account`, { headers: { authorization: `Bearer ${at}` } });
    expect(account.status).toBe(401);

    // A login without openid: its API token has the API's audience only and userinfo refuses it.
    const oauthOnly = await relyingParty(h, await createClient(h, { name: 'API only RP' }));
    const plain = await codeFlow(oauthOnly, browser, { scope: 'notes:read', resource: NOTES_API });
    const plainAt = plain.tokens?.access_token ?? '';
    expect(decodeJwt(plainAt).payload.aud).toBe(NOTES_API);
    const refusedInfo = await fetch(`${h.issuer}/oauth/userinfo`, {
      headers: { authorization: `Bearer ${plainAt}` },
    });
    expect(refusedInfo.status).toBe(401);
    expect(refusedInfo.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // Client credentials have no grant, hence no userinfo either.
    const machine = await oidc.clientCredentialsGrant(rp.config, {
      scope: 'notes:read',
      resource: NOTES_API,
    });
    const machineInfo = await fetch(`${h.issuer}/oauth/userinfo`, {
      headers: { authorization: `Bearer ${machine.access_token}` },
    });
    expect(machineInfo.status).toBe(401);
    // Withdrawn consent ends it at userinfo at once.
    const grantId = String(decodeJwt(at).payload.sid).slice('grant:'.length);
    expect(await h.gatehouse.oauth.revokeGrant(sub, grantId)).toBe(true);
    const revoked = await fetch(`${h.issuer}/oauth/userinfo`, { headers: { authorization: `Bearer ${at}` } });
    expect(revoked.status).toBe(401);
  });

  it('issue 15 #9: ID tokens in RS256 for clients registered for it (OIDC Discovery §3); ES256 stays the default', async () => {
    const discovery = await (await fetch(`${h.issuer}/.well-known/openid-configuration`)).json();
    expect(discovery.id_token_signing_alg_values_supported).toEqual(['ES256', 'RS256']);
    const rsa = h.gatehouse.keyRing.rs256;
    const rsaKid = (await rsa?.active())?.kid;
    const esKid = (await h.gatehouse.keyRing.active()).kid;
    expect(rsaKid).toBeDefined();
    // Both active keys are in the one JWKS, public members only.
    const jwks = (await (await fetch(`${h.issuer}/.well-known/jwks.json`)).json()) as {
      keys: Record<string, unknown>[];
    };
    const published = jwks.keys.find((key) => key.kid === rsaKid);
    expect(published).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(published?.d).toBeUndefined();
    expect(jwks.keys.map((key) => key.kid)).toContain(esKid);

    // The admin API takes the choice and shows it back; anything but RS256 is refused.
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const create = (payload: Record<string, unknown>) =>
      h.app.inject({
        method: 'POST',
        url: '/admin/v1/clients',
        headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
        payload: { name: 'RS256 RP', type: 'confidential', redirect_uris: [RP_CALLBACK], ...payload },
      });
    const created = await create({ id_token_signed_response_alg: 'RS256' });
    expect(created.statusCode).toBe(201);
    const body = created.json<{
      client_id: string;
      client_secret: string;
      id_token_signed_response_alg: string;
    }>();
    expect(body.id_token_signed_response_alg).toBe('RS256');
    expect((await create({ id_token_signed_response_alg: 'HS256' })).statusCode).toBe(400);
    const resourceClient = await h.gatehouse.oauth.registry.create({
      name: 'RS256 API RP',
      type: 'confidential',
      redirectUris: [RP_CALLBACK],
      scopes: ['openid', 'email', 'notes:read'],
      resources: [NOTES_API],
      idTokenAlg: 'RS256',
    });
    await expect(
      h.gatehouse.oauth.registry.create({
        name: 'x',
        type: 'public',
        redirectUris: [RP_CALLBACK],
        idTokenAlg: 'none',
      }),
    ).rejects.toMatchObject({ code: 'invalid_request' });

    // openid-client, told to expect RS256 and to check signatures, validates against the JWKS.
    const rpFor = async (clientId: string, secret: string, alg?: string): Promise<RpSetup> => {
      const config = await oidc.discovery(
        new URL(h.issuer),
        clientId,
        { client_secret: secret, ...(alg === undefined ? {} : { id_token_signed_response_alg: alg }) },
        oidc.ClientSecretBasic(secret),
        { execute: [oidc.allowInsecureRequests] },
      );
      oidc.enableNonRepudiationChecks(config);
      return { config, clientId, secret };
    };
    const browser = new Browser(h.issuer);
    const rsRp = await rpFor(body.client_id, body.client_secret, 'RS256');
    const rs = await codeFlow(rsRp, browser);
    const rsIdToken = rs.tokens?.id_token ?? '';
    expect(decodeProtectedHeader(rsIdToken)).toMatchObject({ alg: 'RS256', kid: rsaKid });
    const keySet = createRemoteJWKSet(new URL(`${h.issuer}/.well-known/jwks.json`));
    await expect(
      jwtVerify(rsIdToken, keySet, { issuer: h.issuer, audience: body.client_id, algorithms: ['RS256'] }),
    ).resolves.toBeDefined();
    // Its access token for an API stays ES256, signed by the configured ring.
    const withApi = await codeFlow(
      await rpFor(resourceClient.client.clientId, resourceClient.secret ?? '', 'RS256'),
      browser,
      { scope: 'openid email notes:read', resource: NOTES_API },
    );
    expect(decodeProtectedHeader(withApi.tokens?.id_token ?? '').alg).toBe('RS256');
    expect(decodeProtectedHeader(withApi.tokens?.access_token ?? '')).toMatchObject({
      alg: 'ES256',
      kid: esKid,
    });
    // A client that chose nothing gets ES256, validated the same way.
    const plain = await createClient(h, { name: 'Default alg RP' });
    const es = await codeFlow(await rpFor(plain.client.clientId, plain.secret ?? ''), browser);
    expect(decodeProtectedHeader(es.tokens?.id_token ?? '')).toMatchObject({ alg: 'ES256', kid: esKid });

    // The CLI takes --id-token-alg and refuses other values.
    const cli = await runCli(h.dataDir, [
      'clients',
      'create',
      '--name',
      'CLI RS256',
      '--redirect-uri',
      RP_CALLBACK,
      '--id-token-alg',
      'RS256',
      '--json',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ id_token_signed_response_alg: 'RS256' });
    const wrong = await runCli(h.dataDir, [
      'clients',
      'create',
      '--name',
      'CLI HS',
      '--id-token-alg',
      'HS256',
    ]);
    expect(wrong.code).not.toBe(0);
  });
});
