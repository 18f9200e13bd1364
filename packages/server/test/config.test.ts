import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, envNames, isSecureOrigin, loadConfig, otherGatehouseVariables } from '../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function configFile(content: unknown): string {
  fileCounter += 1;
  const path = join(dir, `config-${fileCounter}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

const SECRET = 'k9J2mQ7vX4pL8rT1wZ6yB3nC5dF0gH2s'; // 32 characters
const production = {
  NODE_ENV: 'production',
  GATEHOUSE_SECRET: SECRET,
  GATEHOUSE_ISSUER: 'https://auth.example.test',
};

describe('loadConfig', () => {
  it('has safe defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 8080,
      issuer: 'http://localhost:8080',
      dataDir: './data',
      databaseUrl: `sqlite:${resolve('./data', 'gatehouse.db')}`,
      sessionStore: 'sql',
      trustProxy: false,
      sessionIdleTimeoutSeconds: 1800,
      sessionAbsoluteTimeoutSeconds: 43_200,
      passwordMinLength: 15,
      passwordMaxLength: 256,
      loginLimitPerAccountAndIp: 10,
      loginLimitPerAccount: 20,
      loginLimitPerIp: 100,
      loginLimitWindowSeconds: 900,
      loginLimitPerDevice: 10,
      deviceCookieMaxAgeSeconds: 365 * 86_400,
      argon2MemoryKib: 19_456,
      argon2TimeCost: 2,
      argon2Parallelism: 1,
      signingThread: 'auto',
      logLevel: 'info',
    });
    expect(config.secret).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.adminEmail).toBeUndefined();
    expect(config.adminPassword).toBeUndefined();
    expect(config.sessionCacheTtlMs).toBeLessThanOrEqual(5000);
  });

  it('derives dependent defaults from explicit values (issuer from port, database from data dir, Redis sessions)', () => {
    const config = loadConfig({
      PORT: '9090',
      GATEHOUSE_DATA_DIR: '/var/lib/gatehouse',
      REDIS_URL: 'redis://cache:6379',
    });
    expect(config.port).toBe(9090);
    expect(config.issuer).toBe('http://localhost:9090');
    expect(config.databaseUrl).toBe('sqlite:/var/lib/gatehouse/gatehouse.db');
    expect(config.sessionStore).toBe('redis');
    expect(config.redisUrl).toBe('redis://cache:6379');
  });

  it('parses numbers from the environment and ignores empty variables', () => {
    const config = loadConfig({
      PORT: '0',
      GATEHOUSE_SESSION_IDLE_TIMEOUT: '120',
      GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT: '3600',
      GATEHOUSE_SESSION_CACHE_TTL_MS: '0',
      GATEHOUSE_PASSWORD_MIN_LENGTH: '20',
      GATEHOUSE_LOGIN_LIMIT_ACCOUNT_IP: '5',
      GATEHOUSE_LOGIN_LIMIT_DEVICE: '3',
      GATEHOUSE_DEVICE_COOKIE_MAX_AGE: '2592000',
      GATEHOUSE_ARGON2_MEMORY_KIB: '65536',
      GATEHOUSE_HASH_CONCURRENCY: '4',
      HOST: '',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      port: 0,
      sessionIdleTimeoutSeconds: 120,
      sessionAbsoluteTimeoutSeconds: 3600,
      sessionCacheTtlMs: 0,
      passwordMinLength: 20,
      loginLimitPerAccountAndIp: 5,
      loginLimitPerDevice: 3,
      deviceCookieMaxAgeSeconds: 2_592_000,
      argon2MemoryKib: 65_536,
      hashConcurrency: 4,
      host: '127.0.0.1',
      logLevel: 'warn',
    });
  });

  it.each([
    ['true', true],
    ['false', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.1', '10.0.0.1'],
    ['10.0.0.1,10.0.0.2', '10.0.0.1,10.0.0.2'],
    ['loopback, 10.0.0.0/8', 'loopback, 10.0.0.0/8'],
  ] as const)('parses GATEHOUSE_TRUST_PROXY=%j as %j', (value, expected) => {
    expect(loadConfig({ GATEHOUSE_TRUST_PROXY: value }).trustProxy).toStrictEqual(expected);
  });

  it('refuses a zero hop count for GATEHOUSE_TRUST_PROXY', () => {
    const error = configError(() => loadConfig({ GATEHOUSE_TRUST_PROXY: '0' }));
    expect(error.message).toContain('GATEHOUSE_TRUST_PROXY');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '1.5'],
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['NODE_ENV', 'staging'],
    ['GATEHOUSE_ISSUER', 'ftp://auth.example.test'],
    ['GATEHOUSE_ISSUER', 'https://auth.example.test/path'],
    ['GATEHOUSE_ISSUER', 'auth.example.test'],
    ['REDIS_URL', 'http://cache:6379'],
    ['GATEHOUSE_SESSION_STORE', 'memory'],
    ['GATEHOUSE_SESSION_IDLE_TIMEOUT', '0'],
    ['GATEHOUSE_SESSION_CACHE_TTL_MS', '60001'],
    ['GATEHOUSE_PASSWORD_MIN_LENGTH', '7'],
    ['GATEHOUSE_PASSWORD_MAX_LENGTH', '63'],
    ['GATEHOUSE_LOGIN_LIMIT_IP', '0'],
    ['GATEHOUSE_LOGIN_LIMIT_WINDOW', '86401'],
    ['GATEHOUSE_LOGIN_LIMIT_DEVICE', '0'],
    ['GATEHOUSE_LOGIN_LIMIT_DEVICE', 'ten'],
    ['GATEHOUSE_DEVICE_COOKIE_MAX_AGE', '60'],
    ['GATEHOUSE_DEVICE_COOKIE_MAX_AGE', '34560001'],
    ['GATEHOUSE_ARGON2_MEMORY_KIB', '1024'],
    ['GATEHOUSE_ARGON2_TIME_COST', '1'],
    ['GATEHOUSE_ARGON2_PARALLELISM', '17'],
    ['GATEHOUSE_HASH_CONCURRENCY', '0'],
    ['GATEHOUSE_REDIS_PREFIX', 'has space'],
    ['LOG_LEVEL', 'verbose'],
    ['GATEHOUSE_INTROSPECTION_SECRET', 'too-short'],
  ])('rejects %s=%j with a ConfigError naming the variable', (name, value) => {
    const error = configError(() => loadConfig({ [name]: value }));
    expect(error.message).toContain(name);
    expect(error.problems.length).toBeGreaterThan(0);
  });

  it('rejects an absolute timeout shorter than the idle timeout', () => {
    const error = configError(() =>
      loadConfig({ GATEHOUSE_SESSION_IDLE_TIMEOUT: '600', GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT: '300' }),
    );
    expect(error.message).toContain('GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT');
  });

  it('reports every problem at once', () => {
    const error = configError(() =>
      loadConfig({ PORT: 'x', LOG_LEVEL: 'loud', GATEHOUSE_PASSWORD_MIN_LENGTH: '3' }),
    );
    expect(error.problems).toHaveLength(3);
    for (const name of ['PORT', 'LOG_LEVEL', 'GATEHOUSE_PASSWORD_MIN_LENGTH'])
      expect(error.message).toContain(name);
  });

  it('never echoes a secret value in an error', () => {
    const secret = 'hunter2-but-too-short';
    const error = configError(() =>
      loadConfig({ GATEHOUSE_SECRET: secret, GATEHOUSE_INTROSPECTION_SECRET: secret }),
    );
    expect(error.message).toContain('GATEHOUSE_SECRET');
    expect(error.message).not.toContain(secret);
  });

  it('takes where signatures are made from GATEHOUSE_SIGNING_THREAD, and nothing but its three values', () => {
    expect(loadConfig({ GATEHOUSE_SIGNING_THREAD: 'event-loop' }).signingThread).toBe('event-loop');
    expect(loadConfig({ GATEHOUSE_SIGNING_THREAD: 'thread-pool' }).signingThread).toBe('thread-pool');
    const error = configError(() => loadConfig({ GATEHOUSE_SIGNING_THREAD: 'main' }));
    expect(error.message).toContain('GATEHOUSE_SIGNING_THREAD');
  });

  it('takes the refresh retry grace (0–300 s, 0 disables) and the shutdown drain bound (100 ms–120 s)', () => {
    const defaults = loadConfig({});
    expect(defaults.refreshReuseGraceSeconds).toBe(30);
    expect(defaults.shutdownTimeoutMs).toBe(10_000);
    expect(loadConfig({ GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS: '0' }).refreshReuseGraceSeconds).toBe(0);
    expect(loadConfig({ GATEHOUSE_SHUTDOWN_TIMEOUT_MS: '2500' }).shutdownTimeoutMs).toBe(2500);
    for (const [name, value] of [
      ['GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS', '301'],
      ['GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS', '-1'],
      ['GATEHOUSE_SHUTDOWN_TIMEOUT_MS', '50'],
      ['GATEHOUSE_SHUTDOWN_TIMEOUT_MS', '1.5'],
    ] as const)
      expect(configError(() => loadConfig({ [name]: value })).message).toContain(name);
  });

  it('issue 15 #14: an unknown GATEHOUSE_* variable is refused, naming it and the likely intended one', () => {
    // Built from parts so that the repository scan below does not find the misspellings.
    const misspelt = `GATEHOUSE_${'SESION_STORE'}`;
    const error = configError(() => loadConfig({ [misspelt]: 'redis', [`GATEHOUSE_${'WHATEVER'}`]: '1' }));
    expect(error.problems).toEqual([
      `Unknown environment variable ${misspelt} (did you mean GATEHOUSE_SESSION_STORE?)`,
      `Unknown environment variable GATEHOUSE_${'WHATEVER'}`,
    ]);
    // Variables of the examples and the test suites may share the server's shell.
    const shared = Object.fromEntries([...otherGatehouseVariables].map((name) => [name, '']));
    expect(loadConfig({ ...shared, GATEHOUSE_INTROSPECTION_SECRET: SECRET }).introspectionSecret).toBe(
      SECRET,
    );
  });

  it('issue 15 #14: every GATEHOUSE_* name in the repository is a setting or on the allow-list', () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const known = new Set([...Object.values(envNames), ...otherGatehouseVariables]);
    const found = new Map<string, string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        if (entry === 'node_modules' || entry === '.git' || entry === 'data') continue;
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|mjs|js|md|json|ya?ml|sh)$|^run$/.test(entry))
          for (const [name] of readFileSync(path, 'utf8').matchAll(/GATEHOUSE_[A-Z0-9_]+/g))
            found.set(name, path.slice(root.length));
      }
    };
    for (const top of ['packages', 'examples', 'bench', 'docs', '.ci', 'README.md']) {
      const path = join(root, top);
      if (statSync(path).isDirectory()) walk(path);
      else
        for (const [name] of readFileSync(path, 'utf8').matchAll(/GATEHOUSE_[A-Z0-9_]+/g))
          found.set(name, top);
    }
    const unknown = [...found]
      .filter(([name]) => !known.has(name))
      .map(([name, where]) => `${name} (${where})`);
    expect(unknown).toEqual([]);
    expect(found.size).toBeGreaterThan(30);
  });

  it('takes the revocation catch-up interval from GATEHOUSE_REVOCATION_CATCHUP_MS (1 s by default, 100 ms to 60 s)', () => {
    expect(loadConfig({}).revocationCatchUpMs).toBe(1000);
    expect(loadConfig({ GATEHOUSE_REVOCATION_CATCHUP_MS: '250' }).revocationCatchUpMs).toBe(250);
    for (const bad of ['50', '60001', 'often'])
      expect(configError(() => loadConfig({ GATEHOUSE_REVOCATION_CATCHUP_MS: bad })).message).toContain(
        'GATEHOUSE_REVOCATION_CATCHUP_MS',
      );
  });

  it('every key has an environment variable and every variable is distinct', () => {
    const names = Object.values(envNames);
    expect(new Set(names).size).toBe(names.length);
  });

  describe('GATEHOUSE_CONFIG file', () => {
    it('supplies values, and the environment overrides it, and explicit overrides win over both', () => {
      const file = configFile({ port: 9000, logLevel: 'debug', passwordMinLength: 18, host: '0.0.0.0' });
      const fromFile = loadConfig({ GATEHOUSE_CONFIG: file });
      expect(fromFile).toMatchObject({
        port: 9000,
        logLevel: 'debug',
        passwordMinLength: 18,
        host: '0.0.0.0',
      });
      expect(fromFile.issuer).toBe('http://localhost:9000');
      const envWins = loadConfig({ GATEHOUSE_CONFIG: file, PORT: '9100', LOG_LEVEL: 'error' });
      expect(envWins).toMatchObject({ port: 9100, logLevel: 'error', passwordMinLength: 18 });
      const overrideWins = loadConfig({ GATEHOUSE_CONFIG: file, PORT: '9100' }, { port: 9200 });
      expect(overrideWins.port).toBe(9200);
    });

    it('rejects an unknown key with a ConfigError naming it', () => {
      const file = configFile({ port: 9000, sessionTimeout: 60 });
      const error = configError(() => loadConfig({ GATEHOUSE_CONFIG: file }));
      expect(error.message).toContain('sessionTimeout');
      expect(error.problems).toHaveLength(1);
    });

    it('rejects environment variable names used as file keys (keys are camelCase)', () => {
      const file = configFile({ PORT: 9000 });
      const error = configError(() => loadConfig({ GATEHOUSE_CONFIG: file }));
      expect(error.message).toContain('PORT');
    });

    it('does not coerce types in the file', () => {
      const error = configError(() => loadConfig({ GATEHOUSE_CONFIG: configFile({ port: '9000' }) }));
      expect(error.message).toContain('port');
    });

    it('refuses a missing or malformed file clearly', () => {
      const missing = join(dir, 'does-not-exist.json');
      expect(configError(() => loadConfig({ GATEHOUSE_CONFIG: missing })).message).toContain(missing);
      const broken = configFile('{ "port": 9000,');
      expect(configError(() => loadConfig({ GATEHOUSE_CONFIG: broken })).message).toMatch(
        /Cannot read config file/,
      );
    });
  });

  describe('production', () => {
    it('refuses to start without GATEHOUSE_SECRET, with a clear message', () => {
      const error = configError(() => loadConfig({ ...production, GATEHOUSE_SECRET: '' }));
      expect(error.message).toMatch(/GATEHOUSE_SECRET is required in production/);
    });

    it('refuses a plain-http issuer', () => {
      const error = configError(() =>
        loadConfig({ ...production, GATEHOUSE_ISSUER: 'http://auth.example.test' }),
      );
      expect(error.message).toMatch(/GATEHOUSE_ISSUER must be an https:\/\/ URL/);
      // The default issuer is http://localhost, so it is refused too.
      const { GATEHOUSE_ISSUER: _, ...withoutIssuer } = production;
      expect(configError(() => loadConfig(withoutIssuer)).message).toContain('GATEHOUSE_ISSUER');
    });

    it('refuses to trust every proxy hop, a bare hop count and a long session cache', () => {
      expect(
        configError(() => loadConfig({ ...production, GATEHOUSE_TRUST_PROXY: 'true' })).message,
      ).toContain('GATEHOUSE_TRUST_PROXY');
      // A hop count believes X-Forwarded-* from whoever connects: a direct client could claim https.
      expect(configError(() => loadConfig({ ...production, GATEHOUSE_TRUST_PROXY: '1' })).message).toMatch(
        /GATEHOUSE_TRUST_PROXY as a hop count/,
      );
      expect(
        configError(() => loadConfig({ ...production, GATEHOUSE_SESSION_CACHE_TTL_MS: '5001' })).message,
      ).toContain('GATEHOUSE_SESSION_CACHE_TTL_MS');
    });

    it('refuses a short secret', () => {
      const error = configError(() => loadConfig({ ...production, GATEHOUSE_SECRET: SECRET.slice(0, 31) }));
      expect(error.message).toContain('GATEHOUSE_SECRET');
    });

    it('accepts a complete production configuration', () => {
      const config = loadConfig({
        ...production,
        GATEHOUSE_TRUST_PROXY: '10.0.0.1',
        GATEHOUSE_SESSION_CACHE_TTL_MS: '5000',
        DATABASE_URL: 'postgres://gatehouse@db/gatehouse',
        REDIS_URL: 'rediss://cache:6380',
      });
      expect(config).toMatchObject({
        nodeEnv: 'production',
        issuer: 'https://auth.example.test',
        secret: SECRET,
        trustProxy: '10.0.0.1',
        sessionStore: 'redis',
      });
      expect(isSecureOrigin(config)).toBe(true);
    });
  });

  it('returns a frozen object', () => {
    const config = loadConfig({}, { port: 1234 });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(config.port).toBe(1234);
  });

  it('isSecureOrigin: https, or localhost which browsers treat as secure', () => {
    expect(isSecureOrigin(loadConfig({}))).toBe(true);
    expect(isSecureOrigin(loadConfig({ GATEHOUSE_ISSUER: 'http://127.0.0.1:8080' }))).toBe(true);
    expect(isSecureOrigin(loadConfig({ GATEHOUSE_ISSUER: 'http://auth.example.test' }))).toBe(false);
    expect(isSecureOrigin(loadConfig({ GATEHOUSE_ISSUER: 'https://auth.example.test' }))).toBe(true);
  });
});
