import { verify as verifyArgon2 } from '@node-rs/argon2';
import { verify as verifyBcrypt } from '@node-rs/bcrypt';
import { decodeFirebaseScrypt, verifyFirebaseScrypt } from './firebase-scrypt.ts';
import { decodePbkdf2Sha256, verifyPbkdf2Sha256 } from './pbkdf2-sha256.ts';

/** The stored forms Gatehouse verifies; only `argon2id` with the current parameters is never upgraded. */
export type StoredHashFormat = 'argon2' | 'bcrypt' | 'pbkdf2-sha256' | 'firebase-scrypt';

/** bcrypt's 2a, 2b and 2y are the same function (the letters mark fixed bugs of other implementations). */
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const ARGON2 =
  /^\$argon2(?:id|i|d)\$(?:v=(?:16|19)\$)?m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;

/** What an imported hash may ask one login to compute. */
export const IMPORTED_LIMITS = {
  bcryptCost: { min: 4, max: 16 },
  argon2MemoryKib: 262_144,
  argon2TimeCost: 16,
  argon2Parallelism: 16,
} as const;

/**
 * The format of a stored hash, or undefined when it is none Gatehouse verifies or its parameters
 * are out of bounds (a hash no login could afford is refused at import, not at sign-in).
 */
export function storedHashFormat(stored: string): StoredHashFormat | undefined {
  const bcrypt = BCRYPT.exec(stored);
  if (bcrypt !== null) {
    const cost = Number(bcrypt[1]);
    return cost >= IMPORTED_LIMITS.bcryptCost.min && cost <= IMPORTED_LIMITS.bcryptCost.max
      ? 'bcrypt'
      : undefined;
  }
  const argon2 = ARGON2.exec(stored);
  if (argon2 !== null) {
    const [m, t, p] = argon2.slice(1).map(Number) as [number, number, number];
    const ok =
      m >= 8 &&
      m <= IMPORTED_LIMITS.argon2MemoryKib &&
      t >= 1 &&
      t <= IMPORTED_LIMITS.argon2TimeCost &&
      p >= 1 &&
      p <= IMPORTED_LIMITS.argon2Parallelism;
    return ok ? 'argon2' : undefined;
  }
  if (decodePbkdf2Sha256(stored) !== undefined) return 'pbkdf2-sha256';
  if (decodeFirebaseScrypt(stored) !== undefined) return 'firebase-scrypt';
  return undefined;
}

/**
 * Verifies a password against any stored format: argon2 (any variant) and bcrypt through their
 * native libraries, off the event loop; PBKDF2 and scrypt through node:crypto's thread pool, then
 * a constant-time compare. An unrecognised hash never authenticates.
 */
export async function verifyStoredHash(stored: string, password: string): Promise<boolean> {
  // Gatehouse's own hashes (and the dummy hash of unknown users) take this path, whatever
  // parameters the node is configured with: the import bounds below apply to imports only.
  if (stored.startsWith('$argon2')) return verifyArgon2(stored, password);
  switch (storedHashFormat(stored)) {
    case 'bcrypt':
      return verifyBcrypt(password, stored);
    case 'pbkdf2-sha256':
      return verifyPbkdf2Sha256(stored, password);
    case 'firebase-scrypt':
      return verifyFirebaseScrypt(stored, password);
    default:
      return false;
  }
}
