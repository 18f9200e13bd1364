import type {
  ApiKeyRecord,
  ApiKeyStore,
  ApiKeyUse,
  NewServiceAccount,
  RateLimit,
  ServiceAccountRecord,
  ServiceAccountStore,
} from '@gatehouse/core';
import type { MemoryUserRepository } from './users.ts';

export class MemoryApiKeyStore implements ApiKeyStore {
  readonly #keys = new Map<string, ApiKeyRecord>();

  async insert(record: ApiKeyRecord): Promise<void> {
    if (this.#keys.has(record.id)) throw new Error(`api key id already exists: ${record.id}`);
    this.#keys.set(record.id, { ...record });
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    const record = this.#keys.get(id);
    return record && { ...record };
  }

  async listByOwner(ownerId: string): Promise<ApiKeyRecord[]> {
    return [...this.#keys.values()]
      .filter((k) => k.ownerId === ownerId)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((k) => ({ ...k }));
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const record = this.#keys.get(id);
    if (record === undefined || record.revokedAt !== null) return false;
    this.#keys.set(id, { ...record, revokedAt: now });
    return true;
  }

  async replaceSecretHash(id: string, expected: string, secretHash: string): Promise<boolean> {
    const record = this.#keys.get(id);
    if (record?.secretHash !== expected) return false;
    this.#keys.set(id, { ...record, secretHash });
    return true;
  }

  async supersede(id: string, replacedBy: string, expiresAt: number): Promise<boolean> {
    const record = this.#keys.get(id);
    if (record === undefined || record.replacedBy !== null || record.revokedAt !== null) return false;
    const sooner = record.expiresAt === null ? expiresAt : Math.min(record.expiresAt, expiresAt);
    this.#keys.set(id, { ...record, replacedBy, expiresAt: sooner });
    return true;
  }

  async recordUsage(uses: readonly ApiKeyUse[]): Promise<void> {
    for (const use of uses) {
      const record = this.#keys.get(use.id);
      if (record === undefined || (record.lastUsedAt !== null && record.lastUsedAt >= use.at)) continue;
      this.#keys.set(use.id, { ...record, lastUsedAt: use.at, lastUsedIp: use.ip });
    }
  }

  /** The SQL stores cascade from users; the memory ones are told. */
  deleteByOwner(ownerId: string): void {
    for (const [id, record] of this.#keys) if (record.ownerId === ownerId) this.#keys.delete(id);
  }
}

export class MemoryServiceAccountStore implements ServiceAccountStore {
  readonly #users: MemoryUserRepository;
  readonly #apiKeys: MemoryApiKeyStore;
  readonly #accounts = new Map<string, Omit<ServiceAccountRecord, 'disabled'>>();

  constructor(users: MemoryUserRepository, apiKeys: MemoryApiKeyStore) {
    this.#users = users;
    this.#apiKeys = apiKeys;
    // A person's keys go with them, as by the SQL store's foreign key.
    users.onDelete((id) => apiKeys.deleteByOwner(id));
  }

  async create(input: NewServiceAccount): Promise<ServiceAccountRecord | undefined> {
    const user = await this.#users.create({
      id: input.id,
      email: `${input.name}@service.invalid`,
      kind: 'service',
      now: input.now,
    });
    if (user === undefined) return undefined;
    const record = {
      id: input.id,
      name: input.name,
      description: input.description,
      rateLimit: input.rateLimit,
      createdAt: input.now,
    };
    this.#accounts.set(input.id, record);
    return { ...record, disabled: false };
  }

  async get(id: string): Promise<ServiceAccountRecord | undefined> {
    const record = this.#accounts.get(id);
    const user = await this.#users.findById(id);
    return record && user && { ...record, disabled: user.disabled };
  }

  async list(): Promise<ServiceAccountRecord[]> {
    const all = await Promise.all([...this.#accounts.keys()].map((id) => this.get(id)));
    return all
      .filter((a): a is ServiceAccountRecord => a !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async update(
    id: string,
    changes: { description?: string; rateLimit?: RateLimit | null },
  ): Promise<ServiceAccountRecord | undefined> {
    const record = this.#accounts.get(id);
    if (record === undefined) return undefined;
    this.#accounts.set(id, {
      ...record,
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...(changes.rateLimit === undefined ? {} : { rateLimit: changes.rateLimit }),
    });
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    if (!this.#accounts.delete(id)) return false;
    this.#users.remove(id);
    this.#apiKeys.deleteByOwner(id);
    return true;
  }
}
