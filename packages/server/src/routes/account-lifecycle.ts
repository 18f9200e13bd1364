import { isGatehouseError, type RequestMeta } from '@gatehouse/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { checkFetchMetadata, checkLoginCsrf, loginFormToken } from '../http/csrf.ts';
import { sendProblem } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import {
  CodeBody,
  EmailBody,
  SignUpBody,
  lifecycleSchemas as schemas,
  TokenBody,
  TokenPasswordBody,
  TokenQuery,
} from '../http/schemas/account-lifecycle.ts';
import { sendPage } from '../http/security-headers.ts';
import {
  type AccountFormPageInput,
  accountFormPage,
  accountMessagePage,
  EMAIL_FIELD,
  NEW_PASSWORD_FIELD,
} from '../pages/account-lifecycle-pages.ts';

/** The fixed answers of the enumeration-free endpoints: no part depends on the address. */
export const ACCEPTED = {
  signUp: { status: 'accepted', detail: 'Check your email to finish signing up.' },
  resend: { status: 'accepted', detail: 'If that address has an unverified account, we sent it a new link.' },
  forgot: {
    status: 'accepted',
    detail: 'If that address is registered, we sent it a link to reset the password.',
  },
} as const;

const SIGN_IN: readonly [string, string] = ['/login', 'Sign in'];

type Form = Omit<AccountFormPageInput, 'nonce' | 'csrf' | 'error'>;

/** A page whose link carries a token: nothing of it may leak through Referer or a cache. */
function tokenPageHeaders(reply: FastifyReply): void {
  reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');
}

