import type { ColumnType, Generated } from 'kysely';

export interface RefreshTokensTable {
  id_hash: string;
  family_id: string;
  user_id: string;
  client_id: string;
  session_id_hash: string;
  scope: string;
  created_at: number;
  expires_at: number;
  family_expires_at: number;
  consumed_at: number | null;
  revoked_at: number | null;
}

export interface RevocationsTable {
  seq: Generated<number>;
  type: string;
  value: string;
  at: number;
  expires_at: ColumnType<number, number, never>;
}

/** Tables of refresh tokens and the revocation index. */
export interface TokenTables {
  refresh_tokens: RefreshTokensTable;
  revocations: RevocationsTable;
}
