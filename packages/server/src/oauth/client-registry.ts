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
  pendingPreviousSecret,
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

/** How long a rotated-out secret may stay valid beside the new one: as long as an API key's overlap. */
export const MAX_SECRET_OVERLAP_MS = 30 * 24 * 60 * 60 * 1000;

/** Which of a client's secrets a presented one is, if any. */
export type SecretMatch = 'current' | 'previous' | false;

const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
/** RFC 6749 §3.3 scope-token characters. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

const invalid = (detail: string) => new GatehouseError('invalid_request', { detail });

/**
 * Registers and manages OAuth clients. Every rule a client's metadata must meet is checked here,
 * once, for the admin API and the CLI alike. Secrets are 256-bit random strings kept only as an
 * HMAC under a key derived from the master secret (a stolen table holds nothing usable; a keyed
 * hash, not a slow one, because the secret has full entropy).
 *
 * During a change of master secret, `secretKeys` holds the previous secrets' keys after the
 * current one: a secret hashed under one of them still verifies, and is then hashed again under the
 * current key (compare-and-set), so the clients in use need no new secret.
 */
export class ClientRegistry {
  readonly #store: OAuthClientStore;
  readonly #secretKeys: readonly Buffer[];
  readonly #clock: Clock;

  /**
   * Clients as the token endpoint reads them, kept `cacheTtlMs` (default 1 s): the bound on how
   * long another node may still accept a deleted client or a rotated-out secret. Writes on this
   * node drop the entry at once.
   */
  readonly #cache: TtlCache<OAuthClientRecord>;

