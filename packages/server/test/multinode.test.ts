import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { postgresUrlOrSkip, redisUrlOrSkip } from '@gatehouse/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitReady } from './processes.ts';

const postgresUrl = await postgresUrlOrSkip();
const redisUrl = await redisUrlOrSkip();
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const ADMIN = { email: 'admin@example.test', password: 'tangerine orbit quietly 4417' };

/** Polls until `check` is true; returns how long it took, or Infinity after `limitMs`. */
async function timeUntil(check: () => Promise<boolean>, limitMs = 3000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Number.POSITIVE_INFINITY;
}

describe.skipIf(postgresUrl === undefined || redisUrl === undefined)(
  'two server processes on PostgreSQL + Redis',
  () => {
    const database = `gh_multinode_${randomBytes(4).toString('hex')}`;
    const nodes: { url: string; process: ChildProcess }[] = [];
    let admin: pg.Client;

    beforeAll(async () => {
      admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${database}`);
      const databaseUrl = new URL(postgresUrl!);
      databaseUrl.pathname = `/${database}`;
      const shared = {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: databaseUrl.toString(),
        REDIS_URL: redisUrl,
        GATEHOUSE_REDIS_PREFIX: `${database}:`,
        GATEHOUSE_SECRET: randomBytes(32).toString('base64url'),
        GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
        GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
        LOG_LEVEL: 'warn',
      };
      // Start one node first so migrations and the bootstrap admin are created once.
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        const child = spawn(process.execPath, ['--import', 'tsx', bin, 'start'], {
          env: {
            ...shared,
            PORT: String(port),
            GATEHOUSE_ISSUER: `http://localhost:${port}`,
            GATEHOUSE_DATA_DIR: `/tmp/${database}-${i}`,
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        nodes.push({ url, process: child });
        await waitReady(`${url}/readyz`);
      }
    }, 60_000);

    afterAll(async () => {
      for (const node of nodes) node.process.kill('SIGTERM');
      await Promise.all(nodes.map((n) => new Promise((resolve) => n.process.once('exit', resolve))));
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    });

    async function loginAt(url: string) {
      const response = await fetch(`${url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      expect(response.status).toBe(200);
      const token = /__Host-gatehouse_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!;
      const body = (await response.json()) as { csrf_token: string };
      return { cookie: `__Host-gatehouse_session=${token}`, csrf: body.csrf_token };
    }

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
