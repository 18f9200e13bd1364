import { parseApiKey } from '@gatehouse/core/api-key-format';
import { CidrList } from '@gatehouse/core/cidr';
import { PermissionSet } from '@gatehouse/core/permissions';
import { InProcessRateLimiter, type RateLimit } from '@gatehouse/core/rate-limit';
import { type ApiKeyAuthContext, apiKeyContext } from './auth-context.ts';
import { GuardError } from './errors.ts';
import type { GatehouseClient } from './gatehouse-client.ts';

interface CachedKey {
  readonly auth: ApiKeyAuthContext;
  readonly keyId: string;
  /** The key's bucket name, made once (this runs on every request). */
  readonly bucket: string;
  readonly rateLimit: RateLimit;
  readonly cidrs: CidrList | undefined;
  /** ms since the epoch: the earlier of the cache bound and the key's expiry. */
  readonly notAfter: number;
}

export interface ApiKeyVerifierOptions {
  readonly client: GatehouseClient;
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly failuresPerMinute: number;
  readonly now: () => number;
  readonly realm: string;
}

/**
 * API keys at the resource server. A key is parsed and its checksum checked locally (typos never
 * leave the process), then answered from a bounded cache of positive results, else by Gatehouse's
 * `POST /api-keys/introspect`. The revocation feed's `key`, `sub` and `perm` entries drop cached
 * answers at once; `ttlMs` bounds staleness otherwise. Rate limits and network allowlists are
 * enforced here per process; repeated failures from one address are refused with 429.
 */
export class ApiKeyVerifier {
  readonly #o: ApiKeyVerifierOptions;
  readonly #cache = new Map<string, CachedKey>();
  readonly #limiter: InProcessRateLimiter;
  /** Bumped by every eviction: an introspection that started before one must not be cached. */
  #evictions = 0;

  constructor(options: ApiKeyVerifierOptions) {
    this.#o = options;
    this.#limiter = new InProcessRateLimiter({ now: options.now, maxKeys: options.maxEntries * 2 + 10_000 });
  }

  get size(): number {
    return this.#cache.size;
  }

  /** `useCache: false` when the revocation feed is stale: ask Gatehouse every time instead. */
  verify(raw: string, ip: string | undefined, useCache: boolean): Promise<ApiKeyAuthContext> {
    const now = this.#o.now();
    const cached = useCache ? this.#cache.get(raw) : undefined;
    if (cached !== undefined) {
      if (cached.notAfter > now) return this.#admit(cached, ip);
      this.#cache.delete(raw);
    }
    return this.#introspect(raw, ip);
  }

  forgetKey(keyId: string): void {
    this.#evictions += 1;
    for (const [raw, entry] of this.#cache) if (entry.keyId === keyId) this.#cache.delete(raw);
  }

  forgetSubject(subject: string): void {
    this.#evictions += 1;
    if (subject === '*') this.#cache.clear();
    else
      for (const [raw, entry] of this.#cache)
        if (entry.auth.principal.subject === subject) this.#cache.delete(raw);
  }

  clear(): void {
    this.#evictions += 1;
    this.#cache.clear();
  }

  #admit(entry: CachedKey, ip: string | undefined): Promise<ApiKeyAuthContext> {
    if (entry.cidrs !== undefined && (ip === undefined || !entry.cidrs.contains(ip))) {
      return this.#fail(ip, 'network');
    }
    const result = this.#limiter.takeSync(entry.bucket, entry.rateLimit);
    if (!result.allowed) {
      return Promise.reject(
        new GuardError('too_many_requests', {
          reason: 'key_rate_limited',
          retryAfterSeconds: result.retryAfterSeconds,
          headers: {
            'ratelimit-policy': `"api-key";q=${result.limit};w=${result.windowSeconds}`,
            ratelimit: `"api-key";r=0;t=${result.resetSeconds}`,
          },
        }),
      );
    }
    return Promise.resolve(entry.auth);
  }

  async #introspect(raw: string, ip: string | undefined): Promise<ApiKeyAuthContext> {
    const blocked = this.#blocked(ip);
    if (blocked !== undefined) throw blocked;
    if (parseApiKey(raw) === undefined) return this.#fail(ip, 'malformed');
    const generation = this.#evictions;
    const answer = await this.#o.client.postJson('/api-keys/introspect', { key: raw, ip: ip ?? 'unknown' });
    const entry = this.#parse(answer);
    if (entry === null) return this.#fail(ip, 'inactive');
    if (this.#cache.size >= this.#o.maxEntries) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
    if (this.#o.ttlMs > 0 && generation === this.#evictions) this.#cache.set(raw, entry);
    return this.#admit(entry, ip);
  }

  #parse(body: unknown): CachedKey | null {
    if (typeof body !== 'object' || body === null) throw malformed();
    const b = body as Record<string, unknown>;
    if (b.active !== true) return null;
    const rate = b.rate_limit as { limit?: unknown; window_seconds?: unknown } | undefined;
    if (
      typeof b.key_id !== 'string' ||
      typeof b.sub !== 'string' ||
      (b.kind !== 'user' && b.kind !== 'service') ||
      !isStringArray(b.scopes) ||
      !isStringArray(b.permissions) ||
      (b.exp !== null && typeof b.exp !== 'number') ||
      typeof rate?.limit !== 'number' ||
      typeof rate.window_seconds !== 'number' ||
      (b.allowed_cidrs !== null && !isStringArray(b.allowed_cidrs))
    ) {
      throw malformed();
    }
    const now = this.#o.now();
    const expiresAt = b.exp === null ? Number.POSITIVE_INFINITY : (b.exp as number) * 1000;
    return {
      auth: apiKeyContext({
        subject: b.sub,
        kind: b.kind,
        keyId: b.key_id,
        scopes: new PermissionSet(b.scopes),
        permissions: new PermissionSet(b.permissions),
      }),
      keyId: b.key_id,
      bucket: `key:${b.key_id}`,
      rateLimit: { limit: rate.limit, windowSeconds: rate.window_seconds },
      cidrs: b.allowed_cidrs === null ? undefined : new CidrList(b.allowed_cidrs as string[]),
      notAfter: Math.min(now + this.#o.ttlMs, expiresAt),
    };
  }

  /**
   * Without a client address (the Hono and fetch adapters) failures are not counted: one shared
   * bucket would let anyone lock everyone out. Keys are 256-bit; the limit only slows noise.
   */
  #blocked(ip: string | undefined): GuardError | undefined {
    if (ip === undefined) return undefined;
    const key = `failures:${ip}`;
    const probe = this.#limiter.peek(key, { limit: this.#o.failuresPerMinute, windowSeconds: 60 });
    if (probe.allowed) return undefined;
    return new GuardError('too_many_requests', {
      reason: 'key_guessing',
      retryAfterSeconds: probe.retryAfterSeconds,
    });
  }

  /** Every failure is one refusal; each also counts against the address. */
  #fail(ip: string | undefined, reason: string): Promise<never> {
    if (ip !== undefined)
      this.#limiter.takeSync(`failures:${ip}`, {
        limit: this.#o.failuresPerMinute,
        windowSeconds: 60,
      });
    return Promise.reject(
      new GuardError('invalid_api_key', {
        reason,
        challenge: { scheme: 'Bearer', realm: this.#o.realm },
      }),
    );
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function malformed(): GuardError {
  return new GuardError('unavailable', { reason: 'api_key_answer_malformed' });
}
