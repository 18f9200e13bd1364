import { createCipheriv, scrypt, timingSafeEqual } from 'node:crypto';
import { b64, fromB64, intParam, phcParams } from './phc.ts';

/** A Firebase project's password hash parameters (console → Authentication → Password hash parameters). */
export interface FirebaseHashParameters {
  /** `base64_signer_key` */
  signerKey: Buffer;
  /** `base64_salt_separator` */
  saltSeparator: Buffer;
  /** `rounds`: scrypt's r. */
  rounds: number;
  /** `mem_cost`: scrypt's N is 2^mem_cost. */
  memCost: number;
}

export interface FirebaseScryptHash extends FirebaseHashParameters {
  salt: Buffer;
  hash: Buffer;
}

/** Firebase's own ranges (rounds 1–8, mem_cost 1–14): at most 16 MiB of scrypt memory a sign-in. */
export const FIREBASE_LIMITS = { maxRounds: 8, maxMemCost: 14 } as const;

/**
 * Firebase's modified scrypt, stored self-contained as
 * `$firebase-scrypt$m=<mem_cost>,r=<rounds>,ss=<salt separator>,sk=<signer key>$<salt>$<hash>`:
 * the project parameters travel with every hash, so verifying needs no configuration. The signer
 * key is then no more secret than a salt — it only ever protected these same hashes.
 */
export function encodeFirebaseScrypt(hash: FirebaseScryptHash): string {
  return (
    `$firebase-scrypt$m=${hash.memCost},r=${hash.rounds},ss=${b64(hash.saltSeparator)},sk=${b64(hash.signerKey)}` +
    `$${b64(hash.salt)}$${b64(hash.hash)}`
  );
}

export function decodeFirebaseScrypt(stored: string): FirebaseScryptHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== 'firebase-scrypt') return undefined;
  const params = phcParams(parts[2]!);
  if (params === undefined || params.size !== 4) return undefined;
  const memCost = intParam(params, 'm', 1, FIREBASE_LIMITS.maxMemCost);
  const rounds = intParam(params, 'r', 1, FIREBASE_LIMITS.maxRounds);
  const saltSeparator = fromB64(params.get('ss') ?? '');
  const signerKey = fromB64(params.get('sk') ?? '');
  const salt = fromB64(parts[3]!);
  const hash = fromB64(parts[4]!);
  if (memCost === undefined || rounds === undefined || !saltSeparator || !signerKey || !salt || !hash)
    return undefined;
  if (signerKey.length === 0 || hash.length !== signerKey.length) return undefined;
  return { memCost, rounds, saltSeparator, signerKey, salt, hash };
}

/**
 * The derivation (github.com/firebase/scrypt): key = scrypt(password, salt ‖ separator, N=2^mem_cost,
 * r=rounds, p=1, 32 bytes); hash = AES-256-CTR(key, IV 0) of the signer key.
 */
export async function firebaseScrypt(
  password: string,
  p: FirebaseHashParameters,
  salt: Buffer,
): Promise<Buffer> {
  const N = 2 ** p.memCost;
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password,
      Buffer.concat([salt, p.saltSeparator]),
      32,
      { N, r: p.rounds, p: 1, maxmem: 128 * N * p.rounds + 1024 * 1024 },
      (error, derived) => (error ? reject(error) : resolve(derived)),
    ),
  );
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(p.signerKey), cipher.final()]);
}

export async function verifyFirebaseScrypt(stored: string, password: string): Promise<boolean> {
  const decoded = decodeFirebaseScrypt(stored);
  if (decoded === undefined) return false;
  return timingSafeEqual(await firebaseScrypt(password, decoded, decoded.salt), decoded.hash);
}
