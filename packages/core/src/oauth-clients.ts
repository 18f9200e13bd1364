/**
 * OAuth clients registered with Gatehouse. The record is ours (the engine reads a metadata view of
 * it): the secret is kept only as an HMAC, so a leaked table grants nothing.
 */

export type OAuthClientType = 'confidential' | 'public';

/** How a client authenticates at the token endpoint (RFC 7591 `token_endpoint_auth_method`). */
export const OAUTH_CLIENT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
] as const;
export type OAuthClientAuthMethod = (typeof OAUTH_CLIENT_AUTH_METHODS)[number];

/**
 * What a client may register as `id_token_signed_response_alg` besides the server's own algorithm
 * (GATEHOUSE_SIGNING_ALG, the default): RS256, which OpenID Connect Discovery requires a provider
 * to support for ID tokens.
 */
export const OAUTH_ID_TOKEN_ALGS = ['RS256'] as const;
export type OAuthIdTokenAlg = (typeof OAUTH_ID_TOKEN_ALGS)[number];

export const OAUTH_GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:device_code',
] as const;
export type OAuthGrantType = (typeof OAUTH_GRANT_TYPES)[number];

export interface OAuthClientRecord {
  /** Random and prefixed `c_`, so it can never equal a user id (`sub` namespaces stay disjoint). */
  readonly clientId: string;
  readonly name: string;
  readonly type: OAuthClientType;
  /**
   * HMAC-SHA256 (hex) of the secret under a key derived from the master secret; null for public
   * clients and for confidential clients that authenticate with `jwks`.
   */
  readonly secretHash: string | null;
  /**
   * After a rotation with an overlap: the HMAC of the secret it replaced, still accepted until
   * `previousSecretExpiresAt` (ms); both null when no previous secret is pending.
   */
  readonly previousSecretHash: string | null;
  readonly previousSecretExpiresAt: number | null;
  /** Public keys of a confidential client authenticating with signed assertions (`private_key_jwt`). */
  readonly jwks: { readonly keys: readonly Record<string, unknown>[] } | null;
  /**
   * The one way the client may authenticate: `none` for public clients, `private_key_jwt` with
   * `jwks`, otherwise its secret either in the Basic header or in the body — never both ways.
   */
  readonly authMethod: OAuthClientAuthMethod;
  /** How its ID tokens are signed: null for the server's algorithm, or RS256 (`OAUTH_ID_TOKEN_ALGS`). */
  readonly idTokenAlg: OAuthIdTokenAlg | null;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly grantTypes: readonly OAuthGrantType[];
  /** Scopes the client may request (OIDC scopes and API scopes alike). */
  readonly scopes: readonly string[];
  /** Resource indicators (RFC 8707) the client may request tokens for. */
  readonly resources: readonly string[];
  /**
   * When the client is (also) a resource server: the resource indicator it serves. It may then
   * introspect tokens whose `aud` holds that indicator.
   */
  readonly audience: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A client's secrets as one compare-and-set replaces them (rotation, early revocation, re-hash). */
export interface OAuthClientSecrets {
  readonly secretHash: string;
  readonly previousSecretHash: string | null;
  readonly previousSecretExpiresAt: number | null;
  readonly updatedAt: number;
}

/** The previous secret's HMAC while it is still accepted at `now`, else null. */
export function pendingPreviousSecret(client: OAuthClientRecord, now: number): string | null {
  const { previousSecretHash: hash, previousSecretExpiresAt: expiresAt } = client;
  return hash !== null && expiresAt !== null && expiresAt > now ? hash : null;
}

export interface OAuthClientStore {
  /** False when the client id is taken. */
  insert(client: OAuthClientRecord): Promise<boolean>;
  get(clientId: string): Promise<OAuthClientRecord | undefined>;
  list(): Promise<OAuthClientRecord[]>;
  /** False when no such client exists. Leaves the secrets as they are (see `replaceSecrets`). */
  update(client: OAuthClientRecord): Promise<boolean>;
  /**
   * Replaces the secrets only while the client still has exactly the `expected` current and
   * previous secret hashes; false, changing nothing, otherwise (another write came first, or no
   * such client).
   */
  replaceSecrets(
    clientId: string,
    expected: { readonly secretHash: string | null; readonly previousSecretHash: string | null },
    secrets: OAuthClientSecrets,
  ): Promise<boolean>;
  delete(clientId: string): Promise<boolean>;
}
