import { createHash } from 'node:crypto';
import type { CompromisedPasswordCheck } from '@gatehouse/core';
import type { Logger } from 'pino';

export interface HibpRangeOptions {
  /** The range endpoint, ending in `/range/` (Have I Been Pwned: https://api.pwnedpasswords.com/range/). */
  url: string;
  timeoutMs: number;
  logger: Logger;
  fetch?: typeof fetch;
}

/**
 * The Have I Been Pwned Pwned Passwords range API (k-anonymity): only the first 5 hex digits of
 * the password's SHA-1 leave the server, padded responses hide which prefix had how many matches.
 * An unreachable or failing API answers "not listed" and logs a warning: setting a password must
 * not depend on a third party being up, and the bundled list still applies.
 */
export class HibpRangeCheck implements CompromisedPasswordCheck {
  readonly #o: HibpRangeOptions;

  constructor(options: HibpRangeOptions) {
    this.#o = options;
  }

  async isCompromised(password: string): Promise<boolean> {
    const digest = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    const prefix = digest.slice(0, 5);
    const suffix = digest.slice(5);
    let body: string;
    try {
      const response = await (this.#o.fetch ?? fetch)(`${this.#o.url}${prefix}`, {
        headers: { 'add-padding': 'true', 'user-agent': 'gatehouse' },
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
      if (!response.ok) throw new Error(`the range API answered ${response.status}`);
      body = await response.text();
    } catch (error) {
      this.#o.logger.warn(
        { err: error instanceof Error ? { message: error.message } : String(error) },
        'breached-password lookup failed; the bundled list still applied',
      );
      return false;
    }
    for (const line of body.split('\n')) {
      const [candidate, count] = line.trim().split(':');
      // Padding entries carry a count of 0: they are not breached passwords.
      if (candidate?.toUpperCase() === suffix && Number(count) > 0) return true;
    }
    return false;
  }
}
