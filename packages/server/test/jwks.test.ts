import { createPublicKey } from 'node:crypto';
import { ManualClock, type PublicJwk, type SigningAlgorithm, type SigningKeySource } from '@gatehouse/core';
import { MemorySigningKeyStore } from '@gatehouse/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLocalJWKSet, type JWK, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSecurityHeaders } from '../src/http/security-headers.ts';
import { generatePrivateKey } from '../src/keys/key-material.ts';
import { createKeyRing, type KeyRing } from '../src/keys/key-ring.ts';
import { deriveKey } from '../src/master-secret.ts';
import { jwksRoutes } from '../src/routes/jwks.ts';

const LIFETIME = 10 * 60_000;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth', 'priv'];
const PUBLIC_MEMBERS: Record<string, string[]> = {
  EC: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
  OKP: ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
  RSA: ['alg', 'e', 'kid', 'kty', 'n', 'use'],
};

async function appFor(keys: SigningKeySource): Promise<FastifyInstance> {
  const app = Fastify();
  installSecurityHeaders(app, { hsts: false });
  jwksRoutes(app, keys);
  await app.ready();
  return app;
}

describe('GET /.well-known/jwks.json', () => {
  const clock = new ManualClock();
  const store = new MemorySigningKeyStore();
  const encryptionKey = deriveKey('jwks-test-master-secret-0123456789abcdef', 'signing-keys');
  const ringWith = (algorithm: SigningAlgorithm) =>
    createKeyRing({ store, clock, encryptionKey, algorithm, maxTokenLifetimeMs: LIFETIME });
  let keys: KeyRing;
  let app: FastifyInstance;

  beforeAll(async () => {
    // One key of every algorithm: each rotation's new next key uses the ring's configured algorithm.
    await ringWith('ES256').ensure();
    for (const algorithm of ['EdDSA', 'PS256', 'RS256'] as const) {
      clock.advance(60_000);
      await ringWith(algorithm).rotate();
    }
    keys = ringWith('RS256');
    app = await appFor(keys);
  });
  afterAll(() => app.close());

  it('publishes every key of every algorithm with public members only', async () => {
    const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ keys: Record<string, unknown>[] }>();
    expect(Object.keys(body)).toEqual(['keys']);
    expect(body.keys.map((jwk) => jwk.alg).sort()).toEqual(['ES256', 'ES256', 'EdDSA', 'PS256', 'RS256']);
    expect(body.keys.map((jwk) => jwk.kid)).toEqual((await keys.publicKeys()).map((jwk) => jwk.kid));
    for (const jwk of body.keys) {
      for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
      expect(Object.keys(jwk).sort()).toEqual(PUBLIC_MEMBERS[String(jwk.kty)]);
      expect(jwk.use).toBe('sig');
    }
    expect(response.body).not.toMatch(/"(d|p|q|dp|dq|qi|k)"/);
  });

  it('is public, cacheable for five minutes, and readable from any origin without credentials', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/.well-known/jwks.json',
      headers: { origin: 'https://rp.example' },
    });
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['cache-control']).toBe('public, max-age=60');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    const head = await app.inject({ method: 'HEAD', url: '/.well-known/jwks.json' });
    expect(head.statusCode).toBe(200);
  });

  it('verifies tokens from the active key, and drops retired keys once their tokens have expired', async () => {
    const active = await keys.active();
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: active.alg, kid: active.kid })
      .setSubject('user_1')
      .sign(active.privateKey);
    const fetchJwks = async () =>
      (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{ keys: JWK[] }>();
    const { payload } = await jwtVerify(token, createLocalJWKSet(await fetchJwks()));
    expect(payload.sub).toBe('user_1');

    clock.advance(LIFETIME + 2 * 60_000);
    const remaining = (await fetchJwks()).keys;
    expect(remaining.map((jwk) => jwk.alg)).toEqual(['PS256', 'RS256']);
    expect(remaining.map((jwk) => jwk.kid)).toEqual([
      active.kid,
      (await keys.list()).find((k) => k.status === 'next')?.kid,
    ]);
  });

  it('strips private members even when a key source hands them over', async () => {
    const privateJwk = (await generatePrivateKey('RS256')).export({ format: 'jwk' });
    const leaky: SigningKeySource = {
      active: () => Promise.reject(new Error('unused')),
      publicKeys: async () => [
        { ...privateJwk, k: 'c2VjcmV0', kid: 'leaky', alg: 'RS256', use: 'sig' } as PublicJwk,
      ],
    };
    const leakyApp = await appFor(leaky);
    try {
      const body = (await leakyApp.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<{
        keys: Record<string, unknown>[];
      }>();
      expect(body.keys).toEqual([
        { kty: 'RSA', n: privateJwk.n, e: privateJwk.e, kid: 'leaky', alg: 'RS256', use: 'sig' },
      ]);
      expect(createPublicKey({ key: body.keys[0] as JWK & { kty: string }, format: 'jwk' }).type).toBe(
        'public',
      );
    } finally {
      await leakyApp.close();
    }
  });
});
