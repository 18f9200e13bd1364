/**
 * Start-up times of the built CLI (`npm run build` first: packages/server/dist/cli/gatehouse.js,
 * what `npm start` and `npx gatehouse` run): `gatehouse --help` until the process exits, and
 * `gatehouse start` until `/readyz` answers — on a fresh data directory (migrations, first signing
 * key and master secret) and again on the same directory (a restart). Each ≥ 5 runs, one after the
 * other, median and range printed beside the goal (`--help` < 0.5 s, start < 2 s).
 *
 *   npm run build && node --conditions=@gatehouse/source --import tsx bench/startup.ts        (BENCH_RUNS=7)
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.ts';
import { budget, cpuSecondsOf, freePort, load1, machine, table } from './support.ts';

const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 7));
const cli = fileURLToPath(new URL('../packages/server/dist/cli/gatehouse.js', import.meta.url));
if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);

budget(5);
const m = machine();
console.log('\n=== CLI --help and server start-up (built JavaScript) ===');
console.log(`${m.date} · ${m.cpus} CPUs · ${m.cpuModel} · node ${m.node} · load avg ${load1()}`);
console.log(
  `${RUNS} runs each, sequential; wall-clock from spawn, and the CPU the server used until ready (what a quiet machine would take)`,
);

function helpOnce(): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [cli, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - started;
  if (result.status !== 0 || !result.stdout.toString().includes('Usage: gatehouse'))
    throw new Error(`gatehouse --help failed (${result.status}): ${result.stderr.toString()}`);
  return ms;
}

/** Polls `url` every 5 ms until it answers 200; resolves with the time since `started`. */
async function readyAfter(url: string, started: number, child: ChildProcess): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gatehouse start exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 30_000) throw new Error(`${url} was not ready within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const cpu: number[] = [];
async function startOnce(dataDir: string): Promise<number> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'start'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      GATEHOUSE_ISSUER: url,
      GATEHOUSE_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    const ms = await readyAfter(`${url}/readyz`, started, child);
    cpu.push(cpuSecondsOf(child.pid!) * 1000);
    return ms;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${stderr}`);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

const help: number[] = [];
const fresh: number[] = [];
const restart: number[] = [];
helpOnce(); // the first run warms the file system cache; not counted
for (let i = 0; i < RUNS; i++) help.push(helpOnce());
for (let i = 0; i < RUNS; i++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-startup-'));
  try {
    fresh.push(await startOnce(dataDir));
    restart.push(await startOnce(dataDir));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const row = (label: string, values: number[], goalMs: number) => {
  const m = median(values);
  return [
    label,
    s(m),
    `${s(Math.min(...values))}–${s(Math.max(...values))}`,
    `< ${s(goalMs)} ${m < goalMs ? 'met' : 'MISSED'}`,
  ];
};
table(
  ['measure', 'median', 'range', 'goal'],
  [
    row('gatehouse --help (until exit)', help, 500),
    row('gatehouse start, fresh data dir (until /readyz)', fresh, 2000),
    row('gatehouse start, restart (until /readyz)', restart, 2000),
  ],
);
const freshCpu = cpu.filter((_, i) => i % 2 === 0);
const restartCpu = cpu.filter((_, i) => i % 2 === 1);
console.log(
  `server CPU until ready: fresh ${s(median(freshCpu))} (${s(Math.min(...freshCpu))}–${s(Math.max(...freshCpu))}), restart ${s(median(restartCpu))} (${s(Math.min(...restartCpu))}–${s(Math.max(...restartCpu))})`,
);
