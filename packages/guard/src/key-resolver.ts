import {
  base64url,
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type JWK,
  type JWTVerifyGetKey,
  type KeyObject,
} from 'jose';
import { GuardError } from './errors.ts';
import type { BearerSettings } from './options.ts';
import { TokenRejected } from './token-rejected.ts';

type VerificationKey = CryptoKey | KeyObject | JWK | Uint8Array;

/** Key material named by the token itself is never used, nor even looked at (RFC 8725 §3.10). */
const KEY_IN_HEADER = ['jwk', 'jku', 'x5u', 'x5c'] as const;
/** How long the key chosen for one (alg, kid) is reused without asking the key set again. */
const MEMO_MS = 30_000;
const MEMO_MAX = 64;
const decoder = new TextDecoder();

/**
 * Chooses the verification key for a token from the configured JWKS only: a remote set (refetched
 * at most every 30 s for an unknown `kid`, kept 10 min, 2 s timeout) or a local one. The choice per
 * (alg, kid) is memoised for 30 s so a known key is handed to jose directly: its key-set lookup
 * costs about a tenth of a verification. A key removed from the JWKS may thus be used up to 30 s
 * longer than jose alone would, well inside the remote set's own 10-minute cache.
 */
export class KeyResolver {
  readonly #memo = new Map<string, { key: VerificationKey; until: number }>();
  readonly #byHeader = new Map<string, { key: VerificationKey; until: number }>();
  /** For jose: the slow path, through the key set. */
  readonly getKey: JWTVerifyGetKey;

  readonly #makeKeySet: () => JWTVerifyGetKey;
  #keySet: JWTVerifyGetKey;

  constructor(keys: BearerSettings['keys'], options: { fetch: typeof fetch }) {
    this.#makeKeySet = () =>
      'jwks' in keys
        ? createLocalJWKSet(keys.jwks)
        : createRemoteJWKSet(keys.jwksUri, {
            cooldownDuration: 30_000,
            cacheMaxAge: 600_000,
            timeoutDuration: 2_000,
            [customFetch]: options.fetch,
          });
    this.#keySet = this.#makeKeySet();
    this.getKey = async (header, token) => {
      refuseKeyInHeader(header);
      let key: VerificationKey;
      try {
        key = await this.#keySet(header, token);
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
          throw error;
        throw new GuardError('unavailable', { cause: error, reason: 'jwks_unavailable' });
      }
      if (typeof header.kid === 'string') {
        if (this.#memo.size >= MEMO_MAX) this.#memo.clear();
        this.#memo.set(memoId(header.alg, header.kid), { key, until: Date.now() + MEMO_MS });
      }
      return key;
    };
  }

  /**
   * Forgets the fetched JWKS and the memoised choices (a signing key was revoked: the feed's `kid`
   * entry). The next token with an unknown kid refetches at once, without the 30 s cooldown, so
   * the key that just took over — possibly created seconds ago — is accepted without delay.
   */
  refresh(): void {
    this.#keySet = this.#makeKeySet();
    this.#memo.clear();
    this.#byHeader.clear();
  }

  /**
   * The memoised key for this compact token's header, or `undefined` (then jose calls `getKey`).
   * Throws `TokenRejected` for key material in the header. The header is decoded exactly as jose
   * decodes it (base64url, UTF-8, `JSON.parse`), and jose checks it again in full. Tokens of one
   * issuer share their encoded header, so the answer is also kept per encoded header (checked once).
   */
  known(token: string): VerificationKey | undefined {
    const encoded = token.slice(0, token.indexOf('.'));
    const now = Date.now();
    const seen = this.#byHeader.get(encoded);
    if (seen !== undefined && seen.until > now) return seen.key;
    let header: unknown;
    try {
      header = JSON.parse(decoder.decode(base64url.decode(encoded)));
    } catch {
      return undefined;
    }
    if (typeof header !== 'object' || header === null) return undefined;
    const h = header as Record<string, unknown>;
    refuseKeyInHeader(h);
    if (typeof h.kid !== 'string' || typeof h.alg !== 'string') return undefined;
    const hit = this.#memo.get(memoId(h.alg, h.kid));
    if (hit === undefined || hit.until <= now) return undefined;
    if (this.#byHeader.size >= MEMO_MAX) this.#byHeader.clear();
    this.#byHeader.set(encoded, hit);
    return hit.key;
  }
}

function refuseKeyInHeader(header: object): void {
  for (const name of KEY_IN_HEADER) if (name in header) throw new TokenRejected('key_in_header');
}

function memoId(alg: unknown, kid: string): string {
  return `${String(alg)}\0${kid}`;
}
