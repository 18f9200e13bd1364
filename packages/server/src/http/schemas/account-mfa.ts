import { Type } from '@sinclair/typebox';
import { ISO_DATE, json, problems, SECURITY } from './common.ts';

const mfa = (summary: string) => ({ tags: ['account'], summary, security: SECURITY.session });

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
};
