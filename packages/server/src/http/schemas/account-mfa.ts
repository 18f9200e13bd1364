import { Type } from '@sinclair/typebox';
import { empty, ISO_DATE, json, page, problems, SECURITY } from './common.ts';

const mfa = (summary: string) => ({ tags: ['account'], summary, security: SECURITY.session });
const form = (summary: string) => ({ ...mfa(summary), consumes: ['application/x-www-form-urlencoded'] });

const Factor = Type.Object({
  id: Type.String(),
  kind: Type.Literal('totp'),
  name: Type.String(),
  confirmed: Type.Boolean({ description: 'False until the first code; unconfirmed factors never sign in.' }),
  created_at: ISO_DATE,
  last_used_at: Type.Union([ISO_DATE, Type.Null()]),
});

const RecoveryCodes = Type.Array(Type.String(), { description: 'Shown once; only their hashes are kept.' });

/** `/account/mfa/…`: the caller's second factors (docs/mfa.md). Session only: never an API key or token. */
export const accountMfaSchemas = {
  list: {
    ...mfa('The caller’s second factors and how many recovery codes are left'),
    response: {
      200: json(
        Type.Object({ factors: Type.Array(Factor), recovery_codes_left: Type.Integer() }),
        'The factors.',
      ),
      ...problems(401),
    },
  },
  startTotp: {
    ...mfa('Start adding an authenticator app (TOTP): the secret, its otpauth URI and a QR code'),
    response: {
      201: json(
        Type.Object({
          id: Type.String(),
          secret: Type.String({ description: 'Base32, for manual entry.' }),
          otpauth_uri: Type.String(),
          qr_svg: Type.String({ description: 'The URI as an SVG QR code, rendered by the server.' }),
        }),
        'Unconfirmed until `POST /account/mfa/totp/{id}/confirm`.',
      ),
      ...problems(400, 401, 403),
    },
  },
  confirmTotp: {
    ...mfa('Confirm an authenticator app with a first code; the first one brings recovery codes'),
    response: {
      200: json(
        Type.Object({ recovery_codes: Type.Optional(RecoveryCodes) }),
        'Active. `recovery_codes` when they were generated now (first factor).',
      ),
      ...problems(400, 401, 403),
    },
  },
  remove: {
    ...mfa('Remove a second factor (current password required)'),
    response: {
      200: json(
        Type.Object({
          last_factor_removed: Type.Boolean({
            description:
              'True: no factor is left; sign-in needs only the password and the recovery codes are gone.',
          }),
        }),
        'Removed.',
      ),
      ...problems(400, 401, 403, 404),
    },
  },
  regenerateRecoveryCodes: {
    ...mfa('Generate new recovery codes (current password required); the old ones stop working'),
    response: {
      200: json(Type.Object({ recovery_codes: RecoveryCodes }), 'The new codes, shown once.'),
      ...problems(400, 401, 403, 409),
    },
  },
  startForm: {
    ...form('The account page’s form: start adding an authenticator app (the QR code page)'),
    response: {
      200: page('The key as an SVG QR code and text, and the confirmation form.'),
      ...problems(400, 401, 403),
    },
  },
  confirmForm: {
    ...form('The account page’s form: confirm an authenticator app with a first code'),
    response: {
      200: page('Two-step verification is on: the recovery codes, shown once.'),
      303: empty('To the account page with a notice (added, or the code was wrong).'),
      ...problems(400, 401, 403),
    },
  },
  removeForm: {
    ...form('The account page’s form: remove a second factor (current password)'),
    response: { 303: empty('To the account page with a notice.'), ...problems(400, 401, 403, 404) },
  },
  regenerateForm: {
    ...form('The account page’s form: new recovery codes (current password)'),
    response: {
      200: page('The new recovery codes, shown once.'),
      303: empty('To the account page with a notice (wrong password).'),
      ...problems(400, 401, 403, 409),
    },
  },
};
