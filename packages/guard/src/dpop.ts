import { calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify } from 'jose';
import { TokenRejected } from './token-rejected.ts';

export interface DpopCheck {
  /** The DPoP proof JWT from the `DPoP` request header. */
  readonly proof: string;
  readonly method: string;
  /** The request URL (absolute, or a path checked against `host`). */
  readonly url: string | undefined;
  readonly host: string | undefined;
  readonly accessToken: string;
  /** `cnf.jkt` of the access token: the thumbprint of the key the token is bound to. */
  readonly jkt: string;
}

/** Proofs older than this (or this far in the future) are refused: RFC 9449 §11.1. */
const PROOF_WINDOW_S = 300;
const MAX_REMEMBERED = 100_000;

/**
 * RFC 9449 proof-of-possession for DPoP-bound access tokens: the proof is a `dpop+jwt` signed by
 * the key embedded in its header with an allowed algorithm; that key's thumbprint is the token's
 * `cnf.jkt`; `htm` and `htu` name this request; `ath` hashes this token; `iat` is recent and the
 * `jti` is new (remembered for the proof window, per guard instance).
 */
export class DpopVerifier {
  readonly #algorithms: string[];
  readonly #clockTolerance: number;
  readonly #now: () => number;
  readonly #seen = new Map<string, number>();

  constructor(options: { algorithms: readonly string[]; clockTolerance: number; now: () => number }) {
    this.#algorithms = [...options.algorithms];
    this.#clockTolerance = options.clockTolerance;
    this.#now = options.now;
  }

  async verify(check: DpopCheck): Promise<void> {
    let payload: Record<string, unknown>;
    let jwk: Record<string, unknown>;
    try {
      const result = await jwtVerify(check.proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: this.#algorithms,
        clockTolerance: this.#clockTolerance,
        maxTokenAge: PROOF_WINDOW_S,
        requiredClaims: ['iat', 'jti', 'htm', 'htu', 'ath'],
        currentDate: new Date(this.#now()),
      });
      payload = result.payload;
      jwk = (result.protectedHeader.jwk ?? {}) as Record<string, unknown>;
    } catch (error) {
      throw new TokenRejected(
        error instanceof errors.JOSEError ? `dpop_${error.code}` : 'dpop_invalid',
        error,
      );
    }
    if ((await calculateJwkThumbprint(jwk as never)) !== check.jkt)
      throw new TokenRejected('dpop_key_mismatch');
    if (String(payload.htm) !== check.method.toUpperCase()) throw new TokenRejected('dpop_htm');
    if (!sameTarget(String(payload.htu), check.url, check.host)) throw new TokenRejected('dpop_htu');
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(check.accessToken));
    if (payload.ath !== Buffer.from(digest).toString('base64url')) throw new TokenRejected('dpop_ath');
    this.#remember(String(payload.jti), Number(payload.iat));
  }

  #remember(jti: string, iat: number): void {
    const now = Math.floor(this.#now() / 1000);
    if (this.#seen.size > MAX_REMEMBERED / 2)
      for (const [id, at] of this.#seen)
        if (at + PROOF_WINDOW_S + this.#clockTolerance < now) this.#seen.delete(id);
    if (this.#seen.has(jti)) throw new TokenRejected('dpop_replay');
    if (this.#seen.size >= MAX_REMEMBERED) throw new TokenRejected('dpop_replay_cache_full');
    this.#seen.set(jti, iat);
  }
}

/** `htu` without query and fragment equals the request's URL (RFC 9449 §4.3, point 9). */
function sameTarget(htu: string, url: string | undefined, host: string | undefined): boolean {
  let proof: URL;
  try {
    proof = new URL(htu);
  } catch {
    return false;
  }
  if (url === undefined) return false;
  const path = (value: string) => value.split('#')[0]?.split('?')[0] ?? '';
  if (/^https?:\/\//i.test(url)) {
    const target = new URL(url);
    return proof.origin === target.origin && proof.pathname === target.pathname;
  }
  // A bare request target: the path must match, and the host the Host header (the scheme is the
  // deployment's, behind whatever terminates TLS).
  return proof.pathname === path(url) && (host === undefined || proof.host === host.toLowerCase());
}
