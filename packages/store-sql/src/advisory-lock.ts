import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Runs a task on one PostgreSQL client at a time across every node: a transaction-scoped advisory
 * lock (`pg_try_advisory_xact_lock`), held while the task runs and released at commit. Transaction
 * scope keeps it correct behind PgBouncer in transaction mode, where a session-level lock could
 * stay behind on a server connection another client gets next.
 */
export async function runWithAdvisoryLock(
  db: Kysely<Database>,
  name: string,
  task: () => Promise<void>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ locked: boolean }>`
      select pg_try_advisory_xact_lock(hashtext(${`gatehouse:${name}`})) as locked`.execute(trx);
    if (rows[0]?.locked !== true) return false;
    await task();
    return true;
  });
}