  constructor(options: {
    store: OAuthClientStore;
    /** The current master secret's key first, then the previous ones' (verification only). */
    secretKeys: readonly Buffer[];
    clock: Clock;
    cacheTtlMs?: number;
  }) {
    if (options.secretKeys.length === 0) throw new RangeError('secretKeys must hold the current key');
    this.#store = options.store;
    this.#secretKeys = options.secretKeys;
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
      previousSecretHash: null,
      previousSecretExpiresAt: null,
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
      previousSecretHash: null,
      previousSecretExpiresAt: null,
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

  /**
   * A new secret, returned once. The old one stops working at once (`overlapMs` 0, the default) or
   * stays valid beside the new one until the overlap ends (at most 30 days), like an API key's
   * rotation. A client has at most one previous secret: rotating with an overlap while one is
   * pending is a conflict (revoke it first, or rotate with no overlap, which ends both old ones).
   */
  async rotateSecret(clientId: string, options: { overlapMs?: number } = {}): Promise<IssuedClient> {
    const overlapMs = options.overlapMs ?? 0;
    if (!Number.isSafeInteger(overlapMs) || overlapMs < 0 || overlapMs > MAX_SECRET_OVERLAP_MS)
      throw invalid(`The overlap must be between 0 and ${MAX_SECRET_OVERLAP_MS / 1000} seconds.`);
    const client = await this.#withSecret(clientId);
    const now = this.#clock.now();
    if (overlapMs > 0 && pendingPreviousSecret(client, now) !== null)
      throw new GatehouseError('conflict', {
        detail: `The previous secret is valid until ${new Date(client.previousSecretExpiresAt ?? now).toISOString()}: revoke it first, or rotate without an overlap.`,
      });
    const secret = `ghs_${randomToken(32)}`;
    const secrets = {
      secretHash: this.#hash(secret),
      previousSecretHash: overlapMs > 0 ? client.secretHash : null,
      previousSecretExpiresAt: overlapMs > 0 ? now + overlapMs : null,
      updatedAt: now,
    };
    this.#cache.delete(clientId);
    if (!(await this.#store.replaceSecrets(clientId, client, secrets)))
      throw new GatehouseError('conflict', { detail: 'The secret changed meanwhile: try again.' });
    return { client: { ...client, ...secrets }, secret };
  }

  /** Ends the overlap of the last rotation now: the previous secret stops working. */
  async revokePreviousSecret(clientId: string): Promise<OAuthClientRecord> {
    const client = await this.#withSecret(clientId);
    const now = this.#clock.now();
    if (pendingPreviousSecret(client, now) === null)
      throw new GatehouseError('conflict', { detail: 'No previous secret is pending.' });
    const secrets = {
      secretHash: client.secretHash,
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      updatedAt: now,
    };
    this.#cache.delete(clientId);
    if (!(await this.#store.replaceSecrets(clientId, client, secrets)))
      throw new GatehouseError('conflict', { detail: 'The secret changed meanwhile: try again.' });
    return { ...client, ...secrets };
  }

  async #withSecret(clientId: string): Promise<OAuthClientRecord & { secretHash: string }> {
    const client = await this.#store.get(clientId);
    if (client === undefined) throw new GatehouseError('not_found', { detail: 'No such client.' });
    if (client.type !== 'confidential') throw invalid('Public clients have no secret.');
    if (client.jwks !== null || client.secretHash === null)
      throw invalid('This client authenticates with its keys (private_key_jwt), not a secret.');
    return client as OAuthClientRecord & { secretHash: string };
  }

  async delete(clientId: string): Promise<void> {
    this.#cache.delete(clientId);
    if (!(await this.#store.delete(clientId))) throw new GatehouseError('not_found');
  }

  /**
   * The engine's check of a presented secret: its HMAC under every key (the current master
   * secret's and the previous ones') against the current secret's and, within the overlap, the
   * previous secret's. Every comparison is made, in constant time, whichever matches: the time
   * taken does not tell which secret was presented. A current secret hashed under a previous
   * master secret is hashed again under the current one.
   */
  async verifySecret(clientId: string, presented: string): Promise<SecretMatch> {
    const client = await this.get(clientId);
    if (client?.secretHash == null || presented.length === 0 || presented.length > 512) return false;
    const stored = hexOf(client.secretHash);
    const previous = hexOf(pendingPreviousSecret(client, this.#clock.now()));
    let current = false;
    let stale = false;
    let old = false;
    this.#secretKeys.forEach((key, index) => {
      const actual = this.#digest(key, presented);
      const isCurrent = sameDigest(stored, actual);
      const isPrevious = sameDigest(previous, actual);
      current ||= isCurrent && index === 0;
      stale ||= isCurrent && index > 0;
      old ||= isPrevious;
    });
    // A failed write changes nothing but the work of the next check.
    if (stale) await this.#rehash(client, presented).catch(() => undefined);
    return current || stale ? 'current' : old ? 'previous' : false;
  }

  /** Stores the HMAC of a verified current secret under the current key, if nothing changed meanwhile. */
  async #rehash(client: OAuthClientRecord, presented: string): Promise<void> {
    this.#cache.delete(client.clientId);
    await this.#store.replaceSecrets(client.clientId, client, {
      secretHash: this.#hash(presented),
      previousSecretHash: client.previousSecretHash,
      previousSecretExpiresAt: client.previousSecretExpiresAt,
      updatedAt: this.#clock.now(),
    });
  }

  /** What is stored for a secret: its HMAC under the current key, hex. */
  #hash(secret: string): string {
    return this.#digest(this.#secretKeys[0] as Buffer, secret).toString('hex');
  }

  #digest(key: Buffer, secret: string): Buffer {
    return hmacSha256(key, `oauth-client-secret:${secret}`);
  }
}

/** A stored 32-byte HMAC, or 32 zero bytes standing in for none (so the comparison is still made). */
function hexOf(hex: string | null): Buffer | null {
  return hex === null || hex.length !== 64 ? null : Buffer.from(hex, 'hex');
}

const NO_DIGEST = Buffer.alloc(32);

function sameDigest(stored: Buffer | null, actual: Buffer): boolean {
  const equal = timingSafeEqual(stored ?? NO_DIGEST, actual);
  return stored !== null && equal;
}

function validated(
  input: ClientInput,
): Omit<
  OAuthClientRecord,
  'clientId' | 'secretHash' | 'previousSecretHash' | 'previousSecretExpiresAt' | 'createdAt' | 'updatedAt'
> {
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
