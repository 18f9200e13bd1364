import type { OAuthClientRecord, OAuthClientSecrets, OAuthClientStore } from '@gatehouse/core';

/**
 * OAuth clients in process memory. Each method checks and changes synchronously, so the secrets'
 * compare-and-set is atomic within the process.
 */
export class MemoryOAuthClientStore implements OAuthClientStore {
  readonly #clients = new Map<string, OAuthClientRecord>();

  async insert(client: OAuthClientRecord): Promise<boolean> {
    if (this.#clients.has(client.clientId)) return false;
    this.#clients.set(client.clientId, copy(client));
    return true;
  }

  async get(clientId: string): Promise<OAuthClientRecord | undefined> {
    const client = this.#clients.get(clientId);
    return client === undefined ? undefined : copy(client);
  }

  async list(): Promise<OAuthClientRecord[]> {
    return [...this.#clients.values()].sort((a, b) => a.createdAt - b.createdAt).map(copy);
  }

  async update(client: OAuthClientRecord): Promise<boolean> {
    const stored = this.#clients.get(client.clientId);
    if (stored === undefined) return false;
    const { secretHash, previousSecretHash, previousSecretExpiresAt, createdAt } = stored;
    this.#clients.set(client.clientId, {
      ...copy(client),
      secretHash,
      previousSecretHash,
      previousSecretExpiresAt,
      createdAt,
    });
    return true;
  }

  async replaceSecrets(
    clientId: string,
    expected: { readonly secretHash: string | null; readonly previousSecretHash: string | null },
    secrets: OAuthClientSecrets,
  ): Promise<boolean> {
    const stored = this.#clients.get(clientId);
    if (
      stored === undefined ||
      stored.secretHash !== expected.secretHash ||
      stored.previousSecretHash !== expected.previousSecretHash
    )
      return false;
    this.#clients.set(clientId, { ...stored, ...secrets });
    return true;
  }

  async delete(clientId: string): Promise<boolean> {
    return this.#clients.delete(clientId);
  }
}

function copy(client: OAuthClientRecord): OAuthClientRecord {
  return structuredClone(client);
}
