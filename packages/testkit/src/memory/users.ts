import {
  emailSkeleton,
  type NewEmail,
  type NewUser,
  type UserRecord,
  type UserRepository,
} from '@gatehouse/core';

/**
 * In-memory users. The email and its look-alike skeleton are checked and claimed in one synchronous
 * step, so it is atomic.
 */
export class MemoryUserRepository implements UserRepository {
  readonly #byId = new Map<string, UserRecord>();
  readonly #idByEmail = new Map<string, string>();
  readonly #idBySkeleton = new Map<string, string>();
  /** What the SQL stores delete by cascade with a user (credentials, roles, profile, sessions). */
  readonly #onDelete: Array<(id: string) => unknown> = [];

  /** Registers what must go with a deleted user (`createMemoryStorage` wires its stores). */
  onDelete(cascade: (id: string) => unknown): void {
    this.#onDelete.push(cascade);
  }

  async create(user: NewUser): Promise<UserRecord | undefined> {
    const skeleton = emailSkeleton(user.email);
    if (this.#idByEmail.has(user.email) || this.#idBySkeleton.has(skeleton)) return undefined;
    if (this.#byId.has(user.id)) throw new Error(`user id already exists: ${user.id}`);
    const record: UserRecord = {
      id: user.id,
      email: user.email,
      kind: user.kind,
      disabled: false,
      emailVerified: false,
      createdAt: user.now,
      updatedAt: user.now,
    };
    this.#byId.set(record.id, record);
    this.#idByEmail.set(record.email, record.id);
    this.#idBySkeleton.set(skeleton, record.id);
    return { ...record };
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const record = this.#byId.get(id);
    return record && { ...record };
  }

  async findByEmail(canonicalEmail: string): Promise<UserRecord | undefined> {
    const id = this.#idByEmail.get(canonicalEmail);
    return id === undefined ? undefined : this.findById(id);
  }

  async list(options: { limit: number; offset: number }): Promise<UserRecord[]> {
    return [...this.#byId.values()]
      .sort((a, b) => a.createdAt - b.createdAt || compare(a.id, b.id))
      .slice(options.offset, options.offset + options.limit)
      .map((record) => ({ ...record }));
  }

  /** What the SQL stores do by cascade when a service account is deleted. */
  remove(id: string): void {
    const record = this.#byId.get(id);
    if (record === undefined) return;
    this.#byId.delete(id);
    this.#idByEmail.delete(record.email);
    this.#idBySkeleton.delete(emailSkeleton(record.email));
  }

  async delete(id: string): Promise<boolean> {
    if (this.#byId.get(id)?.kind !== 'user') return false;
    this.remove(id);
    for (const cascade of this.#onDelete) await cascade(id);
    return true;
  }

  async setEmailVerified(id: string, verified: boolean, now: number): Promise<boolean> {
    const record = this.#byId.get(id);
    if (!record) return false;
    this.#byId.set(id, { ...record, emailVerified: verified, updatedAt: now });
    return true;
  }

  /** Checks and claims in one synchronous step, as `create` does: atomic. */
  async changeEmail(change: NewEmail): Promise<'changed' | 'taken' | 'not_found'> {
    const record = this.#byId.get(change.id);
    if (!record) return 'not_found';
    const skeleton = emailSkeleton(change.email);
    const emailOwner = this.#idByEmail.get(change.email);
    const skeletonOwner = this.#idBySkeleton.get(skeleton);
    if ((emailOwner ?? change.id) !== change.id || (skeletonOwner ?? change.id) !== change.id) return 'taken';
    this.#idByEmail.delete(record.email);
    if (this.#idBySkeleton.get(emailSkeleton(record.email)) === change.id)
      this.#idBySkeleton.delete(emailSkeleton(record.email));
    this.#idByEmail.set(change.email, change.id);
    this.#idBySkeleton.set(skeleton, change.id);
    this.#byId.set(change.id, {
      ...record,
      email: change.email,
      emailVerified: change.verified,
      updatedAt: change.now,
    });
    return 'changed';
  }

  async setDisabled(id: string, disabled: boolean, now: number): Promise<boolean> {
    const record = this.#byId.get(id);
    if (!record) return false;
    this.#byId.set(id, { ...record, disabled, updatedAt: now });
    return true;
  }
}

/** Code-unit order, the same order SQL `ORDER BY` gives for ASCII ids with a binary collation. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
