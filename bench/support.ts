/**
 * Shared plumbing of the benchmarks: servers in child processes (so the load generator never shares
 * their event loop), autocannon runs with exact latency percentiles, RSS readings, and printing.
 * Loopback traffic only.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { builtChild, FROM_SOURCE } from './built-child.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Seconds of each measured run (BENCH_DURATION overrides, e.g. 2 for a smoke run). */
export const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
/** Seconds of warm-up before each measured run (its figures are discarded). */
export const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 2);
/** BENCH_PIN=1 pins the server child to CPU 0 and this process (autocannon) to CPU 1. */
export const PIN = process.env.BENCH_PIN === '1';

// ---------------------------------------------------------------- machine

export function machine(): { cpus: number; cpuModel: string; node: string; date: string } {
  let cpuModel = 'unknown';
  try {
    cpuModel =
      /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {}
  return { cpus: availableParallelism(), cpuModel, node: process.version, date: new Date().toISOString() };
}

export function load1(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** Prints the title and the run's conditions; `durationS` when the benchmark measures for its own length. */
export function header(title: string, durationS = DURATION_S): void {
  const m = machine();
  console.log(`\n=== ${title} ===`);
  console.log(`${m.date} · ${m.cpus} CPUs · ${m.cpuModel} · node ${m.node} · load avg ${load1()}`);
  console.log(
    `runs: ${durationS} s measured after ${WARMUP_S} s warm-up · loopback only · CPU pinning ${PIN ? 'on (server CPU 0, load generator CPU 1)' : 'off'} · servers ${FROM_SOURCE ? 'from source (tsx)' : 'built (plain node)'}`,
  );
}

// ---------------------------------------------------------------- child servers

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface ServerChild {
  readonly url: string;
  readonly pid: number;
  call<T>(cmd: string, args?: unknown): Promise<T>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
function killAll() {
  for (const child of children) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Forks `bench/<script>`, built to plain JavaScript as the server runs in production (or its source
 * under tsx with BENCH_SOURCE=1, see built-child.ts), and waits for it to report its listening URL.
 */
export async function startChild(
  script: string,
  options: unknown,
  timeoutMs = 120_000,
): Promise<ServerChild> {
  const source = fileURLToPath(new URL(script, import.meta.url));
  const path = FROM_SOURCE ? source : await builtChild(source);
  // BENCH_NODE_ARGS adds flags to the server children, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = [
    ...(FROM_SOURCE ? ['--conditions=@gatehouse/source', '--import', 'tsx'] : []),
    '--expose-gc',
    ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const child = fork(path, [], {
    // Pinned from its first instruction, as `taskset` or a cpuset would start a server, so what
    // it decides from its CPUs at start-up (GATEHOUSE_SIGNING_THREAD=auto) sees the one it gets.
    ...(PIN
      ? { execPath: 'taskset', execArgv: ['-c', '0', process.execPath, ...nodeArgs] }
      : { execArgv: nodeArgs }),
    env: { ...process.env, BENCH_SERVER_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      for (const p of pending.values()) p.reject(new Error(`${script} exited (${code ?? signal})`));
      pending.clear();
      resolve();
    });
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not start in ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(`${script} did not start: ${error.message}${PIN ? ' (BENCH_PIN=1 needs taskset)' : ''}`),
      );
    });
    child.on('message', (message: { type?: string; url?: string } & Partial<Reply>) => {
      if (message.type === 'ready' && message.url !== undefined) {
        clearTimeout(timer);
        resolve(message.url);
        return;
      }
      if (typeof message.id !== 'number') return;
      const p = pending.get(message.id);
      if (p === undefined) return;
      pending.delete(message.id);
      if (message.ok) p.resolve(message.result);
      else p.reject(new Error(message.error ?? 'child command failed'));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  const pid = child.pid!;
  // The child is on CPU 0 since its launch; the load generator (this process) goes on CPU 1.
  if (PIN) pin(process.pid, 1);
  return {
    url,
    pid,
    call<T>(cmd: string, args?: unknown): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, cmd, args });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ id: 0, cmd: 'stop' });
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(force);
    },
  };
}

function pin(pid: number, cpu: number): void {
  try {
    execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
  } catch {
    console.warn(`(could not pin pid ${pid} to CPU ${cpu})`);
  }
}

