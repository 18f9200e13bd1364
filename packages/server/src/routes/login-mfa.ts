import { isGatehouseError } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { checkFetchMetadata, checkLoginCsrf, loginFormToken } from '../http/csrf.ts';
import { readDeviceCookie } from '../http/device-cookie.ts';
import { sendProblem } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { authSchemas } from '../http/schemas/auth.ts';
import { sendPage } from '../http/security-headers.ts';
import { readSessionToken } from '../http/session-cookie.ts';
import { loginSecondStepPage } from '../pages/login-second-step-page.ts';
import { isForm, safeReturnTo, sendSignedIn } from './login.ts';
import { FIRST_PARTY_CLIENT } from './tokens.ts';

const SecondStepBody = Type.Object({
  transaction: Type.String({ minLength: 1, maxLength: 128 }),
  code: Type.Optional(Type.String({ maxLength: 16 })),
  recovery_code: Type.Optional(Type.String({ maxLength: 64 })),
  csrf: Type.Optional(Type.String({ maxLength: 128 })),
  return_to: Type.Optional(Type.String({ maxLength: 512 })),
  /** The page's "use a recovery code" / "use your app" button: shows the other field. */
  switch: Type.Optional(Type.Union([Type.Literal('code'), Type.Literal('recovery_code')])),
  mode: Type.Optional(Type.Union([Type.Literal('session'), Type.Literal('token')])),
  client_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' })),
});
type SecondStepBody = typeof SecondStepBody.static;

/**
 * `POST /login/mfa`: the second step of a login that answered `mfa_required` (JSON) or showed the
 * second form (page). Same CSRF and Fetch Metadata rules as `POST /login`; success is the same
 * answer as a password-only login, plus `recovery_codes_left` when a recovery code was used.
 */
export function loginMfaRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const issuerOrigin = new URL(gatehouse.config.issuer).origin;
  app.post<{ Body: SecondStepBody }>(
    '/login/mfa',
    { schema: { ...authSchemas.loginMfa, body: SecondStepBody }, bodyLimit: 16 * 1024 },
    async (request, reply) => {
      const form = isForm(request);
      const { body } = request;
      try {
        checkFetchMetadata(request, issuerOrigin);
        if (form) checkLoginCsrf(request, gatehouse.keys.csrfAccepted);
        if (form && body.switch !== undefined) return await render(gatehouse, request, reply, body);
        const result = await commands.loginSecondStep({
          transaction: body.transaction,
          code: body.code,
          recoveryCode: body.recovery_code,
          meta: requestMeta(request),
          deviceCookie: readDeviceCookie(request),
          mode: !form && body.mode === 'token' ? 'token' : 'session',
          clientId: body.client_id ?? FIRST_PARTY_CLIENT,
          previousSessionToken: readSessionToken(request),
        });
        const extra =
          result.recoveryCodesLeft === undefined ? {} : { recovery_codes_left: result.recoveryCodesLeft };
        return sendSignedIn(gatehouse, reply, result, form, body.return_to, extra);
      } catch (error) {
        if (!form || !isGatehouseError(error)) throw error;
        if (error.code === 'csrf_failed' && request.headers['sec-fetch-site'] === 'cross-site')
          return sendProblem(reply, error);
        if (error.retryAfterSeconds !== undefined)
          reply.header('retry-after', String(error.retryAfterSeconds));
        return render(gatehouse, request, reply, body, error.detail ?? error.title, error.status);
      }
    },
  );
}

async function render(
  gatehouse: Gatehouse,
  request: FastifyRequest,
  reply: FastifyReply,
  body: SecondStepBody,
  error?: string,
  status = 200,
) {
  const returnTo = safeReturnTo(body.return_to);
  const recovery =
    body.switch === undefined ? body.recovery_code !== undefined : body.switch === 'recovery_code';
  const page = loginSecondStepPage({
    nonce: request.cspNonce,
    csrf: loginFormToken(request, reply, gatehouse.keys.csrf),
    returnTo,
    transaction: body.transaction,
    recovery,
    ...(error === undefined ? {} : { error }),
  });
  reply.header('cache-control', 'no-store');
  return sendPage(request, reply, page, status, await gatehouse.oauth.formTargetsAfterLogin(returnTo));
}
