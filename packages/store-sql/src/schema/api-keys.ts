export interface ServiceAccountsTable {
  user_id: string;
  name: string;
  description: string;
  /** JSON `{limit, windowSeconds}` or null. */
  rate_limit: string | null;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  owner_id: string;
  name: string;
  /** HMAC-SHA-256 of the key under the server pepper, hex. Never the key. */
  secret_hash: string;
  last_four: string;
  /** JSON array of permission scopes. */
  scopes: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  replaced_by: string | null;
  last_used_at: number | null;
  last_used_ip: string | null;
  rate_limit: string | null;
  /** JSON array of CIDR strings or null. */
  allowed_cidrs: string | null;
}

export interface ApiKeyTables {
  service_accounts: ServiceAccountsTable;
  api_keys: ApiKeysTable;
}
