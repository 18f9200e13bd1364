import { randomId } from '@gatehouse/core';
import { redisUrlOrSkip } from '@gatehouse/testkit';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './harness.ts';
import {
  Browser,
  codeFlow,
  createClient,
  hiddenFields,
  RP_CALLBACK,
  relyingParty,
  startOAuthServer,
} from './oauth-helpers.ts';
import { withRawDatabase } from './raw-database.ts';

let h: Awaited<ReturnType<typeof startOAuthServer>>;

beforeAll(async () => {
  h = await startOAuthServer();
});
afterAll(async () => {
  await h?.close();
});

describe('pushed authorization requests (RFC 9126)', () => {
  it('the request goes to the server first; the browser carries only a request_uri', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const verifier = oidc.randomPKCECodeVerifier();
    const url = await oidc.buildAuthorizationUrlWithPAR(rp.config, {
      redirect_uri: RP_CALLBACK,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const browser = new Browser(h.issuer);
    let step = await browser.navigate(url.href);
    step = await browser.signIn(step, ADMIN_EMAIL, ADMIN_PASSWORD);
    step = await browser.consent(step, 'allow');
    const tokens = await oidc.authorizationCodeGrant(rp.config, new URL(step.url), {
      pkceCodeVerifier: verifier,
    });
    expect(tokens.claims()?.iss).toBe(h.issuer);
  });
});

describe('RP-initiated logout', () => {
  it('signs the user out of Gatehouse and returns to the registered URI only', async () => {
    const rp = await relyingParty(
      h,
      await createClient(h, { postLogoutRedirectUris: ['https://rp.test/bye'] }),
    );
    const browser = new Browser(h.issuer);
    const { tokens } = await codeFlow(rp, browser);
    // REDIR-06: an unregistered post-logout URI is an error page, no redirect.
    const bad = await browser.navigate(
      oidc.buildEndSessionUrl(rp.config, {
        id_token_hint: tokens?.id_token ?? '',
        post_logout_redirect_uri: 'https://evil.test/bye',
      }).href,
    );
    expect(bad.response.status).toBe(400);
    expect(new URL(bad.url).origin).toBe(h.issuer);

    const confirm = await browser.navigate(
      oidc.buildEndSessionUrl(rp.config, {
        id_token_hint: tokens?.id_token ?? '',
        post_logout_redirect_uri: 'https://rp.test/bye',
        state: 'bye-state',
      }).href,
    );
    const page = await confirm.response.text();
    expect(page).toContain('Sign out?');
    expect(confirm.response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const done = await browser.submit('/oauth/logout/confirm', { ...hiddenFields(page), logout: 'yes' });
    expect(done.url).toBe('https://rp.test/bye?state=bye-state');
    expect(browser.cookies.has('__Host-gatehouse_session')).toBe(false);
    // Signed out everywhere: the next silent request needs a login.
    const none = await codeFlow(rp, browser, { extra: { prompt: 'none' } });
    expect(none.callback.searchParams.get('error')).toBe('login_required');
  });
});

const redisUrl = await redisUrlOrSkip();

describe.skipIf(redisUrl === undefined)('short-lived artifacts in Redis', () => {
  it('runs the code flow with codes and interactions in Redis, tokens and grants in SQL', async () => {
    const prefix = `gh_test_oauth_${randomId(6)}:`;
    const r = await startOAuthServer({ redisUrl, redisPrefix: prefix, oauthArtifactStore: 'redis' });
    try {
      const rp = await relyingParty(r, await createClient(r));
      const { tokens } = await codeFlow(rp, new Browser(r.issuer));
      expect(tokens?.access_token).toBeTypeOf('string');
      const { Redis } = await import('ioredis');
      const redis = new Redis(redisUrl ?? '');
      try {
        const keys = await redis.keys(`${prefix}oa:*`);
        expect(keys.some((key) => key.includes(':AuthorizationCode:'))).toBe(true);
        expect(keys.some((key) => key.includes(':Grant:'))).toBe(false);
        const models = (
          await withRawDatabase(r, (db) => db.selectFrom('oauth_artifacts').select('model').execute())
        ).map((row) => row.model);
        expect(models).toContain('Grant');
        expect(models).not.toContain('AuthorizationCode');
        await redis.del(...(await redis.keys(`${prefix}*`)));
      } finally {
        redis.disconnect();
      }
    } finally {
      await r.close();
    }
  });
});
