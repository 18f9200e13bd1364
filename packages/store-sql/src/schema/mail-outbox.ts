/** Outgoing email waiting for delivery (migration 0014_mail_outbox; core `MailOutboxStore`). */
export interface MailOutboxTable {
  id: string;
  /** Encrypted by the server; NULL once sent or dead. */
  sealed: string | null;
  template: string;
  status: string;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  lease_until: number | null;
  lease_owner: string | null;
  finished_at: number | null;
  last_error: string | null;
}

export interface MailOutboxTables {
  mail_outbox: MailOutboxTable;
}
