import {
  OAUTH_CLIENT_AUTH_METHODS,
  OAUTH_GRANT_TYPES,
  OAUTH_ID_TOKEN_ALGS,
  type OAuthClientAuthMethod,
  type OAuthClientRecord,
  type OAuthClientSecrets,
  type OAuthClientStore,
  type OAuthGrantType,
  type OAuthIdTokenAlg,
} from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import type { OAuthClientsTable } from '../schema/oauth.ts';
import type { Database } from '../schema.ts';
import { parseStringArray } from './json.ts';

export class SqlOAuthClientStore implements OAuthClientStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(client: OAuthClientRecord): Promise<boolean> {
    const inserted = await this.#db
      .insertInto('oauth_clients')
      .values(toRow(client))
      .onConflict((conflict) => conflict.column('client_id').doNothing())
      .returning('client_id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async get(clientId: string): Promise<OAuthClientRecord | undefined> {
    const row = await this.#db
      .selectFrom('oauth_clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async list(): Promise<OAuthClientRecord[]> {
    const rows = await this.#db.selectFrom('oauth_clients').selectAll().orderBy('created_at').execute();
    return rows.map(toRecord);
  }

  async update(client: OAuthClientRecord): Promise<boolean> {
    const {
      client_id,
      created_at,
      secret_hash,
      previous_secret_hash,
      previous_secret_expires_at,
      ...changes
    } = toRow(client);
    const result = await this.#db
      .updateTable('oauth_clients')
      .set(changes)
      .where('client_id', '=', client_id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async replaceSecrets(
    clientId: string,
    expected: { readonly secretHash: string | null; readonly previousSecretHash: string | null },
    secrets: OAuthClientSecrets,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('oauth_clients')
      .set({
        secret_hash: secrets.secretHash,
        previous_secret_hash: secrets.previousSecretHash,
        previous_secret_expires_at: secrets.previousSecretExpiresAt,
        updated_at: secrets.updatedAt,
      })
      .where('client_id', '=', clientId)
      .where((eb) =>
        eb.and([
          expected.secretHash === null
            ? eb('secret_hash', 'is', null)
            : eb('secret_hash', '=', expected.secretHash),
          expected.previousSecretHash === null
            ? eb('previous_secret_hash', 'is', null)
            : eb('previous_secret_hash', '=', expected.previousSecretHash),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(clientId: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('oauth_clients')
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

function toRow(client: OAuthClientRecord): Selectable<OAuthClientsTable> {
  return {
    client_id: client.clientId,
    name: client.name,
    type: client.type,
    secret_hash: client.secretHash,
    previous_secret_hash: client.previousSecretHash,
    previous_secret_expires_at: client.previousSecretExpiresAt,
    jwks: client.jwks === null ? null : JSON.stringify(client.jwks),
    auth_method: client.authMethod,
    id_token_alg: client.idTokenAlg,
    redirect_uris: JSON.stringify(client.redirectUris),
    post_logout_redirect_uris: JSON.stringify(client.postLogoutRedirectUris),
    grant_types: JSON.stringify(client.grantTypes),
    scopes: JSON.stringify(client.scopes),
    resources: JSON.stringify(client.resources),
    audience: client.audience,
    created_at: client.createdAt,
    updated_at: client.updatedAt,
  };
}

function toRecord(row: Selectable<OAuthClientsTable>): OAuthClientRecord {
  if (row.type !== 'confidential' && row.type !== 'public') throw new Error('oauth_clients.type is invalid');
  const grantTypes = parseStringArray(row.grant_types, 'oauth_clients.grant_types');
  if (!grantTypes.every((grant) => (OAUTH_GRANT_TYPES as readonly string[]).includes(grant)))
    throw new Error('oauth_clients.grant_types holds an unknown grant');
  const jwks = row.jwks === null ? null : parseJwks(row.jwks);
  const authMethod =
    row.auth_method ??
    (row.type === 'public' ? 'none' : jwks !== null ? 'private_key_jwt' : 'client_secret_basic');
  if (!(OAUTH_CLIENT_AUTH_METHODS as readonly string[]).includes(authMethod))
    throw new Error('oauth_clients.auth_method is invalid');
  const idTokenAlg = row.id_token_alg;
  if (idTokenAlg !== null && !(OAUTH_ID_TOKEN_ALGS as readonly string[]).includes(idTokenAlg))
    throw new Error('oauth_clients.id_token_alg is invalid');
  return {
    clientId: row.client_id,
    name: row.name,
    type: row.type,
    secretHash: row.secret_hash,
    previousSecretHash: row.previous_secret_hash,
    previousSecretExpiresAt:
      row.previous_secret_expires_at === null ? null : Number(row.previous_secret_expires_at),
    jwks,
    authMethod: authMethod as OAuthClientAuthMethod,
    idTokenAlg: idTokenAlg as OAuthIdTokenAlg | null,
    redirectUris: parseStringArray(row.redirect_uris, 'oauth_clients.redirect_uris'),
    postLogoutRedirectUris: parseStringArray(
      row.post_logout_redirect_uris,
      'oauth_clients.post_logout_redirect_uris',
    ),
    grantTypes: grantTypes as OAuthGrantType[],
    scopes: parseStringArray(row.scopes, 'oauth_clients.scopes'),
    resources: parseStringArray(row.resources, 'oauth_clients.resources'),
    audience: row.audience,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function parseJwks(text: string): { keys: Record<string, unknown>[] } {
  const value: unknown = JSON.parse(text);
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'object' && key !== null))
    throw new Error('oauth_clients.jwks is not a JWK Set');
  return { keys: keys as Record<string, unknown>[] };
}
