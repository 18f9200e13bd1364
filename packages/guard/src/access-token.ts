import {
  type AccessTokenClaims,
  type AccessTokenKey,
  AccessTokenVerifier as CoreVerifier,
  MAX_ACCESS_TOKEN_LENGTH,
} from '@gatehouse/core/access-token';
import { GuardError } from './errors.ts';
import { KeyResolver } from './key-resolver.ts';
import type { BearerSettings } from './options.ts';
import { TokenRejected } from './token-rejected.ts';

export type { AccessTokenClaims };
export { TokenRejected };
export const MAX_TOKEN_LENGTH: number = MAX_ACCESS_TOKEN_LENGTH;

/**
 * Core's RFC 9068 verifier over the configured JWKS only: algorithms from configuration, `typ`
 * `at+jwt`, exact issuer, required audience, bounded skew and lifetime. Throws `TokenRejected`
 * (→ 401) or `GuardError('unavailable')` when the key set cannot be fetched (→ 503).
 */
export class AccessTokenVerifier {
  readonly #keys: KeyResolver;
  readonly #verifier: CoreVerifier;
  readonly #keyFor: (token: string) => AccessTokenKey;

  constructor(settings: BearerSettings, options: { fetch: typeof fetch; now: () => number }) {
    this.#keys = new KeyResolver(settings.keys, options);
    this.#verifier = new CoreVerifier(
      {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: settings.algorithms,
        clockToleranceSeconds: settings.clockTolerance,
        maxLifetimeSeconds: settings.maxTokenLifetime,
      },
      options.now,
    );
    // A known key goes to jose directly; otherwise jose asks the key set through `getKey`.
    this.#keyFor = (token) => this.#keys.known(token) ?? this.#keys.getKey;
  }

  /** A signing key was revoked: refetch the JWKS when a token next names an unknown kid. */
  keysChanged(): void {
    this.#keys.refresh();
  }

  /** Resolves to the claims, or rejects with `TokenRejected` or `GuardError('unavailable')`. */
  verify(token: string): Promise<AccessTokenClaims> {
    return this.#verifier.verify(token, this.#keyFor).catch((error: unknown) => {
      if (error instanceof GuardError || error instanceof TokenRejected) throw error;
      throw new TokenRejected('verification_failed', error);
    });
  }
}
