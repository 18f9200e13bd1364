import { isGatehouseError } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { requireSession } from '../http/authenticate.ts';
import { sessionCsrfToken } from '../http/csrf.ts';
import { requestMeta } from '../http/request-meta.ts';
import { accountMfaSchemas } from '../http/schemas/account-mfa.ts';
import { sendPage } from '../http/security-headers.ts';
import { recoveryCodesPage, totpEnrolmentPage } from '../pages/account-mfa-pages.ts';

const FactorParams = Type.Object({ id: Type.String({ pattern: '^sf_[A-Za-z0-9_-]{1,64}$' }) });
const NameForm = Type.Object({
  csrf: Type.String({ maxLength: 128 }),
  name: Type.String({ maxLength: 64 }),
  current_password: Type.String({ maxLength: 4096 }),
});
const CodeForm = Type.Object({ csrf: Type.String({ maxLength: 128 }), code: Type.String({ maxLength: 16 }) });
const PasswordForm = Type.Object({
  csrf: Type.String({ maxLength: 128 }),
  current_password: Type.String({ maxLength: 4096 }),
});

/**
 * The account page's forms for second factors: the same commands as `/account/mfa/…` (JSON),
 * answered with pages (enrolment, recovery codes shown once, `no-store`) or a `303` to the
 * account page with a notice (`mfa_*` flags, fixed texts).
 */
export function accountMfaFormRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const sessionOnly = requireSession(gatehouse);
  const back = (reply: FastifyReply, flag: string) =>
    reply.code(303).header('cache-control', 'no-store').header('location', `/account?${flag}=1#mfa`).send();

  app.post<{ Body: typeof NameForm.static }>(
    '/account/mfa/totp/new',
    {
      preHandler: sessionOnly,
      schema: { ...accountMfaSchemas.startForm, body: NameForm },
      bodyLimit: 4 * 1024,
    },
    async (request, reply) => {
      const active = request.session!;
      const started = await commands.startTotpEnrolment(
        active.user,
        request.body.name,
        request.body.current_password,
      );
      reply.header('cache-control', 'no-store');
      return sendPage(
        request,
        reply,
        totpEnrolmentPage({
          nonce: request.cspNonce,
          csrf: sessionCsrfToken(gatehouse.keys.csrf, active.record.idHash),
          id: started.id,
          secret: started.secret,
          qrSvg: started.qrSvg,
        }),
      );
    },
  );

  app.post<{ Params: typeof FactorParams.static; Body: typeof CodeForm.static }>(
    '/account/mfa/totp/:id/activate',
    {
      preHandler: sessionOnly,
      schema: { ...accountMfaSchemas.confirmForm, params: FactorParams, body: CodeForm },
      bodyLimit: 4 * 1024,
    },
    async (request, reply) => {
      const { user } = request.session!;
      try {
        const { recoveryCodes } = await commands.confirmTotp(
          user,
          request.params.id,
          request.body.code,
          requestMeta(request, user.id),
        );
        if (recoveryCodes === undefined) return back(reply, 'mfa_added');
        reply.header('cache-control', 'no-store');
        return sendPage(request, reply, recoveryCodesPage({ nonce: request.cspNonce, codes: recoveryCodes }));
      } catch (error) {
        if (isGatehouseError(error) && error.status === 400) return back(reply, 'mfa_code_error');
        throw error;
      }
    },
  );

  app.post<{ Params: typeof FactorParams.static; Body: typeof PasswordForm.static }>(
    '/account/mfa/:id/delete',
    {
      preHandler: sessionOnly,
      schema: { ...accountMfaSchemas.removeForm, params: FactorParams, body: PasswordForm },
      bodyLimit: 16 * 1024,
    },
    async (request, reply) => {
      const { user } = request.session!;
      try {
        const { lastFactorRemoved } = await commands.removeSecondFactor(
          user,
          request.params.id,
          request.body.current_password,
          requestMeta(request, user.id),
        );
        return back(reply, lastFactorRemoved ? 'mfa_off' : 'mfa_removed');
      } catch (error) {
        if (isGatehouseError(error) && error.code === 'invalid_credentials')
          return back(reply, 'mfa_password');
        throw error;
      }
    },
  );

  app.post<{ Body: typeof PasswordForm.static }>(
    '/account/mfa/recovery-codes/new',
    {
      preHandler: sessionOnly,
      schema: { ...accountMfaSchemas.regenerateForm, body: PasswordForm },
      bodyLimit: 16 * 1024,
    },
    async (request, reply) => {
      const { user } = request.session!;
      try {
        const codes = await commands.regenerateRecoveryCodes(
          user,
          request.body.current_password,
          requestMeta(request, user.id),
        );
        reply.header('cache-control', 'no-store');
        return sendPage(request, reply, recoveryCodesPage({ nonce: request.cspNonce, codes }));
      } catch (error) {
        if (isGatehouseError(error) && error.code === 'invalid_credentials')
          return back(reply, 'mfa_password');
        throw error;
      }
    },
  );
}
