import { PermissionSet } from '@gatehouse/core/permissions';
import { AnswerCache } from './answer-cache.ts';
import { GuardError } from './errors.ts';
import type { GatehouseClient } from './gatehouse-client.ts';

export interface IntrospectedSession {
  readonly subject: string;
  readonly kind: 'user' | 'service';
  readonly email: string | undefined;
  readonly sessionId: string;
  readonly authTime: number;
  readonly expiresAt: number;
  readonly permissions: PermissionSet;
}

/** The session-only subset of `GuardOptions` (kept for code written against the first guard). */
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
 * Checks session cookies against Gatehouse's `POST /session/introspect`, with a short cache and
 * one in-flight request per token. Unreachable Gatehouse fails closed (503).
 */
export class SessionIntrospector {
  readonly #client: GatehouseClient;
  readonly #cache: AnswerCache<Answer>;

  constructor(options: { client: GatehouseClient; ttlMs: number; maxEntries: number; now: () => number }) {
    this.#client = options.client;
    this.#cache = new AnswerCache(options);
  }

  introspect(token: string): Promise<Answer> {
    return this.#cache.get(token, async () => {
      const answer = parseAnswer(await this.#client.postJson('/session/introspect', { token }));
      return { value: answer, notAfter: answer === null ? Number.POSITIVE_INFINITY : answer.expiresAt };
    });
  }

  /** Forgets every cached answer (e.g. after a revocation message). */
  clear(): void {
    this.#cache.clear();
  }

  /** Forgets cached sessions that match (a revoked session id, a subject whose access changed). */
  forget(predicate: (session: IntrospectedSession) => boolean): void {
    this.#cache.forget((answer) => answer !== null && predicate(answer));
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
