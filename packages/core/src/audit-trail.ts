import type { Clock } from './clock.ts';
import type { AuditEvent, AuditEventType, AuditLog } from './ports.ts';
import { randomId } from './secrets.ts';

/** Where a request came from; attached to every audit event the request causes. */
export interface RequestMeta {
  readonly ip: string;
  readonly requestId: string;
  readonly userAgent?: string;
  /** The authenticated caller, when there is one. */
  readonly actorId?: string;
}

export interface AuditInput {
  subjectId?: string | null;
  actorId?: string | null;
  details?: AuditEvent['details'];
}

/** Writes audit events to the store and hands each to an optional listener (the server logs them). */
export class AuditTrail {
  readonly #log: AuditLog;
  readonly #clock: Clock;
  readonly #listener: ((event: AuditEvent) => void) | undefined;

  constructor(log: AuditLog, clock: Clock, listener?: (event: AuditEvent) => void) {
    this.#log = log;
    this.#clock = clock;
    this.#listener = listener;
  }

  async record(type: AuditEventType, meta: RequestMeta | undefined, input: AuditInput = {}): Promise<void> {
    const event: AuditEvent = {
      id: randomId(16),
      at: this.#clock.now(),
      type,
      actorId: input.actorId ?? meta?.actorId ?? null,
      subjectId: input.subjectId ?? null,
      ip: meta?.ip ?? null,
      requestId: meta?.requestId ?? null,
      details: input.details ?? {},
    };
    this.#listener?.(event);
    await this.#log.record(event);
  }
}
