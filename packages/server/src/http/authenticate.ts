import { type ActiveSession, GatehouseError } from '@gatehouse/core';
import type {
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import type { VerifiedBearer } from '../tokens/bearer-verifier.ts';
import { bearerToken } from './bearer.ts';
import { checkFetchMetadata, checkSessionCsrf } from './csrf.ts';
import { requestMeta } from './request-meta.ts';
import { readSessionToken } from './session-cookie.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's live session, once `requireSession` ran. */
    session: ActiveSession | null;
    /** The caller's verified access token, once `requireCaller` ran with a Bearer token. */
    bearer: VerifiedBearer | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isUnsafe(request: FastifyRequest): boolean {
  return !SAFE_METHODS.has(request.method);
}

/** Resolves the session cookie, if any, to a live session. Never throws for a bad cookie. */
export async function currentSession(
  gatehouse: Gatehouse,
  request: FastifyRequest,
): Promise<ActiveSession | null> {
  if (request.session !== null) return request.session;
  const token = readSessionToken(request);
  if (token === undefined) return null;
  request.session = (await gatehouse.sessions.resolve(token)) ?? null;
  return request.session;
}

/**
 * Authentication enforced before the handler: a live session is required, and for unsafe methods
 * the request must pass the CSRF checks. Pages pass `onMissing` to redirect to the login form.
 */
export function requireSession(
  gatehouse: Gatehouse,
  onMissing?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined,
): preHandlerHookHandler {
  const issuerOrigin = new URL(gatehouse.config.issuer).origin;
  const slowPath = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    const active = await currentSession(gatehouse, request);
    if (active === null) {
      const handled = onMissing?.(request, reply);
      if (handled !== undefined) return handled;
      throw new GatehouseError('unauthenticated');
    }
    if (isUnsafe(request)) {
      try {
        checkFetchMetadata(request, issuerOrigin);
        checkSessionCsrf(request, gatehouse.keys.csrf, active.record.idHash);
      } catch (error) {
        await gatehouse.audit.record('csrf.refused', requestMeta(request, active.user.id), {
          subjectId: active.user.id,
          details: { path: request.routeOptions.url ?? null },
        });
        throw error;
      }
    }
    return undefined;
  };
  return function sessionGate(request, reply, done) {
    // Hot path: a safe request whose session is in this node's cache costs no promise.
    if (!isUnsafe(request)) {
      const token = readSessionToken(request);
      const cached = token === undefined ? undefined : gatehouse.sessions.peek(token);
      if (cached !== undefined) {
        request.session = cached;
        done();
        return;
      }
    }
    slowPath(request, reply).then(
      (handled) => {
        if (handled === undefined) done();
      },
      (error: Error) => done(error),
    );
  };
}

/**
 * Authentication for APIs that take either credential: `Authorization: Bearer <access token>`
 * (no CSRF: nothing ambient) or the session cookie (with `requireSession`'s checks). A malformed
 * Authorization header, or both credentials at once, is a 400 — never a guess.
 */
export function requireCaller(
  gatehouse: Gatehouse,
  onMissing?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined,
): preHandlerHookHandler {
  const sessionGate = requireSession(gatehouse, onMissing);
  return function callerGate(request, reply, done) {
    const header = request.headers.authorization;
    if (header === undefined) return sessionGate.call(this, request, reply, done);
    const token = bearerToken(header);
    if (token === undefined || readSessionToken(request) !== undefined) {
      done(
        new GatehouseError('invalid_request', {
          detail: 'Send exactly one credential: one Bearer token or the session cookie.',
        }),
      );
      return;
    }
    gatehouse.bearer.verify(token).then(
      (verified) => {
        request.bearer = verified;
        done();
      },
      (error: Error) => done(error),
    );
  };
}

/** Authorization enforced before the handler: the caller's current permissions must include one. */
export function requirePermission(gatehouse: Gatehouse, permission: string): preHandlerAsyncHookHandler {
  return async function permissionGate(request) {
    const user = request.session?.user ?? request.bearer?.user;
    if (user === undefined) throw new GatehouseError('unauthenticated');
    if (!(await gatehouse.permissions.can(user.id, permission))) {
      await gatehouse.audit.record('access.denied', requestMeta(request, user.id), {
        subjectId: user.id,
        details: { permission },
      });
      throw new GatehouseError('forbidden', { detail: 'You do not have permission to do this.' });
    }
  };
}
