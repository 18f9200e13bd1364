/** A policy document managed through the admin API (stored in the database). */
export interface StoredPolicyDocument {
  /** `[a-z0-9][a-z0-9_.-]*`: also the "file" named in validation errors. */
  readonly name: string;
  /** The YAML or JSON text exactly as sent. */
  readonly source: string;
  /** Starts at 1, +1 on every replacement (the ETag). */
  readonly version: number;
  readonly updatedAt: number;
  readonly updatedBy: string | null;
}

/** Outcome of a conditional write: the `expectedVersion` did not match the stored one. */
export const VERSION_CONFLICT: unique symbol = Symbol('version conflict');

/**
 * Storage of API-managed policy documents. `expectedVersion` makes writes conditional (HTTP
 * If-Match): 0 means "must not exist yet"; undefined means unconditional.
 */
export interface PolicyDocumentRepository {
  list(): Promise<StoredPolicyDocument[]>;
  get(name: string): Promise<StoredPolicyDocument | undefined>;
  put(
    doc: { name: string; source: string; updatedAt: number; updatedBy: string | null },
    expectedVersion?: number,
  ): Promise<StoredPolicyDocument | typeof VERSION_CONFLICT>;
  /** The deleted document, undefined when there was none. */
  delete(
    name: string,
    expectedVersion?: number,
  ): Promise<StoredPolicyDocument | undefined | typeof VERSION_CONFLICT>;
}
