import { parseAuthorization } from '@gatehouse/core/authorization-header';
import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { EngineHook } from './engine-hooks.ts';
import { OAUTH_ROUTES } from './routes.ts';
import { type StructuredTokenDeps, verifyAccessToken } from './structured-tokens.ts';

/**
 * The audience that makes a JWT access token good at userinfo: the endpoint's URL. Not the issuer
 * itself — that is the default audience of Gatehouse's first-party tokens (GATEHOUSE_TOKEN_AUDIENCE),
 * so an API token naming it would open the account and admin APIs.
 */
export function userinfoAudience(issuer: string): string {
  return `${issuer}${OAUTH_ROUTES.userinfo}`;
}

/** True when `grant` (an engine Grant) holds the `openid` scope. */
export function grantHasOpenId(grant: { getOIDCScope(): string } | undefined): boolean {
  return grant?.getOIDCScope().split(' ').includes('openid') ?? false;
}

export interface StructuredUserinfoDeps extends StructuredTokenDeps {
  readonly findAccount: (ctx: KoaContextWithOIDC, sub: string) => Promise<Account | undefined>;
}

/**
 * Userinfo for the JWT access token of an API (a resource indicator). The engine's userinfo takes
 * only its own opaque tokens, which have no audience; a login for an API gets a JWT the engine
 * never stored. When the grant behind it includes `openid`, the JWT also names the userinfo
 * endpoint in its `aud` (provider-config.ts), as Auth0 does, and once the engine has refused it
 * (401 `invalid_token`) Gatehouse answers: the JWT verified against the key ring and the
 * revocation index, `aud` holding the userinfo audience, the grant still there for the same client
 * and user and still holding `openid`; the claims are those of the grant's OpenID scopes. Anything
 * else keeps the engine's refusal. DPoP-bound tokens are not taken here (no proof is checked).
 */
export function structuredUserinfo(deps: StructuredUserinfoDeps): EngineHook {
  const audience = userinfoAudience(deps.issuer);
  return (ctx) => {
    if (ctx.oidc?.route !== 'userinfo' || ctx.status !== 401) return undefined;
    // Read as every Gatehouse API reads it; the verifier then takes compact JWS only.
    const credential = parseAuthorization(ctx.get('authorization'));
    if (credential.kind !== 'bearer') return undefined;
    return answerUserinfo(deps, audience, ctx, credential.token);
  };
}

async function answerUserinfo(
  deps: StructuredUserinfoDeps,
  audience: string,
  ctx: KoaContextWithOIDC,
  token: string,
): Promise<void> {
  const payload = await verifyAccessToken(deps, token);
  if (payload === undefined || payload.cnf !== undefined || typeof payload.sub !== 'string') return;
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.includes(audience) || !payload.sid?.startsWith('grant:')) return;
  const { provider } = ctx.oidc;
  const grant = await provider.Grant.find(payload.sid.slice('grant:'.length));
  const clientId = payload.client_id;
  if (
    grant === undefined ||
    clientId === undefined ||
    grant.clientId !== clientId ||
    grant.accountId !== payload.sub ||
    !grantHasOpenId(grant)
  )
    return;
  const client = await provider.Client.find(clientId);
  const account = await deps.findAccount(ctx, payload.sub);
  if (client === undefined || account === undefined) return;
  const scope = grant.getOIDCScope();
  const rejected = grant.getRejectedOIDCClaims();
  const claims = new provider.Claims(
    { ...(await account.claims('userinfo', scope, {}, rejected)), sub: account.accountId },
    { ctx, client },
  );
  claims.scope(scope);
  claims.rejected(rejected);
  ctx.status = 200;
  ctx.remove('www-authenticate');
  ctx.body = await claims.result();
}
