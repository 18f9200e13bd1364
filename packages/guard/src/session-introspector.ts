import { PermissionSet } from '@gatehouse/core/permissions';
import { GuardError } from './errors.ts';

export interface IntrospectedSession {
  readonly subject: string;
  readonly kind: 'user' | 'service';
  readonly email: string | undefined;
  readonly sessionId: string;
  readonly authTime: number;
  readonly expiresAt: number;
  readonly permissions: PermissionSet;
}

export interface IntrospectorOptions {
  /** Gatehouse's base URL, e.g. https://auth.example.com. */
  gatehouseUrl: string;
  /** The resource-server secret configured on Gatehouse as GATEHOUSE_INTROSPECTION_SECRET. */
  introspectionSecret: string;
  /** How long an answer is reused: the bound on how stale a revocation can look here. Default 1000 ms. */
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
  /** Give up on Gatehouse after this long and refuse the request (503). Default 2000 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

type Answer = IntrospectedSession | null;

/**
 * Checks session cookies against Gatehouse's session-introspection endpoint, with a short cache
 * and one in-flight request per token. Unreachable Gatehouse fails closed.
 */
export class SessionIntrospector {
  readonly #endpoint: string;
  readonly #authorization: string;
  readonly #ttl: number;
  readonly #max: number;
  readonly #timeout: number;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #cache = new Map<string, { answer: Answer; until: number }>();
  readonly #inflight = new Map<string, Promise<Answer>>();

  constructor(options: IntrospectorOptions) {
    this.#endpoint = new URL('/session/introspect', options.gatehouseUrl).toString();
    this.#authorization = `Bearer ${options.introspectionSecret}`;
    this.#ttl = options.cacheTtlMs ?? 1000;
    this.#max = options.cacheMaxEntries ?? 10_000;
    this.#timeout = options.timeoutMs ?? 2000;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
  }

  async introspect(token: string): Promise<Answer> {
    const now = this.#now();
    const hit = this.#cache.get(token);
    if (hit !== undefined && hit.until > now) return hit.answer;
    const pending = this.#inflight.get(token);
    if (pending !== undefined) return pending;
    const request = this.#ask(token).finally(() => this.#inflight.delete(token));
    this.#inflight.set(token, request);
    const answer = await request;
    this.#remember(token, answer, now);
    return answer;
  }

  /** Forgets every cached answer (e.g. after a revocation message). */
  clear(): void {
    this.#cache.clear();
  }

  #remember(token: string, answer: Answer, now: number): void {
    if (this.#ttl <= 0) return;
    if (this.#cache.size >= this.#max) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
    const until = Math.min(now + this.#ttl, answer === null ? Number.POSITIVE_INFINITY : answer.expiresAt);
    this.#cache.set(token, { answer, until });
  }

  async #ask(token: string): Promise<Answer> {
    let response: Response;
    try {
      response = await this.#fetch(this.#endpoint, {
        method: 'POST',
        headers: {
          authorization: this.#authorization,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({ token }),
        signal: AbortSignal.timeout(this.#timeout),
      });
    } catch (error) {
      throw new GuardError('unavailable', { cause: error });
    }
    if (!response.ok)
      throw new GuardError('unavailable', { cause: new Error(`introspection answered ${response.status}`) });
    return parseAnswer(await response.json());
  }
}

function parseAnswer(body: unknown): Answer {
  if (typeof body !== 'object' || body === null) throw new GuardError('unavailable');
  const b = body as Record<string, unknown>;
  if (b.active !== true) return null;
  if (
    typeof b.sub !== 'string' ||
    typeof b.sid !== 'string' ||
    typeof b.exp !== 'number' ||
    !Array.isArray(b.permissions)
  ) {
    throw new GuardError('unavailable', { cause: new Error('malformed introspection answer') });
  }
  return {
    subject: b.sub,
    kind: b.kind === 'service' ? 'service' : 'user',
    email: typeof b.email === 'string' ? b.email : undefined,
    sessionId: b.sid,
    authTime: typeof b.auth_time === 'number' ? b.auth_time * 1000 : 0,
    expiresAt: b.exp * 1000,
    permissions: new PermissionSet(b.permissions.filter((p): p is string => typeof p === 'string')),
  };
}
