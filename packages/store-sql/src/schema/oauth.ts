/** The OAuth engine's artifacts (opaque JSON payloads) and the registered OAuth clients. */
export interface OAuthArtifactsTable {
  model: string;
  id: string;
  /** JSON object written by the engine. */
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  account_id: string | null;
  expires_at: number;
  consumed_at: number | null;
}

export interface OAuthClientsTable {
  client_id: string;
  name: string;
  type: string;
  secret_hash: string | null;
  /** The secret a rotation replaced and when it stops being accepted (migration 0012); else NULL. */
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  /** JSON JWK Set of a private_key_jwt client, or null. */
  jwks: string | null;
  /** NULL on rows written before migration 0008: the method the type implies. */
  auth_method: string | null;
  /** NULL: the server's signing algorithm (every row before migration 0009); else RS256. */
  id_token_alg: string | null;
  /** JSON arrays of strings. */
  redirect_uris: string;
  post_logout_redirect_uris: string;
  grant_types: string;
  scopes: string;
  resources: string;
  audience: string | null;
  created_at: number;
  updated_at: number;
}

export interface OAuthTables {
  oauth_artifacts: OAuthArtifactsTable;
  oauth_clients: OAuthClientsTable;
}
