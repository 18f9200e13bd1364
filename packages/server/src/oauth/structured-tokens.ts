import type { RevocationIndex } from '@gatehouse/core';
import { type AccessTokenClaims, AccessTokenVerifier } from '@gatehouse/core/access-token';
import { SIGNING_ALGORITHMS } from '@gatehouse/core/jws-algorithms';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { headerKid, type RingKeySet } from '../tokens/ring-key-set.ts';
import { gatehouseClientProperties } from './client-metadata.ts';
import type { EngineHook } from './engine-hooks.ts';

export interface StructuredTokenDeps {
  readonly issuer: string;
  readonly keySet: RingKeySet;
  readonly revocations: RevocationIndex;
  readonly clockSkewSeconds: number;
  /** The engine's access-token lifetime: a longer-lived token was never issued. */
  readonly accessTokenTtlSeconds: number;
}

/**
 * The engine leaves JWT access tokens (RFC 9068) to resource servers: it neither stores them nor
 * introspects or revokes them. Gatehouse answers both for them, after the engine has parsed the
 * request and authenticated the client: introspection verifies the token against the key ring and
 * the revocation index (a client sees its own tokens, a resource server those for its audience);
 * revocation by the owning client adds the token's jti to the index, which the revocation feed
 * carries to every resource server.
 */
export function structuredTokens(deps: StructuredTokenDeps): EngineHook {
  return (ctx) => {
    const route = ctx.oidc?.route;
    if (route !== 'introspection' && route !== 'revocation') return undefined;
    const body = ctx.body as { error?: string } | undefined;
    if (body?.error !== 'unsupported_token_type') return undefined;
    const client = ctx.oidc.client;
    const token = ctx.oidc.params?.token;
    if (client === undefined || typeof token !== 'string') return undefined;
    return answerStructuredToken(deps, ctx, route, client, token);
  };
}

async function answerStructuredToken(
  deps: StructuredTokenDeps,
  ctx: KoaContextWithOIDC,
  route: 'introspection' | 'revocation',
  client: NonNullable<KoaContextWithOIDC['oidc']['client']>,
  token: string,
): Promise<void> {
  const payload = await verifyAccessToken(deps, token);
  ctx.status = 200;
  if (route === 'introspection') {
    ctx.body = { active: false };
    if (payload === undefined || !visibleTo(client, payload)) return;
    ctx.body = {
      active: true,
      iss: payload.iss,
      sub: payload.sub,
      aud: payload.aud,
      client_id: payload.client_id,
      scope: payload.scope,
      exp: payload.exp,
      iat: payload.iat,
      jti: payload.jti,
      token_type: payload.cnf === undefined ? 'Bearer' : 'DPoP',
      ...(payload.cnf === undefined ? {} : { cnf: payload.cnf }),
    };
    return;
  }
  // RFC 7009 §2.2: invalid or foreign tokens still get 200, and nothing happens to them.
  ctx.body = '';
  if (payload === undefined || payload.client_id !== client.clientId || typeof payload.jti !== 'string')
    return;
  const now = Date.now();
  await deps.revocations.add([
    {
      type: 'jti',
      value: payload.jti,
      at: now,
      expiresAt: ((payload.exp ?? 0) + deps.clockSkewSeconds) * 1000,
    },
  ]);
}

export type AccessTokenPayload = AccessTokenClaims;

/** One verifier per engine (its deps object): core's, the one the guard and the Bearer path use. */
const verifiers = new WeakMap<StructuredTokenDeps, AccessTokenVerifier>();
function verifierOf(deps: StructuredTokenDeps): AccessTokenVerifier {
  let verifier = verifiers.get(deps);
  if (verifier === undefined) {
    // No audience here: who may see the token is decided after (`visibleTo`, userinfo's own rule).
    verifier = new AccessTokenVerifier({
      issuer: deps.issuer,
      algorithms: SIGNING_ALGORITHMS,
      clockToleranceSeconds: deps.clockSkewSeconds,
      maxLifetimeSeconds: deps.accessTokenTtlSeconds,
    });
    verifiers.set(deps, verifier);
  }
  return verifier;
}

/** A JWT access token the key ring signed, unexpired and not revoked; undefined otherwise. */
export async function verifyAccessToken(
  deps: StructuredTokenDeps,
  token: string,
): Promise<AccessTokenPayload | undefined> {
  try {
    const kid = headerKid(token);
    if (deps.revocations.isKeyRevoked(kid)) return undefined;
    const payload = await verifierOf(deps).verify(token, (checked) => deps.keySet.forToken(checked));
    const revoked = deps.revocations.isRevoked({
      sid: payload.sid,
      jti: payload.jti,
      sub: payload.sub,
      iat: payload.iat,
      kid,
    });
    return revoked ? undefined : payload;
  } catch {
    return undefined;
  }
}

function visibleTo(client: { clientId: string }, payload: AccessTokenPayload): boolean {
  if (payload.client_id === client.clientId) return true;
  const { audience } = gatehouseClientProperties(client);
  if (audience === null) return false;
  return payload.aud === audience || (Array.isArray(payload.aud) && payload.aud.includes(audience));
}
