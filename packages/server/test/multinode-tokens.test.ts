import { postgresUrlOrSkip, redisUrlOrSkip } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_ADMIN as ADMIN, type Cluster, startCluster, startNotesApi } from './cluster.ts';

const postgresUrl = await postgresUrlOrSkip();
const redisUrl = await redisUrlOrSkip();
const ISSUER = 'http://gatehouse.test';

describe.skipIf(postgresUrl === undefined || redisUrl === undefined)(
  'hybrid tokens across processes: two Gatehouse nodes on PostgreSQL + Redis, one notes-api',
  () => {
    let cluster: Cluster;
    let notesApi: Awaited<ReturnType<typeof startNotesApi>>;
    let nodes: readonly string[] = [];
    let notes = '';

    beforeAll(async () => {
      cluster = await startCluster(postgresUrl!, redisUrl!, 2, {
        GATEHOUSE_ISSUER: ISSUER,
        GATEHOUSE_LOGIN_LIMIT_ACCOUNT_IP: '1000',
        GATEHOUSE_LOGIN_LIMIT_ACCOUNT: '1000',
      });
      nodes = cluster.urls;
      notesApi = await startNotesApi(cluster, nodes[0]!, ISSUER);
      notes = notesApi.url;
    }, 90_000);

    afterAll(async () => {
      await notesApi?.stop();
      await cluster?.stop();
    });

    async function tokenLogin(node: string) {
      const response = await fetch(`${node}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...ADMIN, mode: 'token' }),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { access_token: string; refresh_token: string };
    }

    const notesStatus = async (token: string) =>
      (await fetch(`${notes}/notes`, { headers: { authorization: `Bearer ${token}` } })).status;

    it('a logout on node B stops the still-unexpired access token at the notes-api within 1 s', async () => {
      const [, b] = nodes as [string, string];
      const tokens = await tokenLogin(nodes[0]!);
      // Give the notes-api time to connect its feed and fetch the JWKS.
      for (let i = 0; i < 50 && (await notesStatus(tokens.access_token)) !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await notesStatus(tokens.access_token)).toBe(200);
      const started = performance.now();
      const logout = await fetch(`${b}/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(logout.status).toBe(204);
      let elapsed = Number.POSITIVE_INFINITY;
      while (performance.now() - started < 3000) {
        if ((await notesStatus(tokens.access_token)) === 401) {
          elapsed = performance.now() - started;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(elapsed).toBeLessThan(1000);
      // And the refresh token died with the session, on either node.
      const refresh = await fetch(`${nodes[0]}/token/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: tokens.refresh_token }),
      });
      expect(refresh.status).toBe(400);
    });
  },
);
