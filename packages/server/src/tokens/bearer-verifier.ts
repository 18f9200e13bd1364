import {
  GatehouseError,
  type RevocationIndex,
  type SigningAlgorithm,
  type SigningKeySource,
  type UserRecord,
  type UserRepository,
} from '@gatehouse/core';
import { type JWTPayload, jwtVerify } from 'jose';
import { headerKid, RingKeySet } from './ring-key-set.ts';

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
  readonly #keySet: RingKeySet;

  constructor(options: BearerVerifierOptions) {
    this.#o = options;
    this.#keySet = new RingKeySet(options.keys, options.now);
  }

  async verify(token: string): Promise<VerifiedBearer> {
    const invalid = () =>
      new GatehouseError('invalid_token', { detail: 'The access token is invalid or expired.' });
    if (token.length > 8192 || token.split('.').length !== 3) throw invalid();
    // A revoked (leaked) key is refused before its signature is checked: a forgery verifies.
    const kid = headerKid(token);
    if (this.#o.revocations.isKeyRevoked(kid)) throw invalid();
    let claims: VerifiedBearer['claims'];
    try {
      const jwks = await this.#keySet.forToken(token);
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
    if (
      this.#o.revocations.isRevoked({
        sid: claims.sid,
        jti: claims.jti,
        sub: claims.sub,
        iat: claims.iat,
        kid,
      })
    )
      throw invalid();
    const user = await this.#o.users.findById(claims.sub!);
    if (user === undefined || user.disabled) throw invalid();
    return { user, claims };
  }
}
