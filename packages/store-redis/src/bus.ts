import {
  type Invalidation,
  type InvalidationBus,
  isRevocationType,
  type RevocationEntry,
  randomId,
} from '@gatehouse/core';
import type { Redis } from 'ioredis';

export interface RedisInvalidationBusOptions {
  /** Pub/sub channel shared by every node, e.g. `gatehouse:invalidations`. */
  channel: string;
  /** Called when a subscriber throws or the subscriber connection fails. Defaults to console.error. */
  onError?: (error: unknown) => void;
}

/**
 * Cache invalidations across nodes over Redis pub/sub. A publish is delivered to this node's
 * subscribers at once (so the node that made a change never serves stale data, even with Redis
 * down) and exactly once: the copy that comes back through Redis carries our origin id and is
 * skipped. Pub/sub is at-most-once, which is why caches that listen here also have short TTLs,
 * and why, when the subscriber connection comes back after a drop (messages published meanwhile
 * are lost), the bus resubscribes and then delivers `invalidations.missed` locally: caches are
 * dropped and the revocation index catches up from the store.
 */
export class RedisInvalidationBus implements InvalidationBus {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #origin = randomId(12);
  readonly #handlers = new Set<(message: Invalidation) => void>();
  readonly #onError: (error: unknown) => void;
  readonly #ready: Promise<void>;

  constructor(redis: Redis, options: RedisInvalidationBusOptions) {
    this.#publisher = redis;
    this.#channel = options.channel;
    this.#onError = options.onError ?? ((error) => console.error('gatehouse: invalidation bus error', error));
    // A connection in subscriber mode can do nothing else, hence a dedicated one. ioredis
    // re-subscribes by itself after a reconnect. Its only commands are (re)subscriptions, so its
    // offline queue stays tiny and may wait for a connection even when the publisher's is off;
    // no command timeout either: a subscription is not a request anyone waits on.
    this.#subscriber = redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
    this.#subscriber.on('error', this.#onError);
    this.#subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.#channel) this.#receive(text);
    });
    this.#ready = this.#subscriber.subscribe(this.#channel).then(() => undefined);
    // Callers that never await ready() must not see an unhandled rejection; errors reach onError.
    this.#ready.catch(this.#onError);
    let connected = false;
    this.#subscriber.on('ready', () => {
      if (!connected) {
        connected = true;
        return;
      }
      // ioredis resubscribes by itself; subscribing again (idempotent) tells us when it is active,
      // so nothing published after the signal is missed.
      queueMicrotask(() => {
        this.#subscriber
          .subscribe(this.#channel)
          .then(() => this.#deliver({ type: 'invalidations.missed' }))
          .catch(this.#onError);
      });
    });
  }

  /** Resolves once the subscription is active (messages published before that are not received). */
  ready(): Promise<void> {
    return this.#ready;
  }

  /**
   * Best effort beyond this node: a publish Redis cannot take (down, timed out) is reported to
   * `onError`, not thrown. The change it announces is already made and delivered here, revocations
   * reach the other nodes through their catch-up from the SQL log, and their caches through their
   * TTLs; failing the request that made the change (a logout, a role removal) would only hide
   * that it succeeded.
   */
  async publish(message: Invalidation): Promise<void> {
    this.#deliver(message);
    try {
      await this.#publisher.publish(this.#channel, JSON.stringify({ origin: this.#origin, message }));
    } catch (error) {
      this.#onError(error);
    }
  }

  subscribe(handler: (message: Invalidation) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    await this.#subscriber.quit();
  }

  #receive(text: string): void {
    let envelope: unknown;
    try {
      envelope = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof envelope !== 'object' || envelope === null) return;
    const { origin, message } = envelope as Record<string, unknown>;
    const invalidation = parseInvalidation(message);
    if (origin !== this.#origin && invalidation !== undefined) this.#deliver(invalidation);
  }

  #deliver(message: Invalidation): void {
    for (const handler of this.#handlers) {
      try {
        handler(message);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}

/** Accepts exactly the shapes of `Invalidation`, rebuilt so that no unexpected fields reach handlers. */
function parseInvalidation(value: unknown): Invalidation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, idHash, userId } = value as Record<string, unknown>;
  switch (type) {
    case 'session.revoked':
      return typeof idHash === 'string' ? { type, idHash } : undefined;
    case 'user.sessions_revoked':
    case 'user.changed':
      return typeof userId === 'string' ? { type, userId } : undefined;
    case 'roles.changed':
    case 'policies.changed':
      return { type };
    case 'revocations.added': {
      const entries = (value as { entries?: unknown }).entries;
      if (!Array.isArray(entries)) return undefined;
      const parsed = entries.map(parseRevocation);
      return parsed.every((e) => e !== undefined)
        ? { type, entries: parsed as RevocationEntry[] }
        : undefined;
    }
    default:
      return undefined;
  }
}

function parseRevocation(value: unknown): RevocationEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { seq, type, value: subject, at, expiresAt } = value as Record<string, unknown>;
  if (typeof seq !== 'number' || !isRevocationType(type)) return undefined;
  if (typeof subject !== 'string' || typeof at !== 'number' || typeof expiresAt !== 'number')
    return undefined;
  return { seq, type, value: subject, at, expiresAt };
}
