import type { RequestMeta } from './audit-trail.ts';
import type { SessionRecord } from './session.ts';

/**
 * What happened to an identity or a credential, told by the domain object that did it, for what
 * hangs off it elsewhere (refresh families, OAuth grants and engine sessions, API keys, the key
 * ring). The list is closed: a new reaction subscribes to one of these, a new fact adds one here.
 */
export type LifecycleEvent =
  /** Sessions ended one by one (logout, revocation, rotation, refresh-token reuse); the store forgot them. Publisher: SessionManager. */
  | { readonly type: 'SessionsEnded'; readonly sessions: readonly SessionRecord[] }
  /** Every session of the user was deleted after a sign-out cut-off (`endAll`, `endEveryone`). Publisher: SessionManager. */
  | { readonly type: 'UserSignedOut'; readonly userId: string }
  /** The user was disabled; their sessions have ended. Publisher: Accounts. */
  | { readonly type: 'UserDisabled'; readonly userId: string }
  /** The user is about to be deleted (disabled, sessions ended, row still there). Publisher: Accounts. */
  | { readonly type: 'UserDeleted'; readonly userId: string; readonly meta: RequestMeta | undefined }
  /** The user's password was set or changed; their sessions have ended. Publisher: Accounts. */
  | { readonly type: 'PasswordChanged'; readonly userId: string }
  /** The permissions of a subject (`*`: everyone) may have changed. Publisher: Accounts. */
  | { readonly type: 'AccessChanged'; readonly subject: string }
  /** A `kid` revocation reached this node (from any node). Publisher: RevocationIndex. */
  | { readonly type: 'SigningKeyRevoked'; readonly kids: readonly string[] };

export type LifecycleEventType = LifecycleEvent['type'];
export type LifecycleEventOf<T extends LifecycleEventType> = Extract<LifecycleEvent, { type: T }>;
/** May return a promise: the hub waits for it before the next subscriber. */
export type LifecycleSubscriber<T extends LifecycleEventType> = (event: LifecycleEventOf<T>) => unknown;

type AnySubscriber = (event: LifecycleEvent) => unknown;

export interface LifecycleEventsOptions {
  /** A subscriber failed on an event nobody awaits (`notify`): say so (a log line). */
  onUnawaitedError?: (error: unknown, event: LifecycleEvent) => void;
}

/**
 * The in-process hub for lifecycle events: typed, sequential, no queue. `publish` runs
 * the event's subscribers one after another in subscription order and resolves when the last has;
 * the first that fails stops the rest and rejects `publish` with its error — so a publisher that
 * awaits it keeps its own order (revocations before the user row goes) and fails as a direct call
 * would. `notify` is for publishers that cannot wait (a pub/sub callback): failures go to
 * `onUnawaitedError`.
 */
export class LifecycleEvents {
  /** Each list holds subscribers of its key's type only (`on` is the one way in). */
  readonly #subscribers = new Map<LifecycleEventType, AnySubscriber[]>();
  readonly #o: LifecycleEventsOptions;

  constructor(options: LifecycleEventsOptions = {}) {
    this.#o = options;
  }

  /** Adds a subscriber after those already there; returns its unsubscribe function. */
  on<T extends LifecycleEventType>(type: T, subscriber: LifecycleSubscriber<T>): () => void {
    const list = this.#subscribers.get(type) ?? [];
    const entry = subscriber as unknown as AnySubscriber;
    list.push(entry);
    this.#subscribers.set(type, list);
    return () => {
      const at = list.indexOf(entry);
      if (at >= 0) list.splice(at, 1);
    };
  }

  async publish(event: LifecycleEvent): Promise<void> {
    // A copy: a subscriber that unsubscribes meanwhile does not shift the others.
    for (const subscriber of [...(this.#subscribers.get(event.type) ?? [])]) await subscriber(event);
  }

  notify(event: LifecycleEvent): void {
    this.publish(event).catch((error: unknown) => this.#o.onUnawaitedError?.(error, event));
  }
}
