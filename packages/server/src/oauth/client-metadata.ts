import type { OAuthClientRecord } from '@gatehouse/core';

/** The scopes the engine itself defines (OpenID Connect); every other scope is an API scope. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set([
  'openid',
  'profile',
  'email',
  'address',
  'phone',
  'offline_access',
]);

/**
 * How an authorization response may travel: in the query (the default for `code`) or a form
 * post. Not the fragment, the implicit flow's channel (AUTHZ-01: nothing is ever answered in a
 * fragment; browsers carry a fragment over to the next redirect, RFC 9700 §4.11.2). Discovery
 * advertises exactly these (engine-responses.ts); any other mode is `invalid_request`.
 */
export const RESPONSE_MODES: readonly string[] = ['query', 'form_post'];

/**
 * The engine's view of one of our clients (OIDC Dynamic Client Registration metadata). The
 * `client_secret` it sees is the stored HMAC: the engine compares it with the HMAC of what the
 * client presents (see `compareHashedSecret`), so the clear secret exists nowhere at rest.
 */
export function providerMetadata(client: OAuthClientRecord): Record<string, unknown> {
  // Loopback and private-use redirects mark a native app: RFC 8252 port-agnostic loopback matching.
  const native = client.type === 'public' && client.redirectUris.some((uri) => !uri.startsWith('https:'));
  const interactive = client.grantTypes.includes('authorization_code');
  const oidcScopes = client.scopes.filter((scope) => OIDC_SCOPES.has(scope));
  return {
    client_id: client.clientId,
    client_name: client.name,
    ...(client.secretHash === null ? {} : { client_secret: client.secretHash }),
    token_endpoint_auth_method: client.authMethod,
    // Unset: the engine's default, the server's algorithm (provider-config.ts).
    ...(client.idTokenAlg === null ? {} : { id_token_signed_response_alg: client.idTokenAlg }),
    ...(client.jwks === null ? {} : { jwks: { keys: client.jwks.keys.map((key) => ({ ...key })) } }),
    application_type: native ? 'native' : 'web',
    grant_types: [...client.grantTypes],
    response_types: interactive ? ['code'] : [],
    ...(interactive ? { response_modes: [...RESPONSE_MODES] } : {}),
    redirect_uris: [...client.redirectUris],
    post_logout_redirect_uris: [...client.postLogoutRedirectUris],
    // The engine checks `scope` against its own (OpenID) scopes; API scopes reach it per
    // resource server (getResourceServerInfo) from `gatehouse_api_scopes`.
    ...(oidcScopes.length === 0 ? {} : { scope: oidcScopes.join(' ') }),
    gatehouse_api_scopes: client.scopes.filter((scope) => !OIDC_SCOPES.has(scope)),
    gatehouse_resources: [...client.resources],
    gatehouse_audience: client.audience,
  };
}

const metadataByRecord = new WeakMap<OAuthClientRecord, Readonly<Record<string, unknown>>>();

/**
 * `providerMetadata`, made once per stored record: the registry hands out the same record while
 * it is cached, and the engine reads a client's metadata on every client-authenticated request.
 * Deeply frozen, so nothing can change what another request will be given.
 */
export function engineMetadataOf(client: OAuthClientRecord): Readonly<Record<string, unknown>> {
  let metadata = metadataByRecord.get(client);
  if (metadata === undefined) {
    metadata = deepFreeze(providerMetadata(client));
    metadataByRecord.set(client, metadata);
  }
  return metadata;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** The two Gatehouse-specific client properties, as the engine exposes them on its client object. */
export function gatehouseClientProperties(client: object): {
  resources: string[];
  apiScopes: string[];
  audience: string | null;
} {
  const props = client as {
    gatehouse_resources?: unknown;
    gatehouse_audience?: unknown;
    gatehouse_api_scopes?: unknown;
  };
  return {
    apiScopes: Array.isArray(props.gatehouse_api_scopes) ? (props.gatehouse_api_scopes as string[]) : [],
    resources: Array.isArray(props.gatehouse_resources) ? (props.gatehouse_resources as string[]) : [],
    audience: typeof props.gatehouse_audience === 'string' ? props.gatehouse_audience : null,
  };
}
