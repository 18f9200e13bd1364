import type {
  MailOutboxClaim,
  MailOutboxMessage,
  MailOutboxStatus,
  MailOutboxStore,
  NewMailOutboxMessage,
} from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import type { MailOutboxTable } from '../schema/mail-outbox.ts';
import type { Database, SqlDialect } from '../schema.ts';

export class SqlMailOutboxStore implements MailOutboxStore {
  readonly #db: Kysely<Database>;
  readonly #dialect: SqlDialect;

  constructor(db: Kysely<Database>, dialect: SqlDialect) {
    this.#db = db;
    this.#dialect = dialect;
  }

  async enqueue(message: NewMailOutboxMessage): Promise<void> {
    await this.#db
      .insertInto('mail_outbox')
      .values({
        id: message.id,
        sealed: message.sealed,
        template: message.template,
        status: 'pending',
        attempts: 0,
        created_at: message.createdAt,
        next_attempt_at: message.createdAt,
      })
      .execute();
  }

  /**
   * One UPDATE over a materialized CTE of due, unleased ids (materialized: an `IN (… LIMIT n)`
   * sub-select may be re-run per row and exceed the limit). PostgreSQL: the CTE locks its rows
   * `FOR UPDATE SKIP LOCKED`, so concurrent claims take disjoint sets, and the outer WHERE repeats
   * the lease test, which READ COMMITTED re-checks on the row it finally updates. SQLite runs one
   * writer at a time, so the statement is atomic as it is.
   */
  async claim({ limit, now, leaseMs, owner }: MailOutboxClaim): Promise<MailOutboxMessage[]> {
    const rows = await this.#db
      .with(
        (cte) => cte('due').materialized(),
        (db) => {
          const due = db
            .selectFrom('mail_outbox')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
            .orderBy('next_attempt_at')
            .orderBy('id')
            .limit(limit);
          return this.#dialect === 'postgres' ? due.forUpdate().skipLocked() : due;
        },
      )
      .updateTable('mail_outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), lease_until: now + leaseMs, lease_owner: owner }))
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .returningAll()
      .execute();
    return rows.map(toMessage).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : 1));
  }

  async markSent(id: string, owner: string, now: number): Promise<boolean> {
    return this.#finish(id, owner, { status: 'sent', sealed: null, finished_at: now });
  }

  async markFailed(
    id: string,
    owner: string,
    failure: { error: string; retryAt: number | null },
    now: number,
  ): Promise<boolean> {
    return this.#finish(
      id,
      owner,
      failure.retryAt === null
        ? { status: 'dead', sealed: null, finished_at: now, last_error: failure.error }
        : { next_attempt_at: failure.retryAt, last_error: failure.error },
    );
  }

  async #finish(id: string, owner: string, change: Partial<MailOutboxTable>): Promise<boolean> {
    const result = await this.#db
      .updateTable('mail_outbox')
      .set({ ...change, lease_until: null, lease_owner: null })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async list(options: { limit: number; status?: MailOutboxStatus }): Promise<MailOutboxMessage[]> {
    let query = this.#db.selectFrom('mail_outbox').selectAll();
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit)
      .execute();
    return rows.map(toMessage);
  }

  async depth(): Promise<{ pending: number; dead: number }> {
    const rows = await this.#db
      .selectFrom('mail_outbox')
      .select((eb) => ['status', eb.fn.countAll<number | string>().as('count')])
      .where('status', 'in', ['pending', 'dead'])
      .groupBy('status')
      .execute();
    const count = (status: string) => Number(rows.find((row) => row.status === status)?.count ?? 0);
    return { pending: count('pending'), dead: count('dead') };
  }

  async deleteFinishedBefore(before: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('mail_outbox')
      .where('status', 'in', ['sent', 'dead'])
      .where('finished_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async pageSealed(after: string | null, limit: number): Promise<{ id: string; sealed: string }[]> {
    let query = this.#db
      .selectFrom('mail_outbox')
      .select(['id', 'sealed'])
      .where('status', '=', 'pending')
      .where('sealed', 'is not', null);
    if (after !== null) query = query.where('id', '>', after);
    const rows = await query.orderBy('id').limit(limit).execute();
    return rows.map((row) => ({ id: row.id, sealed: row.sealed as string }));
  }

  async replaceSealed(id: string, expected: string, sealed: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('mail_outbox')
      .set({ sealed })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('sealed', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

function toMessage(row: Selectable<MailOutboxTable>): MailOutboxMessage {
  const time = (value: number | null) => (value === null ? null : Number(value));
  return {
    id: row.id,
    sealed: row.sealed,
    template: row.template,
    status: row.status as MailOutboxStatus,
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    nextAttemptAt: Number(row.next_attempt_at),
    leaseUntil: time(row.lease_until),
    finishedAt: time(row.finished_at),
    lastError: row.last_error,
  };
}
