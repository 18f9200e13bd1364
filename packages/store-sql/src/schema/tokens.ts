import type { ColumnType, Generated } from 'kysely';

export interface RefreshTokensTable {
  id_hash: string;
  /** `first-party` or `oauth` (0013; rows before it are first-party). */
  kind: string;
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
  /** JSON: the OAuth engine's model of the token; NULL for first-party tokens. */
  payload: string | null;
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
