import { GatehouseError } from './errors.ts';

/**
 * Rate limits as GCRA (the generic cell rate algorithm): a token bucket of `limit` requests that
 * refills evenly over `windowSeconds`, kept as one number per key (the theoretical arrival time).
 * One number means one atomic update in Redis and no per-request database write anywhere.
 */
export interface RateLimit {
  /** Requests allowed per window (also the burst size). */
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface RateLimitResult {
  readonly allowed: boolean;
  readonly limit: number;
  readonly windowSeconds: number;
  /** Requests left right now. */
  readonly remaining: number;
  /** Seconds until the bucket is full again (the `t` of the RateLimit header). */
  readonly resetSeconds: number;
  /** When refused: seconds until one request will be allowed. */
  readonly retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Takes one request from the bucket `key` (when it has one). Atomic across nodes for shared limiters. */
  take(key: string, rule: RateLimit): Promise<RateLimitResult>;
}

export function isValidRateLimit(rule: RateLimit): boolean {
  return (
    Number.isInteger(rule.limit) &&
    rule.limit >= 1 &&
    rule.limit <= 1_000_000 &&
    Number.isInteger(rule.windowSeconds) &&
    rule.windowSeconds >= 1 &&
    rule.windowSeconds <= 86_400
  );
}

/** A rate limit given by an administrator (or none): refused with one clear message unless valid. */
export function checkRateLimit(rule: RateLimit | null): RateLimit | null {
  if (rule !== null && !isValidRateLimit(rule)) {
    throw new GatehouseError('invalid_request', {
      detail: 'The rate limit must be 1–1000000 requests per 1–86400 seconds.',
    });
  }
  return rule;
}

/** One GCRA step's answer, with the arrival time to store (unchanged when refused). */
export interface GcraOutcome extends RateLimitResult {
  readonly tat: number;
}

/** One GCRA step. One object literal of fixed shape: this runs on every keyed request. */
export function gcraStep(storedTat: number | undefined, now: number, rule: RateLimit): GcraOutcome {
  const windowMs = rule.windowSeconds * 1000;
  const interval = windowMs / rule.limit;
  const tat = storedTat === undefined || storedTat < now ? now : storedTat;
  const next = tat + interval;
  const allowAt = next - windowMs;
  const allowed = now >= allowAt;
  return {
    tat: allowed ? next : tat,
    allowed,
    limit: rule.limit,
    windowSeconds: rule.windowSeconds,
    remaining: allowed ? Math.floor((windowMs - (next - now)) / interval + 1e-9) : 0,
    resetSeconds: Math.ceil(((allowed ? next : tat) - now) / 1000),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((allowAt - now) / 1000)),
  };
}

/**
 * The limiter of a single node (no Redis): limits hold per process. Bounded: past `maxKeys` the
 * buckets that are already full again are dropped first, then the oldest.
 */
export class InProcessRateLimiter implements RateLimiter {
  readonly #tats = new Map<string, number>();
  readonly #now: () => number;
  readonly #maxKeys: number;

  constructor(options: { now?: () => number; maxKeys?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  /** Synchronous form for hot paths. */
  takeSync(key: string, rule: RateLimit): RateLimitResult {
    const now = this.#now();
    const outcome = gcraStep(this.#tats.get(key), now, rule);
    if (outcome.allowed) {
      if (this.#tats.size >= this.#maxKeys && !this.#tats.has(key)) this.#evict(now);
      this.#tats.set(key, outcome.tat);
    }
    return outcome;
  }

  /** What a take would answer now, without taking. */
  peek(key: string, rule: RateLimit): RateLimitResult {
    return gcraStep(this.#tats.get(key), this.#now(), rule);
  }

  async take(key: string, rule: RateLimit): Promise<RateLimitResult> {
    return this.takeSync(key, rule);
  }

  #evict(now: number): void {
    for (const [key, tat] of this.#tats) if (tat <= now) this.#tats.delete(key);
    if (this.#tats.size >= this.#maxKeys) {
      const oldest = this.#tats.keys().next();
      if (oldest.done !== true) this.#tats.delete(oldest.value);
    }
  }
}
