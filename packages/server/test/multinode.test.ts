import { randomBytes } from 'node:crypto';
import { postgresUrlOrSkip, redisUrlOrSkip } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, adminSession as loginAt, startCluster, timeUntil } from './cluster.ts';

const postgresUrl = await postgresUrlOrSkip();
const redisUrl = await redisUrlOrSkip();

describe.skipIf(postgresUrl === undefined || redisUrl === undefined)(
  'two server processes on PostgreSQL + Redis',
  () => {
    let cluster: Cluster;
    let nodes: Cluster['nodes'] = [];

    beforeAll(async () => {
      cluster = await startCluster(postgresUrl!, redisUrl!, 2);
      nodes = cluster.nodes;
    }, 60_000);

    afterAll(async () => {
      await cluster?.stop();
    });

    const status = async (url: string, cookie: string) =>
      (await fetch(`${url}/account`, { headers: { cookie } })).status;

    it('SESS-04 [N]: a session logged out on node A is refused by node B within 1 s', async () => {
      const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
      const session = await loginAt(a.url);
      expect(await status(b.url, session.cookie)).toBe(200); // B has it cached now
      const logout = await fetch(`${a.url}/logout`, {
        method: 'POST',
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
      });
      expect(logout.status).toBe(204);
      const elapsed = await timeUntil(async () => (await status(b.url, session.cookie)) === 401);
      expect(elapsed).toBeLessThan(1000);
      expect(await status(a.url, session.cookie)).toBe(401);
    });

    it('SESS-06 [N]: disabling a user on node B ends their session on node A within 1 s', async () => {
      const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
      const operator = await loginAt(b.url);
      const pw = `violet harbour ${randomBytes(4).toString('hex')} lantern`;
      const created = await fetch(`${b.url}/admin/v1/users`, {
        method: 'POST',
        headers: {
          cookie: operator.cookie,
          'x-csrf-token': operator.csrf,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ email: 'victim@example.test', password: pw }),
      });
      const victimId = ((await created.json()) as { id: string }).id;
      const login = await fetch(`${a.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'victim@example.test', password: pw }),
      });
      const cookie = `__Host-gatehouse_session=${/__Host-gatehouse_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]}`;
      expect(await status(a.url, cookie)).toBe(200);
      await fetch(`${b.url}/admin/v1/users/${victimId}/disable`, {
        method: 'POST',
        headers: { cookie: operator.cookie, 'x-csrf-token': operator.csrf },
      });
      expect(await timeUntil(async () => (await status(a.url, cookie)) === 401)).toBeLessThan(1000);
    });
  },
);
