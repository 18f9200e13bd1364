import { Type } from '@sinclair/typebox';
import { empty, json, page, problems, SECURITY } from './common.ts';

/** What every enumeration-free endpoint answers, whatever the address: the same bytes. */
export const Accepted = Type.Object({
  status: Type.Literal('accepted'),
  detail: Type.String(),
});

const Done = Type.Object({ status: Type.String(), detail: Type.String() });

const TOKEN = Type.String({ maxLength: 128 });
const EMAIL = Type.String({ maxLength: 320 });
const PASSWORD = Type.String({ maxLength: 4096 });
const CSRF = Type.Optional(Type.String({ maxLength: 128 }));

export const SignUpBody = Type.Object(
  { email: EMAIL, password: PASSWORD, name: Type.Optional(Type.String({ maxLength: 200 })), csrf: CSRF },
  { additionalProperties: false },
);
export const CodeBody = Type.Object(
  { email: EMAIL, code: Type.String({ maxLength: 16 }), csrf: CSRF },
  { additionalProperties: false },
);
export const EmailBody = Type.Object({ email: EMAIL, csrf: CSRF }, { additionalProperties: false });
export const TokenBody = Type.Object({ token: TOKEN, csrf: CSRF }, { additionalProperties: false });
export const TokenPasswordBody = Type.Object(
  { token: TOKEN, password: PASSWORD, csrf: CSRF },
  { additionalProperties: false },
);
export const TokenQuery = Type.Object({ token: Type.Optional(TOKEN) });
export const EmailChangeBody = Type.Object(
  { current_password: PASSWORD, new_email: EMAIL, csrf: CSRF },
  { additionalProperties: false },
);

const FORMS = ['application/json', 'application/x-www-form-urlencoded'];

/** A status that is a page for a browser's normal case and a problem for a malformed request. */
const pageOrProblem = (status: 400 | 403, description: string) => {
  const problem = problems(status)[status] as { content: Record<string, unknown> };
  return { description, content: { ...page(description).content, ...problem.content } };
};

const publicPage = (summary: string) => ({
  tags: ['account-lifecycle'],
  summary,
  security: SECURITY.none,
  response: {
    200: page('The page and its form.'),
    400: pageOrProblem(400, 'The link is invalid or has expired (a page), or the request is malformed.'),
    403: pageOrProblem(403, 'Sign-up is closed or by invitation only (a page).'),
  },
});

const publicPost = (summary: string, description: string, success: Record<number, unknown>) => ({
  tags: ['account-lifecycle'],
  summary,
  description,
  security: SECURITY.none,
  consumes: FORMS,
  response: { ...success, ...problems(400, 403, 413, 415, 429, 503) },
});

const accepted = (what: string) => ({
  202: json(Accepted, `Accepted: ${what} The body is the same for every address.`),
  200: page('A form post: the page saying so.'),
});
const done = (what: string) => ({
  200: json(Done, `${what} (a form post gets the page saying so).`),
});

export const lifecycleSchemas = {
  signUpPage: publicPage('The sign-up page'),
  signUp: publicPost(
    'Sign up (GATEHOUSE_REGISTRATION=open)',
    'Never reveals whether the address is taken: the answer is the same, and the owner of a taken address is emailed instead. The account is created, and its verification link sent, after the response.',
    accepted('check your email.'),
  ),
  verifyPage: publicPage('Confirm an email address (the emailed link)'),
  verify: publicPost('Use an email verification link', 'Sets `email_verified`.', done('Verified')),
  codePage: publicPage('Verify an email address with the code from the email'),
  verifyCode: publicPost(
    'Use the six-digit code from the verification email',
    'The same answer for a wrong code, an unknown address and a verified one; guesses are limited per address (`429`).',
    done('Verified'),
  ),
  resendPage: publicPage('Ask for a new verification link'),
  resend: publicPost(
    'Send the verification link again',
    'Throttled per address and per client; only an unverified account is emailed, after the response.',
    accepted('if the address has an unverified account, a link is on its way.'),
  ),
  forgotPage: publicPage('Forgot password'),
  forgot: publicPost(
    'Ask for a password reset link',
    'The same answer and timing for every address; an active account is emailed a single-use link (30 min) after the response. Nothing about the account changes.',
    accepted('if the address is registered, a link is on its way.'),
  ),
  resetPage: publicPage('Choose a new password (the emailed link)'),
  reset: publicPost(
    'Use a password reset link',
    'Sets the password, signs every session and refresh family out, and sets no session: sign in afterwards.',
    done('Password changed'),
  ),
  invitationPage: publicPage('Accept an invitation (the emailed link)'),
  acceptInvitation: publicPost(
    'Accept an invitation: choose a password',
    'Works whatever GATEHOUSE_REGISTRATION says; marks the address verified.',
    done('Invitation accepted'),
  ),
  confirmEmailChangePage: publicPage('Confirm a new email address (the emailed link)'),
  confirmEmailChange: publicPost(
    'Use the link sent to the new address',
    'The change takes effect; the old address is sent a notice with an undo link.',
    done('Email changed'),
  ),
  undoEmailChangePage: publicPage('Undo an email change (the link sent to the old address)'),
  undoEmailChange: publicPost(
    'Undo an email change',
    'Puts the old address back and signs every session out.',
    done('Email change undone'),
  ),
  changeEmail: {
    tags: ['account'],
    summary: 'Change your email address (password required)',
    description:
      'Sends a link to the new address; nothing changes until it is used. A form post (the account page) is redirected back.',
    security: SECURITY.session,
    consumes: FORMS,
    response: {
      202: json(Accepted, 'A link is on its way to the new address.'),
      303: empty('A form post: back to the account page.'),
      ...problems(400, 401, 403, 429),
    },
  },
  resendOwn: {
    tags: ['account'],
    summary: 'Send your verification link again',
    security: SECURITY.session,
    response: {
      202: json(Accepted, 'A link is on its way.'),
      303: empty('A form post: back to the account page.'),
      ...problems(400, 401, 403, 429),
    },
  },
};
