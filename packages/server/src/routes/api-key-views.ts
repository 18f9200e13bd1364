import { type Static, Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { NewApiKeyView } from '../api-keys/api-key-view.ts';

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

/**
 * The one response that carries the key: 201, never cached, never stored by intermediaries.
 * (The views themselves are shared with the CLI: ../api-keys/api-key-view.ts.)
 */
export function sendNewKey(reply: FastifyReply, created: NewApiKeyView) {
  return reply.code(201).header('cache-control', 'no-store').header('pragma', 'no-cache').send(created);
}
