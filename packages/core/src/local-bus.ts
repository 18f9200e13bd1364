import type { Invalidation, InvalidationBus } from './ports.ts';

/** The single-node invalidation bus: delivers synchronously to this process's subscribers. */
export class LocalInvalidationBus implements InvalidationBus {
  readonly #handlers = new Set<(message: Invalidation) => void>();

  async publish(message: Invalidation): Promise<void> {
    this.deliver(message);
  }

  /** Delivers a message that arrived from elsewhere (another node) to local subscribers. */
  deliver(message: Invalidation): void {
    for (const handler of this.#handlers) handler(message);
  }

  subscribe(handler: (message: Invalidation) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }
}
