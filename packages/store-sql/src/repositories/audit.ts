import type { AuditEvent, AuditEventType, AuditLog } from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import type { AuditEventsTable, Database } from '../schema.ts';
import { parseDetails } from './json.ts';

export class SqlAuditLog implements AuditLog {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async record(event: AuditEvent): Promise<void> {
    await this.#db
      .insertInto('audit_events')
      .values({
        id: event.id,
        at: event.at,
        type: event.type,
        actor_id: event.actorId,
        subject_id: event.subjectId,
        ip: event.ip,
        request_id: event.requestId,
        details: JSON.stringify(event.details),
      })
      .execute();
  }

  async list(options: { limit: number; type?: AuditEventType; subjectId?: string }): Promise<AuditEvent[]> {
    let query = this.#db.selectFrom('audit_events').selectAll();
    if (options.type !== undefined) query = query.where('type', '=', options.type);
    if (options.subjectId !== undefined) query = query.where('subject_id', '=', options.subjectId);
    const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
    return rows.map(toEvent);
  }
}

function toEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    // Written only from AuditEventType values; the list is a compile-time type with no runtime form.
    type: row.type as AuditEventType,
    actorId: row.actor_id,
    subjectId: row.subject_id,
    ip: row.ip,
    requestId: row.request_id,
    details: parseDetails(row.details),
  };
}
