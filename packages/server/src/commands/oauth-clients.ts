import { type AuditTrail, type Clock, GatehouseError, type RequestMeta } from '@gatehouse/core';
import type { ClientInput } from '../oauth/client-registry.ts';
import { type ClientView, clientView } from '../oauth/client-view.ts';
import type { OAuthServer } from '../oauth/oauth-server.ts';

/** A client with a secret in the clear: shown once, in the answer that made it, never stored. */
export interface IssuedClientView {
  readonly client: ClientView;
  /** Null for a public client and for one that authenticates with its keys (`private_key_jwt`). */
  readonly secret: string | null;
}

/**
 * OAuth 2.0 / OpenID Connect clients (`/admin/v1/clients…`, `gatehouse clients …`). Every change
 * writes the same audit event whichever door it came through.
 */
export interface ClientCommands {
  readonly listClients: () => Promise<ClientView[]>;
  readonly getClient: (input: { clientId: string }) => Promise<ClientView>;
  readonly createClient: (input: { client: ClientInput; meta: RequestMeta }) => Promise<IssuedClientView>;
  /**
   * A new secret; the old one stops at once (`overlapSeconds` 0) or at the end of the overlap
   * (≤ 30 days). A conflict while a previous secret is still pending.
   */
  readonly rotateClientSecret: (input: {
    clientId: string;
    overlapSeconds: number;
    meta: RequestMeta;
  }) => Promise<IssuedClientView>;
  /** Ends a rotation's overlap early: the previous secret stops working now. */
  readonly revokePreviousClientSecret: (input: {
    clientId: string;
    meta: RequestMeta;
  }) => Promise<ClientView>;
  readonly deleteClient: (input: { clientId: string; meta: RequestMeta }) => Promise<void>;
  /** An initial access token for RFC 7591 registration (when dynamic registration is on). */
  readonly createRegistrationToken: (input: { ttlSeconds: number }) => Promise<string>;
}

export function clientCommands(deps: {
  oauth: Pick<OAuthServer, 'registry' | 'registrationToken'>;
  audit: AuditTrail;
  clock: Clock;
}): ClientCommands {
  const { registry } = deps.oauth;
  const view = (client: Parameters<typeof clientView>[0]) => clientView(client, deps.clock.now());
  return {
    listClients: async () => (await registry.list()).map(view),
    getClient: async ({ clientId }) => {
      const client = await registry.get(clientId);
      if (client === undefined) throw new GatehouseError('not_found', { detail: 'No such client.' });
      return view(client);
    },
    createClient: async ({ client: input, meta }) => {
      const { client, secret } = await registry.create(input);
      await deps.audit.record('oauth.client.created', meta, {
        subjectId: client.clientId,
        details: { type: client.type },
      });
      return { client: view(client), secret };
    },
    rotateClientSecret: async ({ clientId, overlapSeconds, meta }) => {
      const { client, secret } = await registry.rotateSecret(clientId, { overlapMs: overlapSeconds * 1000 });
      await deps.audit.record('oauth.client.secret_rotated', meta, {
        subjectId: client.clientId,
        details: { overlap_seconds: overlapSeconds },
      });
      return { client: view(client), secret };
    },
    revokePreviousClientSecret: async ({ clientId, meta }) => {
      const client = await registry.revokePreviousSecret(clientId);
      await deps.audit.record('oauth.client.previous_secret_revoked', meta, { subjectId: client.clientId });
      return view(client);
    },
    deleteClient: async ({ clientId, meta }) => {
      await registry.delete(clientId);
      await deps.audit.record('oauth.client.deleted', meta, { subjectId: clientId });
    },
    createRegistrationToken: ({ ttlSeconds }) => deps.oauth.registrationToken(ttlSeconds),
  };
}
