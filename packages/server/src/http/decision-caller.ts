import { hash, timingSafeEqual } from 'node:crypto';
import { GatehouseError } from '@gatehouse/core';
import type { FastifyRequest, preHandlerHookHandler } from 'fastify';
import { assertCallerMayAskAbout, type DecisionCaller } from '../authz/decision-caller.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { requireCaller } from './authenticate.ts';
import { bearerSecret } from './bearer.ts';
import { callerPrincipal } from './principal.ts';

/**
 * Who asks the decision point: a trusted enforcement point — a resource server with the shared
 * secret, an access token with the `authz` scope, or an API key allowed `authz:evaluate` (its
 * scopes ∩ its owner's permissions) — may ask about any subject; a signed-in user only about
 * itself. Other API keys may not ask.
 */
export type { DecisionCaller };

const callers = new WeakMap<FastifyRequest, DecisionCaller>();

/** The OAuth scope that makes an access token's client an enforcement point (issued by the OAuth server). */
export const AUTHZ_SCOPE = 'authz';
/** The right that makes an API key an enforcement point. */
export const EVALUATE_PERMISSION = 'authz:evaluate';

/** The caller set by `requireDecisionCaller`; throws `unauthenticated` when it did not run. */
export function decisionCaller(request: FastifyRequest): DecisionCaller {
  const caller = callers.get(request);
  if (caller !== undefined) return caller;
  // An OAuth client token carrying the `authz` scope asks on behalf of an enforcement point.
  const scope = request.bearer?.claims.scope;
  if (typeof scope === 'string' && scope.split(' ').includes(AUTHZ_SCOPE))
    return { kind: 'enforcement_point' };
  // Otherwise a user asking about itself, by session or Bearer token (API keys are settled above).
  const principal = callerPrincipal(request);
  if (principal === undefined || principal.method === 'api_key') throw new GatehouseError('unauthenticated');
  return { kind: 'user', userId: principal.subject };
}

/**
 * Authentication of decision-API callers, in one place: the resource-server secret (constant-time),
 * an API key, or else a user's Bearer token or session (with `requireCaller`'s CSRF checks).
 */
export function requireDecisionCaller(gatehouse: Gatehouse): preHandlerHookHandler {
  const secret = gatehouse.config.introspectionSecret;
  // Compared as SHA-256 digests in constant time; the secret's digest is computed once.
  const expected = secret === undefined ? undefined : hash('sha256', secret, 'buffer');
  const callerGate = requireCaller(gatehouse, undefined, { apiKeys: true });
  const userGate: preHandlerHookHandler = function (request, reply, done) {
    callerGate.call(this, request, reply, (error?: Error) => {
      const key = request.apiKey;
      if (error !== undefined || key === null) return done(error);
      gatehouse.apiKeys.allows(key, EVALUATE_PERMISSION).then(
        (allowed) => {
          // A key that is no enforcement point may not ask at all: otherwise a narrow key could
          // map everything its owner may do, beyond its own scopes.
          if (!allowed)
            return done(
              new GatehouseError('forbidden', {
                detail: 'The API key does not allow this.',
                insufficientScope: { scope: EVALUATE_PERMISSION },
              }),
            );
          callers.set(request, { kind: 'enforcement_point' });
          done();
        },
        (failure: Error) => done(failure),
      );
    });
  };
  return function decisionCallerGate(request, reply, done) {
    const presented = bearerSecret(request.headers.authorization);
    if (
      expected !== undefined &&
      presented !== '' &&
      timingSafeEqual(hash('sha256', presented, 'buffer'), expected)
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
  assertCallerMayAskAbout(decisionCaller(request), subjects);
}
