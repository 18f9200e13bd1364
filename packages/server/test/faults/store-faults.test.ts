import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, CLUSTER_ADMIN } from '../cluster.ts';
import { faultToolsAvailable } from './available.ts';
import { NodeProcess, timedFetch } from './node-process.ts';
import { PrivatePostgres } from './private-postgres.ts';
import { PrivateRedis } from './private-redis.ts';
import { TcpProxy } from './tcp-proxy.ts';

/**
 * Issue 16 #2: a store that does not answer gives 503 with Retry-After quickly — never a hang,
 * never a 500, never a 200 for an unverified credential — and the node recovers without a restart.
 * One server process, a private Redis (behind a proxy that can stall) and a private PostgreSQL.
 *
 * The requirement is "503 in under a second"; on a loaded shared machine the tests assert < 2.5 s
 * per request (generous margin) and print the real figures (`fault figures` lines).
 */
const BOUND_MS = 2500;
const available = faultToolsAvailable();

let redis: PrivateRedis;
let postgres: PrivatePostgres;
let proxy: TcpProxy;
let pgProxy: TcpProxy;
let node: NodeProcess;

const login = () =>
  timedFetch(`${node.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(CLUSTER_ADMIN),
  });

function report(fault: string, results: { ms: number }[]): void {
  const ms = results.map((r) => r.ms);
  console.log(
    `fault figures: ${fault}: ${ms.length} requests, max ${Math.max(...ms).toFixed(0)} ms, median ${ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]?.toFixed(0)} ms`,
  );
}

function expectAll503(results: Awaited<ReturnType<typeof timedFetch>>[]): void {
  for (const result of results) {
    expect(result.status, result.body).toBe(503);
    expect(result.retryAfter).not.toBeNull();
    expect(result.ms).toBeLessThan(BOUND_MS);
  }
}

describe.skipIf(!available)('store faults', () => {
  beforeAll(async () => {
    [redis, postgres] = await Promise.all([PrivateRedis.start(), PrivatePostgres.start()]);
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: redis.port });
    pgProxy = await TcpProxy.start({ host: '127.0.0.1', port: postgres.port });
    node = await NodeProcess.start({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${pgProxy.port}/postgres`,
      // Short, so the stalled-PostgreSQL test is quick: the client gives up 1 s after this.
      GATEHOUSE_PG_STATEMENT_TIMEOUT_MS: '500',
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      // No in-process session or permission cache: every request below reaches the stores.
      GATEHOUSE_SESSION_CACHE_TTL_MS: '0',
      // The tests sign the admin in many times from one address.
      GATEHOUSE_LOGIN_LIMIT_ACCOUNT_IP: '10000',
      GATEHOUSE_LOGIN_LIMIT_ACCOUNT: '10000',
      GATEHOUSE_LOGIN_LIMIT_IP: '10000',
    });
  }, 90_000);

  afterAll(async () => {
    await node?.stop();
    await proxy?.close();
    await pgProxy?.close();
    await redis?.stop();
    await postgres?.destroy();
  }, 60_000);

  it('Redis stalled: session requests and logins answer 503 with Retry-After, /readyz 503; healed: back without a restart', async () => {
    const admin = await adminSession(node.url);
    expect((await timedFetch(`${node.url}/account`, { headers: { cookie: admin.cookie } })).status).toBe(200);

    proxy.stall();
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(await timedFetch(`${node.url}/account`, { headers: { cookie: admin.cookie } }));
      results.push(await login());
    }
    expectAll503(results);
    report('Redis stalled', results);
    const ready = await timedFetch(`${node.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).stores.redis).toBe('down');
    expect(ready.ms).toBeLessThan(BOUND_MS);

    proxy.heal();
    await expect
      .poll(
        async () => (await timedFetch(`${node.url}/account`, { headers: { cookie: admin.cookie } })).status,
        {
          timeout: 15_000,
          interval: 200,
        },
      )
      .toBe(200);
    expect((await timedFetch(`${node.url}/readyz`)).status).toBe(200);
  }, 90_000);

  it('Redis killed: 503s at once; restarted: logins work again without restarting the node', async () => {
    const admin = await adminSession(node.url);
    await redis.kill();
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(await timedFetch(`${node.url}/account`, { headers: { cookie: admin.cookie } }));
      results.push(await login());
    }
    expectAll503(results);
    report('Redis killed', results);
    expect((await timedFetch(`${node.url}/readyz`)).status).toBe(503);

    await redis.restart();
    // Redis kept nothing (no persistence): the old session is gone, a new login works.
    await expect.poll(async () => (await login()).status, { timeout: 20_000, interval: 250 }).toBe(200);
    await expect
      .poll(async () => (await timedFetch(`${node.url}/readyz`)).status, { timeout: 10_000 })
      .toBe(200);
    expect(node.lines('store unavailable').filter((l) => l.store === 'redis').length).toBeGreaterThanOrEqual(
      1,
    );
    // Redis connection errors reach the JSON log through store health, not console.error.
    expect(node.stderr).not.toMatch(/Redis error|ECONNREFUSED|ECONNRESET/);
  }, 90_000);

  it('PostgreSQL stalled: 503 once the deadline passes, then at once while it stays stalled, no hang; healed: back without a restart', async () => {
    const admin = await adminSession(node.url);
    pgProxy.stall();
    const results = [];
    for (let i = 0; i < 8; i++) {
      results.push(await timedFetch(`${node.url}/admin/v1/users`, { headers: { cookie: admin.cookie } }));
    }
    report('PostgreSQL stalled (statement timeout 500 ms, client deadline 1.5 s)', results);
    for (const result of results) {
      expect(result.status, result.body).toBe(503);
      expect(result.retryAfter).not.toBeNull();
      // The first requests wait out the client deadline (1.5 s here, a pool wait 2 s): a generous
      // bound on a loaded machine.
      expect(result.ms).toBeLessThan(6000);
    }
    // Once store health's probe has seen the stall, the pool refuses at once: the later requests
    // are fast (< 1 s required; asserted with margin).
    for (const result of results.slice(4)) expect(result.ms).toBeLessThan(BOUND_MS);
    expect((await timedFetch(`${node.url}/readyz`)).status).toBe(503);
    pgProxy.heal();
    await expect
      .poll(
        async () =>
          (await timedFetch(`${node.url}/admin/v1/users`, { headers: { cookie: admin.cookie } })).status,
        { timeout: 20_000, interval: 250 },
      )
      .toBe(200);
    await expect
      .poll(async () => (await timedFetch(`${node.url}/readyz`)).status, { timeout: 10_000 })
      .toBe(200);
  }, 90_000);

  it('PostgreSQL stopped: 503 (not 500) in bounded time, one log line per transition and no stack per request; restarted: recovery', async () => {
    const admin = await adminSession(node.url);
    const before = node.logs.length;
    await postgres.stop();
    const results = [];
    for (let i = 0; i < 10; i++) {
      results.push(await timedFetch(`${node.url}/admin/v1/users`, { headers: { cookie: admin.cookie } }));
      results.push(await login());
    }
    // The OAuth engine's token endpoint too (its client lookup meets the outage): 503, not 500.
    const token = await timedFetch(`${node.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=c_fault&client_secret=nope',
    });
    expect(JSON.parse(token.body || '{}').error, token.body).toBe('temporarily_unavailable');
    results.push(token);
    expectAll503(results);
    report('PostgreSQL stopped', results);
    const ready = await timedFetch(`${node.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).stores.database).toBe('down');

    await postgres.restart();
    await expect
      .poll(
        async () =>
          (await timedFetch(`${node.url}/admin/v1/users`, { headers: { cookie: admin.cookie } })).status,
        {
          timeout: 20_000,
          interval: 250,
        },
      )
      .toBe(200);
    await expect
      .poll(
        () =>
          node.logs.slice(before).filter((l) => l.msg === 'store recovered' && l.store === 'database').length,
        {
          timeout: 10_000,
        },
      )
      .toBe(1);
    const outage = node.logs.slice(before);
    expect(outage.filter((l) => l.msg === 'store unavailable' && l.store === 'database')).toHaveLength(1);
    // Nothing else at error level, and no stack anywhere: the 20 failed requests logged none.
    expect(outage.filter((l) => (l.level ?? 0) >= 50 && l.msg !== 'store unavailable')).toEqual([]);
    expect(outage.filter((l) => JSON.stringify(l).includes('"stack"'))).toEqual([]);
  }, 90_000);

  it('PostgreSQL kill -9 under write load: every write acknowledged with 2xx is there after the restart', async () => {
    const admin = await adminSession(node.url);
    const acknowledged: string[] = [];
    const statuses = new Map<number, number>();
    let writing = true;
    const writer = async (w: number) => {
      for (let n = 0; writing; n++) {
        const result = await timedFetch(`${node.url}/admin/v1/users`, {
          method: 'POST',
          headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
          body: JSON.stringify({ email: `writer${w}-${n}@example.test` }),
        });
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        if (result.status === 201) acknowledged.push((JSON.parse(result.body) as { id: string }).id);
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const writers = Promise.all([0, 1, 2, 3].map(writer));
    await expect.poll(() => acknowledged.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(20);
    await postgres.kill();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    writing = false;
    await writers;
    await postgres.restart();

    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const { rows } = await client.query<{ id: string }>('select id from users where id = any($1)', [
      acknowledged,
    ]);
    await client.end();
    console.log(
      `fault figures: PostgreSQL kill -9 under writes: ${acknowledged.length} acknowledged, ${rows.length} present, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(rows.length).toBe(acknowledged.length);
    // The node survived the crash of its database (no unhandled driver error) and writes again.
    await expect
      .poll(
        async () =>
          (
            await timedFetch(`${node.url}/admin/v1/users`, {
              method: 'POST',
              headers: {
                cookie: admin.cookie,
                'x-csrf-token': admin.csrf,
                'content-type': 'application/json',
              },
              body: JSON.stringify({ email: 'after-crash@example.test' }),
            })
          ).status,
        { timeout: 20_000, interval: 250 },
      )
      .toBe(201);
    // Every answer was a success or a 503: no 500, no hang (timedFetch gives 0 on a 10 s timeout).
    expect([...statuses.keys()].filter((s) => s !== 201 && s !== 503)).toEqual([]);
  }, 90_000);
});
