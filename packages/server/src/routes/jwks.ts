import type { SigningKeySource } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { oauthSchemas } from '../http/schemas/oauth.ts';
import { publicMembers } from '../keys/key-material.ts';

/**
 * `GET /.well-known/jwks.json` (RFC 7517): the keys verifiers may meet — the next key before it
 * signs, the active key, retired keys until their tokens have expired; never a revoked key.
 * Public members only, even should a source hand over more. Public and cacheable: verifiers
 * re-fetch when they meet an unknown kid, and a new key is published well over `max-age` before it
 * signs. `max-age` is short (60 s) because a revoked key lingers that long in caches of verifiers
 * that do not read the revocation feed (guards refuse it through the feed's `kid` entry at once).
 */
export function jwksRoutes(app: FastifyInstance, keys: SigningKeySource): void {
  app.get('/.well-known/jwks.json', { schema: oauthSchemas.jwks }, async (_request, reply) => {
    const body = JSON.stringify({ keys: (await keys.publicKeys()).map((jwk) => publicMembers(jwk)) });
    // Readable from any origin, as the CORS header says (the global CORP default is same-origin).
    // A Buffer body, so Fastify appends no charset parameter (RFC 8259 defines none for JSON).
    return reply
      .header('cache-control', 'public, max-age=60')
      .header('access-control-allow-origin', '*')
      .header('cross-origin-resource-policy', 'cross-origin')
      .type('application/json')
      .send(Buffer.from(body));
  });
}
