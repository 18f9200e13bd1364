import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './harness.ts';
import { Browser, createClient, NOTES_API, RP_CALLBACK, startOAuthServer } from './oauth-helpers.ts';

let h: Awaited<ReturnType<typeof startOAuthServer>>;

beforeAll(async () => {
  h = await startOAuthServer();
});
afterAll(async () => {
  await h?.close();
});

describe('authorization code + PKCE with openid-client as the relying party', () => {
  it('logs in, consents, exchanges the code, reads userinfo', async () => {
    const { client, secret } = await createClient(h);
    const config = await oidc.discovery(new URL(h.issuer), client.clientId, secret ?? undefined, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: RP_CALLBACK,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const browser = new Browser(h.issuer);
    const loginPage = await browser.navigate(url.href);
    expect(loginPage.url).toContain('/login?return_to=');
    const consent = await browser.signIn(loginPage, ADMIN_EMAIL, ADMIN_PASSWORD);
    const callback = await browser.consent(consent, 'allow');
    expect(callback.url.startsWith(`${RP_CALLBACK}?`)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback.url), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    const claims = tokens.claims();
    expect(claims?.iss).toBe(h.issuer);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims?.sub ?? '');
    expect(info.email).toBe(ADMIN_EMAIL);
  });
});
