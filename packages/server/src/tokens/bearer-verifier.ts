import {
  GatehouseError,
  type RevocationIndex,
  type SigningAlgorithm,
  type SigningKeySource,
  type UserRecord,
  type UserRepository,
} from '@gatehouse/core';
import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';

export interface VerifiedBearer {
  readonly user: UserRecord;
  readonly claims: JWTPayload & { sid?: string; scope?: string; client_id?: string };
}

export interface BearerVerifierOptions {
  keys: SigningKeySource & { reload?(): Promise<void> };
  revocations: RevocationIndex;
  users: UserRepository;
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  /** The longest lifetime (exp − iat) Gatehouse issues. */
  maxLifetimeSeconds: number;
  now: () => number;
}

const ALGORITHMS: SigningAlgorithm[] = ['ES256', 'EdDSA', 'PS256', 'RS256'];

/**
 * Gatehouse's own check of the access tokens it issued (for `GET /account` and the other
 * first-party APIs): signature by a key of our ring, `typ: at+jwt`, exact issuer and audience,
 * bounded skew, then the revocation index and the user's current state.
 */
export class BearerVerifier {
  readonly #o: BearerVerifierOptions;
  #jwks: ReturnType<typeof createLocalJWKSet> | undefined;
  #kids = new Set<string>();
  #loadedAt = 0;
  #reloadedAt = 0;

  constructor(options: BearerVerifierOptions) {
    this.#o = options;
  }

  async verify(token: string): Promise<VerifiedBearer> {
    const invalid = () =>
      new GatehouseError('invalid_token', { detail: 'The access token is invalid or expired.' });
    if (token.length > 8192 || token.split('.').length !== 3) throw invalid();
    let claims: VerifiedBearer['claims'];
    try {
      const jwks = await this.#keySet(token);
      ({ payload: claims } = await jwtVerify(token, jwks, {
        issuer: this.#o.issuer,
        audience: this.#o.audience,
        algorithms: ALGORITHMS,
        typ: 'at+jwt',
        clockTolerance: this.#o.clockToleranceSeconds,
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
        currentDate: new Date(this.#o.now()),
      }));
    } catch (error) {
      throw new GatehouseError('invalid_token', {
        detail: 'The access token is invalid or expired.',
        cause: error,
      });
    }
    // jose checks exp/nbf; a token "issued" in the future or living longer than we ever issue is forged.
    const nowSeconds = this.#o.now() / 1000;
    if (claims.iat! > nowSeconds + this.#o.clockToleranceSeconds) throw invalid();
    if (claims.exp! - claims.iat! > this.#o.maxLifetimeSeconds) throw invalid();
    if (this.#o.revocations.isRevoked({ sid: claims.sid, jti: claims.jti, sub: claims.sub, iat: claims.iat }))
      throw invalid();
    const user = await this.#o.users.findById(claims.sub!);
    if (user === undefined || user.disabled) throw invalid();
    return { user, claims };
  }

  /** The ring's public keys, reloaded every 30 s and at once when a token names an unknown kid. */
  async #keySet(token: string) {
    const kid = headerKid(token);
    const stale = this.#o.now() - this.#loadedAt > 30_000;
    const unknownKid = kid !== undefined && !this.#kids.has(kid);
    if (this.#jwks === undefined || stale || unknownKid) {
      // An unknown kid may be a key another node just rotated in: re-read the store, at most
      // once per 5 s, so random kids cannot hammer the database.
      if (unknownKid && this.#o.now() - this.#reloadedAt > 5000) {
        this.#reloadedAt = this.#o.now();
        await this.#o.keys.reload?.();
      }
      const keys = await this.#o.keys.publicKeys();
      this.#kids = new Set(keys.map((k) => k.kid));
      this.#jwks = createLocalJWKSet({ keys: keys as unknown as JSONWebKeySet['keys'] });
      this.#loadedAt = this.#o.now();
    }
    return this.#jwks;
  }
}

function headerKid(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}
