import type { Clock } from './clock.ts';
import type { InvalidationBus } from './ports.ts';
import {
  type NewRevocation,
  type RevocationEntry,
  RevocationSet,
  type RevocationStore,
} from './revocations.ts';

/**
 * The server side of the hybrid model: revocations are appended to the store (the source of truth
 * the feed reads), applied to this node's in-memory set, and published so every other node — and
 * every live feed stream — has them within milliseconds.
 */
export class RevocationIndex {
  readonly #store: RevocationStore;
  readonly #bus: InvalidationBus;
  readonly #clock: Clock;
  readonly #set = new RevocationSet();
  readonly #listeners = new Set<(entries: readonly RevocationEntry[]) => void>();

  constructor(options: { store: RevocationStore; bus: InvalidationBus; clock: Clock }) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#clock = options.clock;
    options.bus.subscribe((message) => {
      if (message.type === 'revocations.added') this.#receive(message.entries);
    });
  }

  /** Loads every unexpired entry (at start). */
  async load(): Promise<void> {
    let cursor = 0;
    for (;;) {
      const page = await this.#store.after(cursor, this.#clock.now(), 1000);
      for (const entry of page) this.#set.apply(entry);
      if (page.length < 1000) return;
      cursor = page[page.length - 1]!.seq;
    }
  }

  async add(entries: readonly NewRevocation[]): Promise<RevocationEntry[]> {
    const appended = await this.#store.append(entries);
    // The bus delivers to this node too (exactly once), which applies the entries here.
    await this.#bus.publish({ type: 'revocations.added', entries: appended });
    return appended;
  }

  isRevoked(claims: {
    sid?: string | undefined;
    jti?: string | undefined;
    sub?: string | undefined;
    iat?: number | undefined;
  }): boolean {
    return this.#set.isRevoked(claims);
  }

  /** Entries after `seq` for the feed's catch-up, read from the store. */
  after(seq: number, limit: number): Promise<RevocationEntry[]> {
    return this.#store.after(seq, this.#clock.now(), limit);
  }

  /** Live entries, for the feed's stream. Returns an unsubscribe function. */
  subscribe(listener: (entries: readonly RevocationEntry[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async prune(): Promise<void> {
    const now = this.#clock.now();
    this.#set.prune(now);
    await this.#store.deleteExpired(now);
  }

  #receive(entries: readonly RevocationEntry[]): void {
    const fresh = entries.filter((e) => e.seq > 0);
    for (const entry of fresh) this.#set.apply(entry);
    for (const listener of this.#listeners) listener(fresh);
  }
}