function isForm(request: FastifyRequest): boolean {
  return String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

/**
 * Sign-up, verification, forgot/reset password, invitations and the email-change links: a page
 * (GET) and a form-or-JSON POST on the same path. Posts pass the Fetch Metadata check; forms also
 * carry the pre-session CSRF token (as the sign-in form does). Routes call the commands only.
 */
export function accountLifecycleRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const registration = gatehouse.config.registration;
  const issuerOrigin = new URL(gatehouse.config.issuer).origin;

  const formPage = (request: FastifyRequest, reply: FastifyReply, form: Form, error?: string, status = 200) =>
    sendPage(
      request,
      reply,
      accountFormPage({
        ...form,
        nonce: request.cspNonce,
        csrf: loginFormToken(request, reply, gatehouse.keys.csrf),
        ...(error === undefined ? {} : { error }),
      }),
      status,
    );
  const messagePage = (
    request: FastifyRequest,
    reply: FastifyReply,
    title: string,
    message: string,
    links: readonly (readonly [string, string])[] = [SIGN_IN],
    status = 200,
  ) =>
    sendPage(
      request,
      reply,
      accountMessagePage({
        nonce: request.cspNonce,
        title,
        message,
        links,
        kind: status >= 400 ? 'error' : 'notice',
      }),
      status,
    );

  /**
   * One POST: checks, then `run`; JSON gets `json` (with `status`), a form gets the message page.
   * A refusal is problem+json for JSON and the form again with the reason for a browser.
   */
  const post = <B>(
    path: string,
    schema: object,
    body: object,
    form: (request: FastifyRequest<{ Body: B }>) => Form,
    run: (
      request: FastifyRequest<{ Body: B }>,
      meta: RequestMeta,
    ) => Promise<{
      status: number;
      json: object;
      title: string;
    }>,
  ) =>
    app.post<{ Body: B }>(
      path,
      { schema: { ...schema, body }, bodyLimit: 16 * 1024 },
      async (request, reply) => {
        const browser = isForm(request);
        try {
          checkFetchMetadata(request, issuerOrigin);
          if (browser) checkLoginCsrf(request, gatehouse.keys.csrfAccepted);
          const outcome = await run(request, requestMeta(request));
          reply.header('cache-control', 'no-store');
          if (!browser) return reply.code(outcome.status).send(outcome.json);
          const detail = (outcome.json as { detail: string }).detail;
          return messagePage(request, reply, outcome.title, detail);
        } catch (error) {
          if (!browser || !isGatehouseError(error)) throw error;
          if (error.code === 'csrf_failed' && request.headers['sec-fetch-site'] === 'cross-site')
            return sendProblem(reply, error);
          if (error.retryAfterSeconds !== undefined)
            reply.header('retry-after', String(error.retryAfterSeconds));
          return formPage(request, reply, form(request), error.detail ?? error.title, error.status);
        }
      },
    );

  // Sign-up.
  const signUpForm: Form = {
    title: 'Create an account',
    action: '/signup',
    fields: [
      EMAIL_FIELD,
      { name: 'name', label: 'Name (optional)', type: 'text', autocomplete: 'name', required: false },
      NEW_PASSWORD_FIELD,
    ],
    submit: 'Sign up',
    links: [SIGN_IN],
  };
  app.get('/signup', { schema: schemas.signUpPage }, (request, reply) => {
    if (registration !== 'open')
      return messagePage(
        request,
        reply,
        'Sign-up',
        registration === 'invite' ? 'Sign-up is by invitation only.' : 'Sign-up is closed.',
        [SIGN_IN],
        403,
      );
    return formPage(request, reply, signUpForm);
  });
  post<typeof SignUpBody.static>(
    '/signup',
    schemas.signUp,
    SignUpBody,
    () => signUpForm,
    async (request, meta) => {
      const { email, password, name } = request.body;
      await commands.signUp({ email, password, name, meta });
      return { status: 202, json: ACCEPTED.signUp, title: 'Check your email' };
    },
  );

  // Email verification: the link's page confirms with a POST; resending is public and throttled.
  const verifyForm = (token: string): Form => ({
    title: 'Confirm your email address',
    action: '/verify-email',
    fields: [],
    hidden: { token },
    submit: 'Confirm',
  });
  app.get<{ Querystring: typeof TokenQuery.static }>(
    '/verify-email',
    { schema: { ...schemas.verifyPage, querystring: TokenQuery } },
    (request, reply) => {
      tokenPageHeaders(reply);
      return formPage(request, reply, verifyForm(request.query.token ?? ''));
    },
  );
  post<typeof TokenBody.static>(
    '/verify-email',
    schemas.verify,
    TokenBody,
    (r) => verifyForm(r.body.token),
    async (request, meta) => {
      await commands.verifyEmail({ token: request.body.token, meta });
      return {
        status: 200,
        json: { status: 'verified', detail: 'Your email address is verified.' },
        title: 'Email verified',
      };
    },
  );
  const codeForm: Form = {
    title: 'Enter your verification code',
    intro: 'Type the six-digit code from the email we sent you.',
    action: '/verify-email/code',
    fields: [EMAIL_FIELD, { name: 'code', label: 'Code', type: 'text', autocomplete: 'one-time-code' }],
    submit: 'Verify',
    links: [['/verify-email/resend', 'Send a new code'], SIGN_IN],
  };
  app.get('/verify-email/code', { schema: schemas.codePage }, (request, reply) =>
    formPage(request, reply, codeForm),
  );
  post<typeof CodeBody.static>(
    '/verify-email/code',
    schemas.verifyCode,
    CodeBody,
    () => codeForm,
    async (request, meta) => {
      await commands.verifyEmailCode({ email: request.body.email, code: request.body.code, meta });
      return {
        status: 200,
        json: { status: 'verified', detail: 'Your email address is verified.' },
        title: 'Email verified',
      };
    },
  );
  const resendForm: Form = {
    title: 'Send the verification link again',
    action: '/verify-email/resend',
    fields: [EMAIL_FIELD],
    submit: 'Send link',
    links: [SIGN_IN],
  };
  app.get('/verify-email/resend', { schema: schemas.resendPage }, (request, reply) =>
    formPage(request, reply, resendForm),
  );
  post<typeof EmailBody.static>(
    '/verify-email/resend',
    schemas.resend,
    EmailBody,
    () => resendForm,
    async (request, meta) => {
      await commands.resendVerification({ email: request.body.email, meta });
      return { status: 202, json: ACCEPTED.resend, title: 'Check your email' };
    },
  );

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
