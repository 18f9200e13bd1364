/**
 * The one list of JWS algorithms (portable: no `node:` import, so the guard may use it).
 *
 * - `SIGNING_ALGORITHMS`: what Gatehouse's key ring signs with (ES256 by default; RS256 exists for
 *   OpenID Connect ID tokens), and so what its own verifiers accept;
 * - `VERIFICATION_ALGORITHMS`: what a resource server may be configured to accept from any issuer.
 *   Asymmetric only: `none` and HS* never are (RFC 8725 §3.1, §3.2).
 */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA', 'PS256', 'RS256'] as const;

export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export const DEFAULT_SIGNING_ALGORITHM: SigningAlgorithm = 'ES256';

export const VERIFICATION_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
] as const;

export type VerificationAlgorithm = (typeof VERIFICATION_ALGORITHMS)[number];

export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}
