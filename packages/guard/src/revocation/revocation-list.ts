/** One entry of Gatehouse's revocation feed, as on the wire (times in epoch seconds). */
export interface RevocationEntry {
  /** Position in the feed; strictly increasing. */
  readonly seq: number;
  /**
   * `sid`: tokens whose `sid` claim is `value`; `jti`: that one token; `sub`: tokens of subject
   * `value` with `iat <= at`; `perm`: not a revocation, the permissions of subject `value` (`*`:
   * everyone) changed; `key`: drop what is cached of API key `value` (revoked or rotated); `kid`:
   * every token signed by the signing key `value` (leaked); `nbf`: tokens of subject `value` (`*`:
   * everyone) with `iat < at` (a mass sign-out; `at` is a whole second).
   */
  readonly type: 'sid' | 'jti' | 'sub' | 'perm' | 'key' | 'kid' | 'nbf';
  readonly value: string;
  readonly at: number;
  /** After this the entry can match no unexpired token and is forgotten. */
  readonly expires_at: number;
}

/**
 * The guard's mirror of the revocation index: answers "is this token revoked?" with three map
 * lookups, so it runs on every request, cached tokens included. Entries are kept until
 * `expires_at` plus the clock tolerance (a token is accepted that long past its `exp`).
 */
export class RevocationList {
  readonly #sids = new Map<string, number>();
  readonly #jtis = new Map<string, number>();
  readonly #subs = new Map<string, { at: number; expiresAt: number }>();
  readonly #kids = new Map<string, number>();
  readonly #cutoffs = new Map<string, { at: number; expiresAt: number }>();
  readonly #graceSeconds: number;

  constructor(options: { graceSeconds: number }) {
    this.#graceSeconds = options.graceSeconds;
  }

  apply(entry: RevocationEntry): void {
    if (entry.type === 'sid') keepLatest(this.#sids, entry.value, entry.expires_at);
    else if (entry.type === 'jti') keepLatest(this.#jtis, entry.value, entry.expires_at);
    else if (entry.type === 'sub') keepLatestCut(this.#subs, entry);
    else if (entry.type === 'kid') keepLatest(this.#kids, entry.value, entry.expires_at);
    else if (entry.type === 'nbf') keepLatestCut(this.#cutoffs, entry);
  }

  /**
   * Whether the signing key `kid` was revoked. Checked before the signature: the key may still be
   * in a cached JWKS, and whoever leaked it can sign anything.
   */
  isKeyRevoked(kid: string | undefined): boolean {
    return kid !== undefined && this.#kids.size > 0 && this.#kids.has(kid);
  }

  get hasRevokedKeys(): boolean {
    return this.#kids.size > 0;
  }

  /** Whether the feed revoked a token with these claims (`iat` in seconds). */
  isRevoked(claims: {
    readonly sid?: string | undefined;
    readonly jti: string;
    readonly sub: string;
    readonly iat: number;
  }): boolean {
    if (this.#jtis.size > 0 && this.#jtis.has(claims.jti)) return true;
    if (claims.sid !== undefined && this.#sids.size > 0 && this.#sids.has(claims.sid)) return true;
    if (this.#subs.size > 0) {
      const revoked = this.#subs.get(claims.sub);
      if (revoked !== undefined && claims.iat <= revoked.at) return true;
    }
    if (this.#cutoffs.size > 0) {
      // iat and the cut-off both come from Gatehouse's clock: no tolerance applies.
      const cut = this.#cutoffs.get(claims.sub);
      if (cut !== undefined && claims.iat < cut.at) return true;
      const everyone = this.#cutoffs.get('*');
      if (everyone !== undefined && claims.iat < everyone.at) return true;
    }
    return false;
  }

  /** Forgets entries that can no longer match an accepted token. */
  prune(nowSeconds: number): void {
    const horizon = nowSeconds - this.#graceSeconds;
    for (const [key, expiresAt] of this.#sids) if (expiresAt < horizon) this.#sids.delete(key);
    for (const [key, expiresAt] of this.#jtis) if (expiresAt < horizon) this.#jtis.delete(key);
    for (const [key, value] of this.#subs) if (value.expiresAt < horizon) this.#subs.delete(key);
    for (const [key, expiresAt] of this.#kids) if (expiresAt < horizon) this.#kids.delete(key);
    for (const [key, value] of this.#cutoffs) if (value.expiresAt < horizon) this.#cutoffs.delete(key);
  }

  get size(): number {
    return this.#sids.size + this.#jtis.size + this.#subs.size + this.#kids.size + this.#cutoffs.size;
  }

  clear(): void {
    this.#sids.clear();
    this.#jtis.clear();
    this.#subs.clear();
    this.#kids.clear();
    this.#cutoffs.clear();
  }
}

function keepLatestCut(map: Map<string, { at: number; expiresAt: number }>, entry: RevocationEntry): void {
  const previous = map.get(entry.value);
  map.set(entry.value, {
    at: Math.max(previous?.at ?? entry.at, entry.at),
    expiresAt: Math.max(previous?.expiresAt ?? entry.expires_at, entry.expires_at),
  });
}

function keepLatest(map: Map<string, number>, key: string, expiresAt: number): void {
  map.set(key, Math.max(map.get(key) ?? expiresAt, expiresAt));
}
