import {
  isSigningAlgorithm,
  isSigningKeyStatus,
  type PublicJwk,
  type SigningKeyRecord,
  type SigningKeyRotation,
  type SigningKeyStore,
} from '@gatehouse/core';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { SigningKeysTable, SigningKeyTable } from '../schema/signing-keys.ts';
import type { Database, SqlDialect } from '../schema.ts';

/** Thrown inside a transaction to roll it back when a compare-and-set precondition fails. */
class PreconditionFailed extends Error {}

/**
 * Key-ring persistence. Every change runs in one transaction whose statements are compare-and-set
 * (`… where kid = ? and status = ?`, `insert … on conflict do nothing` against the one-active and
 * one-next partial unique indexes), so concurrent nodes cannot both win. `table` chooses the ring:
 * `signing_keys` (the configured algorithm's) or `rs256_signing_keys` (the RS256 ring beside it).
 */
export class SqlSigningKeyStore implements SigningKeyStore {
  readonly #db: Kysely<Database>;
  readonly #dialect: SqlDialect;
  /** Typed as `signing_keys`: every key-ring table has the same columns (migration 0010). */
  readonly #table: 'signing_keys';

  constructor(db: Kysely<Database>, dialect: SqlDialect, table: SigningKeyTable = 'signing_keys') {
    this.#db = db;
    this.#dialect = dialect;
    this.#table = table as 'signing_keys';
  }

  async list(): Promise<SigningKeyRecord[]> {
    const rows = await this.#db
      .selectFrom(this.#table)
      .selectAll()
      .orderBy('created_at')
      .orderBy('kid')
      .execute();
    return rows.map(toRecord);
  }

  async insert(keys: readonly SigningKeyRecord[]): Promise<boolean> {
    if (keys.length === 0) return true;
    return this.#compareAndSet(async (db) => {
      for (const key of keys) await insertOne(db, this.#table, key);
    });
  }

  async rotate(rotation: SigningKeyRotation): Promise<boolean> {
    if (rotation.next.status !== 'next') throw new TypeError('the new next key must have status next');
    return this.#compareAndSet(async (db) => {
      const { retire, activate } = rotation;
      // Retire first: the one-active index is checked per statement, not at commit.
      if (retire !== null) {
        const retired = await db
          .updateTable(this.#table)
          .set({ status: 'retired', retired_at: retire.retiredAt, remove_after: retire.removeAfter })
          .where('kid', '=', retire.kid)
          .where('status', '=', 'active')
          .executeTakeFirst();
        if (retired.numUpdatedRows !== 1n) throw new PreconditionFailed();
      }
      let activation = db
        .updateTable(this.#table)
        .set({ status: 'active', activated_at: activate.activatedAt })
        .where('kid', '=', activate.kid)
        .where('status', '=', 'next');
      if (retire === null) {
        activation = activation.where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom(`${this.#table} as other`).select('other.kid').where('other.status', '=', 'active'),
            ),
          ),
        );
      }
      if ((await activation.executeTakeFirst()).numUpdatedRows !== 1n) throw new PreconditionFailed();
      await insertOne(db, this.#table, rotation.next);
    });
  }

  async deleteRemovable(now: number): Promise<number> {
    const result = await this.#db
      .deleteFrom(this.#table)
      .where('status', 'in', ['retired', 'revoked'])
      .where('remove_after', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async replaceSealedKey(kid: string, expected: string, sealed: string): Promise<boolean> {
    const result = await this.#db
      .updateTable(this.#table)
      .set({ sealed_private_key: sealed })
      .where('kid', '=', kid)
      .where('sealed_private_key', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revoke(kid: string, revokedAt: number, removeAfter: number): Promise<boolean> {
    const result = await this.#db
      .updateTable(this.#table)
      .set({ status: 'revoked', retired_at: revokedAt, remove_after: removeAfter })
      .where('kid', '=', kid)
      .where('status', '!=', 'revoked')
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** Runs `change` in one transaction; false (rolled back) when a precondition failed or a unique index refused. */
  async #compareAndSet(change: (db: Kysely<Database>) => Promise<void>): Promise<boolean> {
    try {
      if (this.#dialect === 'postgres') {
        await this.#db.transaction().execute(change);
      } else {
        // BEGIN IMMEDIATE takes SQLite's write lock up front, so another process (the CLI beside the
        // server) waits on busy_timeout instead of failing on a lock upgrade mid-transaction.
        await this.#db.connection().execute(async (connection) => {
          await sql`begin immediate`.execute(connection);
          try {
            await change(connection);
          } catch (error) {
            await sql`rollback`.execute(connection);
            throw error;
          }
          await sql`commit`.execute(connection);
        });
      }
      return true;
    } catch (error) {
      if (error instanceof PreconditionFailed || isUniqueViolation(error)) return false;
      throw error;
    }
  }
}

async function insertOne(db: Kysely<Database>, table: 'signing_keys', key: SigningKeyRecord): Promise<void> {
  const result = await db
    .insertInto(table)
    .values(toRow(key))
    .onConflict((conflict) => conflict.doNothing())
    .executeTakeFirst();
  if (result.numInsertedOrUpdatedRows !== 1n) throw new PreconditionFailed();
}

function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  return (
    error.code === '23505' ||
    error.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

function toRow(key: SigningKeyRecord): Selectable<SigningKeysTable> {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    public_jwk: JSON.stringify(key.publicJwk),
    sealed_private_key: key.sealedPrivateKey,
    created_at: key.createdAt,
    activated_at: key.activatedAt,
    retired_at: key.retiredAt,
    remove_after: key.removeAfter,
  };
}

function toRecord(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  if (!isSigningAlgorithm(row.alg)) throw new Error(`signing_keys.alg has an unknown value: ${row.alg}`);
  if (!isSigningKeyStatus(row.status))
    throw new Error(`signing_keys.status has an unknown value: ${row.status}`);
  return {
    kid: row.kid,
    alg: row.alg,
    status: row.status,
    publicJwk: parsePublicJwk(row.public_jwk),
    sealedPrivateKey: row.sealed_private_key,
    createdAt: Number(row.created_at),
    activatedAt: nullableNumber(row.activated_at),
    retiredAt: nullableNumber(row.retired_at),
    removeAfter: nullableNumber(row.remove_after),
  };
}

function nullableNumber(value: number | null): number | null {
  return value === null ? null : Number(value);
}

function parsePublicJwk(text: string): PublicJwk {
  const value: unknown = JSON.parse(text);
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !('kid' in value && typeof value.kid === 'string') ||
    !('kty' in value && typeof value.kty === 'string') ||
    !('alg' in value && isSigningAlgorithm(value.alg)) ||
    !('use' in value && value.use === 'sig')
  ) {
    throw new Error('signing_keys.public_jwk is not a public signing JWK');
  }
  return value as PublicJwk;
}
