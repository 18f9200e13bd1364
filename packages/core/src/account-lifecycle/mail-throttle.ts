import type { Clock } from '../clock.ts';
import { GatehouseError } from '../errors.ts';
import type { ThrottleRule } from '../login-throttle.ts';
import type { CounterStore } from '../ports.ts';
import { sha256Hex } from '../secrets.ts';

export interface MailThrottlePolicy {
  /** Emails one address can be sent through the public endpoints, across all of them. */
  perAddress: ThrottleRule;
  /** Requests one client (IP) can make to the email-sending endpoints, whatever the address. */
  perClient: ThrottleRule;
  /** Guesses at an address's short verification code, from anywhere. */
  codeAttempts: ThrottleRule;
}

export const defaultMailThrottlePolicy: MailThrottlePolicy = {
  perAddress: { limit: 5, windowMs: 15 * 60_000 },
  perClient: { limit: 20, windowMs: 15 * 60_000 },
  codeAttempts: { limit: 5, windowMs: 15 * 60_000 },
};

/**
 * Throttling of every endpoint that sends email (sign-up, resend verification, forgot password,
 * email change): one budget per address, so nobody can flood an inbox by cycling endpoints, and
 * one per client. Counted before anything looks the address up, with atomic increments: the
 * verdict is the same for an address with an account and one without. Keys hold hashes, never
 * the address.
 */
export class MailThrottle {
  readonly #counters: CounterStore;
  readonly #policy: MailThrottlePolicy;
  readonly #clock: Clock;

  constructor(counters: CounterStore, policy: MailThrottlePolicy, clock: Clock) {
    this.#counters = counters;
    this.#policy = policy;
    this.#clock = clock;
  }

  /** Counts the attempt; throws `too_many_requests` (with its Retry-After) when over either limit. */
  async attempt(address: string, ip: string): Promise<void> {
    const now = this.#clock.now();
    const a = sha256Hex(`mail-address:${address}`).slice(0, 32);
    const i = sha256Hex(`mail-client:${ip}`).slice(0, 32);
    const [byAddress, byClient] = await Promise.all([
      this.#counters.increment(`mail:a:${a}`, this.#policy.perAddress.windowMs, now),
      this.#counters.increment(`mail:i:${i}`, this.#policy.perClient.windowMs, now),
    ]);
    let retryAfterMs = 0;
    if (byAddress.count > this.#policy.perAddress.limit) retryAfterMs = byAddress.resetAt - now;
    if (byClient.count > this.#policy.perClient.limit)
      retryAfterMs = Math.max(retryAfterMs, byClient.resetAt - now);
    if (retryAfterMs > 0)
      throw new GatehouseError('too_many_requests', {
        detail: 'Too many emails were requested. Try again later.',
        retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
      });
  }

  /** Counts a guess at the address's code (known or not, alike); throws once over the limit. */
  async attemptCode(address: string): Promise<void> {
    const now = this.#clock.now();
    const rule = this.#policy.codeAttempts;
    const a = sha256Hex(`code-address:${address}`).slice(0, 32);
    const { count, resetAt } = await this.#counters.increment(`mail:c:${a}`, rule.windowMs, now);
    if (count > rule.limit)
      throw new GatehouseError('too_many_requests', {
        detail: 'Too many codes were tried. Ask for a new one later.',
        retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
      });
  }
}
