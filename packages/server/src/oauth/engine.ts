import type { ActiveSigningKey } from '@gatehouse/core';
import Provider from 'oidc-provider';
import type { RingKeySet } from '../tokens/ring-key-set.ts';
import type { createAdapterClass } from './adapter.ts';
import type { ClientRegistry } from './client-registry.ts';
import { afterEngine } from './engine-hooks.ts';
import { shapeEngineResponses } from './engine-responses.ts';
import { EngineSigningKey } from './engine-signing-key.ts';
import type { MountedProvider, OAuthServerOptions } from './oauth-server.ts';
import { providerConfiguration } from './provider-config.ts';
import { presentedSecretMethod } from './secret-transport.ts';
import { singleLogout } from './single-logout.ts';
import { markStoreFailure, storeFailureAnswers } from './store-failure-answers.ts';
import { structuredTokens } from './structured-tokens.ts';
import { structuredUserinfo } from './structured-userinfo.ts';
import type { VerifiedSecrets } from './verified-secrets.ts';

export { createAdapterClass } from './adapter.ts';

/**
 * Builds the oidc-provider engine for one set of signing keys. This module is the door to
 * oidc-provider: `OAuthServer` imports it when an engine is first needed, so that administrative
 * commands, which only touch the stores, never load the engine (nor its runtime warning).
 */
export function buildEngine(
  o: OAuthServerOptions,
  parts: {
    readonly keys: readonly ActiveSigningKey[];
    readonly adapter: ReturnType<typeof createAdapterClass>;
    readonly keySet: RingKeySet;
    readonly verifiedSecrets: VerifiedSecrets;
    readonly registry: ClientRegistry;
  },
): MountedProvider {
  const { settings, logger } = o;
  const { verifiedSecrets, registry } = parts;
  const keys = parts.keys.map((key) => new EngineSigningKey(key, o.signingThread));
  const configuration = providerConfiguration(settings, { keys }, parts.adapter);
  const provider = new Provider(settings.issuer, configuration);
  provider.proxy = o.proxy;
  // The engine holds the stored HMAC as the client's secret; the registry compares the HMAC of
  // what the client presents with it and, within a rotation's overlap, with the previous secret's,
  // in constant time (the engine's documented extension point is this method), or a secret it
  // already verified (verified-secrets.ts). A secret sent the way the client did not register
  // (header or body) fails like a wrong one.
  const clientClass = provider.Client as unknown as {
    prototype: {
      clientId: string;
      clientSecret?: string;
      tokenEndpointAuthMethod?: string;
      compareClientSecret(actual: string): Promise<boolean>;
    };
  };
  clientClass.prototype.compareClientSecret = async function compareHashedSecret(actual: string) {
    const stored = this.clientSecret;
    const method = presentedSecretMethod();
    if (method !== undefined && method !== this.tokenEndpointAuthMethod) return false;
    return (
      typeof stored === 'string' &&
      verifiedSecrets.matches(this, actual, () => registry.verifySecret(this.clientId, actual))
    );
  };
  // A rotated refresh token's successor gets the id derived from its parent (refresh-retry.ts).
  const refreshRetry = o.refreshRetry;
  const refreshClass = provider.RefreshToken as unknown as { prototype: { generateTokenId(): string } };
  const randomTokenId = refreshClass.prototype.generateTokenId;
  refreshClass.prototype.generateTokenId = function successorOrRandomId() {
    return refreshRetry.nextId() ?? randomTokenId.call(this);
  };
  provider.use((_ctx, next) => refreshRetry.run(next));
  const tokenDeps = {
    issuer: settings.issuer,
    keySet: parts.keySet,
    revocations: o.revocations,
    clockSkewSeconds: o.clockSkewSeconds,
    accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
  };
  const findAccount = configuration.findAccount;
  provider.use(
    afterEngine([
      structuredTokens(tokenDeps),
      structuredUserinfo({
        ...tokenDeps,
        findAccount: async (ctx, sub) => (await findAccount?.(ctx, sub)) ?? undefined,
      }),
      singleLogout(settings.endSessionFromCookies),
      shapeEngineResponses,
      storeFailureAnswers,
    ]),
  );
  provider.on('server_error', (ctx, error) => {
    // Store outages are logged once by store health, not with a stack per request.
    if (markStoreFailure(ctx, error))
      logger.debug({ error: error.message }, 'store unavailable for this request');
    else logger.error({ err: error }, 'oauth engine error');
  });
  // A replayed refresh token or code is an attack signal: the grant is already revoked; record it.
  provider.on('grant.error', (ctx, error) => {
    // The engine's internal detail (never sent to the client) says why a grant was refused.
    const detail = (error as { error_detail?: string }).error_detail ?? '';
    if (!/already used/.test(detail)) return;
    const meta = { ip: ctx.ip, requestId: String(ctx.get('x-request-id') || 'oauth') };
    void o.audit
      .record('token.reuse_detected', meta, {
        details: {
          client: ctx.oidc?.client?.clientId ?? null,
          grant_type: String(ctx.oidc?.params?.grant_type ?? ''),
        },
      })
      .catch((failure: unknown) => logger.warn({ err: failure }, 'audit of a token replay failed'));
  });
  const handle = provider.callback() as unknown as MountedProvider['handle'];
  return { provider, handle };
}
