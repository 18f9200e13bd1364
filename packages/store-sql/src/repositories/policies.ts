import { type PolicyDocumentRepository, type StoredPolicyDocument, VERSION_CONFLICT } from '@gatehouse/core';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export class SqlPolicyDocumentRepository implements PolicyDocumentRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(): Promise<StoredPolicyDocument[]> {
    const rows = await this.#db.selectFrom('policy_documents').selectAll().orderBy('name').execute();
    return rows.map(toDocument);
  }

  async get(name: string): Promise<StoredPolicyDocument | undefined> {
    const row = await this.#db
      .selectFrom('policy_documents')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toDocument(row);
  }

  /** Conditional writes are single statements, so two concurrent writers cannot both succeed. */
  async put(
    doc: { name: string; source: string; updatedAt: number; updatedBy: string | null },
    expectedVersion?: number,
  ): Promise<StoredPolicyDocument | typeof VERSION_CONFLICT> {
    const values = { source: doc.source, updated_at: doc.updatedAt, updated_by: doc.updatedBy };
    if (expectedVersion === 0 || expectedVersion === undefined) {
      const inserted = await this.#db
        .insertInto('policy_documents')
        .values({ name: doc.name, version: 1, ...values })
        .onConflict((oc) =>
          expectedVersion === 0
            ? oc.column('name').doNothing()
            : oc
                .column('name')
                .doUpdateSet((eb) => ({ ...values, version: eb('policy_documents.version', '+', 1) })),
        )
        .returningAll()
        .executeTakeFirst();
      return inserted === undefined ? VERSION_CONFLICT : toDocument(inserted);
    }
    const updated = await this.#db
      .updateTable('policy_documents')
      .set((eb) => ({ ...values, version: eb('version', '+', 1) }))
      .where('name', '=', doc.name)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
    return updated === undefined ? VERSION_CONFLICT : toDocument(updated);
  }

  async delete(
    name: string,
    expectedVersion?: number,
  ): Promise<StoredPolicyDocument | undefined | typeof VERSION_CONFLICT> {
    let query = this.#db.deleteFrom('policy_documents').where('name', '=', name);
    if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
    const deleted = await query.returningAll().executeTakeFirst();
    if (deleted !== undefined) return toDocument(deleted);
    if (expectedVersion !== undefined && (await this.get(name)) !== undefined) return VERSION_CONFLICT;
    return undefined;
  }
}

function toDocument(row: {
  name: string;
  source: string;
  version: number;
  updated_at: number;
  updated_by: string | null;
}): StoredPolicyDocument {
  return {
    name: row.name,
    source: row.source,
    version: Number(row.version),
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
  };
}
