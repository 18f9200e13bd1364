import { AsyncLocalStorage } from 'node:async_hooks';
import { hmacSha256, type OAuthArtifact } from '@gatehouse/core';

/** What one engine request did with refresh tokens so far. */
interface RequestState {
  /** A consumed refresh token this request may rotate again (a retry within the grace). */
  retryOf?: string;
  /** The refresh token this request is rotating: the next one minted is its successor. */
  rotating?: string;
}

/**
 * The refresh retry grace for the OAuth engine, as for first-party tokens (token-service.ts). The
 * engine mints each successor with a random id and revokes the grant whenever a rotated refresh
 * token comes back — a retry after a lost response included. Here a successor's id is
 * HMAC(key, its parent's id), and a parent presented again within the grace, while its successor
 * is absent or unused, is shown to the engine as unconsumed: it rotates it again, into the same
 * successor. Anything else is reuse, and the engine revokes the grant as before.
 */
export class RefreshRetry {
  readonly #als = new AsyncLocalStorage<RequestState>();
  readonly #key: Buffer;
  readonly #graceMs: number;

  constructor(key: Buffer, graceMs: number) {
    this.#key = key;
    this.#graceMs = graceMs;
  }

  /** Runs one engine request (a Koa middleware wraps every request in it). */
  run<T>(fn: () => T): T {
    return this.#als.run({}, fn);
  }

  /** The id, and value, of the refresh token that follows `id` (43 characters, as the engine's own). */
  successorOf(id: string): string {
    return hmacSha256(this.#key, id).toString('base64url');
  }

  /** Whether a consumed refresh token may be rotated again: within the grace, its successor unused. */
  allows(token: OAuthArtifact, successor: OAuthArtifact | undefined, now: number): boolean {
    return (
      token.consumedAt !== null &&
      now - token.consumedAt < this.#graceMs &&
      (successor === undefined || successor.consumedAt === null)
    );
  }

  markRetry(id: string): void {
    const state = this.#als.getStore();
    if (state !== undefined) state.retryOf = id;
  }

  isRetry(id: string): boolean {
    return this.#als.getStore()?.retryOf === id;
  }

  markRotating(id: string): void {
    const state = this.#als.getStore();
    if (state !== undefined) state.rotating = id;
  }

  /** The id for the refresh token being minted in this request: its parent's successor, if rotating. */
  nextId(): string | undefined {
    const parent = this.#als.getStore()?.rotating;
    return parent === undefined ? undefined : this.successorOf(parent);
  }
}
