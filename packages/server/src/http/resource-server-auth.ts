import { constantTimeEqual, GatehouseError } from '@gatehouse/core';
import type { FastifyRequest } from 'fastify';
import { bearerSecret } from './bearer.ts';

/**
 * Resource servers (the guard) authenticate with `Authorization: Bearer <GATEHOUSE_INTROSPECTION_SECRET>`
 * for introspection, permissions and the revocation feed. Compared in constant time.
 */
export function resourceServerGate(secret: string) {
  return async (request: FastifyRequest) => {
    const presented = bearerSecret(request.headers.authorization);
    if (!constantTimeEqual(presented, secret)) {
      throw new GatehouseError('unauthenticated', { detail: 'Resource-server credentials are required.' });
    }
  };
}
