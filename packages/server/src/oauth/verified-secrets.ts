import { hash, timingSafeEqual } from 'node:crypto';

/**
 * Remembers, per engine client, the SHA-256 of the secret that last passed the full check, so a
 * client presenting it again is recognised by one hash instead of an HMAC over the stored one. Only
 * the digest of a verified secret is held (a one-way hash of a 256-bit random value), never the
 * secret. A rotated secret makes a new engine client, so the memo goes with the old one. Anything
 * else takes the full check: a wrong secret costs what it always did.
 */
export class VerifiedSecrets {
  readonly #digests = new WeakMap<object, Buffer>();
  readonly #check: (presented: string, stored: string) => boolean;

  constructor(check: (presented: string, stored: string) => boolean) {
    this.#check = check;
  }

  matches(client: object, presented: string, stored: string): boolean {
    const digest = hash('sha256', presented, 'buffer');
    const known = this.#digests.get(client);
    if (known !== undefined && timingSafeEqual(known, digest)) return true;
    if (!this.#check(presented, stored)) return false;
    this.#digests.set(client, digest);
    return true;
  }
}
