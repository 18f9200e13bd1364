import type { Accounts } from '../accounts.ts';
import type { AuditTrail, RequestMeta } from '../audit-trail.ts';
import type { Clock } from '../clock.ts';
import { GatehouseError } from '../errors.ts';
import { checkRateLimit, type RateLimit } from '../rate-limit.ts';
import { randomId } from '../secrets.ts';
import type { ApiKeyService } from './api-key-service.ts';
import { isLive } from './api-key-service.ts';
import type { ServiceAccountRecord, ServiceAccountStore } from './records.ts';

const NAME = /^[a-z][a-z0-9-]{1,62}$/;

/**
 * Non-human identities: they own API keys and hold roles like users, but never log in with a
 * password. Disabling one stops its keys at once (through the same path as disabling a user).
 */
export class ServiceAccounts {
  readonly #store: ServiceAccountStore;
  readonly #accounts: Accounts;
  readonly #apiKeys: ApiKeyService;
  readonly #audit: AuditTrail;
  readonly #clock: Clock;

  constructor(options: {
    store: ServiceAccountStore;
    accounts: Accounts;
    apiKeys: ApiKeyService;
    audit: AuditTrail;
    clock: Clock;
  }) {
    this.#store = options.store;
    this.#accounts = options.accounts;
    this.#apiKeys = options.apiKeys;
    this.#audit = options.audit;
    this.#clock = options.clock;
  }

  async create(
    input: { name: string; description?: string; rateLimit?: RateLimit | null; roles?: readonly string[] },
    meta: RequestMeta | undefined,
  ): Promise<ServiceAccountRecord> {
    if (!NAME.test(input.name)) {
      throw new GatehouseError('invalid_request', {
        detail: 'The name must be 2–63 lowercase letters, digits and dashes, starting with a letter.',
      });
    }
    const rateLimit = checkRateLimit(input.rateLimit ?? null);
    // Every role must exist before anything is created: never a half-made account on a typo.
    const known = new Set((await this.#accounts.listRoles()).map((role) => role.name));
    const unknown = (input.roles ?? []).find((role) => !known.has(role));
    if (unknown !== undefined)
      throw new GatehouseError('invalid_request', { detail: `Unknown role: ${unknown}` });
    const created = await this.#store.create({
      id: randomId(16),
      name: input.name,
      description: (input.description ?? '').slice(0, 500),
      rateLimit,
      now: this.#clock.now(),
    });
    if (created === undefined) throw new GatehouseError('conflict', { detail: 'That name is taken.' });
    await this.#audit.record('service_account.created', meta, {
      subjectId: created.id,
      details: { name: created.name },
    });
    for (const role of input.roles ?? []) await this.#accounts.grantRole(created.id, role, meta);
    return created;
  }

  list(): Promise<ServiceAccountRecord[]> {
    return this.#store.list();
  }

  async require(id: string): Promise<ServiceAccountRecord> {
    const found = await this.#store.get(id);
    if (found === undefined) throw new GatehouseError('not_found', { detail: 'No such service account.' });
    return found;
  }

  async update(
    id: string,
    changes: { description?: string; rateLimit?: RateLimit | null },
    meta: RequestMeta | undefined,
  ): Promise<ServiceAccountRecord> {
    const before = await this.require(id);
    const rateLimit = changes.rateLimit === undefined ? undefined : checkRateLimit(changes.rateLimit);
    const updated = await this.#store.update(
      id,
      {
        ...(changes.description === undefined ? {} : { description: changes.description.slice(0, 500) }),
        ...(rateLimit === undefined ? {} : { rateLimit }),
      },
      this.#clock.now(),
    );
    if (updated === undefined) throw new GatehouseError('not_found', { detail: 'No such service account.' });
    // Cached keys carry the owner's default limit: drop them everywhere.
    await this.#accounts.notifyChanged(id);
    await this.#audit.record('service_account.updated', meta, {
      subjectId: id,
      details: {
        before: JSON.stringify({ description: before.description, rate_limit: before.rateLimit }),
        after: JSON.stringify({ description: updated.description, rate_limit: updated.rateLimit }),
      },
    });
    return updated;
  }

  async setDisabled(id: string, disabled: boolean, meta: RequestMeta | undefined): Promise<void> {
    await this.require(id);
    await this.#accounts.setDisabled(id, disabled, meta);
  }

  /** Revokes its live keys (so guards hear of it), then deletes it with its roles. */
  async delete(id: string, meta: RequestMeta | undefined): Promise<void> {
    const account = await this.require(id);
    const now = this.#clock.now();
    for (const key of await this.#apiKeys.list(id)) {
      if (isLive(key, now)) await this.#apiKeys.revoke(key.id, meta);
    }
    await this.#store.delete(id);
    await this.#accounts.notifyChanged(id);
    await this.#audit.record('service_account.deleted', meta, {
      subjectId: id,
      details: { name: account.name },
    });
  }
}
