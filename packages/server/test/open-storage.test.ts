/**
 * Issue 17 #1: the composition root hands the server one `Storage` of ports — the bundle
 * `openStorage` composes from SQL and Redis passes every port's conformance suite, and nothing of
 * the adapters (connection, dialect, Redis client) is in it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomId, systemClock } from '@gatehouse/core';
import { describeStorageConformance, redisUrlOrSkip } from '@gatehouse/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../src/config.ts';
import { openStorage } from '../src/stores/open-storage.ts';

const redisUrl = await redisUrlOrSkip();
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-open-storage-'));
const base = `gh_test_os_${randomId(6)}:`;
let n = 0;

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (redisUrl === undefined) return;
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${base}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
});

/** A fresh SQLite file, and a fresh Redis prefix when Redis is asked for. */
function config(overrides: Record<string, unknown> = {}): Config {
  const i = n++;
  return loadConfig(
    {},
    {
      dataDir: dir,
      nodeEnv: 'test',
      databaseUrl: `sqlite:${join(dir, `storage-${i}.db`)}`,
      redisPrefix: `${base}${i}:`,
      logLevel: 'silent',
      ...overrides,
    },
  );
}

const open = (c: Config) => openStorage(c, { clock: systemClock, onRedisError: () => {} });

const PORTS = [
  'accountTokens',
  'apiKeys',
  'audit',
  'bus',
  'counters',
  'credentials',
  'loginTransactions',
  'mailOutbox',
  'oauthArtifacts',
  'oauthClients',
  'policies',
  'profiles',
  'rateLimiter',
  'recoveryCodes',
  'refreshTokens',
  'revocations',
  'roles',
  'rs256SigningKeys',
  'secondFactors',
  'serviceAccounts',
  'sessions',
  'signingKeys',
  'userImports',
  'users',
];

describe('openStorage: the composition root', () => {
  it('hands out ports, health probes, the housekeeping lease and close — never a connection or dialect', async () => {
    const storage = await open(config());
    try {
      expect(Object.keys(storage).sort()).toEqual(
        [...PORTS, 'close', 'housekeepingLease', 'ping', 'probes', 'shortLivedOAuthArtifacts'].sort(),
      );
      expect(storage.shortLivedOAuthArtifacts).toBeUndefined();
      await expect(storage.probes.database()).resolves.toBeUndefined();
      expect(await storage.housekeepingLease.run('x', 1000, async () => {})).toBe(true);
    } finally {
      await storage.close();
    }
  });

  describe.skipIf(redisUrl === undefined)(
    'SQLite + Redis (sessions, counters, bus, limits, short-lived OAuth)',
    () => {
      describeStorageConformance(
        'sqlite + redis',
        async () => {
          const storage = await open(
            config({ redisUrl, sessionStore: 'redis', oauthArtifactStore: 'redis' }),
          );
          return { storage, cleanup: () => storage.close() };
        },
        { nativeTtl: true, shortLivedOAuthArtifacts: true },
      );
    },
  );
});
