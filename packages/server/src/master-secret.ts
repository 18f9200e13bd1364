import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';

/**
 * The master secrets of a node: `current` derives every key that seals, signs or hashes from now
 * on; `previous` (GATEHOUSE_SECRET_PREVIOUS, during a change of secret) only opens or verifies what
 * was made under an earlier secret, until `gatehouse secrets rekey` has re-encrypted the sealed
 * records and the verifiers made under them have been re-hashed or expired (docs/operations.md).
 */
export interface MasterSecrets {
  readonly current: string;
  readonly previous: readonly string[];
}

/**
 * The master secret from which every server key is derived (HKDF, one label per purpose). In
 * production it must come from GATEHOUSE_SECRET; in development it is generated once into the
 * data directory with mode 0600, so restarts keep sessions' CSRF tokens valid.
 */
export function resolveMasterSecret(config: Config): { secret: string; generated: boolean } {
  if (config.secret !== undefined) return { secret: config.secret, generated: false };
  if (config.nodeEnv === 'production') throw new Error('GATEHOUSE_SECRET is required in production.');
  ensurePrivateDir(config.dataDir);
  const file = join(config.dataDir, 'secret');
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), generated: false };
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secret, generated: true };
}

/** The current secret (as `resolveMasterSecret`) and the previous ones of GATEHOUSE_SECRET_PREVIOUS. */
export function resolveMasterSecrets(config: Config): MasterSecrets & { generated: boolean } {
  const { secret, generated } = resolveMasterSecret(config);
  const previous = (config.secretPrevious ?? '')
    .split(',')
    .filter((value) => value !== '' && value !== secret);
  return { current: secret, previous, generated };
}

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gatehouse', `gatehouse:${purpose}:v1`, 32));
}

/** The key for `purpose` under every secret: the current secret's first, then the previous ones'. */
export function deriveKeys(secrets: MasterSecrets, purpose: string): Buffer[] {
  return [secrets.current, ...secrets.previous].map((secret) => deriveKey(secret, purpose));
}

/** The key for `purpose` under the current secret, and under each previous one (verification only). */
export function deriveKeySet(
  secrets: MasterSecrets,
  purpose: string,
): { current: Buffer; previous: Buffer[] } {
  return {
    current: deriveKey(secrets.current, purpose),
    previous: secrets.previous.map((secret) => deriveKey(secret, purpose)),
  };
}
