import { hash, timingSafeEqual } from 'node:crypto';
import type { SecretMatch } from './client-registry.ts';

/**
 * Remembers, per engine client, the SHA-256 of the secret that last passed the full check as the
 * client's current secret, so a client presenting it again is recognised by one hash instead of
 * HMACs over the stored ones. Only the digest of a verified secret is held (a one-way hash of a
 * 256-bit random value), never the secret. A rotated secret makes a new engine client, so the memo
 * goes with the old one. A previous secret (in a rotation's overlap) is never remembered: it takes
 * the full check every time, which sees its expiry or early revocation. Anything else takes the
 * full check: a wrong secret costs what it always did.
 */
export class VerifiedSecrets {
  readonly #digests = new WeakMap<object, Buffer>();

  async matches(client: object, presented: string, check: () => Promise<SecretMatch>): Promise<boolean> {
    const digest = hash('sha256', presented, 'buffer');
    const known = this.#digests.get(client);
    if (known !== undefined && timingSafeEqual(known, digest)) return true;
    const match = await check();
    if (match === 'current') this.#digests.set(client, digest);
    return match !== false;
  }
}
