import type { RateLimit } from '../rate-limit.ts';

/** An API key as stored: never the key itself, only its keyed hash. */
export interface ApiKeyRecord {
  /** The public id embedded in the key. */
  readonly id: string;
  /** The user or service account that owns the key. */
  readonly ownerId: string;
  readonly name: string;
  /** HMAC-SHA-256 of the whole key under the server pepper, hex. */
  readonly secretHash: string;
  readonly lastFour: string;
  /** Permission scopes (`resource:action`, wildcards allowed); rights are these ∩ the owner's. */
  readonly scopes: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  /** The key that replaced this one in a rotation. */
  readonly replacedBy: string | null;
  readonly lastUsedAt: number | null;
  readonly lastUsedIp: string | null;
  /** Overrides the owner's default rate limit. */
  readonly rateLimit: RateLimit | null;
  /** When set, the key only works from these networks (CIDR notation). */
  readonly allowedCidrs: readonly string[] | null;
}

export interface ApiKeyUse {
  readonly id: string;
  readonly at: number;
  readonly ip: string;
}

export interface ApiKeyStore {
  insert(record: ApiKeyRecord): Promise<void>;
  findById(id: string): Promise<ApiKeyRecord | undefined>;
  /** Newest first. */
  listByOwner(ownerId: string): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when unknown or already revoked. */
  revoke(id: string, now: number): Promise<boolean>;
  /**
   * Rotation: records the successor and brings the expiry forward to `expiresAt` (never later),
   * atomically and only once — false when the key is unknown, revoked or already superseded.
   */
  supersede(id: string, replacedBy: string, expiresAt: number): Promise<boolean>;
  /** Last-use times and addresses, applied in one batch (never on the request path). */
  recordUsage(uses: readonly ApiKeyUse[]): Promise<void>;
  /**
   * Replaces the stored HMAC (a key verified under a previous master secret's pepper, hashed again
   * under the current one) only while it is still `expected`; false otherwise.
   */
  replaceSecretHash(id: string, expected: string, secretHash: string): Promise<boolean>;
}

/** A non-human identity: a user row of kind `service` plus what only services have. */
export interface ServiceAccountRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly disabled: boolean;
  /** Default for its keys; each key may override it. */
  readonly rateLimit: RateLimit | null;
  readonly createdAt: number;
}

/** What creating a service account stores: its identity row and its own settings. */
export interface NewServiceAccount {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly rateLimit: RateLimit | null;
  readonly now: number;
}

export interface ServiceAccountStore {
  /** Creates the identity and its service record in one transaction; undefined when the name is taken. */
  create(input: NewServiceAccount): Promise<ServiceAccountRecord | undefined>;
  get(id: string): Promise<ServiceAccountRecord | undefined>;
  list(): Promise<ServiceAccountRecord[]>;
  update(
    id: string,
    changes: { description?: string; rateLimit?: RateLimit | null },
    now: number,
  ): Promise<ServiceAccountRecord | undefined>;
  /** Deletes the identity with its keys and role bindings; false when no such service account. */
  delete(id: string): Promise<boolean>;
}
