/**
 * The hybrid model's server-side control: a revocation index of still-unexpired access tokens.
 * Entries are kept only until every token they could match has expired; resource servers mirror
 * them through the revocation feed so they refuse revoked tokens without a per-request call. The
 * entry, its wire shape and the in-memory set live in `revocation-set.ts` (portable: the guard
 * uses the same); this file holds the store port.
 */
import type { RevocationEntry, RevocationType } from './revocation-set.ts';

export {
  fromWire,
  isRevocationType,
  REVOCATION_TYPES,
  type RevocableToken,
  type RevocationEntry,
  RevocationSet,
  type RevocationType,
  type RevocationWire,
  toWire,
} from './revocation-set.ts';

export interface NewRevocation {
  type: RevocationType;
  value: string;
  at: number;
  expiresAt: number;
}

export interface RevocationStore {
  /** Appends entries atomically and returns them with their sequence numbers. */
  append(entries: readonly NewRevocation[]): Promise<RevocationEntry[]>;
  /** Entries after `seq` that have not expired at `now`, ascending, at most `limit`. */
  after(seq: number, now: number, limit: number): Promise<RevocationEntry[]>;
  deleteExpired(now: number): Promise<number>;
}
