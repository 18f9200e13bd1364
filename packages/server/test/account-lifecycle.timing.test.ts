import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingMailQueue } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { analyse, formatAnalysis, noiseFloor, type Pair, type Verdict, vote } from './timing-stats.ts';

/**
 * Security checklist LIFE-01 (timing), measured as §17 says: a real listening server with
 * production argon2id parameters, one keep-alive connection at concurrency 1, interleaved
 * coin-flip pairs, an A/A noise floor and 2-of-3 voting. Classes: an address with an account
 * against one without, for forgot password, resend verification and sign-up. Only the response is
 * timed; the work each request leaves for after it (deferred-work.ts) is waited for between
 * requests, outside the measurement, so one request's background work never lands in the next
 * one's time.
 *
 * Knobs as login.timing.test.ts: GATEHOUSE_TIMING_MAX_LOAD, GATEHOUSE_TIMING_PAIRS,
 * GATEHOUSE_TIMING_LOAD_WAIT_MS.
 */
const PAIRS = Number(process.env.GATEHOUSE_TIMING_PAIRS ?? 150);
const WARM_UP = 30;
const MAX_RUNS = 3;
const MAX_LOAD = Number(process.env.GATEHOUSE_TIMING_MAX_LOAD ?? 1.5);
const LOAD_WAIT_MS = Number(process.env.GATEHOUSE_TIMING_LOAD_WAIT_MS ?? 150_000);
const ACCOUNTS = 12;
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Every address has the same length (a 12-character local part), as does every password. */
const email = (prefix: string) => {
  let local = prefix;
  while (local.length < 12) local += ALNUM[randomInt(ALNUM.length)];
  return `${local}@example.test`;
};
const password = () => randomBytes(18).toString('base64url');

type Body = () => Record<string, string>;

let server: RunningServer;
let dataDir: string;
let agent: Agent;
const accounts: string[] = [];
let floor = Number.NaN;
let inconclusive: string | undefined;
const statuses = new Map<number, number>();

function timedPost(path: string, payload: Record<string, string>): Promise<{ ms: number; status: number }> {
  const url = new URL(server.url);
  const body = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    let start = 0n;
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          const status = res.statusCode ?? 0;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          resolve({ ms, status });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    start = process.hrtime.bigint();
    req.end(body);
  });
}

async function send(path: string, body: Body): Promise<number> {
  const { ms, status } = await timedPost(path, body());
  if (status !== 202) throw new Error(`unexpected status ${status} during a timing run of ${path}`);
  await server.gatehouse.accountFlows.idle();
  return ms;
}

async function collect(path: string, classA: Body, classB: Body, n: number): Promise<Pair[]> {
  for (let i = 0; i < WARM_UP; i++) {
    await send(path, classA);
    await send(path, classB);
  }
  const pairs: Pair[] = [];
  for (let i = 0; i < n; i++) {
    if (randomInt(2) === 0) {
      const a = await send(path, classA);
      const b = await send(path, classB);
      pairs.push({ a, b });
    } else {
      const b = await send(path, classB);
      const a = await send(path, classA);
      pairs.push({ a, b });
    }
  }
  return pairs;
}

function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length]!;
}

async function check(
  ctx: TestContext,
  label: string,
  path: string,
  classA: Body,
  classB: Body,
): Promise<void> {
  if (inconclusive !== undefined) {
    console.warn(`\n*** ${label}: INCONCLUSIVE, skipped: ${inconclusive} ***\n`);
    ctx.skip(`INCONCLUSIVE: ${inconclusive}`);
  }
  const verdicts: Verdict[] = [];
  const lines: string[] = [];
  while (vote(verdicts) === 'undecided' && verdicts.length < MAX_RUNS) {
    const analysis = analyse(await collect(path, classA, classB, PAIRS), floor);
    verdicts.push(analysis.verdict);
    const line = formatAnalysis(`${label} run ${verdicts.length}`, analysis);
    lines.push(line);
    console.log(line);
  }
  const outcome = vote(verdicts);
  const report = `${label}: ${outcome} [${verdicts.join(', ')}] (load ${loadavg()[0]!.toFixed(2)})\n  ${lines.join('\n  ')}`;
  await ctx.annotate(report, outcome === 'pass' ? 'notice' : 'warning');
  if (outcome === 'inconclusive') {
    console.warn(`\n*** ${report}\n*** INCONCLUSIVE: skipped, not passed ***\n`);
    ctx.skip(`INCONCLUSIVE: ${verdicts.join(', ')}`);
  }
  expect(outcome, report).toBe('pass');
}

describe('LIFE-01: enumeration by timing (forgot, resend, sign-up)', () => {
  beforeAll(async () => {
    const deadline = Date.now() + LOAD_WAIT_MS;
    while (loadavg()[0]! > MAX_LOAD && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5000));
    const load = loadavg()[0]!;
    if (load > MAX_LOAD) {
      inconclusive = `load average ${load.toFixed(2)} exceeds ${MAX_LOAD} (set GATEHOUSE_TIMING_MAX_LOAD to override)`;
      return;
    }
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-timing-'));
    const config = loadConfig(
      {},
      {
        dataDir,
        nodeEnv: 'test',
        host: '127.0.0.1',
        port: 0,
        logLevel: 'silent',
        argon2MemoryKib: 19_456,
        argon2TimeCost: 2,
        argon2Parallelism: 1,
        registration: 'open',
        // The throttles are raised for this dedicated instance only.
        mailLimitPerAddress: 1_000_000_000,
        mailLimitPerIp: 1_000_000_000,
      },
    );
    server = await startServer(config, { mail: new RecordingMailQueue() });
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < ACCOUNTS; i++) {
      const address = email('u');
      await server.gatehouse.accounts.createUser({ email: address, password: password() });
      accounts.push(address);
    }
    const control = await collect(
      '/forgot-password',
      () => ({ email: email('a') }),
      () => ({ email: email('b') }),
      PAIRS,
    );
    floor = noiseFloor(control);
    console.log(formatAnalysis('A/A control', analyse(control, floor)));
    if (floor > 10) inconclusive = `noise floor F = ${floor.toFixed(2)} ms exceeds 10 ms`;
  }, 300_000);

  afterAll(async () => {
    agent?.destroy();
    await server?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('TIME-FORGOT: an unknown address costs the same as a registered one', async (ctx) => {
    const known = cycle(accounts);
    await check(
      ctx,
      'TIME-FORGOT',
      '/forgot-password',
      () => ({ email: email('u') }),
      () => ({ email: known() }),
    );
  });

  it('TIME-RESEND: an unknown address costs the same as an unverified account', async (ctx) => {
    const known = cycle(accounts);
    await check(
      ctx,
      'TIME-RESEND',
      '/verify-email/resend',
      () => ({ email: email('u') }),
      () => ({ email: known() }),
    );
  });

  it('TIME-SIGNUP: a free address costs the same as a taken one', async (ctx) => {
    const taken = cycle(accounts);
    await check(
      ctx,
      'TIME-SIGNUP',
      '/signup',
      () => ({ email: email('n'), password: password() }),
      () => ({ email: taken(), password: password() }),
    );
  });

  it('every measured response was the same 202', (ctx) => {
    if (inconclusive !== undefined && statuses.size === 0) ctx.skip(`INCONCLUSIVE: ${inconclusive}`);
    expect([...statuses.keys()]).toEqual([202]);
  });
});
