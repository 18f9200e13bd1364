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
 * account's counters (a trusted device's success, its own only). Windows expire by themselves: there is no permanent lockout.
 *
 * An attempt from a trusted device (a genuine device cookie for the account, see
 * `device-cookies.ts`) is counted against that device only (`perDevice`): the account's and the
 * IP's counters, which anyone can run up, never lock out a browser the owner signed in on before,
 * and a stolen device cookie locks only itself.
 */
export interface LoginThrottlePolicy {
  perAccountAndIp: ThrottleRule;
  perAccount: ThrottleRule;
  perIp: ThrottleRule;
  perDevice: ThrottleRule;
}

export const defaultLoginThrottlePolicy: LoginThrottlePolicy = {
  perAccountAndIp: { limit: 10, windowMs: 15 * 60_000 },
  perAccount: { limit: 20, windowMs: 15 * 60_000 },
  perIp: { limit: 100, windowMs: 15 * 60_000 },
  perDevice: { limit: 10, windowMs: 15 * 60_000 },
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

  /** An attempt presenting a trusted device cookie: its own counter only (`deviceNonce` from it). */
  async attemptFromDevice(deviceNonce: string): Promise<ThrottleVerdict> {
    const now = this.#clock.now();
    const rule = this.#policy.perDevice;
    const result = await this.#counters.increment(this.#deviceKey(deviceNonce), rule.windowMs, now);
    return result.count > rule.limit
      ? { allowed: false, retryAfterMs: result.resetAt - now }
      : { allowed: true };
  }

  /**
   * A success clears the counters the attempt was counted in. One from a trusted device clears
   * only the device's: the owner signing in at home must not hand whoever is guessing from
   * elsewhere a fresh per-account budget.
   */
  async succeeded(account: string, ip: string, deviceNonce?: string): Promise<void> {
    if (deviceNonce !== undefined) return this.#counters.reset(this.#deviceKey(deviceNonce));
    const keys = this.#keys(account, ip);
    await Promise.all([this.#counters.reset(keys.accountAndIp), this.#counters.reset(keys.account)]);
  }

  /** Counter keys hold hashes, so no email address is stored in the counter table or Redis. */
  #keys(account: string, ip: string) {
    const a = sha256Hex(`acct:${account}`).slice(0, 32);
    const i = sha256Hex(`ip:${ip}`).slice(0, 32);
    return { accountAndIp: `login:ai:${a}:${i}`, account: `login:a:${a}`, ip: `login:i:${i}` };
  }

  #deviceKey(deviceNonce: string): string {
    return `login:d:${sha256Hex(`device:${deviceNonce}`).slice(0, 32)}`;
  }
}
