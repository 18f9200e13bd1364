/**
 * A short-lived cache of Gatehouse's answers (sessions, permissions) with one in-flight request per
 * key. `ttlMs` is the documented staleness bound; `forget`/`clear` act at once, and an answer that
 * was in flight when they ran is returned to its callers but never cached.
 */
export class AnswerCache<V> {
  readonly #entries = new Map<string, { value: V; until: number }>();
  readonly #inflight = new Map<string, Promise<V>>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  #generation = 0;

  constructor(options: { ttlMs: number; maxEntries: number; now: () => number }) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
    this.#now = options.now;
  }

  /** The cached answer for `key`, or `load()`'s; `notAfter` (ms) caps how long it is kept. */
  get(key: string, load: () => Promise<{ value: V; notAfter: number }>): Promise<V> {
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && hit.until > now) return Promise.resolve(hit.value);
    const pending = this.#inflight.get(key);
    if (pending !== undefined) return pending;
    const generation = this.#generation;
    const request = load()
      .then(({ value, notAfter }) => {
        if (generation === this.#generation)
          this.#remember(key, value, Math.min(now + this.#ttlMs, notAfter));
        return value;
      })
      .finally(() => {
        if (this.#inflight.get(key) === request) this.#inflight.delete(key);
      });
    this.#inflight.set(key, request);
    return request;
  }

  /** Drops matching answers, and every request in flight (its answer may predate the change). */
  forget(predicate: (value: V, key: string) => boolean): void {
    this.#generation++;
    this.#inflight.clear();
    for (const [key, entry] of this.#entries) if (predicate(entry.value, key)) this.#entries.delete(key);
  }

  clear(): void {
    this.#generation++;
    this.#inflight.clear();
    this.#entries.clear();
  }

  #remember(key: string, value: V, until: number): void {
    if (this.#ttlMs <= 0 || this.#maxEntries <= 0) return;
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(key)) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, until });
  }
}
