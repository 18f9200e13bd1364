import { Type } from '@sinclair/typebox';
import { empty, ISO_DATE, json, oauthErrors, page, problems, SECURITY } from './common.ts';

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  refresh_token: Type.String(),
  scope: Type.String(),
});

const LoginSession = Type.Object({
  user: Type.Object({ id: Type.String(), email: Type.String() }),
  session: Type.Object({ id: Type.String(), expires_at: ISO_DATE, idle_expires_at: ISO_DATE }),
  csrf_token: Type.String({ description: 'Send as `X-CSRF-Token` on unsafe methods.' }),
});

const MfaRequired = Type.Object({
  mfa_required: Type.Literal(true),
  transaction: Type.String({
    description: 'The pending login: send it to `POST /login/mfa`. Not a session.',
  }),
  factors: Type.Array(Type.String(), {
    description: 'Always `["totp", "recovery_code"]` today, whatever the user has.',
  }),
  expires_at: ISO_DATE,
});

const RecoveryCodesLeft = Type.Object({
  recovery_codes_left: Type.Optional(Type.Integer({ description: 'When a recovery code was used.' })),
});

export const authSchemas = {
  loginPage: {
    tags: ['auth'],
    summary: 'The sign-in page',
    security: SECURITY.none,
    response: { 200: page('The sign-in form.') },
  },
  login: {
    tags: ['auth'],
    summary: 'Sign in with email and password',
    description:
      'JSON: a session cookie and the session (or, with `mode: "token"`, an access and a refresh token and no cookie). A form post (the sign-in page) is answered with a redirect or the page with its error.',
    security: SECURITY.none,
    consumes: ['application/json', 'application/x-www-form-urlencoded'],
    response: {
      200: json(
        Type.Union([LoginSession, TokenResponse, MfaRequired]),
        'Signed in, or (`mfa_required`) the password was right and a second factor is owed: no cookie, no session.',
      ),
      303: empty('A form post signed in: to `return_to`.'),
      ...problems(400, 401, 403, 413, 415, 429, 503),
    },
  },
  loginMfa: {
    tags: ['auth'],
    summary: 'The second step of a login: a TOTP code or a recovery code',
    description:
      'Completes the transaction `POST /login` answered with (`code` or `recovery_code`); it finishes once. The answer is the password login’s. Every refusal is the same 401.',
    security: SECURITY.none,
    consumes: ['application/json', 'application/x-www-form-urlencoded'],
    response: {
      200: json(
        Type.Union([
          Type.Composite([LoginSession, RecoveryCodesLeft]),
          Type.Composite([TokenResponse, RecoveryCodesLeft]),
        ]),
        'Signed in (a form post that switches field gets the page again).',
      ),
      303: empty('A form post signed in: to `return_to`.'),
      ...problems(400, 401, 403, 413, 415, 429, 503),
    },
  },
  logoutPage: {
    tags: ['auth'],
    summary: 'The sign-out page (never signs out by itself)',
    security: SECURITY.none,
    response: { 200: page('The sign-out form.') },
  },
  logout: {
    tags: ['auth'],
    summary: 'Sign out: end the session (or the token’s session)',
    security: SECURITY.caller,
    response: {
      204: empty('Signed out; the cookie is cleared.'),
      303: empty('A form post: to the sign-in page.'),
      ...problems(401, 403),
    },
  },
};

const tokens = (summary: string, description: string) => ({
  tags: ['tokens'],
  summary,
  description,
  security: SECURITY.none,
});

export const tokenSchemas = {
  refresh: {
    ...tokens('Refresh (rotating refresh tokens)', 'Reusing a rotated refresh token revokes its family.'),
    response: { 200: json(TokenResponse, 'New tokens.'), ...oauthErrors(400, 429, 503) },
  },
  revoke: {
    ...tokens('Revoke a refresh token (RFC 7009)', 'Always 200, whether or not the token was valid.'),
    response: { 200: json(Type.Object({}), 'Done.'), ...oauthErrors(400, 503) },
  },
};
