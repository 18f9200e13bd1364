import { isGatehouseError, type OAuthArtifactStore, type RefreshTokenStore } from '@gatehouse/core';
import { errors } from 'oidc-provider';
import { engineMetadataOf } from './client-metadata.ts';
import type { ClientRegistry } from './client-registry.ts';
import { EngineRefreshTokens } from './engine-refresh-tokens.ts';
import type { RefreshRetry } from './refresh-retry.ts';

/** Models that live minutes and are never revoked by grant: Redis may hold them when configured. */
const SHORT_LIVED = new Set([
  'AuthorizationCode',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/** Fallback lifetime for an artifact saved without one (the engine always passes one today). */
const DEFAULT_TTL_S = 14 * 24 * 60 * 60;

export interface AdapterDeps {
  /** The source of truth (SQL). */
  readonly store: OAuthArtifactStore;
  /** Refresh tokens, of the engine and first-party alike (engine-refresh-tokens.ts). */
  readonly refreshTokens: RefreshTokenStore;
  /** Optional store for short-lived artifacts (Redis). */
  readonly shortLived?: OAuthArtifactStore | undefined;
  readonly clients: ClientRegistry;
  /** Called once per grant revocation, to reach resource servers through the revocation feed. */
  readonly onGrantRevoked: (grantId: string) => Promise<void>;
  /** The refresh retry grace; without it every second use of a refresh token is reuse. */
  readonly refreshRetry?: RefreshRetry | undefined;
}

type Payload = Record<string, unknown> & {
  grantId?: string;
  userCode?: string;
  uid?: string;
  consumed?: unknown;
};

/**
 * The oidc-provider storage adapter over our artifact store, and for refresh tokens over the one
 * refresh-token store (engine-refresh-tokens.ts). Times are the engine's own (real time, seconds);
 * the stores keep milliseconds. Two things are added to the engine's contract: consuming is
 * atomic — a code or refresh token raced by two requests is consumed once, the loser gets
 * `invalid_grant` and the grant is revoked as for any replay — and clients come from our client
 * registry, read-only.
 */
export function createAdapterClass(deps: AdapterDeps) {
  const recentlyRevoked = new Map<string, number>();

  async function grantRevoked(grantId: string): Promise<void> {
    // The engine revokes a grant model by model; resource servers need to hear it once.
    const now = Date.now();
    for (const [id, at] of recentlyRevoked) if (now - at > 10_000) recentlyRevoked.delete(id);
    if (recentlyRevoked.has(grantId)) return;
    recentlyRevoked.set(grantId, now);
    await deps.onGrantRevoked(grantId);
  }

  async function revokeByGrantId(grantId: string): Promise<void> {
    await deps.store.revokeByGrantId(grantId);
    await deps.shortLived?.revokeByGrantId(grantId);
    await refreshTokens.revokeGrant(grantId);
    await grantRevoked(grantId);
  }

  const refreshTokens = new EngineRefreshTokens(deps.refreshTokens, deps.refreshRetry, revokeByGrantId);

  return class GatehouseAdapter {
    readonly #model: string;
    readonly #store: OAuthArtifactStore;

    constructor(model: string) {
      this.#model = model;
      this.#store = SHORT_LIVED.has(model) && deps.shortLived !== undefined ? deps.shortLived : deps.store;
    }

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      if (this.#model === 'Client') {
        // Dynamic registration: the registry applies its rules and keeps only the secret's HMAC.
        try {
          await deps.clients.importRegistered({ ...payload, client_id: id });
        } catch (error) {
          if (isGatehouseError(error))
            throw new errors.InvalidClientMetadata(error.detail ?? 'the client metadata is not acceptable');
          throw error;
        }
        return;
      }
      if (this.#model === 'RefreshToken')
        return refreshTokens.upsert(id, payload, expiresIn ?? DEFAULT_TTL_S);
      const { consumed: _consumed, ...rest } = payload;
      await this.#store.upsert({
        model: this.#model,
        id,
        payload: rest,
        expiresAt: Date.now() + (expiresIn ?? DEFAULT_TTL_S) * 1000,
        grantId: this.#model === 'Grant' ? undefined : payload.grantId,
        userCode: payload.userCode,
        uid: payload.uid,
        // Grants and engine sessions are listed per user (connected applications, revoke all).
        accountId:
          (this.#model === 'Grant' || this.#model === 'Session') && typeof payload.accountId === 'string'
            ? payload.accountId
            : undefined,
      });
    }

    async find(id: string): Promise<Payload | undefined> {
      if (this.#model === 'Client') {
        const client = await deps.clients.get(id);
        return client === undefined ? undefined : (engineMetadataOf(client) as Payload);
      }
      if (this.#model === 'RefreshToken') return refreshTokens.find(id);
      return withConsumed(await this.#store.find(this.#model, id, Date.now()));
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      return withConsumed(await this.#store.findByUserCode(this.#model, userCode, Date.now()));
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      return withConsumed(await this.#store.findByUid(this.#model, uid, Date.now()));
    }

    async consume(id: string): Promise<void> {
      if (this.#model === 'RefreshToken') return refreshTokens.consume(id);
      const outcome = await this.#store.consume(this.#model, id, Date.now());
      if (outcome === 'consumed') return;
      if (outcome === 'already-consumed') {
        const artifact = await this.#store.find(this.#model, id, Date.now());
        const grantId = artifact?.payload.grantId;
        if (typeof grantId === 'string') await this.revokeByGrantId(grantId);
      }
      throw new errors.InvalidGrant('grant request is invalid or was already used');
    }

    async destroy(id: string): Promise<void> {
      if (this.#model === 'RefreshToken') return refreshTokens.destroy(id);
      await this.#store.destroy(this.#model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await revokeByGrantId(grantId);
    }
  };
}

function withConsumed(artifact: { payload: Record<string, unknown>; consumedAt: number | null } | undefined) {
  if (artifact === undefined) return undefined;
  const payload: Payload = { ...artifact.payload };
  if (artifact.consumedAt !== null) payload.consumed = Math.floor(artifact.consumedAt / 1000);
  return payload;
}
