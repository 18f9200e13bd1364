import type { Clock } from './clock.ts';
import type { LifecycleEvents } from './lifecycle-events.ts';
import type { InvalidationBus } from './ports.ts';
import {
  type NewRevocation,
  type RevocableToken,
  type RevocationEntry,
  RevocationSet,
  type RevocationStore,
} from './revocations.ts';
import { SequenceTracker } from './sequence-tracker.ts';

export interface RevocationIndexOptions {
  store: RevocationStore;
  bus: InvalidationBus;
  clock: Clock;
  /**
   * How often the node reads the store for entries pub/sub did not bring: the staleness bound when
   * pub/sub is silent or lost messages without anyone noticing. 0: only on demand (`catchUp()`).
   */
  catchUpIntervalMs?: number;
  /** How long a gap in sequence numbers may persist before the watermark passes it (see `SequenceTracker`). */
  gapSettleMs?: number;
  /** Delay before the catch-up a gap triggers: concurrent commits usually arrive meanwhile. */
  gapDelayMs?: number;
  /** A catch-up failed (the timer retries). */
  onError?: (error: unknown) => void;
  /** A catch-up applied entries pub/sub had not delivered: say so (a log line). */
  onRecovered?: (info: { applied: number; reason: CatchUpReason }) => void;
  /**
   * Where `SigningKeyRevoked` is published when a `kid` entry is first applied on this node (from
   * whichever node wrote it): the key ring reloads, the OAuth engine re-reads its keys. Not awaited
   * (entries arrive on a pub/sub callback): a subscriber's failure goes to the hub's error handler.
   */
  events?: LifecycleEvents;
}

export type CatchUpReason = 'gap' | 'resubscribed' | 'periodic' | 'requested';

export const DEFAULT_REVOCATION_CATCH_UP_MS = 1000;
const DEFAULT_GAP_SETTLE_MS = 5000;
const DEFAULT_GAP_DELAY_MS = 50;
const PAGE = 1000;

/**
 * The server side of the hybrid model: revocations are appended to the store (the source of truth
 * the feed reads), applied to this node's in-memory set, and published so every other node — and
 * every live feed stream — has them within milliseconds.
 *
 * Pub/sub is only the fast path: it is at-most-once, so each node tracks the sequence numbers it
 * applied and catches up from the store on a gap, when the bus says it may have missed messages
 * (it resubscribed), and every `catchUpIntervalMs` whatever happens. Nothing the store holds can
 * stay unapplied longer than one interval (plus the read) while the store answers.
 */
