import { AsyncLocalStorage } from 'node:async_hooks';
import {
  oauthRefreshIdHash,
  type RefreshRotation,
  type RetryGrace,
  type RotatedToken,
} from '@gatehouse/core';

/** What one engine request did with refresh tokens so far. */
interface RequestState {
  /** A consumed refresh token this request may rotate again (a retry within the grace). */
  retryOf?: string;
  /** The refresh token this request is rotating: the next one minted is its successor. */
  rotating?: string;
}

/**
 * The refresh rotation rule (core refresh-rotation.ts, the one first-party tokens follow) fitted
 * to the OAuth engine. The engine mints each successor with a random id and revokes the grant
 * whenever a rotated refresh token comes back — a retry after a lost response included. Here a
 * successor's id is the rule's successor of its parent's id, and a parent presented again while
 * the rule calls it a retry is shown to the engine as unconsumed: it rotates it again, into the
 * same successor. Anything else is reuse, and the engine revokes the grant as before.
 */
export class RefreshRetry {
  readonly #als = new AsyncLocalStorage<RequestState>();
  readonly #rotation: RefreshRotation;

  constructor(rotation: RefreshRotation) {
    this.#rotation = rotation;
  }

  /** Runs one engine request (a Koa middleware wraps every request in it). */
  run<T>(fn: () => T): T {
    return this.#als.run({}, fn);
  }

  /** The id, and value, of the refresh token that follows `id` (43 characters, as the engine's own). */
  successorOf(id: string): string {
    return this.#rotation.successorOf(id);
  }

  /** Whether a consumed refresh token may be rotated again (the rule, on the store's records). */
  allows(token: RotatedToken, successor: RotatedToken | undefined, now: number): boolean {
    return this.#rotation.isRetry(token, successor, now);
  }

  /** What the store needs to tell a retry of `id` from reuse as it consumes it. */
  retryGrace(id: string): RetryGrace {
    return this.#rotation.retryGrace(id, oauthRefreshIdHash);
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
