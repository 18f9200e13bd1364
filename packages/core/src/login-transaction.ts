import type { Clock } from './clock.ts';
import { GatehouseError } from './errors.ts';
import { randomToken } from './secrets.ts';

/**
 * A login in progress: the state between "the password was right" and "a session or tokens
 * exist". It is a value, never a session: it grants nothing by itself, expires, finishes once,
 * and is named by an unguessable id (256 random bits) so a client can come back to it with a
 * second factor.
 *
 * ```text
 * password verified ──(factors required)──▶ factors_pending ──(each factor)──┐
 *        │                                        ▲                         │
 *        └──────────(none required)───────────────┴──▶ complete ◀───────────┘
 *                                                        │ finish (once)
 *                                                        ▼
 *                                                     finished ──▶ session / tokens
 * ```
 *
 * Every transition returns a new value; a transaction past `expiresAt`, already finished, or
 * asked for a factor it does not wait for is refused. Storage keeps "finish once" atomic:
 * `LoginTransactionStore.take` removes the record in the same operation that reads it.
 *
 * @example
 * const tx = beginLogin({ userId, requiredFactors: [] }, { clock, ttlMs: 300_000 });
 * const { userId: who, factors } = finishLogin(tx, clock).outcome; // ['password']
 */
export type LoginFactor = 'password' | 'totp' | 'webauthn' | 'recovery_code';
/** The factors that may follow a verified password. */
export type SecondFactor = Exclude<LoginFactor, 'password'>;

export type LoginTransactionState = 'factors_pending' | 'complete' | 'finished';

export interface LoginTransaction {
  /** 256 random bits, base64url: the handle a client presents to continue. */
  readonly id: string;
  readonly userId: string;
  readonly state: LoginTransactionState;
  /** Factors proven so far, in order; always starts with `password`. */
  readonly verified: readonly LoginFactor[];
  /** Second factors still expected (any one of them completes the login). */
  readonly pending: readonly SecondFactor[];
  /** When the password was verified (ms since epoch): the session's `authTime`. */
  readonly startedAt: number;
  readonly expiresAt: number;
}

/** What a finished transaction hands to whoever starts the session or issues tokens. */
export interface LoginOutcome {
  readonly userId: string;
  readonly factors: readonly LoginFactor[];
  readonly authTime: number;
}

export interface LoginTransactionOptions {
  clock: Clock;
  /** How long a half-authenticated login may wait for its factors. */
  ttlMs: number;
}

/** Password verified: the transaction starts, complete at once when no second factor is required. */
export function beginLogin(
  input: { userId: string; requiredFactors: readonly SecondFactor[] },
  options: LoginTransactionOptions,
): LoginTransaction {
  const now = options.clock.now();
  return Object.freeze({
    id: randomToken(32),
    userId: input.userId,
    state: input.requiredFactors.length === 0 ? 'complete' : 'factors_pending',
    verified: Object.freeze(['password'] as LoginFactor[]),
    pending: Object.freeze([...input.requiredFactors]),
    startedAt: now,
    expiresAt: now + options.ttlMs,
  });
}

/** A second factor the caller has verified: the transaction becomes complete. */
export function satisfyFactor(tx: LoginTransaction, factor: SecondFactor, clock: Clock): LoginTransaction {
  assertLive(tx, clock);
  if (tx.state !== 'factors_pending' || !tx.pending.includes(factor)) {
    throw new GatehouseError('invalid_request', { detail: 'This login does not wait for that factor.' });
  }
  return Object.freeze({
    ...tx,
    state: 'complete' as const,
    verified: Object.freeze([...tx.verified, factor]),
    pending: Object.freeze([]),
  });
}

/** The single step out of a complete transaction: what to start the session with. */
export function finishLogin(
  tx: LoginTransaction,
  clock: Clock,
): { transaction: LoginTransaction; outcome: LoginOutcome } {
  assertLive(tx, clock);
  if (tx.state !== 'complete') {
    throw new GatehouseError('unauthenticated', { detail: 'The login is not complete.' });
  }
  return {
    transaction: Object.freeze({ ...tx, state: 'finished' as const }),
    outcome: Object.freeze({ userId: tx.userId, factors: tx.verified, authTime: tx.startedAt }),
  };
}

export function isLoginExpired(tx: LoginTransaction, clock: Clock): boolean {
  return clock.now() >= tx.expiresAt;
}

function assertLive(tx: LoginTransaction, clock: Clock): void {
  if (tx.state === 'finished') {
    throw new GatehouseError('unauthenticated', { detail: 'This login has already been used.' });
  }
  if (isLoginExpired(tx, clock)) {
    throw new GatehouseError('unauthenticated', { detail: 'This login has expired. Sign in again.' });
  }
}
