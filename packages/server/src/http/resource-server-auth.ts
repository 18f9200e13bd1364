import { constantTimeEqual, GatehouseError } from '@gatehouse/core';
import type { FastifyRequest } from 'fastify';

/**
 * Resource servers (the guard) authenticate with `Authorization: Bearer <GATEHOUSE_INTROSPECTION_SECRET>`
 * for introspection, permissions and the revocation feed. Compared in constant time.
 */
export function resourceServerGate(secret: string) {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!constantTimeEqual(presented, secret)) {
      throw new GatehouseError('unauthenticated', { detail: 'Resource-server credentials are required.' });
    }
  };
}
