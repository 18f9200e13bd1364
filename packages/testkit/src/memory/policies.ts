import { type PolicyDocumentRepository, type StoredPolicyDocument, VERSION_CONFLICT } from '@gatehouse/core';

/**
 * API-managed policy documents in process memory: the reference for the port. Each write checks
 * the expected version and replaces synchronously, so of two writes from one version only one wins.
 */
export class MemoryPolicyDocumentRepository implements PolicyDocumentRepository {
  readonly #docs = new Map<string, StoredPolicyDocument>();

  async list(): Promise<StoredPolicyDocument[]> {
    return [...this.#docs.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((doc) => ({ ...doc }));
  }

  async get(name: string): Promise<StoredPolicyDocument | undefined> {
    const doc = this.#docs.get(name);
    return doc && { ...doc };
  }

  async put(
    doc: { name: string; source: string; updatedAt: number; updatedBy: string | null },
    expectedVersion?: number,
  ): Promise<StoredPolicyDocument | typeof VERSION_CONFLICT> {
    const version = this.#docs.get(doc.name)?.version ?? 0;
    if (expectedVersion !== undefined && expectedVersion !== version) return VERSION_CONFLICT;
    const stored = { ...doc, version: version + 1 };
    this.#docs.set(doc.name, stored);
    return { ...stored };
  }

  async delete(
    name: string,
    expectedVersion?: number,
  ): Promise<StoredPolicyDocument | undefined | typeof VERSION_CONFLICT> {
    const doc = this.#docs.get(name);
    if (doc === undefined) return undefined;
    if (expectedVersion !== undefined && expectedVersion !== doc.version) return VERSION_CONFLICT;
    this.#docs.delete(name);
    return { ...doc };
  }
}
