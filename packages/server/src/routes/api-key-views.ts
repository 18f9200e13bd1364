import { API_KEY_PREFIX, type ApiKeyRecord, GatehouseError, type NewApiKeyInput } from '@gatehouse/core';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const RateLimitBody = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    window_seconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
  },
  { additionalProperties: false },
);

export const KeyId = Type.Object({ keyId: Type.String({ pattern: '^[0-9A-Za-z]{16}$' }) });

export const NewKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Type.String({ maxLength: 130 }), { minItems: 1, maxItems: 50 }),
    expires_at: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    expires_in: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 * 366 * 86_400 })),
    rate_limit: Type.Optional(RateLimitBody),
    allowed_cidrs: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 50 })),
  },
  { additionalProperties: false },
);

export const RotateBody = Type.Object(
  { overlap_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86_400 })) },
  { additionalProperties: false },
);

export type NewKeyBody = Static<typeof NewKeyBody>;

/** The request body as the service's input. */
export function toNewKeyInput(body: NewKeyBody, now: number): NewApiKeyInput {
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
    scopes: body.scopes,
    expiresAt,
    rateLimit:
      body.rate_limit === undefined
        ? null
        : { limit: body.rate_limit.limit, windowSeconds: body.rate_limit.window_seconds },
    allowedCidrs: body.allowed_cidrs ?? null,
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

/** The one response that carries the key: 201, never cached, never stored by intermediaries. */
export function sendNewKey(reply: FastifyReply, created: { record: ApiKeyRecord; key: string }, now: number) {
  return reply
    .code(201)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send({ ...keyView(created.record, now), key: created.key });
}