export class RevocationIndex {
  readonly #o: RevocationIndexOptions;
  readonly #set = new RevocationSet();
  readonly #seqs: SequenceTracker;
  readonly #listeners = new Set<(entries: readonly RevocationEntry[]) => void>();
  #lastSyncAt: number | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #gapTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: RevocationIndexOptions) {
    this.#o = options;
    this.#seqs = new SequenceTracker({ settleMs: options.gapSettleMs ?? DEFAULT_GAP_SETTLE_MS });
    options.bus.subscribe((message) => {
      if (message.type === 'revocations.added') this.#receive(message.entries);
      else if (message.type === 'invalidations.missed') this.#trigger('resubscribed');
    });
  }

  /** Every entry at or below it has been applied here (or given up on as a settled gap). */
  get watermark(): number {
    return this.#seqs.watermark;
  }

  /** How long ago (ms) the last successful read of the store started; `Infinity` before `load()`. */
  staleness(now: number = this.#o.clock.now()): number {
    return this.#lastSyncAt === undefined ? Number.POSITIVE_INFINITY : now - this.#lastSyncAt;
  }

  /** Loads every unexpired entry (at start). The bus is subscribed first, so nothing falls between. */
  async load(): Promise<void> {
    const startedAt = this.#o.clock.now();
    await this.#read();
    // Gaps in a bulk load are expired or rolled-back entries; one still in flight reaches us by pub/sub.
    this.#seqs.advance(startedAt, 0);
    this.#lastSyncAt = startedAt;
  }

  /** Starts the periodic catch-up. */
  start(): void {
    const interval = this.#o.catchUpIntervalMs ?? DEFAULT_REVOCATION_CATCH_UP_MS;
    if (this.#timer !== undefined || interval <= 0) return;
    this.#timer = setInterval(() => this.#trigger('periodic'), interval);
    this.#timer.unref?.();
  }

  stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#gapTimer);
    this.#timer = undefined;
    this.#gapTimer = undefined;
  }

  /**
   * Reads the store from the watermark and applies what is new. One read at a time; a call during a
   * read runs another one after it (so what was committed before the call is seen).
   */
  catchUp(reason: CatchUpReason = 'requested'): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          const startedAt = this.#o.clock.now();
          const applied = await this.#read();
          this.#seqs.advance(this.#o.clock.now()); // gaps may have settled while nothing arrived
          this.#lastSyncAt = startedAt;
          if (applied > 0) this.#o.onRecovered?.({ applied, reason });
        } while (this.#again);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  async add(entries: readonly NewRevocation[]): Promise<RevocationEntry[]> {
    const appended = await this.#store.append(entries);
    // The bus delivers to this node too (exactly once), which applies the entries here.
    await this.#o.bus.publish({ type: 'revocations.added', entries: appended });
    return appended;
  }

  /**
   * Mass sign-out of `subject` (a user id, or `*`: everyone): one `nbf` entry refuses every access
   * token issued before the cut-off, on every node and guard, without listing sessions or tokens.
   * Written before anything is ended, so no session can fall between a list and a delete. The
   * cut-off is the next whole second (`iat` has no finer grain: a token is then wholly before or
   * after it), and this resolves once it has passed, so what the caller ends next (sessions, refresh
   * families) existed before it. `lifetimeMs`: how long the entry must outlive the cut-off (the
   * longest access-token lifetime plus skew). Returns the cut-off (ms).
   */
  async cutOff(subject: string, lifetimeMs: number): Promise<number> {
    const cutoff = Math.ceil(this.#o.clock.now() / 1000) * 1000;
    await this.add([{ type: 'nbf', value: subject, at: cutoff, expiresAt: cutoff + lifetimeMs }]);
    const wait = cutoff - this.#o.clock.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return cutoff;
  }

  isRevoked(token: RevocableToken): boolean {
    return this.#set.isRevoked(token);
  }

  /** The latest sign-out cut-off (ms) for a subject, its own or everyone's. */
  cutOffAt(subject: string): number | undefined {
    return this.#set.cutOffAt(subject);
  }

  /** True when the signing key `kid` was revoked (`gatehouse keys revoke`). */
  isKeyRevoked(kid: string | undefined): boolean {
    return this.#set.isKeyRevoked(kid);
  }

  /** Entries after `seq` for the feed's catch-up, read from the store. */
  after(seq: number, limit: number): Promise<RevocationEntry[]> {
    return this.#store.after(seq, this.#o.clock.now(), limit);
  }

  /**
   * Entries as this node applies them, for the feed's stream: from pub/sub, and from catch-ups
   * (those may be below entries already passed on). Returns an unsubscribe function.
   */
  subscribe(listener: (entries: readonly RevocationEntry[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async prune(): Promise<void> {
    const now = this.#o.clock.now();
    this.#set.prune(now);
    await this.#store.deleteExpired(now);
  }

  get #store(): RevocationStore {
    return this.#o.store;
  }

  /** Reads every entry above the watermark; returns how many were new here. */
  async #read(): Promise<number> {
    let cursor = this.#seqs.watermark;
    let applied = 0;
    for (;;) {
      const page = await this.#store.after(cursor, this.#o.clock.now(), PAGE);
      applied += this.#apply(page);
      if (page.length < PAGE) return applied;
      cursor = page[page.length - 1]!.seq;
    }
  }

  #receive(entries: readonly RevocationEntry[]): void {
    this.#apply(entries);
    if (this.#seqs.hasGaps && this.#gapTimer === undefined) {
      this.#gapTimer = setTimeout(() => {
        this.#gapTimer = undefined;
        this.#trigger('gap');
      }, this.#o.gapDelayMs ?? DEFAULT_GAP_DELAY_MS);
      this.#gapTimer.unref?.();
    }
  }

  /** Applies entries; passes on (and counts) those not applied before. */
  #apply(entries: readonly RevocationEntry[]): number {
    const now = this.#o.clock.now();
    const fresh: RevocationEntry[] = [];
    for (const entry of entries) {
      if (entry.seq <= 0) continue;
      // Applying twice is harmless; a late entry below the watermark is still applied here.
      this.#set.apply(entry);
      if (this.#seqs.add(entry.seq, now)) fresh.push(entry);
    }
    // Before listeners hear of them: a stream's resume point may then cover them.
    this.#seqs.advance(now);
    if (fresh.length > 0) for (const listener of this.#listeners) listener(fresh);
    const kids = fresh.filter((entry) => entry.type === 'kid').map((entry) => entry.value);
    if (kids.length > 0) this.#o.events?.notify({ type: 'SigningKeyRevoked', kids });
    return fresh.length;
  }

  #trigger(reason: CatchUpReason): void {
    this.catchUp(reason).catch((error) => this.#o.onError?.(error));
  }
}
