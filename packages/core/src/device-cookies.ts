import type { Clock } from './clock.ts';
import { constantTimeEqual, hmacSha256, randomToken } from './secrets.ts';

/**
 * Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"). After a
 * successful login the browser gets a token binding the user to a random device nonce: a login
 * attempt presenting one for the account it names is counted against that device alone (see
 * `LoginThrottle.attemptFromDevice`), so whoever guesses from elsewhere cannot lock the owner out
 * of a browser that has signed in before.
 *
 * One entry is `<nonce>.<issued at, base-36 seconds>.<HMAC-SHA256(user id, nonce, issued at)>`.
 * The user id is only inside the MAC, so the value is opaque and names nobody; it is checked
 * against the account the attempt names. A browser keeps the entries of its last few accounts
 * (most recent first, `~`-separated) so a shared computer does not trade one user's trust for
 * another's. The value grants nothing by itself: the password is still checked.
 */
export interface DeviceCookiePolicy {
  /** How long an entry is trusted after it was issued (the cookie's Max-Age too). */
  maxAgeMs: number;
}

/** Accounts one browser stays trusted for. */
export const MAX_DEVICE_ENTRIES = 5;
const ENTRY = /^([A-Za-z0-9_-]{22})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/;
/** Longer values are ignored whole: nothing about them is parsed or hashed. */
const MAX_VALUE_LENGTH = MAX_DEVICE_ENTRIES * 90;

interface Entry {
  raw: string;
  nonce: string;
  issuedAtSeconds: number;
  mac: string;
}

export class DeviceCookies {
  readonly #key: Buffer;
  readonly #previousKeys: readonly Buffer[];
  readonly #policy: DeviceCookiePolicy;
  readonly #clock: Clock;

  /**
   * Entries are issued under `key`; those issued under `previousKeys` (a previous master secret's,
   * during a change of secret) are still trusted until they expire.
   */
  constructor(key: Buffer, policy: DeviceCookiePolicy, clock: Clock, previousKeys: readonly Buffer[] = []) {
    this.#key = key;
    this.#previousKeys = previousKeys;
    this.#policy = policy;
    this.#clock = clock;
  }

  /** True when the value holds at least one well-formed, unexpired entry (worth judging). */
  worthChecking(presented: string | undefined): boolean {
    return this.#entries(presented).length > 0;
  }

  /**
   * The device nonce of the entry issued to `userId`, when the value holds one that is genuine and
   * unexpired. Every well-formed entry costs one MAC whether or not the user exists (pass any
   * placeholder id for an unknown account), so the answer's timing does not tell them apart.
   */
  trustedNonce(presented: string | undefined, userId: string): string | undefined {
    let found: string | undefined;
    for (const entry of this.#entries(presented)) {
      const genuine = this.#genuine(entry, userId);
      if (genuine && found === undefined) found = entry.nonce;
    }
    return found;
  }

  /**
   * The cookie value to set after `userId` signed in: a fresh entry (new nonce, new issue time)
   * first, then the other accounts' unexpired entries; this user's old entries are dropped.
   */
  issue(presented: string | undefined, userId: string): string {
    const issuedAtSeconds = Math.floor(this.#clock.now() / 1000);
    const nonce = randomToken(16);
    const fresh = `${nonce}.${issuedAtSeconds.toString(36)}.${this.#mac(this.#key, userId, nonce, issuedAtSeconds)}`;
    const others = this.#entries(presented)
      .filter((entry) => !this.#genuine(entry, userId))
      .map((entry) => entry.raw);
    return [fresh, ...others].slice(0, MAX_DEVICE_ENTRIES).join('~');
  }

  #entries(presented: string | undefined): Entry[] {
    if (presented === undefined || presented.length > MAX_VALUE_LENGTH) return [];
    const now = this.#clock.now();
    const entries: Entry[] = [];
    for (const raw of presented.split('~')) {
      if (entries.length === MAX_DEVICE_ENTRIES) break;
      const match = ENTRY.exec(raw);
      if (match === null) continue;
      const issuedAtSeconds = Number.parseInt(match[2]!, 36);
      // Expired entries are neither trusted nor kept (the issue time is under the MAC).
      if (now - issuedAtSeconds * 1000 >= this.#policy.maxAgeMs) continue;
      entries.push({ raw, nonce: match[1]!, issuedAtSeconds, mac: match[3]! });
    }
    return entries;
  }

  /** Whether the entry was issued to `userId` under any key; every key costs its MAC. */
  #genuine(entry: Entry, userId: string): boolean {
    let genuine = constantTimeEqual(
      entry.mac,
      this.#mac(this.#key, userId, entry.nonce, entry.issuedAtSeconds),
    );
    for (const key of this.#previousKeys)
      genuine =
        constantTimeEqual(entry.mac, this.#mac(key, userId, entry.nonce, entry.issuedAtSeconds)) || genuine;
    return genuine;
  }

  #mac(key: Buffer, userId: string, nonce: string, issuedAtSeconds: number): string {
    return hmacSha256(key, `device:v1:${userId}:${nonce}:${issuedAtSeconds}`).toString('base64url');
  }
}
