import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../processes.ts';

/** Debian's PostgreSQL binaries (the newest installed major). */
function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const major of majors) {
    const path = join(root, major, 'bin', name);
    if (existsSync(path)) return path;
  }
  throw new Error(`PostgreSQL's ${name} not found under ${root}`);
}

/** PostgreSQL refuses to run as root: as root, run its binaries as the `postgres` user. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/**
 * A PostgreSQL cluster of the test's own (never the machine's service), in a temporary directory
 * on a free port with trust authentication, so a fault test may kill -9, stop and restart it.
 */
export class PrivatePostgres {
  #process: ChildProcess | undefined;
  readonly port: number;
  readonly #dir: string;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
  }

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(dir, uid, gid);
    }
    chmodSync(dir, 0o700);
    const [command, args] = asPostgres(pgBin('initdb'), [
      '-D',
      join(dir, 'data'),
      '--auth=trust',
      '-U',
      'postgres',
      '--no-sync',
    ]);
    execFileSync(command, args, { stdio: 'ignore' });
    const server = new PrivatePostgres(await freePort(), dir);
    await server.restart();
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts the server (again) on the same data and port; resolves once it accepts queries. */
  async restart(): Promise<void> {
    const [command, args] = asPostgres(pgBin('postgres'), [
      '-D',
      join(this.#dir, 'data'),
      '-p',
      String(this.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${this.#dir}`,
      '-c',
      'fsync=on',
    ]);
    // Its own process group, so a crash can take the postmaster and every backend at once.
    this.#process = spawn(command, args, { stdio: 'ignore', detached: true });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('select 1');
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`postgres on ${this.port} did not start: ${String(error)}`);
      } finally {
        await client.end().catch(() => {});
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** SIGKILL to the postmaster and its backends (a crash: the WAL is replayed at the next start). */
  async kill(): Promise<void> {
    await this.#signal('SIGKILL');
  }

  /** A fast shutdown (SIGINT to the postmaster): clients are disconnected, nothing is lost. */
  async stop(): Promise<void> {
    await this.#signal('SIGINT');
  }

  /** Stops the server and removes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#process;
    if (child === undefined || child.pid === undefined) return;
    const group = -child.pid;
    if (!alive(group)) return;
    // runuser does not pass signals on: signal the whole group (postmaster and backends) for a
    // crash, the postmaster alone (as `pg_ctl stop -m fast` does) for a shutdown.
    if (signal === 'SIGKILL') process.kill(group, 'SIGKILL');
    else process.kill(postmasterPid(join(this.#dir, 'data')) ?? group, signal);
    const deadline = Date.now() + 30_000;
    while (alive(group)) {
      if (Date.now() > deadline) process.kill(group, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function alive(pidOrGroup: number): boolean {
  try {
    process.kill(pidOrGroup, 0);
    return true;
  } catch {
    return false;
  }
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
