/** Second factors (migration 0016_second_factors; core `SecondFactorStore` and its siblings). */
export interface SecondFactorsTable {
  id: string;
  user_id: string;
  kind: string;
  name: string;
  /** The TOTP secret sealed by the server (AES-256-GCM under a master-secret key). */
  sealed_secret: string;
  confirmed: number;
  created_at: number;
  last_used_at: number | null;
  last_step: number | null;
}

export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface LoginTransactionsTable {
  id_hash: string;
  user_id: string;
  /** JSON list of the second factors any one of which completes the login. */
  pending: string;
  started_at: number;
  expires_at: number;
}

export interface SecondFactorTables {
  second_factors: SecondFactorsTable;
  recovery_codes: RecoveryCodesTable;
  login_transactions: LoginTransactionsTable;
}
