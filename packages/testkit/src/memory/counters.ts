import type { CounterStore } from '@gatehouse/core';

/** Fixed-window counters; each increment runs synchronously, so it is atomic within the process. */
export class MemoryCounterStore implements CounterStore {
  readonly #counters = new Map<string, { count: number; resetAt: number }>();

  async increment(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }> {
    const current = this.#counters.get(key);
    const next =
      current && current.resetAt > now
        ? { count: current.count + 1, resetAt: current.resetAt }
        : { count: 1, resetAt: now + windowMs };
    this.#counters.set(key, next);
    return { ...next };
  }

  async reset(key: string): Promise<void> {
    this.#counters.delete(key);
  }
}
