import { createHash, timingSafeEqual } from 'node:crypto';
import { GatehouseError } from '@gatehouse/core';
import type { FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { requireCaller } from './authenticate.ts';

/**
 * Who asks the decision point: a trusted enforcement point (a resource server with the shared
 * secret; later a service account's API key) may ask about any subject, a signed-in user only about
 * itself.
 */
export type DecisionCaller = { kind: 'enforcement_point' } | { kind: 'user'; userId: string };

const callers = new WeakMap<FastifyRequest, DecisionCaller>();

/** The caller set by `requireDecisionCaller`; throws `unauthenticated` when it did not run. */
export function decisionCaller(request: FastifyRequest): DecisionCaller {
  const caller = callers.get(request);
  if (caller !== undefined) return caller;
  const user = request.session?.user ?? request.bearer?.user;
  if (user === undefined) throw new GatehouseError('unauthenticated');
  return { kind: 'user', userId: user.id };
}

/**
 * Authentication of decision-API callers, in one place: the resource-server secret (constant-time)
 * or else a user's Bearer token or session (with `requireCaller`'s CSRF checks).
 */
export function requireDecisionCaller(gatehouse: Gatehouse): preHandlerHookHandler {
  const secret = gatehouse.config.introspectionSecret;
  // Compared as SHA-256 digests in constant time; the secret's digest is computed once.
  const expected = secret === undefined ? undefined : createHash('sha256').update(secret).digest();
  const userGate = requireCaller(gatehouse);
  return function decisionCallerGate(request, reply, done) {
    const header = request.headers.authorization ?? '';
    if (
      expected !== undefined &&
      header.startsWith('Bearer ') &&
      timingSafeEqual(createHash('sha256').update(header.slice(7)).digest(), expected)
    ) {
      callers.set(request, { kind: 'enforcement_point' });
      done();
      return;
    }
    userGate.call(this, request, reply, done);
  };
}

/** A user may only ask about itself (AZ-05): anything else is 403, never an oracle over others. */
export function assertMayAskAbout(
  request: FastifyRequest,
  subjects: readonly { type: string; id: string }[],
) {
  const caller = decisionCaller(request);
  if (caller.kind === 'enforcement_point') return;
  if (subjects.some((s) => s.type !== 'user' || s.id !== caller.userId)) {
    throw new GatehouseError('forbidden', { detail: 'Users may only ask about themselves.' });
  }
}
