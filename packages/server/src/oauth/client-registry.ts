import { timingSafeEqual } from 'node:crypto';
import {
  type Clock,
  checkRedirectUri,
  GatehouseError,
  hmacSha256,
  OAUTH_GRANT_TYPES,
  OAUTH_ID_TOKEN_ALGS,
  type OAuthClientAuthMethod,
  type OAuthClientRecord,
  type OAuthClientStore,
  type OAuthClientType,
  type OAuthGrantType,
  type OAuthIdTokenAlg,
  randomToken,
  TtlCache,
} from '@gatehouse/core';

export interface ClientInput {
  readonly name: string;
  readonly type: OAuthClientType;
  readonly redirectUris?: readonly string[] | undefined;
  readonly postLogoutRedirectUris?: readonly string[] | undefined;
  readonly grantTypes?: readonly string[] | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly resources?: readonly string[] | undefined;
  readonly audience?: string | null | undefined;
  /**
   * Public keys (a JWK Set) of a confidential client that authenticates with signed assertions
   * (`private_key_jwt`, RFC 7523) instead of a secret: no secret is issued then.
   */
  readonly jwks?: { readonly keys: readonly Record<string, unknown>[] } | null | undefined;
  /**
   * Where a confidential client with a secret sends it: the Basic header (default) or the request
   * body. The other way is then refused, as a wrong secret is.
   */
  readonly secretIn?: 'header' | 'body' | undefined;
  /** RS256 for ID tokens signed with RS256; by default they use the server's algorithm. */
  readonly idTokenAlg?: string | null | undefined;
}

export interface IssuedClient {
  readonly client: OAuthClientRecord;
  /** The secret in the clear: shown once, never stored. Null for public clients. */
  readonly secret: string | null;
}

const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
/** RFC 6749 §3.3 scope-token characters. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

const invalid = (detail: string) => new GatehouseError('invalid_request', { detail });

/**
 * Registers and manages OAuth clients. Every rule a client's metadata must meet is checked here,
 * once, for the admin API and the CLI alike. Secrets are 256-bit random strings kept only as an
 * HMAC under a key derived from the master secret (a stolen table holds nothing usable; a keyed
 * hash, not a slow one, because the secret has full entropy).
 */
export class ClientRegistry {
  readonly #store: OAuthClientStore;
  readonly #secretKey: Buffer;
  readonly #clock: Clock;

  /**
   * Clients as the token endpoint reads them, kept `cacheTtlMs` (default 1 s): the bound on how
   * long another node may still accept a deleted client or a rotated-out secret. Writes on this
   * node drop the entry at once.
   */
  readonly #cache: TtlCache<OAuthClientRecord>;

