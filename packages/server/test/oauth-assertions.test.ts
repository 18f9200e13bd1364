import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, NOTES_API, startOAuthServer } from './oauth-helpers.ts';

/** TOK-08: clients that authenticate with signed assertions (private_key_jwt, RFC 7523). */
let h: Awaited<ReturnType<typeof startOAuthServer>>;
let clientId: string;
let privateKey: CryptoKey;

beforeAll(async () => {
  h = await startOAuthServer();
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const issued = await createClient(h, {
    name: 'Signed worker',
    grantTypes: ['client_credentials'],
    scopes: ['notes:read'],
    jwks: { keys: [jwk] },
  });
  expect(issued.secret).toBeNull();
  clientId = issued.client.clientId;
});
afterAll(async () => {
  await h?.close();
});

const assertion = (claims: Record<string, unknown> = {}, alg = 'ES256') => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: clientId,
    sub: clientId,
    aud: h.issuer,
    jti: randomUUID(),
    iat: now,
    exp: now + 60,
    ...claims,
  })
    .setProtectedHeader({ alg, kid: 'k1' })
    .sign(privateKey);
};

const token = async (clientAssertion: string) => {
  const response = await fetch(`${h.issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'notes:read',
      resource: NOTES_API,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
    }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('private_key_jwt', () => {
  it('openid-client authenticates with the key; the client has no secret to rotate', async () => {
    const config = await oidc.discovery(
      new URL(h.issuer),
      clientId,
      undefined,
      oidc.PrivateKeyJwt(privateKey),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'notes:read', resource: NOTES_API });
    expect(tokens.access_token).toBeTypeOf('string');
    await expect(h.gatehouse.oauth.registry.rotateSecret(clientId)).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('TOK-08: aud = issuer works; wrong aud, expired, no or replayed jti, alg none, sub ≠ iss are invalid_client', async () => {
    const good = await assertion();
    expect((await token(good)).status).toBe(200);
    expect((await token(good)).body.error).toBe('invalid_client'); // replayed jti
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({
        iss: clientId,
        sub: clientId,
        aud: h.issuer,
        jti: randomUUID(),
        exp: Math.floor(Date.now() / 1000) + 60,
      }),
    ).toString('base64url')}.`;
    for (const bad of [
      await assertion({ aud: 'https://evil.test' }),
      await assertion({ exp: Math.floor(Date.now() / 1000) - 120, iat: Math.floor(Date.now() / 1000) - 180 }),
      await assertion({ jti: undefined }),
      await assertion({ sub: 'c_someone_else' }),
      unsigned,
    ]) {
      const result = await token(bad);
      expect(result.status).toBe(401);
      expect(result.body.error).toBe('invalid_client');
    }
  });

  it('refuses private key material in a registration', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    await expect(
      createClient(h, {
        grantTypes: ['client_credentials'],
        jwks: { keys: [await exportJWK(pair.privateKey)] },
      }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
