import type { Logger } from 'pino';
import { isStoreFailure } from './stores/store-failure.ts';

/**
 * Decides whether this node runs a period's housekeeping (built with the stores, in
 * `stores/open-storage.ts`: a Redis lease, a PostgreSQL advisory lock, or SQLite's single node).
 */
export interface HousekeepingLease {
  /** Runs `task` and resolves true when this node holds the lease `name`, else false. */
  run(name: string, periodMs: number, task: () => Promise<void>): Promise<boolean>;
}

export interface HousekeepingTask {
  readonly name: string;
  run(): Promise<unknown>;
}

/**
 * Periodic cleanup (expired sessions, refresh tokens, OAuth artifacts) under a lease, so a
 * cluster sweeps once per period instead of once per node. A store outage skips a period quietly
 * (store health logs it once); a sweep cancelled by the statement timeout, or any other failure,
 * is logged per task.
 */
export class Housekeeping {
  readonly #lease: HousekeepingLease;
  readonly #intervalMs: number;
  readonly #tasks: readonly HousekeepingTask[];
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  /** Periods this node led (tests and the debug log). */
  runs = 0;

  constructor(options: {
    lease: HousekeepingLease;
    intervalMs: number;
    tasks: readonly HousekeepingTask[];
    logger: Logger;
  }) {
    this.#lease = options.lease;
    this.#intervalMs = options.intervalMs;
    this.#tasks = options.tasks;
    this.#logger = options.logger;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.tick(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One period: true when this node led it. */
  async tick(): Promise<boolean> {
    // A sweep longer than the period must not overlap with this node's next one.
    if (this.#running) return false;
    this.#running = true;
    try {
      const led = await this.#lease.run('housekeeping', this.#intervalMs, async () => {
        for (const task of this.#tasks) {
          await task.run().catch((error: unknown) => this.#failed(task.name, error));
        }
      });
      if (led) {
        this.runs += 1;
        this.#logger.debug({ runs: this.runs }, 'housekeeping ran');
      }
      return led;
    } catch (error) {
      this.#failed('lease', error);
      return false;
    } finally {
      this.#running = false;
    }
  }

  #failed(task: string, error: unknown): void {
    // A sweep cancelled by statement_timeout is not an outage: it will fail every period until
    // someone looks (a missing index, a huge backlog), so it is worth a line each time.
    const code = (error as { code?: unknown } | null)?.code;
    if (code === '57014')
      this.#logger.warn({ task, error: (error as Error).message }, 'housekeeping timed out');
    else if (!isStoreFailure(error)) this.#logger.warn({ err: error, task }, 'housekeeping failed');
  }
}
