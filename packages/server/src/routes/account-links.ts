import type { FastifyInstance } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import {
  lifecycleSchemas as schemas,
  TokenBody,
  TokenPasswordBody,
  TokenQuery,
} from '../http/schemas/account-lifecycle.ts';
import { NEW_PASSWORD_FIELD } from '../pages/account-lifecycle-pages.ts';
import { accountForms, type Form, SIGN_IN, tokenPageHeaders } from './account-forms.ts';

/** The links an administrator's invitation and an email change send: their pages and posts. */
export function accountLinkRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const { formPage, messagePage, post } = accountForms(app, gatehouse);

  // Invitations.
  const invitationForm = (token: string, email?: string): Form => ({
    title: 'Accept your invitation',
    ...(email === undefined ? {} : { intro: `Choose a password for ${email}.` }),
    action: '/invitation',
    fields: [NEW_PASSWORD_FIELD],
    hidden: { token },
    submit: 'Set password',
  });
  app.get<{ Querystring: typeof TokenQuery.static }>(
    '/invitation',
    { schema: { ...schemas.invitationPage, querystring: TokenQuery } },
    async (request, reply) => {
      tokenPageHeaders(reply);
      const token = request.query.token ?? '';
      const email = await commands.checkInvitation({ token });
      if (email === undefined)
        return messagePage(
          request,
          reply,
          'Invitation expired',
          'The invitation is invalid or has expired. Ask for a new one.',
          [SIGN_IN],
          400,
        );
      return formPage(request, reply, invitationForm(token, email));
    },
  );
  post<typeof TokenPasswordBody.static>(
    '/invitation',
    schemas.acceptInvitation,
    TokenPasswordBody,
    (r) => invitationForm(r.body.token),
    async (request, meta) => {
      await commands.acceptInvitation({ token: request.body.token, password: request.body.password, meta });
      return {
        status: 200,
        json: { status: 'accepted', detail: 'Your password is set. Sign in to continue.' },
        title: 'Welcome',
      };
    },
  );

  // The email-change links: to the new address (confirm) and to the old one (undo).
  const linkForm =
    (action: string, title: string, submit: string) =>
    (token: string): Form => ({
      title,
      action,
      fields: [],
      hidden: { token },
      submit,
    });
  const confirmForm = linkForm('/email-change/confirm', 'Confirm your new email address', 'Confirm');
  const undoForm = linkForm(
    '/email-change/undo',
    'Undo the change of your email address',
    'Undo the change and sign out everywhere',
  );
  for (const [path, form, schema] of [
    ['/email-change/confirm', confirmForm, schemas.confirmEmailChangePage],
    ['/email-change/undo', undoForm, schemas.undoEmailChangePage],
  ] as const)
    app.get<{ Querystring: typeof TokenQuery.static }>(
      path,
      { schema: { ...schema, querystring: TokenQuery } },
      (request, reply) => {
        tokenPageHeaders(reply);
        return formPage(request, reply, form(request.query.token ?? ''));
      },
    );
  post<typeof TokenBody.static>(
    '/email-change/confirm',
    schemas.confirmEmailChange,
    TokenBody,
    (r) => confirmForm(r.body.token),
    async (request, meta) => {
      await commands.confirmEmailChange({ token: request.body.token, meta });
      return {
        status: 200,
        json: { status: 'changed', detail: 'Your email address was changed.' },
        title: 'Email changed',
      };
    },
  );
  post<typeof TokenBody.static>(
    '/email-change/undo',
    schemas.undoEmailChange,
    TokenBody,
    (r) => undoForm(r.body.token),
    async (request, meta) => {
      await commands.undoEmailChange({ token: request.body.token, meta });
      return {
        status: 200,
        json: {
          status: 'undone',
          detail:
            'Your previous email address is back and every session was signed out. If you did not make the change, reset your password.',
        },
        title: 'Change undone',
      };
    },
  );
}
