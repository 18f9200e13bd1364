import type { FastifyInstance } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import {
  CodeBody,
  EmailBody,
  SignUpBody,
  lifecycleSchemas as schemas,
  TokenBody,
  TokenQuery,
} from '../http/schemas/account-lifecycle.ts';
import { EMAIL_FIELD, NEW_PASSWORD_FIELD } from '../pages/account-lifecycle-pages.ts';
import { accountForms, type Form, SIGN_IN, tokenPageHeaders } from './account-forms.ts';

/** The fixed answers of the enumeration-free endpoints: no part depends on the address. */
export const ACCEPTED = {
  signUp: { status: 'accepted', detail: 'Check your email to finish signing up.' },
  resend: { status: 'accepted', detail: 'If that address has an unverified account, we sent it a new link.' },
  forgot: {
    status: 'accepted',
    detail: 'If that address is registered, we sent it a link to reset the password.',
  },
} as const;

/** Sign-up (GATEHOUSE_REGISTRATION=open) and email verification: link, code, resend. */
export function signUpRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const registration = gatehouse.config.registration;
  const { formPage, messagePage, post } = accountForms(app, gatehouse);

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
}
