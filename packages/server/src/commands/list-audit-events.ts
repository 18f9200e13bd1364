import type { AuditEvent, AuditLog } from '@gatehouse/core';

/** The most recent audit events first (`GET /admin/v1/audit-events`), at most `limit`. */
export function listAuditEventsCommand(deps: {
  storage: { readonly audit: AuditLog };
}): (input: { limit: number }) => Promise<AuditEvent[]> {
  return function listAuditEvents({ limit }) {
    return deps.storage.audit.list({ limit });
  };
}
