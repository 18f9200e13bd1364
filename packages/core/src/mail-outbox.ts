/**
 * The outbox behind `MailQueue`: messages wait here, sealed, until a delivery worker sends them.
 * Several nodes may run workers; `claim` hands each message to one of them at a time (a lease), so
 * a message is sent once unless a worker dies mid-send and its lease runs out (at-least-once,
 * with the same Message-ID on every attempt).
 */

/** `pending` until sent; `sent` or `dead` (given up) after, with the sealed body deleted. */
export type MailOutboxStatus = 'pending' | 'sent' | 'dead';

export interface MailOutboxMessage {
  /** Random id; also the local part of the Message-ID. */
  readonly id: string;
  /** The rendered message (recipient, subject, parts), encrypted by the server; null once finished. */
  readonly sealed: string | null;
  /** Template name, kept as metadata: never the values, never the recipient in the clear. */
  readonly template: string;
  readonly status: MailOutboxStatus;
  /** Delivery attempts started (a claim counts one, so a message that crashes its worker still dies). */
  readonly attempts: number;
  readonly createdAt: number;
  readonly nextAttemptAt: number;
  /** Until when the worker that claimed it owns it; null when unclaimed. */
  readonly leaseUntil: number | null;
  readonly finishedAt: number | null;
  /** The last failure, as the worker described it (no body, no recipient). */
  readonly lastError: string | null;
}

export interface NewMailOutboxMessage {
  readonly id: string;
  readonly sealed: string;
  readonly template: string;
  readonly createdAt: number;
}

export interface MailOutboxClaim {
  readonly limit: number;
  readonly now: number;
  readonly leaseMs: number;
  /** The claiming worker's random id: only it can then mark the message. */
  readonly owner: string;
}

export interface MailOutboxStore {
  enqueue(message: NewMailOutboxMessage): Promise<void>;
  /**
   * Atomically leases up to `limit` pending messages that are due (`nextAttemptAt <= now`) and not
   * leased (or whose lease has run out), oldest due first, adding one to their attempts. Two
   * concurrent claims never return the same message.
   */
  claim(claim: MailOutboxClaim): Promise<MailOutboxMessage[]>;
  /** Sent: deletes the sealed body, keeps the metadata. False when `owner` no longer holds the lease. */
  markSent(id: string, owner: string, now: number): Promise<boolean>;
  /**
   * Failed: releases the lease and schedules the next attempt at `retryAt`, or, when `retryAt` is
   * null, gives up (`dead`, sealed body deleted). False when `owner` no longer holds the lease.
   */
  markFailed(
    id: string,
    owner: string,
    failure: { error: string; retryAt: number | null },
    now: number,
  ): Promise<boolean>;
  /** Newest first, for the operator's view; `status` narrows. */
  list(options: { limit: number; status?: MailOutboxStatus }): Promise<MailOutboxMessage[]>;
  /** How many messages wait (pending) and how many were given up (dead). */
  depth(): Promise<{ pending: number; dead: number }>;
  /** Deletes sent and dead messages finished before `before`; returns how many. */
  deleteFinishedBefore(before: number): Promise<number>;
  /** Pending messages with ids after `after` (null: from the start), in id order: for re-encryption. */
  pageSealed(after: string | null, limit: number): Promise<{ id: string; sealed: string }[]>;
  /** Compare-and-set of a pending message's sealed body (re-encryption under a new master secret). */
  replaceSealed(id: string, expected: string, sealed: string): Promise<boolean>;
}

/**
 * When to try again after `attempts` failed attempts: exponential (base × 2^(attempts-1)), capped,
 * or null once `maxAttempts` is reached (the message is then given up).
 */
export function mailRetryAt(
  attempts: number,
  now: number,
  policy: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number },
): number | null {
  if (attempts >= policy.maxAttempts) return null;
  const delay = policy.baseDelayMs * 2 ** Math.max(0, attempts - 1);
  return now + Math.min(delay, policy.maxDelayMs);
}
