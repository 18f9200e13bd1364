import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, login } from './harness.ts';
import { Browser, codeFlow, RP_CALLBACK, relyingParty, startOAuthServer } from './oauth-helpers.ts';

/** Dynamic client registration (RFC 7591): off by default; with initial access tokens when on. */
let h: Awaited<ReturnType<typeof startOAuthServer>>;
let admin: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  h = await startOAuthServer({ oauthDynamicRegistration: 'initial-access-token' });
  admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => {
  await h?.close();
});

async function registrationToken(): Promise<string> {
  const response = await h.app.inject({
    method: 'POST',
    url: '/admin/v1/clients/registration-tokens',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    payload: { expires_in: 600 },
  });
  expect(response.statusCode).toBe(201);
  expect(response.headers['cache-control']).toBe('no-store');
  return response.json<{ initial_access_token: string }>().initial_access_token;
}

const register = (body: Record<string, unknown>, token?: string) =>
  fetch(`${h.issuer}/oauth/register`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });

describe('dynamic client registration', () => {
  it('needs an initial access token from an administrator', async () => {
    const metadata = await (await fetch(`${h.issuer}/.well-known/openid-configuration`)).json();
    expect(metadata.registration_endpoint).toBe(`${h.issuer}/oauth/register`);
    const anonymous = await register({ redirect_uris: [RP_CALLBACK] });
    expect(anonymous.status).toBe(401);
    const forged = await register({ redirect_uris: [RP_CALLBACK] }, 'not-a-token');
    expect(forged.status).toBe(401);
  });

  it('registers a client that then signs users in; its secret is kept only as an HMAC', async () => {
    const response = await register(
      { client_name: 'Registered app', redirect_uris: [RP_CALLBACK], scope: 'openid email' },
      await registrationToken(),
    );
    expect(response.status).toBe(201);
    const body = (await response.json()) as { client_id: string; client_secret: string };
    expect(body.client_id).toMatch(/^c_/);
    const stored = await h.gatehouse.oauth.registry.get(body.client_id);
    expect(stored?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(body.client_secret);
    const rp = await relyingParty(h, { client: stored!, secret: body.client_secret });
    const { tokens } = await codeFlow(rp, new Browser(h.issuer));
    expect(tokens?.claims()?.aud).toBe(body.client_id);
    await expect(oidc.clientCredentialsGrant(rp.config)).rejects.toMatchObject({
      error: 'unauthorized_client',
    });
  });

  it('REDIR-04 via registration: the same redirect rules; no self-granted APIs', async () => {
    for (const uri of [
      'https://rp.test/cb#x',
      'http://rp.test/cb',
      'javascript:alert(1)',
      'https://*.rp.test/cb',
    ]) {
      const response = await register({ redirect_uris: [uri] }, await registrationToken());
      expect(response.status, uri).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(
        /invalid_redirect_uri|invalid_client_metadata/,
      );
    }
    const greedy = await register(
      { redirect_uris: [RP_CALLBACK], gatehouse_resources: ['https://notes.example.test'] },
      await registrationToken(),
    );
    expect(greedy.status).toBe(400);
  });
});

describe('dynamic client registration is off by default', () => {
  it('has no endpoint and no tokens', async () => {
    const off = await startOAuthServer();
    try {
      const metadata = await (await fetch(`${off.issuer}/.well-known/openid-configuration`)).json();
      expect(metadata.registration_endpoint).toBeUndefined();
      const response = await fetch(`${off.issuer}/oauth/register`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(404);
      await expect(off.gatehouse.oauth.registrationToken(60)).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await off.close();
    }
  });
});
