import type { Logger } from 'pino';
import type { StoreName } from './store-failure.ts';

export interface StoreHealthOptions {
  /** One real round trip per store (SELECT 1, PING); it must throw when the store does not answer. */
  probes: Partial<Record<StoreName, () => Promise<void>>>;
  logger: Logger;
  /** A probe that has not answered by then counts as a failure. */
  timeoutMs: number;
  /** While a store is down, it is probed this often, so recovery is seen (and logged) without traffic. */
  recheckMs: number;
}

export type StoreStates = Partial<Record<StoreName, 'up' | 'down'>>;

/**
 * What each store's health is, from real round trips with a timeout (not a client's status flag).
 * A transition is logged once — `store unavailable` (error) when a store stops answering, `store
 * recovered` (info) when it answers again — so an outage costs two log lines, not a stack per
 * request. Requests that meet a store failure call `suspect()`, which probes at once. While the
 * database is down its pool refuses at once (see `failFast` in gatehouse.ts), so a stalled server
 * costs only the first requests their deadline.
 */
export class StoreHealth {
  readonly #options: StoreHealthOptions;
  readonly #states = new Map<StoreName, { up: boolean; since: number }>();
  #inFlight: Promise<StoreStates> | undefined;
  #lastCheckEnded = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: StoreHealthOptions) {
    this.#options = options;
    for (const name of Object.keys(options.probes) as StoreName[])
      this.#states.set(name, { up: true, since: Date.now() });
  }

  /** Probes every store (one probe at a time, shared by concurrent callers) and records transitions. */
  check(): Promise<StoreStates> {
    this.#inFlight ??= this.#probeAll().finally(() => {
      this.#inFlight = undefined;
      this.#lastCheckEnded = Date.now();
    });
    return this.#inFlight;
  }

  /**
   * A request met a store failure: find out which store, in the background — at once, unless a
   * check ended less than `recheckMs` ago (requests failing fast must not turn into a probe each).
   */
  suspect(): void {
    if (this.#inFlight === undefined && Date.now() - this.#lastCheckEnded < this.#options.recheckMs) return;
    this.check().catch(() => {});
  }

  get healthy(): boolean {
    return [...this.#states.values()].every((s) => s.up);
  }

  /** True while `name` failed its last probe (requests that need it then fail at once). */
  isDown(name: StoreName): boolean {
    return this.#states.get(name)?.up === false;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #probeAll(): Promise<StoreStates> {
    const entries = Object.entries(this.#options.probes) as [StoreName, () => Promise<void>][];
    const results = await Promise.all(
      entries.map(async ([name, probe]) => {
        const error = await withTimeout(probe(), this.#options.timeoutMs, name).then(
          () => undefined,
          (e: unknown) => e ?? new Error('probe failed'),
        );
        this.#record(name, error);
        return [name, error === undefined ? 'up' : 'down'] as const;
      }),
    );
    this.#schedule();
    return Object.fromEntries(results);
  }

  #record(name: StoreName, error: unknown): void {
    const state = this.#states.get(name)!;
    const up = error === undefined;
    if (state.up === up) return;
    const now = Date.now();
    if (up) this.#options.logger.info({ store: name, downMs: now - state.since }, 'store recovered');
    // The message and code only: a stack says nothing about an unreachable server.
    else this.#options.logger.error({ store: name, error: describe(error) }, 'store unavailable');
    this.#states.set(name, { up, since: now });
  }

  #schedule(): void {
    if (this.#stopped || this.healthy || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.suspect();
    }, this.#options.recheckMs);
    this.#timer.unref();
  }
}

function describe(error: unknown): { message: string; code?: string } {
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  return {
    message: typeof message === 'string' ? message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

/** Rejects with `store timed out` when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`store timed out: ${what} did not answer in ${ms} ms`)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
