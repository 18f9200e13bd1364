import type { AuditEvent, AuditEventType, AuditLog } from '@gatehouse/core';
import { compare } from './users.ts';

export class MemoryAuditLog implements AuditLog {
  readonly #events: AuditEvent[] = [];

  async record(event: AuditEvent): Promise<void> {
    this.#events.push({ ...event, details: { ...event.details } });
  }

  async list(options: { limit: number; type?: AuditEventType; subjectId?: string }): Promise<AuditEvent[]> {
    return this.#events
      .filter((event) => options.type === undefined || event.type === options.type)
      .filter((event) => options.subjectId === undefined || event.subjectId === options.subjectId)
      .sort((a, b) => b.at - a.at || compare(b.id, a.id))
      .slice(0, options.limit)
      .map((event) => ({ ...event, details: { ...event.details } }));
  }
}
