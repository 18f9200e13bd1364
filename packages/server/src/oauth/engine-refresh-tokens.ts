import {
  oauthRefreshFamilyId,
  oauthRefreshIdHash,
  oauthRefreshRecord,
  type RefreshTokenRecord,
  type RefreshTokenStore,
} from '@gatehouse/core';
import { errors } from 'oidc-provider';
import type { RefreshRetry } from './refresh-retry.ts';

type Payload = Record<string, unknown>;

/**
 * The engine's `RefreshToken` model over the one `RefreshTokenStore` (first-party tokens live
 * there too): the engine's model is the record's payload; the store consumes atomically, tells a
 * retry from reuse with the shared rotation rule, and revokes by grant (the family), engine session
 * and user. Times are the engine's own (real time); the store keeps milliseconds.
 */
export class EngineRefreshTokens {
  readonly #store: RefreshTokenStore;
  readonly #retry: RefreshRetry | undefined;
  /** Revokes a grant everywhere (all its artifacts, this family, the revocation feed). */
  readonly #revokeGrant: (grantId: string) => Promise<void>;

  constructor(
    store: RefreshTokenStore,
    retry: RefreshRetry | undefined,
    revokeGrant: (grantId: string) => Promise<void>,
  ) {
    this.#store = store;
    this.#retry = retry;
    this.#revokeGrant = revokeGrant;
  }

  /**
   * The engine saves a refresh token once, when it mints it (rotation mints a new one). A retry
   * mints its parent's successor again: that one is kept as it is (its consumption included) — the
   * client gets the same token back either way — and the store's insert of an existing id is a no-op.
   */
  async upsert(id: string, payload: Payload, expiresInSeconds: number): Promise<void> {
    const { consumed: _consumed, ...model } = payload;
    const now = Date.now();
    const record = oauthRefreshRecord({
      id,
      payload: model,
      expiresAt: now + expiresInSeconds * 1000,
      createdAt: now,
    });
    if (record === undefined)
      throw new Error('the engine saved a refresh token without account, grant or client');
    await this.#store.insert(record);
  }

  async find(id: string): Promise<Payload | undefined> {
    const now = Date.now();
    const token = live(await this.#store.find(oauthRefreshIdHash(id)), now);
    if (token === undefined) return undefined;
    const payload: Payload = { ...token.payload };
    if (token.consumedAt === null) return payload;
    if (await this.#retryable(id, token, now)) {
      // Shown to the engine as unused: it rotates it again, into the same successor.
      this.#retry?.markRetry(id);
      return payload;
    }
    return { ...payload, consumed: Math.floor(token.consumedAt / 1000) };
  }

  async consume(id: string): Promise<void> {
    const retry = this.#retry;
    if (retry !== undefined) {
      retry.markRotating(id);
      if (retry.isRetry(id)) return;
    }
    const result = await this.#store.consume(oauthRefreshIdHash(id), Date.now(), retry?.retryGrace(id));
    // `retried`: a concurrent first use consumed it a moment ago; this is a retry of it, not a replay.
    if (result.status === 'consumed' || result.status === 'retried') return;
    if (result.status === 'reused' && result.record.revokedAt === null) {
      const grantId = result.record.payload?.grantId;
      if (typeof grantId === 'string') await this.#revokeGrant(grantId);
    }
    throw new errors.InvalidGrant('grant request is invalid or was already used');
  }

  async destroy(id: string): Promise<void> {
    await this.#store.delete(oauthRefreshIdHash(id));
  }

  /** Every refresh token of the grant stops working at once. */
  async revokeGrant(grantId: string): Promise<void> {
    await this.#store.revokeFamily(oauthRefreshFamilyId(grantId), Date.now());
  }

  async #retryable(id: string, token: RefreshTokenRecord, now: number): Promise<boolean> {
    const retry = this.#retry;
    if (retry === undefined) return false;
    const successor = await this.#store.find(oauthRefreshIdHash(retry.successorOf(id)));
    return retry.allows(token, successor, now);
  }
}

/** An engine token the engine may still see: neither revoked nor expired. */
function live(
  token: RefreshTokenRecord | undefined,
  now: number,
): (RefreshTokenRecord & { payload: Readonly<Payload> }) | undefined {
  if (token === undefined || token.kind !== 'oauth' || token.payload === null) return undefined;
  if (token.revokedAt !== null || token.expiresAt <= now) return undefined;
  return token as RefreshTokenRecord & { payload: Readonly<Payload> };
}
