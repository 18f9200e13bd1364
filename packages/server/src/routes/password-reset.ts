import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import {
  EmailBody,
  lifecycleSchemas as schemas,
  TokenPasswordBody,
  TokenQuery,
} from '../http/schemas/account-lifecycle.ts';
import { EMAIL_FIELD, NEW_PASSWORD_FIELD } from '../pages/account-lifecycle-pages.ts';
import { accountForms, type Form, SIGN_IN, tokenPageHeaders } from './account-forms.ts';
import { ACCEPTED } from './sign-up.ts';

/** Forgot password (the same answer for every address) and the reset link's page. */
export function passwordResetRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const { formPage, messagePage, post } = accountForms(app, gatehouse);

  // Forgot and reset password.
  const forgotForm: Form = {
    title: 'Forgot your password?',
    intro: 'Enter your email address and we will send you a link to choose a new password.',
    action: '/forgot-password',
    fields: [EMAIL_FIELD],
    submit: 'Send link',
    links: [SIGN_IN],
  };
  app.get('/forgot-password', { schema: schemas.forgotPage }, (request, reply) =>
    formPage(request, reply, forgotForm),
  );
  post<typeof EmailBody.static>(
    '/forgot-password',
    schemas.forgot,
    EmailBody,
    () => forgotForm,
    async (request, meta) => {
      await commands.requestPasswordReset({ email: request.body.email, meta });
      return { status: 202, json: ACCEPTED.forgot, title: 'Check your email' };
    },
  );
  const resetForm = (token: string): Form => ({
    title: 'Choose a new password',
    action: '/reset-password',
    fields: [NEW_PASSWORD_FIELD],
    hidden: { token },
    submit: 'Set password',
  });
  const invalidLink = (request: FastifyRequest, reply: FastifyReply, again: readonly [string, string]) =>
    messagePage(request, reply, 'Link expired', 'The link is invalid or has expired.', [again, SIGN_IN], 400);
  app.get<{ Querystring: typeof TokenQuery.static }>(
    '/reset-password',
    { schema: { ...schemas.resetPage, querystring: TokenQuery } },
    async (request, reply) => {
      tokenPageHeaders(reply);
      const token = request.query.token ?? '';
      if (!(await commands.checkResetLink({ token })))
        return invalidLink(request, reply, ['/forgot-password', 'Ask for a new link']);
      return formPage(request, reply, resetForm(token));
    },
  );
  post<typeof TokenPasswordBody.static>(
    '/reset-password',
    schemas.reset,
    TokenPasswordBody,
    (r) => resetForm(r.body.token),
    async (request, meta) => {
      await commands.resetPassword({ token: request.body.token, password: request.body.password, meta });
      return {
        status: 200,
        json: {
          status: 'reset',
          detail: 'Your password was changed and every session signed out. Sign in with the new password.',
        },
        title: 'Password changed',
      };
    },
  );
}
