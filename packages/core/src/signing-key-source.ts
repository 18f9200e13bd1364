import type { KeyObject } from 'node:crypto';

import type { SigningAlgorithm } from './jws-algorithms.ts';

export type { SigningAlgorithm };

/** The key that signs right now. */
export interface ActiveSigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: KeyObject;
}

/** A public key as published in the JWKS: never private or symmetric material. */
export interface PublicJwk {
  readonly kid: string;
  readonly kty: string;
  readonly alg: SigningAlgorithm;
  readonly use: 'sig';
  readonly [parameter: string]: unknown;
}

/**
 * What token issuers need from the key ring: the current signing key, and the public keys to
 * publish (the next key before it signs, retired keys until every token they signed has expired).
 */
export interface SigningKeySource {
  active(): Promise<ActiveSigningKey>;
  publicKeys(): Promise<readonly PublicJwk[]>;
}
