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
const notesMain = fileURLToPath(new URL('../../../examples/notes-api/src/main.ts', import.meta.url));
const ADMIN = { email: 'admin@example.test', password: 'tangerine orbit quietly 4417' };
const ISSUER = 'http://gatehouse.test';

describe.skipIf(postgresUrl === undefined || redisUrl === undefined)(
  'hybrid tokens across processes: two Gatehouse nodes on PostgreSQL + Redis, one notes-api',
  () => {
    const database = `gh_tokens_${randomBytes(4).toString('hex')}`;
    const processes: ChildProcess[] = [];
    const nodes: string[] = [];
    let notes = '';
    let admin: pg.Client;
    const secret = randomBytes(32).toString('hex');

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
        GATEHOUSE_ISSUER: ISSUER,
        GATEHOUSE_INTROSPECTION_SECRET: secret,
        GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
        GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
        GATEHOUSE_LOGIN_LIMIT_ACCOUNT_IP: '1000',
        GATEHOUSE_LOGIN_LIMIT_ACCOUNT: '1000',
        LOG_LEVEL: 'warn',
      };
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        processes.push(
          spawn(process.execPath, ['--import', 'tsx', bin, 'start'], {
            env: { ...shared, PORT: String(port), GATEHOUSE_DATA_DIR: `/tmp/${database}-${i}` },
            stdio: ['ignore', 'ignore', 'inherit'],
          }),
        );
        nodes.push(url);
        await waitReady(`${url}/readyz`);
      }
      const notesPort = await freePort();
      notes = `http://127.0.0.1:${notesPort}`;
      processes.push(
        spawn(process.execPath, ['--import', 'tsx', notesMain], {
          env: {
            ...process.env,
            PORT: String(notesPort),
            GATEHOUSE_URL: nodes[0],
            GATEHOUSE_ISSUER: ISSUER,
            GATEHOUSE_TOKEN_AUDIENCE: ISSUER,
            GATEHOUSE_INTROSPECTION_SECRET: secret,
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        }),
      );
      await waitReady(`${notes}/healthz`);
    }, 90_000);

    afterAll(async () => {
      for (const child of processes) child.kill('SIGTERM');
      await Promise.all(processes.map((p) => new Promise((resolve) => p.once('exit', resolve))));
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
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
