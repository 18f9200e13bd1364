import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, waitReady } from './processes.ts';

const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const notesMain = fileURLToPath(new URL('../../../examples/notes-api/src/main.ts', import.meta.url));
export const CLUSTER_ADMIN = { email: 'admin@example.test', password: 'tangerine orbit quietly 4417' };

export interface Cluster {
  readonly nodes: readonly { url: string; process: ChildProcess }[];
  /** The nodes' URLs, in start order. */
  readonly urls: readonly string[];
  /** The shared settings every node got (secret included). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Stops node `index` (SIGTERM, drained) and starts it again on the same port and database with
   * `env` on top of the shared settings (e.g. another `GATEHOUSE_SECRET`); resolves once it is ready.
   */
  restart(index: number, env?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Server processes sharing one fresh PostgreSQL database and a Redis prefix, started one after
 * the other (the first migrates and creates the bootstrap admin). `extraEnv` reaches every node;
 * without a `GATEHOUSE_ISSUER` in it, each node is its own issuer (`http://localhost:<port>`).
 */
export async function startCluster(
  postgresUrl: string,
  redisUrl: string,
  count: number,
  extraEnv: Record<string, string> = {},
  /** Settings for one node only (e.g. its own `REDIS_URL`, through a fault proxy). */
  nodeEnv: (index: number) => Record<string, string> = () => ({}),
): Promise<Cluster> {
  const database = `gh_cluster_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const databaseUrl = new URL(postgresUrl);
  databaseUrl.pathname = `/${database}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: redisUrl,
    GATEHOUSE_REDIS_PREFIX: `${database}:`,
    GATEHOUSE_SECRET: randomBytes(32).toString('base64url'),
    GATEHOUSE_INTROSPECTION_SECRET: randomBytes(32).toString('base64url'),
    GATEHOUSE_ADMIN_EMAIL: CLUSTER_ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: CLUSTER_ADMIN.password,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const nodes: { url: string; process: ChildProcess }[] = [];
  const stop = async () => {
    for (const node of nodes) node.process.kill('SIGTERM');
    await Promise.all(
      nodes.map((n) =>
        n.process.exitCode === null ? new Promise((resolve) => n.process.once('exit', resolve)) : undefined,
      ),
    );
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  };
  const spawnNode = (i: number, port: number, overrides: Record<string, string> = {}) =>
    spawn(process.execPath, ['--import', 'tsx', bin, 'start'], {
      env: {
        ...process.env,
        ...env,
        PORT: String(port),
        GATEHOUSE_ISSUER: env.GATEHOUSE_ISSUER ?? `http://localhost:${port}`,
        GATEHOUSE_DATA_DIR: `/tmp/${database}-${i}`,
        ...nodeEnv(i),
        ...overrides,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      nodes.push({ url, process: spawnNode(i, port) });
      await waitReady(`${url}/readyz`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const restart = async (index: number, overrides: Record<string, string> = {}) => {
    const node = nodes[index];
    if (node === undefined) throw new RangeError(`no node ${index}`);
    if (node.process.exitCode === null && node.process.signalCode === null) {
      const exited = new Promise((resolve) => node.process.once('exit', resolve));
      node.process.kill('SIGTERM');
      await exited;
    }
    node.process = spawnNode(index, Number(new URL(node.url).port), overrides);
    await waitReady(`${node.url}/readyz`);
  };
  return { nodes, urls: nodes.map((n) => n.url), env, restart, stop };
}

/** The notes-api example in its own process, guarded by `gatehouseUrl` (the cluster's secret). */
export async function startNotesApi(
  cluster: Cluster,
  gatehouseUrl: string,
  issuer: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', notesMain], {
    env: {
      ...process.env,
      PORT: String(port),
      GATEHOUSE_URL: gatehouseUrl,
      GATEHOUSE_ISSUER: issuer,
      GATEHOUSE_TOKEN_AUDIENCE: issuer,
      GATEHOUSE_INTROSPECTION_SECRET: cluster.env.GATEHOUSE_INTROSPECTION_SECRET!,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  };
  try {
    await waitReady(`${url}/healthz`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

/** Signs the bootstrap admin in at `url`; returns the cookie and CSRF header for writes. */
export async function adminSession(url: string): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(CLUSTER_ADMIN),
  });
  if (response.status !== 200) throw new Error(`admin login failed: ${response.status}`);
  const token = /__Host-gatehouse_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  const body = (await response.json()) as { csrf_token: string };
  return { cookie: `__Host-gatehouse_session=${token}`, csrf: body.csrf_token };
}

/** Polls until `check` is true; returns how long it took, or Infinity after `limitMs`. */
export async function timeUntil(check: () => Promise<boolean>, limitMs = 3000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await check()) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Number.POSITIVE_INFINITY;
}
