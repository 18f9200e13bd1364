/**
 * Verified access tokens, keyed by the exact token string, so a repeated token skips the signature
 * check. Bounded (oldest inserted goes first); an entry lives until the token's `exp` and never
 * longer. It caches only the outcome of the signature and claims checks: revocation and feed
 * staleness are checked on every hit by the caller. Failures are never cached.
 */
export class VerifiedTokenCache<V> {
  readonly #entries = new Map<string, { value: V; exp: number }>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /** The cached value, if the token was verified and `nowSeconds` is before its `exp`. */
  get(token: string, nowSeconds: number): V | undefined {
    if (this.#maxEntries <= 0) return undefined;
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.exp <= nowSeconds) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  set(token: string, value: V, exp: number): void {
    if (this.#maxEntries <= 0) return;
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(token)) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { value, exp });
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
