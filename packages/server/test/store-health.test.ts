import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { StoreHealth } from '../src/stores/store-health.ts';

/** Issue 16 #2: an outage is logged once when it starts and once when it ends, as JSON. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, logger: createLogger('debug', sink) };
}

describe('store health', () => {
  it('logs each transition once, however many checks fail or pass in between', async () => {
    const { lines, logger } = capture();
    let redisUp = true;
    const health = new StoreHealth({
      probes: {
        database: async () => {},
        redis: async () => {
          if (!redisUp)
            throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
        },
      },
      logger,
      timeoutMs: 200,
      recheckMs: 60_000,
    });
    try {
      expect(await health.check()).toEqual({ database: 'up', redis: 'up' });
      redisUp = false;
      for (let i = 0; i < 5; i++) expect(await health.check()).toEqual({ database: 'up', redis: 'down' });
      expect(health.healthy).toBe(false);
      redisUp = true;
      for (let i = 0; i < 3; i++) await health.check();
      expect(health.healthy).toBe(true);
      const transitions = lines.filter((l) => l.msg === 'store unavailable' || l.msg === 'store recovered');
      expect(transitions.map((l) => [l.msg, l.store])).toEqual([
        ['store unavailable', 'redis'],
        ['store recovered', 'redis'],
      ]);
      // The reason without a stack; the outage at error level, the recovery at info.
      expect(transitions[0]).toMatchObject({ level: 50, error: { code: 'ECONNREFUSED' } });
      expect(JSON.stringify(transitions[0])).not.toContain('stack');
      expect(transitions[1]).toMatchObject({ level: 30 });
    } finally {
      health.stop();
    }
  });

  it('a probe that does not answer in time counts as down (a stall, not only a closed socket)', async () => {
    const { lines, logger } = capture();
    const health = new StoreHealth({
      probes: { database: () => new Promise<void>(() => {}) },
      logger,
      timeoutMs: 100,
      recheckMs: 60_000,
    });
    try {
      const started = performance.now();
      expect(await health.check()).toEqual({ database: 'down' });
      expect(performance.now() - started).toBeLessThan(2000);
      expect(lines.find((l) => l.msg === 'store unavailable')).toMatchObject({ store: 'database' });
    } finally {
      health.stop();
    }
  });

  it('rechecks a store that is down by itself, so recovery is logged without traffic', async () => {
    const { lines, logger } = capture();
    let up = false;
    const health = new StoreHealth({
      probes: {
        database: async () => {
          if (!up) throw new Error('Connection terminated unexpectedly');
        },
      },
      logger,
      timeoutMs: 100,
      recheckMs: 50,
    });
    try {
      health.suspect();
      await expect.poll(() => health.healthy).toBe(false);
      up = true;
      await expect.poll(() => lines.some((l) => l.msg === 'store recovered'), { timeout: 5000 }).toBe(true);
    } finally {
      health.stop();
    }
  });
});
