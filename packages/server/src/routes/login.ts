import { GatehouseError, isGatehouseError } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { LoginResult } from '../commands/login.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { checkFetchMetadata, checkLoginCsrf, loginFormToken, sessionCsrfToken } from '../http/csrf.ts';
import { readDeviceCookie, setDeviceCookie } from '../http/device-cookie.ts';
import { sendProblem } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { authSchemas } from '../http/schemas/auth.ts';
import { sendPage } from '../http/security-headers.ts';
import { readSessionToken, setSessionCookie } from '../http/session-cookie.ts';
import { interactionCancelPath, interactionUid } from '../oauth/routes.ts';
import { loginPage } from '../pages/login-page.ts';
import { loginSecondStepPage } from '../pages/login-second-step-page.ts';
import { FIRST_PARTY_CLIENT } from './tokens.ts';

const LoginBody = Type.Object({
  email: Type.String({ maxLength: 320 }),
  password: Type.String({ maxLength: 4096 }),
  csrf: Type.Optional(Type.String({ maxLength: 128 })),
  return_to: Type.Optional(Type.String({ maxLength: 512 })),
  /** `token`: the hybrid model's token mode — access + refresh token in the body, no cookie. */
  mode: Type.Optional(Type.Union([Type.Literal('session'), Type.Literal('token')])),
  client_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' })),
});
type LoginBody = typeof LoginBody.static;

/** Only same-site relative paths: never `//host`, `/\host`, a scheme, or control characters. */
export function safeReturnTo(value: unknown, fallback = '/account'): string {
  if (typeof value !== 'string' || value.length > 512) return fallback;
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(value)) return fallback;
  return value;
}

/** The login page's "Cancel" target when it signs in for an OAuth authorization (AUTHZ-07). */
function cancelAction(returnTo: string): { cancelAction?: string } {
  const uid = interactionUid(returnTo);
  return uid === undefined ? {} : { cancelAction: interactionCancelPath(uid) };
}

export function isForm(request: FastifyRequest): boolean {
  return String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

export function loginRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const issuerOrigin = new URL(gatehouse.config.issuer).origin;

  app.get('/login', { schema: authSchemas.loginPage }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const csrf = loginFormToken(request, reply, gatehouse.keys.csrf);
    const returnTo = safeReturnTo(query.return_to);
    return sendPage(
      request,
      reply,
      loginPage({
        signUpOpen: gatehouse.config.registration === 'open',
        nonce: request.cspNonce,
        csrf,
        returnTo,
        ...cancelAction(returnTo),
        ...(query.logged_out === undefined ? {} : { notice: 'You have been signed out.' }),
      }),
      200,
      await gatehouse.oauth.formTargetsAfterLogin(returnTo),
    );
  });

  app.post<{ Body: LoginBody }>(
    '/login',
    { schema: { ...authSchemas.login, body: LoginBody }, bodyLimit: 16 * 1024 },
    async (request, reply) => {
      const form = isForm(request);
      try {
        // Credentials belong in the body only; a query string ends up in logs and history.
        const query = request.query as Record<string, unknown>;
        if (query.password !== undefined || query.email !== undefined) {
          throw new GatehouseError('invalid_request', { detail: 'Send credentials in the request body.' });
        }
        checkFetchMetadata(request, issuerOrigin);
        if (form) checkLoginCsrf(request, gatehouse.keys.csrfAccepted);
        return await login(gatehouse, commands, request, reply, form);
      } catch (error) {
        if (!form || !isGatehouseError(error)) throw error;
        return await renderFailure(gatehouse, request, reply, error);
      }
    },
  );
}

async function login(
  gatehouse: Gatehouse,
  commands: Commands,
  request: FastifyRequest<{ Body: LoginBody }>,
  reply: FastifyReply,
  form: boolean,
) {
  const result = await commands.login({
    email: request.body.email,
    password: request.body.password,
    meta: requestMeta(request),
    deviceCookie: readDeviceCookie(request),
    mode: !form && request.body.mode === 'token' ? 'token' : 'session',
    clientId: request.body.client_id ?? FIRST_PARTY_CLIENT,
    previousSessionToken: readSessionToken(request),
  });
  if (result.kind === 'second_factor_required') {
    // No cookie, no session: the transaction id reaches only POST /login/mfa (docs/mfa.md).
    reply.header('cache-control', 'no-store');
    if (form) {
      const returnTo = safeReturnTo(request.body.return_to);
      const page = loginSecondStepPage({
        nonce: request.cspNonce,
        csrf: loginFormToken(request, reply, gatehouse.keys.csrf),
        returnTo,
        transaction: result.transactionId,
      });
      return sendPage(request, reply, page, 200, await gatehouse.oauth.formTargetsAfterLogin(returnTo));
    }
    return reply.send({
      mfa_required: true,
      transaction: result.transactionId,
      factors: result.factors,
      expires_at: new Date(result.expiresAt).toISOString(),
    });
  }
  return sendSignedIn(gatehouse, reply, result, form, request.body.return_to);
}

/** A finished login (password alone, or with its second step): the cookie, or tokens, and the answer. */
export function sendSignedIn(
  gatehouse: Gatehouse,
  reply: FastifyReply,
  result: Exclude<LoginResult, { kind: 'second_factor_required' }>,
  form: boolean,
  returnTo: string | undefined,
  extra: Record<string, unknown> = {},
) {
  if (result.kind === 'tokens') {
    return reply
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .send({ ...result.tokens, ...extra });
  }
  const { user, token, record } = result;
  setSessionCookie(reply, token, record.absoluteExpiresAt, gatehouse.clock.now());
  // This browser is now a known device for the user (token mode sets no cookie: see above).
  setDeviceCookie(reply, result.deviceCookie, gatehouse.config.deviceCookieMaxAgeSeconds);
  reply.header('cache-control', 'no-store');
  if (form) return reply.code(303).header('location', safeReturnTo(returnTo)).send();
  return reply.send({
    ...extra,
    user: { id: user.id, email: user.email },
    session: {
      id: record.publicId,
      expires_at: new Date(record.absoluteExpiresAt).toISOString(),
      idle_expires_at: new Date(record.idleExpiresAt).toISOString(),
    },
    csrf_token: sessionCsrfToken(gatehouse.keys.csrf, record.idHash),
  });
}

async function renderFailure(
  gatehouse: Gatehouse,
  request: FastifyRequest,
  reply: FastifyReply,
  error: GatehouseError,
) {
  if (error.code === 'csrf_failed' && request.headers['sec-fetch-site'] === 'cross-site') {
    return sendProblem(reply, error);
  }
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  const body = request.body as Partial<LoginBody> | undefined;
  const returnTo = safeReturnTo(body?.return_to);
  const page = loginPage({
    signUpOpen: gatehouse.config.registration === 'open',
    nonce: request.cspNonce,
    csrf: loginFormToken(request, reply, gatehouse.keys.csrf),
    returnTo,
    ...cancelAction(returnTo),
    error: error.detail ?? error.title,
  });
  return sendPage(request, reply, page, error.status, await gatehouse.oauth.formTargetsAfterLogin(returnTo));
}
