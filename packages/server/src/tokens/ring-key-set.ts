import type { SigningKeySource } from '@gatehouse/core';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';

/**
 * The key ring's public keys as a jose key set, for verifying tokens Gatehouse signed. Rebuilt
 * every 30 s and at once when a token names an unknown kid (a key another node just rotated in:
 * the store is then re-read, at most once per 5 s, so random kids cannot hammer the database).
 */
export class RingKeySet {
  readonly #keys: SigningKeySource & { reload?(): Promise<void> };
  readonly #now: () => number;
  #jwks: ReturnType<typeof createLocalJWKSet> | undefined;
  #kids = new Set<string>();
  #loadedAt = 0;
  #reloadedAt = 0;

  constructor(keys: SigningKeySource & { reload?(): Promise<void> }, now: () => number) {
    this.#keys = keys;
    this.#now = now;
  }

  /** The key set to verify `token` with. */
  async forToken(token: string): Promise<ReturnType<typeof createLocalJWKSet>> {
    const kid = headerKid(token);
    const stale = this.#now() - this.#loadedAt > 30_000;
    const unknownKid = kid !== undefined && !this.#kids.has(kid);
    if (this.#jwks === undefined || stale || unknownKid) {
      if (unknownKid && this.#now() - this.#reloadedAt > 5000) {
        this.#reloadedAt = this.#now();
        await this.#keys.reload?.();
      }
      const keys = await this.#keys.publicKeys();
      this.#kids = new Set(keys.map((k) => k.kid));
      this.#jwks = createLocalJWKSet({ keys: keys as unknown as JSONWebKeySet['keys'] });
      this.#loadedAt = this.#now();
    }
    return this.#jwks;
  }
}

/** The `kid` of a compact JWS's protected header, unverified. */
export function headerKid(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}