  constructor(options: { store: OAuthClientStore; secretKey: Buffer; clock: Clock; cacheTtlMs?: number }) {
    this.#store = options.store;
    this.#secretKey = options.secretKey;
    this.#clock = options.clock;
    this.#cache = new TtlCache({
      ttlMs: options.cacheTtlMs ?? 1000,
      maxEntries: 10_000,
      clock: options.clock,
    });
  }

  async create(input: ClientInput): Promise<IssuedClient> {
    const now = this.#clock.now();
    const jwks = input.jwks ?? null;
    const secret = input.type === 'confidential' && jwks === null ? `ghs_${randomToken(32)}` : null;
    const client: OAuthClientRecord = {
      ...validated(input),
      clientId: `c_${randomToken(16)}`,
      secretHash: secret === null ? null : this.#hash(secret),
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.#store.insert(client))) throw new GatehouseError('conflict');
    return { client, secret };
  }

  /**
   * Stores a client the engine registered dynamically (RFC 7591, with an initial access token):
   * the same rules as `create`, the engine's id and secret (kept as an HMAC). Only OpenID scopes,
   * no resources and no audience can be self-assigned; an administrator adds those.
   */
  async importRegistered(metadata: Record<string, unknown>): Promise<OAuthClientRecord> {
    const list = (value: unknown) =>
      Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic';
    if (method !== 'client_secret_basic' && method !== 'client_secret_post' && method !== 'none')
      throw invalid('token_endpoint_auth_method must be client_secret_basic, client_secret_post or none.');
    const type = method === 'none' ? 'public' : 'confidential';
    const secret = typeof metadata.client_secret === 'string' ? metadata.client_secret : null;
    if ((type === 'confidential') !== (secret !== null))
      throw invalid('client_secret does not fit the client type.');
    const now = this.#clock.now();
    const client: OAuthClientRecord = {
      ...validated({
        name: typeof metadata.client_name === 'string' ? metadata.client_name : 'Registered client',
        type,
        redirectUris: list(metadata.redirect_uris),
        postLogoutRedirectUris: list(metadata.post_logout_redirect_uris),
        grantTypes: list(metadata.grant_types),
        scopes:
          typeof metadata.scope === 'string' ? metadata.scope.split(' ').filter(Boolean) : DEFAULT_SCOPES,
        resources: [],
        audience: null,
        jwks: null,
        ...(method === 'client_secret_post' ? { secretIn: 'body' as const } : {}),
        // The engine has checked it against the algorithms it offers; its default is ours (null).
        idTokenAlg: metadata.id_token_signed_response_alg === 'RS256' ? 'RS256' : null,
      }),
      clientId: String(metadata.client_id),
      secretHash: secret === null ? null : this.#hash(secret),
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.#store.insert(client))) throw new GatehouseError('conflict');
    return client;
  }

  async get(clientId: string): Promise<OAuthClientRecord | undefined> {
    const cached = this.#cache.get(clientId);
    if (cached !== undefined) return cached;
    const client = await this.#store.get(clientId);
    if (client !== undefined) this.#cache.set(clientId, client);
    return client;
  }

  list(): Promise<OAuthClientRecord[]> {
    return this.#store.list();
  }

  /** A new secret replaces the old one at once (the old one stops working). */
  async rotateSecret(clientId: string): Promise<IssuedClient> {
    const client = await this.#store.get(clientId);
    if (client === undefined) throw new GatehouseError('not_found', { detail: 'No such client.' });
    if (client.type !== 'confidential') throw invalid('Public clients have no secret.');
    if (client.jwks !== null)
      throw invalid('This client authenticates with its keys (private_key_jwt), not a secret.');
    const secret = `ghs_${randomToken(32)}`;
    const updated = { ...client, secretHash: this.#hash(secret), updatedAt: this.#clock.now() };
    this.#cache.delete(clientId);
    if (!(await this.#store.update(updated))) throw new GatehouseError('not_found');
    return { client: updated, secret };
  }

  async delete(clientId: string): Promise<void> {
    this.#cache.delete(clientId);
    if (!(await this.#store.delete(clientId))) throw new GatehouseError('not_found');
  }

  /**
   * The engine's check of a presented secret against the stored HMAC (hex), in constant time. Both
   * sides are 32-byte HMACs, so they are compared directly: no length or prefix can leak.
   */
  secretMatchesHash(presented: string, storedHex: string): boolean {
    if (presented.length === 0 || presented.length > 512 || storedHex.length !== 64) return false;
    const stored = Buffer.from(storedHex, 'hex');
    const actual = this.#digest(presented);
    return stored.length === actual.length && timingSafeEqual(stored, actual);
  }

  /** What is stored for a secret: its HMAC, hex. */
  #hash(secret: string): string {
    return this.#digest(secret).toString('hex');
  }

  #digest(secret: string): Buffer {
    return hmacSha256(this.#secretKey, `oauth-client-secret:${secret}`);
  }
}

function validated(
  input: ClientInput,
): Omit<OAuthClientRecord, 'clientId' | 'secretHash' | 'createdAt' | 'updatedAt'> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) throw invalid('name must be 1 to 100 characters.');
  const grantTypes = unique(input.grantTypes ?? ['authorization_code', 'refresh_token'], 'grant_types');
  for (const grant of grantTypes)
    if (!(OAUTH_GRANT_TYPES as readonly string[]).includes(grant))
      throw invalid(`Unsupported grant type ${grant} (implicit and password grants are not available).`);
  if (grantTypes.length === 0) throw invalid('grant_types must not be empty.');
  if (input.type === 'public' && grantTypes.includes('client_credentials'))
    throw invalid('client_credentials needs a confidential client.');
  const interactive =
    grantTypes.includes('authorization_code') ||
    grantTypes.includes('urn:ietf:params:oauth:grant-type:device_code');
  if (grantTypes.includes('refresh_token') && !interactive)
    throw invalid('refresh_token needs authorization_code or the device grant.');
  const redirectUris = unique(input.redirectUris ?? [], 'redirect_uris');
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0)
    throw invalid('authorization_code needs at least one redirect URI.');
  const postLogoutRedirectUris = unique(input.postLogoutRedirectUris ?? [], 'post_logout_redirect_uris');
  for (const uri of [...redirectUris, ...postLogoutRedirectUris]) {
    const verdict = checkRedirectUri(uri, input.type);
    if (!verdict.ok) throw invalid(`Redirect URI ${JSON.stringify(uri.slice(0, 200))} ${verdict.reason}.`);
  }
  const scopes = unique(input.scopes ?? DEFAULT_SCOPES, 'scopes');
  for (const scope of scopes)
    if (!SCOPE_TOKEN.test(scope)) throw invalid(`Invalid scope ${JSON.stringify(scope)}.`);
  const resources = unique(input.resources ?? [], 'resources');
  for (const resource of resources) checkResourceIndicator(resource);
  const audience = input.audience ?? null;
  if (audience !== null) checkResourceIndicator(audience);
  const jwks = input.jwks ?? null;
  if (jwks !== null) {
    if (input.type !== 'confidential') throw invalid('Only confidential clients authenticate with keys.');
    checkPublicJwks(jwks);
  }
  if (input.secretIn !== undefined && (input.type !== 'confidential' || jwks !== null))
    throw invalid('Only clients with a secret choose where to send it.');
  const authMethod: OAuthClientAuthMethod =
    input.type === 'public'
      ? 'none'
      : jwks !== null
        ? 'private_key_jwt'
        : input.secretIn === 'body'
          ? 'client_secret_post'
          : 'client_secret_basic';
  const idTokenAlg = input.idTokenAlg ?? null;
  if (idTokenAlg !== null && !(OAUTH_ID_TOKEN_ALGS as readonly string[]).includes(idTokenAlg))
    throw invalid(
      `id_token_signed_response_alg may be ${OAUTH_ID_TOKEN_ALGS.join(', ')} (or left to the server).`,
    );
  return {
    name,
    type: input.type,
    redirectUris,
    postLogoutRedirectUris,
    grantTypes: grantTypes as OAuthGrantType[],
    scopes,
    resources,
    audience,
    jwks: jwks === null ? null : { keys: jwks.keys.map((key) => ({ ...key })) },
    authMethod,
    idTokenAlg: idTokenAlg as OAuthIdTokenAlg | null,
  };
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/** 1 to 10 public signing keys (RSA, EC, OKP); never private or symmetric key material. */
function checkPublicJwks(jwks: { readonly keys: readonly Record<string, unknown>[] }): void {
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0 || jwks.keys.length > 10)
    throw invalid('jwks must hold 1 to 10 keys.');
  for (const key of jwks.keys) {
    if (typeof key !== 'object' || key === null) throw invalid('jwks keys must be JWKs.');
    if (!['RSA', 'EC', 'OKP'].includes(String(key.kty)))
      throw invalid('jwks keys must be RSA, EC or OKP keys.');
    if (PRIVATE_MEMBERS.some((member) => member in key)) throw invalid('jwks must hold public keys only.');
    if (key.use !== undefined && key.use !== 'sig') throw invalid('jwks keys must be signing keys.');
  }
}

/** RFC 8707 §2: an absolute URI without a fragment. */
function checkResourceIndicator(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`Resource ${JSON.stringify(value.slice(0, 200))} must be an absolute URI.`);
  }
  if (value.includes('#') || value.length > 2000 || !['https:', 'http:', 'urn:'].includes(url.protocol))
    throw invalid(
      `Resource ${JSON.stringify(value.slice(0, 200))} must be an absolute URI without a fragment.`,
    );
}

function unique(values: readonly string[], label: string): string[] {
  if (values.length > 50) throw invalid(`${label} may hold at most 50 entries.`);
  if (new Set(values).size !== values.length) throw invalid(`${label} has duplicates.`);
  return [...values];
}
