import type { OAuthClientRecord } from '@gatehouse/core';
import type { ConnectedApplication } from './oauth-server.ts';

/**
 * The public view of a client (admin API and CLI): never the secret or its hash. A previous secret
 * still valid at `now` after a rotation shows as `previous_secret_expires_at`.
 */
export function clientView(client: OAuthClientRecord, now: number) {
  return {
    client_id: client.clientId,
    name: client.name,
    type: client.type,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: client.grantTypes,
    scopes: client.scopes,
    resources: client.resources,
    audience: client.audience,
    token_endpoint_auth_method: client.authMethod,
    ...(client.idTokenAlg === null ? {} : { id_token_signed_response_alg: client.idTokenAlg }),
    ...(client.jwks === null ? {} : { jwks: client.jwks }),
    // As core's `pendingPreviousSecret`, written out: this module stays free of core's runtime.
    ...(client.previousSecretHash === null ||
    client.previousSecretExpiresAt === null ||
    client.previousSecretExpiresAt <= now
      ? {}
      : { previous_secret_expires_at: new Date(client.previousSecretExpiresAt).toISOString() }),
    created_at: new Date(client.createdAt).toISOString(),
    updated_at: new Date(client.updatedAt).toISOString(),
  };
}

export type ClientView = ReturnType<typeof clientView>;

/** A user's grant to a client, as the account API and the admin API show it. */
export function connectedApplicationView(a: ConnectedApplication) {
  return {
    grant_id: a.grantId,
    client_id: a.clientId,
    client_name: a.clientName,
    scopes: a.scopes,
    resources: a.resources,
  };
}

export type ConnectedApplicationView = ReturnType<typeof connectedApplicationView>;
