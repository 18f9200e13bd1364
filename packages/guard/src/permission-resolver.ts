import { PermissionSet } from '@gatehouse/core/permissions';
import { AnswerCache } from './answer-cache.ts';
import { GuardError } from './errors.ts';
import type { GatehouseClient } from './gatehouse-client.ts';

/**
 * Current permissions of Bearer principals (access tokens carry none), from Gatehouse's
 * `POST /permissions/introspect` `{"sub"}` → `{ active: true, sub, permissions }` or
 * `{ active: false }`. Cached per subject for `cacheTtlMs`; `perm` feed entries drop them at once.
 */
export class PermissionResolver {
  readonly #client: GatehouseClient;
  readonly #cache: AnswerCache<PermissionSet | null>;

  constructor(options: { client: GatehouseClient; ttlMs: number; maxEntries: number; now: () => number }) {
    this.#client = options.client;
    this.#cache = new AnswerCache(options);
  }

  /** The subject's permissions, or `null` when Gatehouse says the subject is not active. */
  permissionsOf(subject: string): Promise<PermissionSet | null> {
    return this.#cache.get(subject, async () => ({
      value: parseAnswer(await this.#client.postJson('/permissions/introspect', { sub: subject }), subject),
      notAfter: Number.POSITIVE_INFINITY,
    }));
  }

  /** Forgets one subject's permissions, or everyone's with `*`. */
  forget(subject: string): void {
    if (subject === '*') this.#cache.clear();
    else this.#cache.forget((_value, key) => key === subject);
  }

  clear(): void {
    this.#cache.clear();
  }
}

function parseAnswer(body: unknown, subject: string): PermissionSet | null {
  if (typeof body !== 'object' || body === null)
    throw new GuardError('unavailable', { reason: 'permissions_malformed' });
  const b = body as Record<string, unknown>;
  if (b.active !== true) return null;
  if (b.sub !== subject || !Array.isArray(b.permissions))
    throw new GuardError('unavailable', { reason: 'permissions_malformed' });
  return new PermissionSet(b.permissions.filter((p): p is string => typeof p === 'string'));
}
