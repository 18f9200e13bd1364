import type { Clock } from './clock.ts';
import type { CounterStore } from './ports.ts';
import { sha256Hex } from './secrets.ts';

export interface ThrottleRule {
  /** Attempts allowed per window. */
  limit: number;
  windowMs: number;
}

/**
 * Login throttling (NIST 800-63B rate limiting, OWASP "Login Throttling"). Three fixed windows:
 * per account and client IP (the tight one), per account from anywhere (distributed guessing) and
 * per IP across accounts (password spraying). Attempts are counted *before* the password is checked,
 * with an atomic increment, so concurrent guesses cannot slip past the limit; a success clears the
 * account's counters. Windows expire by themselves: there is no permanent lockout.
 */
export interface LoginThrottlePolicy {
  perAccountAndIp: ThrottleRule;
  perAccount: ThrottleRule;
  perIp: ThrottleRule;
}

export const defaultLoginThrottlePolicy: LoginThrottlePolicy = {
  perAccountAndIp: { limit: 10, windowMs: 15 * 60_000 },
  perAccount: { limit: 20, windowMs: 15 * 60_000 },
  perIp: { limit: 100, windowMs: 15 * 60_000 },
};

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

export class LoginThrottle {
  readonly #counters: CounterStore;
  readonly #policy: LoginThrottlePolicy;
  readonly #clock: Clock;

  constructor(counters: CounterStore, policy: LoginThrottlePolicy, clock: Clock) {
    this.#counters = counters;
    this.#policy = policy;
    this.#clock = clock;
  }

  async attempt(account: string, ip: string): Promise<ThrottleVerdict> {
    const now = this.#clock.now();
    const keys = this.#keys(account, ip);
    const results = await Promise.all([
      this.#counters.increment(keys.accountAndIp, this.#policy.perAccountAndIp.windowMs, now),
      this.#counters.increment(keys.account, this.#policy.perAccount.windowMs, now),
      this.#counters.increment(keys.ip, this.#policy.perIp.windowMs, now),
    ]);
    const limits = [
      this.#policy.perAccountAndIp.limit,
      this.#policy.perAccount.limit,
      this.#policy.perIp.limit,
    ];
    let retryAfterMs = 0;
    results.forEach((result, i) => {
      if (result.count > (limits[i] ?? 0)) retryAfterMs = Math.max(retryAfterMs, result.resetAt - now);
    });
    return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
  }

  async succeeded(account: string, ip: string): Promise<void> {
    const keys = this.#keys(account, ip);
    await Promise.all([this.#counters.reset(keys.accountAndIp), this.#counters.reset(keys.account)]);
  }

  /** Counter keys hold hashes, so no email address is stored in the counter table or Redis. */
  #keys(account: string, ip: string) {
    const a = sha256Hex(`acct:${account}`).slice(0, 32);
    const i = sha256Hex(`ip:${ip}`).slice(0, 32);
    return { accountAndIp: `login:ai:${a}:${i}`, account: `login:a:${a}`, ip: `login:i:${i}` };
  }
}