/** Resident set size of a process from /proc (what the OS charges it), in bytes. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1] ?? Number.NaN);
  return kib * 1024;
}

/** User + system CPU seconds a process (all its threads) has used, from /proc (clock ticks of 10 ms). */
export function cpuSecondsOf(pid: number): number {
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// ---------------------------------------------------------------- load

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Requests per second over all connections; unset = as fast as the server answers. */
  overallRate?: number;
  /** Header values chosen per request (e.g. a random session cookie). */
  perRequestHeaders?: () => Record<string, string>;
  /** The server's process: its CPU time over the run is reported per request. */
  serverPid?: number;
}

export interface LoadResult {
  /** Mean requests per second over the run. */
  rps: number;
  total: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Exact percentiles of every response's latency (ms), all statuses. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** CPU time (user + system, all threads) the server spent per response, in µs; NaN if unknown. */
  serverCpuUs: number;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** One autocannon run; latencies are taken from its per-response event (sub-ms precision). */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const perRequest = options.perRequestHeaders;
  const cpuBefore = options.serverPid === undefined ? Number.NaN : cpuSecondsOf(options.serverPid);
  return new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationS,
        method: options.method ?? 'GET',
        ...(options.headers === undefined ? {} : { headers: options.headers }),
        ...(options.body === undefined ? {} : { body: options.body }),
        ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
        ...(perRequest === undefined
          ? {}
          : {
              requests: [
                {
                  setupRequest: (request) => ({
                    ...request,
                    headers: { ...request.headers, ...perRequest() },
                  }),
                },
              ],
            }),
        timeout: 30,
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const sorted = Float64Array.from(latencies).sort();
        const cpu =
          options.serverPid === undefined ? Number.NaN : cpuSecondsOf(options.serverPid) - cpuBefore;
        resolve({
          rps: result.requests.total / result.duration,
          total: result.requests.total,
          statuses,
          errors: result.errors,
          timeouts: result.timeouts,
          p50: percentile(sorted, 50),
          p90: percentile(sorted, 90),
          p99: percentile(sorted, 99),
          max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
          serverCpuUs: (cpu * 1e6) / Math.max(1, latencies.length),
        });
      },
    );
    // autocannon emits (client, statusCode, resBytes, responseTime); its typings omit `client`.
    instance.on('response', (...args: unknown[]) => {
      const ms = args[args.length - 1] as number;
      const status = String(args[args.length - 3]);
      latencies.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
  });
}

/** A discarded warm-up run, then the measured one. */
export async function warmThenRun(options: LoadOptions): Promise<LoadResult> {
  if (WARMUP_S > 0) await runLoad({ ...options, durationS: WARMUP_S });
  return runLoad(options);
}

/** Rounds of an interleaved comparison (BENCH_ROUNDS overrides). */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/**
 * Measures each target in turn, round after round, each run after its own warm-up, so that drift in
 * the machine's speed lands on every target alike; the order flips every round (A B, B A, …) so
 * that no target always runs first. Returns every run, per target.
 */
export async function interleavedRounds(
  targets: readonly LoadOptions[],
  rounds = ROUNDS,
): Promise<LoadResult[][]> {
  const runs: LoadResult[][] = targets.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = [...targets.keys()];
    if (round % 2 === 1) order.reverse();
    for (const i of order) runs[i]!.push(await warmThenRun(targets[i]!));
  }
  return runs;
}

/**
 * Loads every target at the same time, round after round (a warm-up together, then the measured
 * runs together). With BENCH_PIN the servers share CPU 0, so each round sees them under the very
 * same conditions of the machine: two identical servers measured this way stay within ±3 % of each
 * other, where sequential rounds swing by ±30 %. But the kernel shares the core by runnable threads,
 * not by work per request, so servers that differ in threading (say, signing in the event loop or in
 * the thread pool) are not compared fairly; use it as a diagnostic beside `interleavedRounds`. Each
 * server spends more CPU per request than alone (they share a core and its caches), so the absolute
 * rates are lower than sequential ones. Returns every run, per target.
 */
export async function headToHeadRounds(
  targets: readonly LoadOptions[],
  rounds = ROUNDS,
): Promise<LoadResult[][]> {
  const runs: LoadResult[][] = targets.map(() => []);
  for (let round = 0; round < rounds; round++) {
    if (WARMUP_S > 0) await Promise.all(targets.map((target) => runLoad({ ...target, durationS: WARMUP_S })));
    const results = await Promise.all(targets.map((target) => runLoad(target)));
    for (const [i, result] of results.entries()) runs[i]!.push(result);
  }
  return runs;
}

