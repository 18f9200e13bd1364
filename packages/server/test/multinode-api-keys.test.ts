import { postgresUrlOrSkip, redisUrlOrSkip } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, type Cluster, startCluster, timeUntil } from './cluster.ts';

const postgresUrl = await postgresUrlOrSkip();
const redisUrl = await redisUrlOrSkip();

describe.skipIf(postgresUrl === undefined || redisUrl === undefined)(
  'API keys across two server processes on PostgreSQL + Redis',
  () => {
    let cluster: Cluster;
    let a: string;
    let b: string;
    let admin: { cookie: string; csrf: string };

    beforeAll(async () => {
      cluster = await startCluster(postgresUrl!, redisUrl!, 2);
      [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
      admin = await adminSession(a);
    }, 60_000);
    afterAll(async () => {
      await cluster?.stop();
    });

    const adminCall = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${a}${path}`, {
        method,
        headers: {
          cookie: admin.cookie,
          'x-csrf-token': admin.csrf,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return {
        status: response.status,
        body: response.status === 204 ? {} : ((await response.json()) as Record<string, unknown>),
      };
    };
    let n = 0;
    const newKey = async (extra: object = {}) => {
      n += 1;
      const account = await adminCall('POST', '/admin/v1/service-accounts', {
        name: `multi-${n}`,
        roles: ['admin'],
      });
      expect(account.status).toBe(201);
      const created = await adminCall('POST', `/admin/v1/users/${account.body.id}/api-keys`, {
        name: 'k',
        scopes: ['users:read'],
        ...extra,
      });
      expect(created.status).toBe(201);
      return { key: created.body.key as string, id: created.body.id as string };
    };
    const use = async (url: string, key: string) =>
      (await fetch(`${url}/admin/v1/users?limit=1`, { headers: { 'x-api-key': key } })).status;

    it('KEY-04 [N]: a key revoked on node A is refused on node B within 1 s', async () => {
      const { key, id } = await newKey();
      expect(await use(a, key)).toBe(200);
      expect(await use(b, key)).toBe(200); // cached on B now
      expect((await adminCall('DELETE', `/admin/v1/api-keys/${id}`)).status).toBe(204);
      expect(await use(a, key)).toBe(401);
      const elapsed = await timeUntil(async () => (await use(b, key)) === 401);
      expect(elapsed).toBeLessThan(1000);
    });

    it('shares each key’s rate limit across nodes through Redis', async () => {
      const { key } = await newKey({ rate_limit: { limit: 10, window_seconds: 60 } });
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++) statuses.push(await use(i % 2 === 0 ? a : b, key));
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
      const response = await fetch(`${b}/admin/v1/users?limit=1`, { headers: { 'x-api-key': key } });
      expect(response.status).toBe(429);
      expect(response.headers.get('ratelimit-policy')).toBe('"api-key";q=10;w=60');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  },
);
