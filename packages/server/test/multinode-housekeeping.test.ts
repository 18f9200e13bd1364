import { randomBytes } from 'node:crypto';
import { postgresUrlOrSkip, redisUrlOrSkip } from '@gatehouse/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeProcess } from './faults/node-process.ts';

/**
 * Issue 16 #6 across processes: two nodes sweeping every second share one lease in Redis, so the
 * cluster sweeps about once per period — not once per node per period.
 */
const postgresUrl = await postgresUrlOrSkip();
const redisUrl = await redisUrlOrSkip();

describe.skipIf(postgresUrl === undefined || redisUrl === undefined)('housekeeping across nodes', () => {
  const database = `gh_hk_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  const nodes: NodeProcess[] = [];

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(postgresUrl!);
    url.pathname = `/${database}`;
    const env = {
      DATABASE_URL: url.toString(),
      REDIS_URL: redisUrl!,
      GATEHOUSE_REDIS_PREFIX: `${database}:`,
      GATEHOUSE_SECRET: randomBytes(32).toString('base64url'),
      GATEHOUSE_HOUSEKEEPING_INTERVAL: '1',
      LOG_LEVEL: 'debug',
    };
    // One after the other: the first migrates.
    nodes.push(await NodeProcess.start(env));
    nodes.push(await NodeProcess.start(env));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }, 60_000);

  it('two nodes, one sweep per period between them', async () => {
    const count = () => nodes.map((node) => node.lines('housekeeping ran').length);
    const before = count();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const after = count();
    const seconds = (performance.now() - started) / 1000;
    const sweeps = after.reduce((sum, n, i) => sum + n - (before[i] ?? 0), 0);
    console.log(
      `housekeeping: ${sweeps} sweeps in ${seconds.toFixed(1)} s by two nodes (per node: ${after.map((n, i) => n - (before[i] ?? 0))})`,
    );
    // Without the lease each node would sweep every second (≈ 10 here). The lease lasts 0.9 of a
    // period, so at most one sweep per 0.9 s can happen whatever the timers' phases.
    expect(sweeps).toBeGreaterThanOrEqual(2);
    expect(sweeps).toBeLessThanOrEqual(Math.ceil(seconds / 0.9) + 1);
  }, 30_000);
});
