import { crc32 } from './crc32.ts';
import { API_KEY_PREFIX } from './prefix.ts';

export { API_KEY_PREFIX, looksLikeApiKey } from './prefix.ts';

/**
 * The API key format: `gatehouse_<id>_<secret><checksum>`.
 *
 * - `gatehouse_` is fixed so secret scanners (GitHub push protection, trufflehog, gitleaks) can
 *   match it with `gatehouse_[0-9A-Za-z]{16}_[0-9A-Za-z]{49}`;
 * - `<id>` (16 base62 characters) is the public key id, used for lookup, listing and revocation;
 * - `<secret>` (43 base62 characters, 256 bits) is never stored, only its keyed hash;
 * - `<checksum>` (6 base62 characters) is CRC-32 of everything before it, so a typo or a truncated
 *   key is refused without a database lookup, as GitHub's tokens do.
 *
 * Portable (Web Crypto, no `node:` module): the guard parses keys on any runtime.
 */
export const API_KEY_ID_LENGTH = 16;
export const API_KEY_SECRET_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
export const API_KEY_LENGTH: number =
  API_KEY_PREFIX.length + API_KEY_ID_LENGTH + 1 + API_KEY_SECRET_LENGTH + CHECKSUM_LENGTH;
/** The pattern scanners should use; anchored for exact matching. */
export const API_KEY_PATTERN: RegExp = /^gatehouse_([0-9A-Za-z]{16})_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniform random base62: bytes ≥ 248 (4 × 62) are dropped so `% 62` has no bias. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // getRandomValues fills at most 65,536 bytes per call.
    const bytes = crypto.getRandomValues(new Uint8Array(Math.min((length - out.length) * 2, 65_536)));
    for (const byte of bytes) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

function checksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export interface ParsedApiKey {
  readonly id: string;
  /** The whole key, as presented (the keyed hash covers all of it). */
  readonly raw: string;
}

export function newApiKey(): ParsedApiKey {
  return assembleApiKey(randomBase62(API_KEY_ID_LENGTH), randomBase62(API_KEY_SECRET_LENGTH));
}

/** A key from its parts, checksum included (tests use it to build well-formed wrong keys). */
export function assembleApiKey(id: string, secret: string): ParsedApiKey {
  const body = `${API_KEY_PREFIX}${id}_${secret}`;
  return { id, raw: body + checksum(body) };
}

/** The key's id when its shape and checksum are right, else undefined. No I/O. */
export function parseApiKey(value: string): ParsedApiKey | undefined {
  if (value.length !== API_KEY_LENGTH) return undefined;
  const match = API_KEY_PATTERN.exec(value);
  if (match === null) return undefined;
  const body = value.slice(0, value.length - CHECKSUM_LENGTH);
  if (checksum(body) !== match[3]) return undefined;
  return { id: match[1] as string, raw: value };
}

/** The last four characters shown in listings (of the checksum: reveals nothing of the secret). */
export function lastFour(raw: string): string {
  return raw.slice(-4);
}
