/** Tables of the key ring. */
export interface SigningKeyTables {
  signing_keys: SigningKeysTable;
  /** The RS256 ring beside the configured algorithm's (migration 0010). */
  rs256_signing_keys: SigningKeysTable;
}

/** The tables a key ring may live in. */
export type SigningKeyTable = keyof SigningKeyTables;

/**
 * One signing key. At most one row is `active` and at most one `next` (partial unique indexes),
 * so of two nodes rotating at once only one can succeed.
 */
export interface SigningKeysTable {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  alg: string;
  /** `next`, `active` or `retired`. */
  status: string;
  /** JSON object: the public JWK, public members only. */
  public_jwk: string;
  /** `v2.<key id>.<iv>.<ciphertext>.<tag>` (or `v1.…`, no key id): the PKCS#8 private key, AES-256-GCM under a key derived from the master secret. */
  sealed_private_key: string;
  created_at: number;
  activated_at: number | null;
  retired_at: number | null;
  remove_after: number | null;
}
