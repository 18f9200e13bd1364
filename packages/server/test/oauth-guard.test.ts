import { createGuard, type Guard, GuardError } from '@gatehouse/guard';
import { calculateJwkThumbprint, exportJWK, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, strongPassword } from './harness.ts';
import {
  Browser,
  codeFlow,
  createClient,
  decodeJwt,
  NOTES_API,
  relyingParty,
  startOAuthServer,
} from './oauth-helpers.ts';

/** The resource-server side: the guard in front of the notes API, fed by this Gatehouse. */
let h: Awaited<ReturnType<typeof startOAuthServer>>;
let guard: Guard;
const API_URL = `${NOTES_API}/notes`;

beforeAll(async () => {
  h = await startOAuthServer();
  guard = createGuard({
    issuer: h.issuer,
    audience: NOTES_API,
    algorithms: ['ES256'],
    gatehouseUrl: h.issuer,
    introspectionSecret: h.config.introspectionSecret,
  });
});
afterAll(async () => {
  await guard?.close();
  await h?.close();
});

const call = (headers: Record<string, string>, method = 'GET') => new Request(API_URL, { method, headers });

async function refusal(promise: Promise<unknown>): Promise<GuardError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GuardError)) throw new Error(`expected a GuardError, got ${String(error)}`);
  return error;
}

