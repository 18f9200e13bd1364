import { API_KEY_PREFIX, type ApiKeyRecord, GatehouseError, type NewApiKeyInput } from '@gatehouse/core';

/**
 * API keys as the admin API, the account API and the CLI show them (one shape for all three),
 * and a new key's request as they all take it. Neutral ground: no HTTP, no CLI.
 */
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A new key's request, as the API body spells it (the CLI builds the same from its options). */
export interface NewApiKeyRequest {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly expires_at?: string | undefined;
  /** Seconds from now; give this or `expires_at`, not both. */
  readonly expires_in?: number | undefined;
  readonly rate_limit?: { readonly limit: number; readonly window_seconds: number } | undefined;
  readonly allowed_cidrs?: readonly string[] | undefined;
}

/** The request as the service's input. */
export function toNewKeyInput(body: NewApiKeyRequest, now: number): NewApiKeyInput {
  if (body.expires_at !== undefined && body.expires_in !== undefined) {
    throw new GatehouseError('invalid_request', { detail: 'Give expires_at or expires_in, not both.' });
  }
  let expiresAt: number | null = null;
  if (body.expires_in !== undefined) expiresAt = now + body.expires_in * 1000;
  if (body.expires_at !== undefined) {
    expiresAt = Date.parse(body.expires_at);
    if (Number.isNaN(expiresAt))
      throw new GatehouseError('invalid_request', { detail: 'Invalid expires_at.' });
  }
  return {
    name: body.name,
    scopes: [...body.scopes],
    expiresAt,
    rateLimit:
      body.rate_limit === undefined
        ? null
        : { limit: body.rate_limit.limit, windowSeconds: body.rate_limit.window_seconds },
    allowedCidrs: body.allowed_cidrs === undefined ? null : [...body.allowed_cidrs],
  };
}

/** What listings show: never the secret or its hash. */
export function keyView(key: ApiKeyRecord, now: number) {
  const status =
    key.revokedAt !== null
      ? 'revoked'
      : key.expiresAt !== null && key.expiresAt <= now
        ? 'expired'
        : key.replacedBy !== null
          ? 'rotating'
          : 'active';
  return {
    id: key.id,
    name: key.name,
    owner_id: key.ownerId,
    prefix: `${API_KEY_PREFIX}${key.id}`,
    last_four: key.lastFour,
    scopes: key.scopes,
    status,
    created_at: iso(key.createdAt),
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
    replaced_by: key.replacedBy,
    last_used_at: iso(key.lastUsedAt),
    last_used_ip: key.lastUsedIp,
    rate_limit:
      key.rateLimit === null
        ? null
        : { limit: key.rateLimit.limit, window_seconds: key.rateLimit.windowSeconds },
    allowed_cidrs: key.allowedCidrs,
  };
}

export type ApiKeyView = ReturnType<typeof keyView>;
/** The one view that carries the key itself: shown once, at creation or rotation. */
export type NewApiKeyView = ApiKeyView & { readonly key: string };

export function newKeyView(created: { record: ApiKeyRecord; key: string }, now: number): NewApiKeyView {
  return { ...keyView(created.record, now), key: created.key };
}
