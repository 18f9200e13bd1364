import { encodeFirebaseScrypt, FIREBASE_LIMITS, type FirebaseHashParameters } from './firebase-scrypt.ts';
import { storedHashFormat } from './imported-hashes.ts';
import { encodePbkdf2Sha256, fromDjango, PBKDF2_MAX_ITERATIONS } from './pbkdf2-sha256.ts';
import { b64, fromB64 } from './phc.ts';

export type HashRefusal = { ok: false; reason: 'unknown_hash_format' | 'invalid_hash'; detail: string };
export type HashInput = { ok: true; stored: string } | HashRefusal;

const unknown = (detail: string): HashRefusal => ({ ok: false, reason: 'unknown_hash_format', detail });
const invalid = (detail: string): HashRefusal => ({ ok: false, reason: 'invalid_hash', detail });
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Turns an import row's `password_hash` into the form Gatehouse stores. A string is bcrypt
 * (`$2a$`/`$2b$`/`$2y$`), argon2 (PHC), Django (`pbkdf2_sha256$…`) or an already stored form; an
 * object is a Keycloak credential (`algorithm` pbkdf2-sha256 or argon2, flat or as exported with
 * `secretData`/`credentialData`) or a Firebase hash (`algorithm: "firebase-scrypt"`, with the
 * project's parameters from the row or from `firebase`).
 */
export function toStoredHash(input: unknown, firebase?: FirebaseHashParameters): HashInput {
  if (typeof input === 'string') {
    if (input.startsWith('pbkdf2_sha256$')) {
      const django = fromDjango(input);
      return django === undefined
        ? invalid('A Django pbkdf2_sha256 hash needs iterations, a salt and a 32-byte key.')
        : { ok: true, stored: encodePbkdf2Sha256(django) };
    }
    if (storedHashFormat(input) !== undefined) return { ok: true, stored: input };
    return /^\$(?:2[aby]|argon2(?:id|i|d)|pbkdf2-sha256|firebase-scrypt)\$/.test(input)
      ? invalid('The hash is malformed or its parameters are outside the bounds Gatehouse verifies.')
      : unknown('Not a bcrypt, argon2, PBKDF2-SHA256 (Django, Keycloak) or Firebase scrypt hash.');
  }
  if (!isObject(input)) return unknown('password_hash is a string or a credential object.');
  const credential = keycloakCredential(input);
  if (credential === undefined) return invalid('secretData and credentialData must be JSON objects.');
  const algorithm = credential.algorithm;
  if (algorithm === 'pbkdf2-sha256') return fromKeycloakPbkdf2(credential);
  if (algorithm === 'argon2') return fromKeycloakArgon2(credential);
  if (algorithm === 'firebase-scrypt') return fromFirebase(credential, firebase);
  return unknown(`Unsupported algorithm: ${String(algorithm).slice(0, 40)}.`);
}

/** Keycloak exports keep the hash in two JSON strings; older exports and hand-made rows are flat. */
function keycloakCredential(input: Record<string, unknown>): Record<string, unknown> | undefined {
  const { secretData, credentialData, ...rest } = input;
  const parsed: Record<string, unknown>[] = [];
  for (const data of [secretData, credentialData]) {
    if (data === undefined) continue;
    try {
      const value: unknown = typeof data === 'string' ? JSON.parse(data) : data;
      if (!isObject(value)) return undefined;
      parsed.push(value);
    } catch {
      return undefined;
    }
  }
  return Object.assign({}, rest, ...parsed);
}

function fromKeycloakPbkdf2(c: Record<string, unknown>): HashInput {
  const iterations = c.hashIterations;
  const salt = typeof c.salt === 'string' ? fromB64(c.salt) : undefined;
  const derivedKey = typeof c.value === 'string' ? fromB64(c.value) : undefined;
  if (
    !Number.isInteger(iterations) ||
    (iterations as number) < 1 ||
    (iterations as number) > PBKDF2_MAX_ITERATIONS
  )
    return invalid(`hashIterations must be a whole number from 1 to ${PBKDF2_MAX_ITERATIONS}.`);
  if (salt === undefined || derivedKey === undefined || derivedKey.length < 16 || derivedKey.length > 128)
    return invalid('value and salt must be base64 (a key of 16 to 128 bytes).');
  return { ok: true, stored: encodePbkdf2Sha256({ iterations: iterations as number, salt, derivedKey }) };
}

/** Keycloak's argon2 provider: `additionalParameters` holds one-element string arrays. */
function fromKeycloakArgon2(c: Record<string, unknown>): HashInput {
  const extra = isObject(c.additionalParameters) ? c.additionalParameters : {};
  const param = (name: string, fallback: string) => {
    const value = extra[name];
    return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : fallback;
  };
  const type = param('type', 'id');
  const version = param('version', '1.3') === '1.3' ? 19 : 16;
  const salt = typeof c.salt === 'string' ? fromB64(c.salt) : undefined;
  const value = typeof c.value === 'string' ? fromB64(c.value) : undefined;
  if (!['id', 'i', 'd'].includes(type) || salt === undefined || value === undefined)
    return invalid('A Keycloak argon2 credential needs a type of id, i or d and base64 value and salt.');
  const phc = `$argon2${type}$v=${version}$m=${param('memory', '7168')},t=${String(c.hashIterations ?? 5)},p=${param('parallelism', '1')}$${b64(salt)}$${b64(value)}`;
  return storedHashFormat(phc) === 'argon2'
    ? { ok: true, stored: phc }
    : invalid('The argon2 parameters are outside the bounds Gatehouse verifies.');
}

function fromFirebase(c: Record<string, unknown>, defaults?: FirebaseHashParameters): HashInput {
  const bytes = (name: string) => (typeof c[name] === 'string' ? fromB64(c[name] as string) : undefined);
  const signerKey = bytes('signer_key') ?? defaults?.signerKey;
  const saltSeparator = bytes('salt_separator') ?? defaults?.saltSeparator;
  const rounds = c.rounds ?? defaults?.rounds;
  const memCost = c.mem_cost ?? defaults?.memCost;
  const salt = bytes('salt');
  const hash = bytes('hash');
  if (signerKey === undefined || saltSeparator === undefined || rounds === undefined || memCost === undefined)
    return invalid(
      "A Firebase hash needs the project's signer_key, salt_separator, rounds and mem_cost (in the row or as options).",
    );
  if (
    !Number.isInteger(rounds) ||
    !Number.isInteger(memCost) ||
    (rounds as number) < 1 ||
    (rounds as number) > FIREBASE_LIMITS.maxRounds ||
    (memCost as number) < 1 ||
    (memCost as number) > FIREBASE_LIMITS.maxMemCost
  )
    return invalid(
      `rounds must be 1–${FIREBASE_LIMITS.maxRounds} and mem_cost 1–${FIREBASE_LIMITS.maxMemCost}.`,
    );
  if (salt === undefined || hash === undefined || signerKey.length === 0 || hash.length !== signerKey.length)
    return invalid('hash and salt must be base64, the hash as long as the signer key.');
  return {
    ok: true,
    stored: encodeFirebaseScrypt({
      signerKey,
      saltSeparator,
      rounds: rounds as number,
      memCost: memCost as number,
      salt,
      hash,
    }),
  };
}
