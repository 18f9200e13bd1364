import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';

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

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gatehouse', `gatehouse:${purpose}:v1`, 32));
}
