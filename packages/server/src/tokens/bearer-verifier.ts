import {
  GatehouseError,
  type RevocationIndex,
  type SigningKeySource,
  type UserRecord,
  type UserRepository,
} from '@gatehouse/core';
import { type AccessTokenClaims, AccessTokenVerifier } from '@gatehouse/core/access-token';
import { SIGNING_ALGORITHMS } from '@gatehouse/core/jws-algorithms';
import { headerKid, RingKeySet } from './ring-key-set.ts';

export interface VerifiedBearer {
  readonly user: UserRecord;
  readonly claims: AccessTokenClaims;
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

/**
 * Gatehouse's own check of the access tokens it issued (for `GET /account` and the other
 * first-party APIs): core's RFC 9068 verifier (the guard's) over the keys of our ring, then the
 * revocation index and the user's current state.
 */
export class BearerVerifier {
  readonly #o: BearerVerifierOptions;
  readonly #keySet: RingKeySet;
  readonly #verifier: AccessTokenVerifier;

  constructor(options: BearerVerifierOptions) {
    this.#o = options;
    this.#keySet = new RingKeySet(options.keys, options.now);
    this.#verifier = new AccessTokenVerifier(
      {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: SIGNING_ALGORITHMS,
        clockToleranceSeconds: options.clockToleranceSeconds,
        maxLifetimeSeconds: options.maxLifetimeSeconds,
      },
      options.now,
    );
  }

  async verify(token: string): Promise<VerifiedBearer> {
    const invalid = () =>
      new GatehouseError('invalid_token', { detail: 'The access token is invalid or expired.' });
    // A revoked (leaked) key is refused before its signature is checked: a forgery verifies.
    const kid = headerKid(token);
    if (this.#o.revocations.isKeyRevoked(kid)) throw invalid();
    let claims: AccessTokenClaims;
    try {
      claims = await this.#verifier.verify(token, (checked) => this.#keySet.forToken(checked));
    } catch (error) {
      throw new GatehouseError('invalid_token', {
        detail: 'The access token is invalid or expired.',
        cause: error,
      });
    }
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
    const user = await this.#o.users.findById(claims.sub);
    if (user === undefined || user.disabled) throw invalid();
    return { user, claims };
  }
}
