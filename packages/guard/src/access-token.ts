import { errors, type JWTPayload, type JWTVerifyOptions, jwtVerify } from 'jose';
import { GuardError } from './errors.ts';
import { KeyResolver } from './key-resolver.ts';
import type { BearerSettings } from './options.ts';
import { TokenRejected } from './token-rejected.ts';

export { TokenRejected };

/** The claims of a verified RFC 9068 access token. */
export interface AccessTokenClaims extends JWTPayload {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | string[];
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  /** Space-separated granted scopes. */
  readonly scope?: string;
  readonly client_id?: string;
  /** Public id of the Gatehouse session the token hangs off. */
  readonly sid?: string;
  readonly auth_time?: number;
  /** RFC 9449 §6: a DPoP-bound token names its key's thumbprint. */
  readonly cnf?: { readonly jkt?: string };
}

/** Claims that mark an OpenID Connect ID token, which is never an access token (RFC 8725 §3.11). */
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash', 's_hash'] as const;
export const MAX_TOKEN_LENGTH = 8192;
/** One JWT in compact form: three base64url parts, nothing else. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Verifies access tokens with `jose`: algorithms from configuration only, `typ` `at+jwt`, exact
 * issuer, required audience, bounded skew and lifetime, required `exp` `iat` `sub` `jti`, keys
 * from the configured JWKS only. Throws `TokenRejected` (→ 401) or `GuardError('unavailable')`
 * when the key set cannot be fetched (→ 503).
 */
export class AccessTokenVerifier {
  readonly #settings: BearerSettings;
  readonly #keys: KeyResolver;
  readonly #now: () => number;
  readonly #options: JWTVerifyOptions;

  constructor(settings: BearerSettings, options: { fetch: typeof fetch; now: () => number }) {
    this.#settings = settings;
    this.#now = options.now;
    this.#keys = new KeyResolver(settings.keys, options);
    this.#options = {
      algorithms: [...settings.algorithms],
      typ: 'at+jwt',
      issuer: settings.issuer,
      audience: [...settings.audience],
      clockTolerance: settings.clockTolerance,
      // With maxTokenAge jose also refuses an `iat` in the future (beyond the tolerance).
      maxTokenAge: settings.maxTokenLifetime,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    };
  }

  /** A signing key was revoked: refetch the JWKS when a token next names an unknown kid. */
  keysChanged(): void {
    this.#keys.refresh();
  }

  /** Resolves to the claims, or rejects with `TokenRejected` or `GuardError('unavailable')`. */
  verify(token: string): Promise<AccessTokenClaims> {
    if (token.length > MAX_TOKEN_LENGTH) return Promise.reject(new TokenRejected('too_long'));
    if (!COMPACT_JWS.test(token)) return Promise.reject(new TokenRejected('not_compact_jws'));
    let key: ReturnType<KeyResolver['known']>;
    try {
      key = this.#keys.known(token);
    } catch (error) {
      return Promise.reject(error);
    }
    const options =
      this.#now === Date.now ? this.#options : { ...this.#options, currentDate: new Date(this.#now()) };
    // A known key goes to jose directly; otherwise jose asks the key set through `getKey`.
    const verified =
      key === undefined ? jwtVerify(token, this.#keys.getKey, options) : jwtVerify(token, key, options);
    return verified.then(
      ({ payload }) => checkClaims(payload, this.#settings.maxTokenLifetime),
      (error: unknown) => {
        if (error instanceof GuardError || error instanceof TokenRejected) throw error;
        throw new TokenRejected(
          error instanceof errors.JOSEError ? error.code : 'verification_failed',
          error,
        );
      },
    );
  }
}

function checkClaims(payload: JWTPayload, maxLifetime: number): AccessTokenClaims {
  for (const claim of ID_TOKEN_CLAIMS) if (claim in payload) throw new TokenRejected('id_token');
  const { sub, jti, exp, iat } = payload;
  if (!isId(sub) || !isId(jti)) throw new TokenRejected('sub_or_jti');
  if (typeof exp !== 'number' || typeof iat !== 'number') throw new TokenRejected('exp_or_iat');
  if (exp - iat > maxLifetime) throw new TokenRejected('lifetime');
  for (const claim of ['scope', 'client_id', 'sid'] as const)
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string') throw new TokenRejected(claim);
  if (payload.auth_time !== undefined && typeof payload.auth_time !== 'number')
    throw new TokenRejected('auth_time');
  return payload as AccessTokenClaims;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 255;
}
