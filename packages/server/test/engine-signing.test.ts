import { SIGNING_ALGORITHMS } from '@gatehouse/core';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generatePrivateKey,
  jwsSignature,
  publicJwkOf,
  type SigningThread,
  signingThreadFor,
} from '../src/keys/key-material.ts';
import { EngineSigningKey } from '../src/oauth/engine-signing-key.ts';
import { basic, createClient, NOTES_API, startOAuthServer } from './oauth-helpers.ts';

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

const THREADS: readonly SigningThread[] = ['thread-pool', 'event-loop'];

describe('jwsSignature', () => {
  it.each(SIGNING_ALGORITHMS.flatMap((alg) => THREADS.map((thread) => [alg, thread] as const)))(
    'makes %s signatures (%s) that jose verifies against the published key',
    async (alg, thread) => {
      const privateKey = await generatePrivateKey(alg);
      const jwk = await publicJwkOf(privateKey, alg);
      const signingInput = `${encode({ alg, kid: jwk.kid })}.${encode({ sub: 'someone' })}`;
      const signature = await jwsSignature(alg, privateKey, Buffer.from(signingInput), thread);
      const jws = `${signingInput}.${signature.toString('base64url')}`;
      const { payload } = await compactVerify(jws, createLocalJWKSet({ keys: [jwk as never] }));
      expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ sub: 'someone' });
      // One flipped bit in the input and the same signature no longer verifies.
      const tampered = `${signingInput.slice(0, -1)}${signingInput.endsWith('A') ? 'B' : 'A'}.${signature.toString('base64url')}`;
      await expect(compactVerify(tampered, createLocalJWKSet({ keys: [jwk as never] }))).rejects.toThrow();
    },
  );

  it.each(THREADS)('rejects, never throws, when the key cannot make the signature (%s)', async (thread) => {
    const ed25519 = await generatePrivateKey('EdDSA');
    let signing: Promise<Buffer> | undefined;
    expect(() => {
      signing = jwsSignature('RS256', ed25519, Buffer.from('input'), thread);
    }).not.toThrow();
    await expect(signing).rejects.toThrow();
  });
});

describe('signingThreadFor', () => {
  it('signs in the event loop only when the process may use a single CPU, unless told', () => {
    expect(signingThreadFor('auto', 1)).toBe('event-loop');
    expect(signingThreadFor('auto', 2)).toBe('thread-pool');
    expect(signingThreadFor('auto', 64)).toBe('thread-pool');
    expect(signingThreadFor('thread-pool', 1)).toBe('thread-pool');
    expect(signingThreadFor('event-loop', 8)).toBe('event-loop');
  });
});

describe('EngineSigningKey', () => {
  it('shows the engine a public key, a kid and an alg, never private members', async () => {
    const privateKey = await generatePrivateKey('ES256');
    const jwk = await publicJwkOf(privateKey, 'ES256');
    const key = new EngineSigningKey({ kid: jwk.kid, alg: 'ES256', privateKey });
    expect(key.kid).toBe(jwk.kid);
    expect(key.alg).toBe('ES256');
    expect(key.keyObject().type).toBe('public');
    expect([key.kty, key.crv, key.x, key.y]).toEqual([jwk.kty, jwk.crv, jwk.x, jwk.y]);
    expect(JSON.stringify(key.keyObject().export({ format: 'jwk' }))).not.toContain('"d"');
  });

  it('signs where it is told: done at once in the event loop, handed to the pool otherwise', async () => {
    const privateKey = await generatePrivateKey('ES256');
    const kid = (await publicJwkOf(privateKey, 'ES256')).kid;
    const settledAtOnce = async (thread: SigningThread) => {
      let signed = false;
      const signing = new EngineSigningKey({ kid, alg: 'ES256', privateKey }, thread)
        .sign(Buffer.from('x'))
        .then(() => {
          signed = true;
        });
      // Microtasks only: a signature made in the loop is settled by now; the pool's needs a macrotask.
      await Promise.resolve();
      await Promise.resolve();
      const atOnce = signed;
      await signing;
      return atOnce ? 'signed' : 'pending';
    };
    expect(await settledAtOnce('event-loop')).toBe('signed');
    expect(await settledAtOnce('thread-pool')).toBe('pending');
  });
});

describe.each(THREADS)('the OAuth engine signing with the key ring (%s)', (signingThread) => {
  let h: Awaited<ReturnType<typeof startOAuthServer>>;
  beforeAll(async () => {
    h = await startOAuthServer({ signingThread });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('signs where the configuration says', () => {
    expect(h.gatehouse.oauth.signingThread).toBe(signingThread);
  });

  it('signs access tokens with the active key of the ring, verifiable through the JWKS', async () => {
    const { client, secret } = await createClient(h);
    const response = await fetch(`${h.issuer}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: basic(client.clientId, secret ?? ''),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'notes:read',
        resource: NOTES_API,
      }),
    });
    expect(response.status).toBe(200);
    const { access_token: token } = (await response.json()) as { access_token: string };
    const active = await h.gatehouse.keyRing.active();
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: active.alg, kid: active.kid, typ: 'at+jwt' });
    const jwks = (await (await fetch(`${h.issuer}/.well-known/jwks.json`)).json()) as { keys: never[] };
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: h.issuer,
      audience: NOTES_API,
    });
    expect(payload.client_id).toBe(client.clientId);
  });

  it('issue 25 #1: after a key revocation the engine signs with the key that took over at once, not after its 1 s key check', async () => {
    const { client, secret } = await createClient(h);
    const token = async () => {
      const response = await fetch(`${h.issuer}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: basic(client.clientId, secret ?? ''),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'notes:read',
          resource: NOTES_API,
        }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { access_token: string }).access_token;
    };
    const leaked = decodeProtectedHeader(await token()).kid!;
    const { signingKeyCommands } = await import('../src/commands/signing-keys.ts');
    const startedAt = performance.now();
    const result = await signingKeyCommands(h.gatehouse).revokeSigningKey({
      kid: leaked,
      meta: { ip: 'test', requestId: 'test' },
    });
    await expect
      .poll(async () => decodeProtectedHeader(await token()).kid, { timeout: 10_000, interval: 20 })
      .toBe(result.active);
    console.log(
      `engine signs with the new key ${Math.round(performance.now() - startedAt)} ms after the revocation`,
    );
  });
});