// ---------------------------------------------------------------- HTTP helpers

/** The run with the median rate (the lower middle one for an even count). */
export function medianRun(runs: readonly LoadResult[]): LoadResult {
  return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor((runs.length - 1) / 2)] as LoadResult;
}

/**
 * Registers `client` on a Gatehouse bench server (bench/server-oauth.ts) and starts the bare
 * oidc-provider peer (bench/server-bare-oidc.ts) with the same credentials and `peer`'s options.
 */
export async function barePeer(
  gatehouse: ServerChild,
  client: Record<string, unknown>,
  peer: Record<string, unknown>,
): Promise<{ clientId: string; secret: string; bare: ServerChild }> {
  const { clientId, secret } = await gatehouse.call<{ clientId: string; secret: string }>('client', client);
  const bare = await startChild('server-bare-oidc.ts', { port: await freePort(), clientId, secret, ...peer });
  return { clientId, secret, bare };
}

/** An OAuth client's Basic credentials (RFC 6749 §2.3.1: each part form-encoded first). */
export function basicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export const SESSION_COOKIE = '__Host-gatehouse_session';
export const ADMIN_EMAIL = 'admin@bench.test';
export const ADMIN_PASSWORD = 'tangerine orbit quietly 4417';
/** Config overrides every Gatehouse child gets: the first admin, so there is someone to log in. */
export const ADMIN_OVERRIDES = { adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD };

/**
 * `gatehouse start` in its own process on `dataDir` (SQLite), with the bench admin and a fresh
 * resource-server secret; resolves once it is ready. The caller kills `child` when done.
 */
export async function startGatehouseProcess(
  dataDir: string,
  extraEnv: Record<string, string> = {},
): Promise<{ url: string; secret: string; child: ChildProcess }> {
  const secret = randomBytes(32).toString('hex');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      '--conditions=@gatehouse/source',
      '--import',
      'tsx',
      fileURLToPath(new URL('../packages/server/src/bin.ts', import.meta.url)),
      'start',
    ],
    {
      env: {
        ...process.env,
        PORT: String(port),
        GATEHOUSE_ISSUER: url,
        GATEHOUSE_DATA_DIR: dataDir,
        GATEHOUSE_INTROSPECTION_SECRET: secret,
        GATEHOUSE_ADMIN_EMAIL: ADMIN_EMAIL,
        GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        LOG_LEVEL: 'warn',
        ...extraEnv,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  await waitUp(`${url}/readyz`);
  return { url, secret, child };
}

/** Logs in over HTTP (JSON) and returns the `Cookie` header value for the new session. */
export async function loginCookie(url: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(';')[0] ?? '';
    if (pair.startsWith(`${SESSION_COOKIE}=`)) return pair;
  }
  throw new Error('login returned no session cookie');
}

// ---------------------------------------------------------------- Redis

export async function redisAvailable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** A prefix no other run (or test suite) uses. */
export function uniquePrefix(name: string): string {
  return `bench:${name}:${process.pid}:${Date.now().toString(36)}:`;
}

/** Deletes every key under the prefix. */
export async function dropPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export async function redisUsedMemory(): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    const info = await redis.info('memory');
    return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
  } finally {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------- printing

export const fmt = {
  rps: (n: number) => Math.round(n).toLocaleString('en-US'),
  ms: (n: number) => (Number.isNaN(n) ? 'n/a' : n < 10 ? n.toFixed(2) : n.toFixed(1)),
  mib: (bytes: number) => (bytes / 1024 / 1024).toFixed(1),
  ratio: (n: number) => `${n.toFixed(2)}×`,
  us: (n: number) => (Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US')),
};

export function table(head: string[], rows: (string | number)[][]): void {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(head));
  console.log(
    `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const r of cells.slice(1)) console.log(line(r));
}

export function statusSummary(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code}×${n}`)
    .join(' ');
}

/** Kills the whole benchmark if it runs longer than its budget. */
export function budget(minutes: number): void {
  setTimeout(() => {
    console.error(`benchmark exceeded its ${minutes}-minute budget; aborting`);
    killAll();
    process.exit(2);
  }, minutes * 60_000).unref();
}

/** A TCP port that was free a moment ago (for server processes that need a known port). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createNetServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Polls `url` until it answers below 500, or throws after about 30 s. */
export async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // starting
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not start`);
}
