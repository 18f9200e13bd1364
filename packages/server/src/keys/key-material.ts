import {
  constants,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  type SignKeyObjectInput,
  sign,
} from 'node:crypto';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import type { PublicJwk, SigningAlgorithm } from '@gatehouse/core';
import { calculateJwkThumbprint, type JWK } from 'jose';

const generate = promisify(generateKeyPair);
const signInThreadPool = promisify(sign);

/** The members of a public JWK per key type (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2). Nothing else is ever published. */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
  RSA: ['kty', 'n', 'e'],
};

/** A new private key for `alg`: P-256, Ed25519, or 2048-bit RSA (e = 65537) for RS256 and PS256. */
export async function generatePrivateKey(alg: SigningAlgorithm): Promise<KeyObject> {
  switch (alg) {
    case 'ES256':
      return (await generate('ec', { namedCurve: 'P-256' })).privateKey;
    case 'EdDSA':
      return (await generate('ed25519', {})).privateKey;
    case 'PS256':
    case 'RS256':
      return (await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 })).privateKey;
  }
}

/** Throws unless `key` is the kind of key `alg` signs with. */
export function checkKeyFitsAlgorithm(key: KeyObject, alg: SigningAlgorithm): void {
  const details = key.asymmetricKeyDetails ?? {};
  const fits =
    alg === 'ES256'
      ? key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1'
      : alg === 'EdDSA'
        ? key.asymmetricKeyType === 'ed25519'
        : key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048;
  if (!fits) throw new TypeError(`the key is not a ${alg} key`);
}

/** The public members of a JWK (by its `kty`) plus `kid`, `alg` and `use`; never private or symmetric members. */
export function publicMembers(jwk: Readonly<Record<string, unknown>>): PublicJwk {
  const kty = typeof jwk.kty === 'string' ? jwk.kty : '';
  const members = PUBLIC_MEMBERS[kty];
  if (members === undefined) throw new TypeError(`unsupported JWK key type ${kty}`);
  const out: Record<string, unknown> = {};
  for (const member of members) {
    if (typeof jwk[member] !== 'string') throw new TypeError(`JWK member ${member} is missing`);
    out[member] = jwk[member];
  }
  return { ...out, kid: String(jwk.kid), alg: jwk.alg, use: 'sig' } as PublicJwk;
}

/** The published form of a key: public members, `kid` = RFC 7638 SHA-256 thumbprint, `alg`, `use: sig`. */
export async function publicJwkOf(key: KeyObject, alg: SigningAlgorithm): Promise<PublicJwk> {
  checkKeyFitsAlgorithm(key, alg);
  const exported = createPublicKey(key).export({ format: 'jwk' });
  const members = PUBLIC_MEMBERS[exported.kty ?? ''] ?? [];
  const bare = Object.fromEntries(
    members.map((member) => [member, exported[member as keyof typeof exported]]),
  );
  const kid = await calculateJwkThumbprint(bare as JWK, 'sha256');
  return publicMembers({ ...bare, kid, alg });
}

/** True when both JWKs carry the same public key, kid, alg and use, and nothing more. */
export function samePublicJwk(a: PublicJwk, b: PublicJwk): boolean {
  const keys = (jwk: PublicJwk) => Object.keys(jwk).sort().join();
  return keys(a) === keys(b) && Object.keys(a).every((member) => a[member] === b[member]);
}

/**
 * Where signatures are computed: in libuv's thread pool, beside the event loop, or in the event
 * loop itself.
 */
export type SigningThread = 'thread-pool' | 'event-loop';

/**
 * The thread pool when this process may run on more than one CPU: a signature is then made on
 * another core while the event loop goes on serving. With one CPU (`taskset`, a cpuset) the pool
 * cannot run beside the loop, so handing each signature over only adds a wake-up and two context
 * switches: the token endpoint answered 7 % more requests on one CPU signing in the loop (ES256,
 * docs/benchmarks.md §10). Read once, when the server starts. Node 20 counts the CPUs the process
 * may run on (affinity, cpusets), not a CPU quota; `GATEHOUSE_SIGNING_THREAD` then says it.
 */
export function signingThreadFor(
  setting: SigningThread | 'auto',
  cpus = availableParallelism(),
): SigningThread {
  if (setting !== 'auto') return setting;
  return cpus > 1 ? 'thread-pool' : 'event-loop';
}

/**
 * The JWS signature (RFC 7518 §3.3–3.5, RFC 8037 §3.1) of `data` under `key`: ECDSA as the raw
 * r‖s pair, RSASSA-PSS with a salt as long as the hash; made where `thread` says.
 */
export function jwsSignature(
  alg: SigningAlgorithm,
  key: KeyObject,
  data: Uint8Array,
  thread: SigningThread = 'thread-pool',
): Promise<Buffer> {
  try {
    const [digest, input] = signatureParameters(alg, key);
    return thread === 'thread-pool'
      ? signInThreadPool(digest, data, input)
      : Promise.resolve(sign(digest, data, input));
  } catch (error) {
    return Promise.reject(error);
  }
}

function signatureParameters(
  alg: SigningAlgorithm,
  key: KeyObject,
): [digest: string | null, input: KeyObject | SignKeyObjectInput] {
  switch (alg) {
    case 'ES256':
      return ['sha256', { key, dsaEncoding: 'ieee-p1363' }];
    case 'EdDSA':
      return [null, key];
    case 'RS256':
      return ['sha256', key];
    case 'PS256':
      return ['sha256', { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }];
  }
}
