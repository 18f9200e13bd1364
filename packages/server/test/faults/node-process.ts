import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLUSTER_ADMIN } from '../cluster.ts';
import { freePort, waitReady } from '../processes.ts';

const bin = fileURLToPath(new URL('../../src/bin.ts', import.meta.url));

/** One log line of the node (pino JSON). */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/**
 * A Gatehouse server process for fault tests whose stdout (JSON log lines) is kept, so a test can
 * count what an outage logged.
 */
export class NodeProcess {
  readonly logs: LogLine[] = [];
  /** Whatever reached stderr (nothing of an outage should: logs are JSON on stdout). */
  stderr = '';
  readonly #child: ChildProcess;
  readonly #dataDir: string;
  readonly url: string;

  private constructor(child: ChildProcess, url: string, dataDir: string) {
    this.#child = child;
    this.url = url;
    this.#dataDir = dataDir;
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    let rest = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ msg: `(not JSON) ${line}` });
        }
      }
    });
  }

  static async start(env: Record<string, string>): Promise<NodeProcess> {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-fault-node-'));
    const child = spawn(process.execPath, ['--import', 'tsx', bin, 'start'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        PORT: String(port),
        GATEHOUSE_ISSUER: `http://localhost:${port}`,
        GATEHOUSE_DATA_DIR: dataDir,
        GATEHOUSE_SECRET: randomBytes(32).toString('base64url'),
        GATEHOUSE_ADMIN_EMAIL: CLUSTER_ADMIN.email,
        GATEHOUSE_ADMIN_PASSWORD: CLUSTER_ADMIN.password,
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const node = new NodeProcess(child, `http://127.0.0.1:${port}`, dataDir);
    try {
      await waitReady(`${node.url}/readyz`, 60_000);
    } catch (error) {
      await node.stop();
      throw new Error(`the node did not start: ${node.stderr}`, { cause: error });
    }
    return node;
  }

  /** Lines whose message is `msg`. */
  lines(msg: string): LogLine[] {
    return this.logs.filter((line) => line.msg === msg);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = new Promise((resolve) => this.#child.once('exit', resolve));
      this.#child.kill('SIGTERM');
      const force = setTimeout(() => this.#child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(force);
    }
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}

/** A fetch that never hangs the test: aborted after `limitMs`; returns the status (0 on abort) and how long it took. */
export async function timedFetch(
  url: string,
  init: RequestInit = {},
  limitMs = 10_000,
): Promise<{ status: number; ms: number; retryAfter: string | null; body: string }> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(limitMs) });
    const body = await response.text();
    return {
      status: response.status,
      ms: performance.now() - started,
      retryAfter: response.headers.get('retry-after'),
      body,
    };
  } catch {
    return { status: 0, ms: performance.now() - started, retryAfter: null, body: '' };
  }
}