describe('the guard accepts only at+jwt access tokens for its audience', () => {
  it('accepts a delegated token with the scope, and refuses the ID token of the same flow', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const { tokens } = await codeFlow(rp, new Browser(h.issuer), {
      scope: 'openid notes:read',
      resource: NOTES_API,
    });
    const auth = await guard.check(call({ authorization: `Bearer ${tokens?.access_token}` }), {
      scopes: ['notes:read'],
    });
    expect(auth.principal.subject).toBe(tokens?.claims()?.sub);
    const idToken = await refusal(guard.check(call({ authorization: `Bearer ${tokens?.id_token}` })));
    expect(idToken.status).toBe(401);
    expect(idToken.code).toBe('invalid_token');
    // The scope limits what the delegated token may do.
    const scoped = await refusal(
      guard.check(call({ authorization: `Bearer ${tokens?.access_token}` }), { scopes: ['notes:write'] }),
    );
    expect(scoped.status).toBe(403);
    expect(scoped.code).toBe('insufficient_scope');
  });

  it('refuses a token minted for another resource server', async () => {
    const rp = await relyingParty(h, await createClient(h, { resources: ['https://billing.example.test'] }));
    const other = await oidc.clientCredentialsGrant(rp.config, {
      scope: 'notes:read',
      resource: 'https://billing.example.test',
    });
    const refused = await refusal(guard.check(call({ authorization: `Bearer ${other.access_token}` })));
    expect(refused.code).toBe('invalid_token');
  });

  it("intersects the token scope with the user's own permissions", async () => {
    const email = `reader-${Date.now()}@example.test`;
    const password = strongPassword();
    await createUser(h, email, password);
    const rp = await relyingParty(h, await createClient(h));
    const { tokens } = await codeFlow(rp, new Browser(h.issuer), {
      scope: 'notes:write',
      resource: NOTES_API,
      credentials: { email, password },
    });
    const request = call({ authorization: `Bearer ${tokens?.access_token}` }, 'POST');
    // The scope is there, but the user may not write notes: the token cannot either.
    await expect(guard.check(request, { scopes: ['notes:write'] })).resolves.toBeDefined();
    const refused = await refusal(
      guard.check(request, { scopes: ['notes:write'], permission: 'notes:write' }),
    );
    expect(refused.status).toBe(403);
  });

  it('tells the user on the consent page which requested permissions they do not hold', async () => {
    const email = `viewer-${Date.now()}@example.test`;
    const password = strongPassword();
    await createUser(h, email, password);
    const rp = await relyingParty(h, await createClient(h));
    const url = oidc.buildAuthorizationUrl(rp.config, {
      redirect_uri: 'https://rp.test/cb',
      scope: 'notes:read',
      resource: NOTES_API,
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const browser = new Browser(h.issuer);
    const consent = await browser.signIn(await browser.navigate(url.href), email, password);
    const page = await consent.response.text();
    expect(page).toContain('<code>notes:read</code> <em>(you do not have this permission)</em>');
    expect(page).toContain('id="not-held"');
  });

  it("refuses a revoked grant's tokens within a second, through the revocation feed", async () => {
    const rp = await relyingParty(h, await createClient(h));
    const { tokens } = await codeFlow(rp, new Browser(h.issuer), {
      scope: 'openid notes:read',
      resource: NOTES_API,
    });
    const bearer = call({ authorization: `Bearer ${tokens?.access_token}` });
    await guard.check(bearer);
    const userId = String(decodeJwt(tokens?.access_token ?? '').payload.sub);
    const app = (await h.gatehouse.oauth.connectedApplications(userId)).find(
      (a) => a.clientId === rp.clientId,
    );
    await h.gatehouse.oauth.revokeGrant(userId, app?.grantId ?? '');
    const started = Date.now();
    await expect
      .poll(async () => (await refusal(guard.check(bearer)).catch(() => undefined))?.code, { timeout: 1000 })
      .toBe('invalid_token');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('DPoP (RFC 9449)', () => {
  it('binds a token to a key: the guard wants the proof, and refuses it as a plain Bearer token', async () => {
    const rp = await relyingParty(h, await createClient(h, { name: 'DPoP worker' }));
    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const tokens = await oidc.clientCredentialsGrant(
      rp.config,
      { scope: 'notes:read', resource: NOTES_API },
      { DPoP: oidc.getDPoPHandle(rp.config, keyPair) },
    );
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    const jwk = await exportJWK(keyPair.publicKey);
    expect(decodeJwt(tokens.access_token).payload.cnf).toEqual({ jkt: await calculateJwkThumbprint(jwk) });

    const proof = async (overrides: Record<string, unknown> = {}, method = 'GET') =>
      new SignJWT({
        htm: method,
        htu: API_URL,
        ath: Buffer.from(
          await crypto.subtle.digest('SHA-256', new TextEncoder().encode(tokens.access_token)),
        ).toString('base64url'),
        jti: crypto.randomUUID(),
        ...overrides,
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .setIssuedAt()
        .sign(keyPair.privateKey);

    const good = await proof();
    const auth = await guard.check(call({ authorization: `DPoP ${tokens.access_token}`, dpop: good }));
    expect(auth.principal.subject).toBe(rp.clientId);
    // The same proof again is a replay: the proof failed, not the token (issue 15 #11, RFC 9449 §7.1).
    expect(
      (await refusal(guard.check(call({ authorization: `DPoP ${tokens.access_token}`, dpop: good })))).code,
    ).toBe('invalid_dpop_proof');
    // As a Bearer token, without proof, for another URL or method, or signed by another key: refused.
    expect((await refusal(guard.check(call({ authorization: `Bearer ${tokens.access_token}` })))).code).toBe(
      'invalid_token',
    );
    expect((await refusal(guard.check(call({ authorization: `DPoP ${tokens.access_token}` })))).code).toBe(
      'invalid_request',
    );
    const wrongUrl = await proof({ htu: 'https://notes.example.test/other' });
    expect(
      (await refusal(guard.check(call({ authorization: `DPoP ${tokens.access_token}`, dpop: wrongUrl }))))
        .code,
    ).toBe('invalid_dpop_proof');
    const wrongMethod = await proof({}, 'DELETE');
    expect(
      (await refusal(guard.check(call({ authorization: `DPoP ${tokens.access_token}`, dpop: wrongMethod }))))
        .code,
    ).toBe('invalid_dpop_proof');
    const otherKey = await oidc.randomDPoPKeyPair('ES256');
    const stranger = await new SignJWT({ htm: 'GET', htu: API_URL, jti: crypto.randomUUID(), ath: 'x' })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(otherKey.publicKey) })
      .setIssuedAt()
      .sign(otherKey.privateKey);
    const refused = await refusal(
      guard.check(call({ authorization: `DPoP ${tokens.access_token}`, dpop: stranger })),
    );
    expect(refused.code).toBe('invalid_dpop_proof');
    expect(refused.headers()['www-authenticate']).toMatch(/^DPoP /);
  });

  it('issue 15 #11: a failed DPoP proof answers invalid_dpop_proof with a DPoP challenge carrying algs', async () => {
    const rp = await relyingParty(h, await createClient(h, { name: 'DPoP worker 2' }));
    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const tokens = await oidc.clientCredentialsGrant(
      rp.config,
      { scope: 'notes:read', resource: NOTES_API },
      { DPoP: oidc.getDPoPHandle(rp.config, keyPair) },
    );
    const otherKey = await oidc.randomDPoPKeyPair('ES256');
    const stranger = await new SignJWT({ htm: 'GET', htu: API_URL, jti: crypto.randomUUID(), ath: 'x' })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(otherKey.publicKey) })
      .setIssuedAt()
      .sign(otherKey.privateKey);
    const refused = await refusal(
      guard.check(call({ authorization: `DPoP ${tokens.access_token}`, dpop: stranger })),
    );
    expect(refused.status).toBe(401);
    expect(refused.headers()['www-authenticate']).toMatch(
      /^DPoP realm="gatehouse", error="invalid_dpop_proof", error_description="[^"]+", algs="ES256 [A-Za-z0-9 ]+"$/,
    );
    // A token problem on a DPoP request is still invalid_token, challenged with the DPoP scheme.
    const other = await refusal(guard.check(call({ authorization: 'DPoP not.a.token', dpop: stranger })));
    expect(other.code).toBe('invalid_token');
    expect(other.headers()['www-authenticate']).toMatch(/^DPoP realm="gatehouse", error="invalid_token"/);
  });
});
