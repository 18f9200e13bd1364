import { type ActiveSession, GatehouseError, type UserRecord } from '@gatehouse/core';
import { type Credential, readCredential } from '@gatehouse/core/credential-reader';
import type {
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import type { VerifiedBearer } from '../tokens/bearer-verifier.ts';
import { createApiKeyAuthenticator } from './api-key-auth.ts';
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
        checkSessionCsrf(request, gatehouse.keys.csrfAccepted, active.record.idHash);
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

/** The authenticated identity, whichever credential proved it (session, access token or API key). */
export function callerUser(request: FastifyRequest): UserRecord | undefined {
  return request.session?.user ?? request.bearer?.user ?? request.apiKey?.owner;
}

/** The same, or 401 when no credential proved one. */
export function requireCallerUser(request: FastifyRequest): UserRecord {
  const user = callerUser(request);
  if (user === undefined) throw new GatehouseError('unauthenticated');
  return user;
}

/** A browser navigating (a page is wanted), rather than an API client asking for JSON. */
export function wantsHtml(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? '');
  return accept.includes('text/html') && !accept.startsWith('application/json');
}

const ONE_CREDENTIAL = 'Send exactly one credential: one Bearer token, one API key or the session cookie.';

/**
 * Authentication for APIs that take either credential: `Authorization: Bearer <access token>`
 * (no CSRF: nothing ambient) or the session cookie (with `requireSession`'s checks), and with
 * `apiKeys: true` an API key too. A malformed Authorization header, or two credentials at once,
 * is a 400 — never a guess. Where keys are not accepted, a key is never taken for a token.
 */
export function requireCaller(
  gatehouse: Gatehouse,
  onMissing?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined,
  options: { apiKeys?: boolean } = {},
): preHandlerHookHandler {
  const sessionGate = requireSession(gatehouse, onMissing);
  const authenticateApiKey = options.apiKeys === true ? createApiKeyAuthenticator(gatehouse) : undefined;
  return function callerGate(request, reply, done) {
    const credential = credentialOf(request, authenticateApiKey !== undefined);
    if (credential.kind === 'none' || credential.kind === 'session')
      return sessionGate.call(this, request, reply, done);
    // RFC 6750 §3.1: another scheme (Basic, or DPoP, which these APIs do not take) is no credential.
    if (credential.kind === 'unsupported_scheme' || credential.kind === 'dpop') {
      done(new GatehouseError('unauthenticated'));
      return;
    }
    if (credential.kind === 'invalid') {
      done(new GatehouseError('invalid_request', { detail: ONE_CREDENTIAL }));
      return;
    }
    if (credential.kind === 'api_key') {
      authenticateApiKey!(request, reply, credential.token).then(
        () => done(),
        (error: Error) => done(error),
      );
      return;
    }
    gatehouse.bearer.verify(credential.token).then(
      (verified) => {
        request.bearer = verified;
        done();
      },
      (error: Error) => done(error),
    );
  };
}

/**
 * The request's one credential, read by core's reader exactly as the guard reads it (one table
 * tests both). Node keeps one Authorization line; the query string is never looked at here.
 */
function credentialOf(request: FastifyRequest, apiKeys: boolean): Credential {
  const { headers } = request;
  return readCredential(
    {
      headers: {
        get(name) {
          const value = headers[name];
          return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
        },
      },
      sessionCookie: readSessionToken(request),
    },
    { sessions: true, apiKeys, dpop: false },
  );
}

/** Authorization enforced before the handler: the caller's current permissions must include one. */
export function requirePermission(gatehouse: Gatehouse, permission: string): preHandlerAsyncHookHandler {
  return async function permissionGate(request) {
    await assertPermission(gatehouse, request, permission);
  };
}

/** The check behind `requirePermission`, for handlers whose input needs a further permission. */
export async function assertPermission(
  gatehouse: Gatehouse,
  request: FastifyRequest,
  permission: string,
): Promise<void> {
  const user = callerUser(request);
  if (user === undefined) throw new GatehouseError('unauthenticated');
  const key = request.apiKey;
  // A key may do what both its scopes and its owner's current permissions allow.
  const allowed =
    key === null
      ? await gatehouse.permissions.can(user.id, permission)
      : await gatehouse.apiKeys.allows(key, permission);
  if (!allowed) {
    await gatehouse.audit.record('access.denied', requestMeta(request, user.id), {
      subjectId: user.id,
      details: { permission, ...(key === null ? {} : { key_id: key.key.id }) },
    });
    if (key !== null)
      throw new GatehouseError('forbidden', {
        detail: 'The API key does not allow this.',
        insufficientScope: { scope: permission },
      });
    throw new GatehouseError('forbidden', { detail: 'You do not have permission to do this.' });
  }
}

/** For endpoints that manage credentials: an API key may never create, rotate or revoke keys. */
export function refuseApiKeys(): preHandlerAsyncHookHandler {
  return async function noKeys(request) {
    if (request.apiKey === null) return;
    throw new GatehouseError('forbidden', {
      detail: 'API keys cannot manage API keys.',
      insufficientScope: {},
    });
  };
}
