import { randomInt } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { hmacSha256, randomToken, sha256Hex } from '../secrets.ts';

/** What an emailed link may do; a token is redeemed for its own purpose only. */
export type AccountTokenPurpose =
  | 'verify-email'
  | 'reset-password'
  | 'change-email'
  | 'invitation'
  | 'undo-email-change';

/** A stored single-use token: never the token itself, only its SHA-256. */
export interface AccountTokenRecord {
  readonly idHash: string;
  readonly purpose: AccountTokenPurpose;
  readonly userId: string;
  /** The address the link was sent to (for `change-email`: the new one; for undo: the old one). */
  readonly email: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/**
 * Storage of account tokens. `consume` is the one way to use a token: it deletes and returns the
 * record in one atomic step, so two concurrent redemptions cannot both succeed.
 */
export interface AccountTokenStore {
  insert(record: AccountTokenRecord): Promise<void>;
  /** The record when it exists, has `purpose` and has not expired at `now`; not consumed. */
  find(idHash: string, purpose: AccountTokenPurpose, now: number): Promise<AccountTokenRecord | undefined>;
  /** Deletes the record and returns it when it exists, has `purpose` and has not expired at `now`. */
  consume(idHash: string, purpose: AccountTokenPurpose, now: number): Promise<AccountTokenRecord | undefined>;
  /** The user holding a live token of `purpose` for `email` (the newest), or undefined. */
  holderOf(purpose: AccountTokenPurpose, email: string, now: number): Promise<string | undefined>;
  /** Deletes every token of the user for `purpose`; returns how many. */
  deleteByUser(userId: string, purpose: AccountTokenPurpose): Promise<number>;
  /** Removes expired records; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

/** A token that was issued: the raw value goes into the email, the record into the store. */
export interface IssuedAccountToken {
  readonly token: string;
  readonly record: AccountTokenRecord;
}

/**
 * Issues and redeems account tokens: 256 random bits, base64url, stored as SHA-256 (a database
 * read reveals no usable link). `issue` with `replace` first deletes the user's earlier tokens of
 * the purpose, so only the newest link works (Forgot Password cheat sheet).
 */
export class AccountTokens {
  readonly #store: AccountTokenStore;
  readonly #clock: Clock;
  readonly #codeKey: Buffer;

  /** `codeKey` keys the HMAC that short codes are stored under (derived from the master secret). */
  constructor(store: AccountTokenStore, clock: Clock, codeKey: Buffer) {
    this.#store = store;
    this.#clock = clock;
    this.#codeKey = codeKey;
  }

  /**
   * A six-digit code for the user, beside a link: typed rather than clicked. Six digits are
   * guessable, so the caller limits attempts per address, and the code is stored as an HMAC under
   * a server key (a bare hash of six digits is reversed in a millisecond). Issue it after the
   * link with `replace`, which retires earlier codes of the purpose too.
   */
  async issueCode(input: {
    purpose: AccountTokenPurpose;
    userId: string;
    email: string;
    ttlMs: number;
  }): Promise<string> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const now = this.#clock.now();
    await this.#store.insert({
      idHash: this.#codeHash(input.userId, code),
      purpose: input.purpose,
      userId: input.userId,
      email: input.email,
      createdAt: now,
      expiresAt: now + input.ttlMs,
    });
    return code;
  }

  /**
   * The code's record, consumed; undefined otherwise. `userId` may name nobody (an unknown
   * address): the lookup runs all the same, so the time taken does not tell.
   */
  async redeemCode(
    userId: string,
    code: string,
    purpose: AccountTokenPurpose,
  ): Promise<AccountTokenRecord | undefined> {
    const digits = /^\d{6}$/.test(code) ? code : '------';
    const record = await this.#store.consume(this.#codeHash(userId, digits), purpose, this.#clock.now());
    return record?.userId === userId ? record : undefined;
  }

  #codeHash(userId: string, code: string): string {
    return hmacSha256(this.#codeKey, `account-code:${userId}:${code}`).toString('hex');
  }

  async issue(input: {
    purpose: AccountTokenPurpose;
    userId: string;
    email: string;
    ttlMs: number;
    replace?: boolean;
  }): Promise<IssuedAccountToken> {
    if (input.replace === true) await this.#store.deleteByUser(input.userId, input.purpose);
    const token = randomToken(32);
    const now = this.#clock.now();
    const record: AccountTokenRecord = {
      idHash: sha256Hex(`account-token:${token}`),
      purpose: input.purpose,
      userId: input.userId,
      email: input.email,
      createdAt: now,
      expiresAt: now + input.ttlMs,
    };
    await this.#store.insert(record);
    return { token, record };
  }

  /** The record without using it up (a page deciding whether to show its form); undefined as `redeem`. */
  async peek(token: string, purpose: AccountTokenPurpose): Promise<AccountTokenRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    return this.#store.find(sha256Hex(`account-token:${token}`), purpose, this.#clock.now());
  }

  /** The record, consumed; undefined for an unknown, used, expired or other-purpose token. */
  async redeem(token: string, purpose: AccountTokenPurpose): Promise<AccountTokenRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    return this.#store.consume(sha256Hex(`account-token:${token}`), purpose, this.#clock.now());
  }

  /** Every outstanding token of the user for `purpose` stops working. */
  /** Who holds a live link of `purpose` for the address (an undo keeps the old address reserved). */
  holderOf(purpose: AccountTokenPurpose, email: string): Promise<string | undefined> {
    return this.#store.holderOf(purpose, email, this.#clock.now());
  }

  async revoke(userId: string, purpose: AccountTokenPurpose): Promise<void> {
    await this.#store.deleteByUser(userId, purpose);
  }
}
