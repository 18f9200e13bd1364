import {
  errors,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
  type KeyObject,
} from 'jose';

/**
 * The one RFC 9068 access-token check, shared by the guard, the server's Bearer path and the OAuth
 * introspection/revocation/userinfo path (portable: jose only, no `node:` import).
 */

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

export interface AccessTokenPolicy {
  /** Expected `iss`, compared exactly. */
  readonly issuer: string;
  /** The token's `aud` must contain one; omitted only where visibility is decided after (introspection). */
  readonly audience?: string | readonly string[];
  /** Accepted JWS algorithms, from configuration only, never from the token. */
  readonly algorithms: readonly string[];
  /** Accepted clock skew for `exp`, `nbf` and `iat`, in seconds. */
  readonly clockToleranceSeconds: number;
  /** Longest accepted lifetime (`exp − iat`) in seconds; longer was never issued, so is forged. */
  readonly maxLifetimeSeconds: number;
}

/** A key jose verifies with, or a key set it asks. */
export type AccessTokenKey = JWTVerifyGetKey | CryptoKey | KeyObject | JWK | Uint8Array;

/** A token refused for a reason the client may not learn (`reason` is for logs and tests). */
export class AccessTokenRejected extends Error {
  readonly reason: string;
  constructor(reason: string, cause?: unknown) {
    super(`access token rejected: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'TokenRejected';
    this.reason = reason;
  }
}

export const MAX_ACCESS_TOKEN_LENGTH = 8192;
/** One JWT in compact form: three base64url parts, nothing else. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Claims that mark an OpenID Connect ID token, which is never an access token (RFC 8725 §3.11). */
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash', 's_hash'] as const;

/**
 * Verifies with jose: size and compact form first, then the algorithm allow-list, `typ` `at+jwt`,
 * exact issuer, the audience, `exp`/`nbf`/`iat` with bounded skew (an `iat` in the future is
 * refused), required `exp` `iat` `sub` `jti`, the maximum lifetime and the claims' types. Rejects
 * with `AccessTokenRejected`; an error of the key lookup itself (a JWKS that cannot be fetched)
 * passes through unchanged.
 *
 * @example
 * const verifier = new AccessTokenVerifier({ issuer, audience, algorithms: ['ES256'],
 *   clockToleranceSeconds: 30, maxLifetimeSeconds: 930 });
 * const claims = await verifier.verify(token, () => jwks);
 */
export class AccessTokenVerifier {
  readonly #maxLifetime: number;
  readonly #options: JWTVerifyOptions;
  readonly #now: (() => number) | undefined;

  /** `now`: the clock (ms) when it is not the system's. */
  constructor(policy: AccessTokenPolicy, now?: () => number) {
    this.#maxLifetime = policy.maxLifetimeSeconds;
    this.#now = now === Date.now ? undefined : now;
    this.#options = {
      algorithms: [...policy.algorithms],
      typ: 'at+jwt',
      issuer: policy.issuer,
      ...(policy.audience === undefined
        ? {}
        : { audience: typeof policy.audience === 'string' ? policy.audience : [...policy.audience] }),
      clockTolerance: policy.clockToleranceSeconds,
      // With maxTokenAge jose also refuses an `iat` in the future (beyond the tolerance).
      maxTokenAge: policy.maxLifetimeSeconds,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    };
  }

  /** `keyFor` is asked only for a token of the right size and form. */
  async verify(
    token: string,
    keyFor: (token: string) => AccessTokenKey | Promise<AccessTokenKey>,
  ): Promise<AccessTokenClaims> {
    if (token.length > MAX_ACCESS_TOKEN_LENGTH) throw new AccessTokenRejected('too_long');
    if (!COMPACT_JWS.test(token)) throw new AccessTokenRejected('not_compact_jws');
    const key = await keyFor(token);
    const options =
      this.#now === undefined ? this.#options : { ...this.#options, currentDate: new Date(this.#now()) };
    let payload: JWTPayload;
    try {
      ({ payload } = await (typeof key === 'function'
        ? jwtVerify(token, key, options)
        : jwtVerify(token, key, options)));
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new AccessTokenRejected(error.code, error);
      throw error;
    }
    return checkClaims(payload, this.#maxLifetime);
  }
}

function checkClaims(payload: JWTPayload, maxLifetime: number): AccessTokenClaims {
  for (const claim of ID_TOKEN_CLAIMS) if (claim in payload) throw new AccessTokenRejected('id_token');
  const { sub, jti, exp, iat } = payload;
  if (!isId(sub) || !isId(jti)) throw new AccessTokenRejected('sub_or_jti');
  if (typeof exp !== 'number' || typeof iat !== 'number') throw new AccessTokenRejected('exp_or_iat');
  if (exp - iat > maxLifetime) throw new AccessTokenRejected('lifetime');
  for (const claim of ['scope', 'client_id', 'sid'] as const)
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string')
      throw new AccessTokenRejected(claim);
  if (payload.auth_time !== undefined && typeof payload.auth_time !== 'number')
    throw new AccessTokenRejected('auth_time');
  return payload as AccessTokenClaims;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 255;
}
