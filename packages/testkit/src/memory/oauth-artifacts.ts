import type {
  ConsumeOutcome,
  OAuthArtifact,
  OAuthArtifactEntry,
  OAuthArtifactStore,
  OAuthArtifactWrite,
} from '@gatehouse/core';

interface Row {
  write: OAuthArtifactWrite;
  payload: string;
  consumedAt: number | null;
}

/**
 * OAuth artifacts in process memory: the reference for the conformance suite. Every method
 * checks and changes synchronously, so consuming is atomic within the process.
 */
export class MemoryOAuthArtifactStore implements OAuthArtifactStore {
  readonly #rows = new Map<string, Row>();

  async upsert(artifact: OAuthArtifactWrite): Promise<void> {
    this.#rows.set(key(artifact.model, artifact.id), {
      write: { ...artifact },
      payload: JSON.stringify(artifact.payload),
      consumedAt: null,
    });
  }

  async find(model: string, id: string, now: number): Promise<OAuthArtifact | undefined> {
    return read(this.#live(key(model, id), now));
  }

  async findByUid(model: string, uid: string, now: number): Promise<OAuthArtifact | undefined> {
    return read(this.#first(now, (row) => row.write.model === model && row.write.uid === uid));
  }

  async findByUserCode(model: string, userCode: string, now: number): Promise<OAuthArtifact | undefined> {
    return read(this.#first(now, (row) => row.write.model === model && row.write.userCode === userCode));
  }

  async listByAccount(model: string, accountId: string, now: number): Promise<OAuthArtifactEntry[]> {
    const entries: OAuthArtifactEntry[] = [];
    for (const row of this.#rows.values())
      if (row.write.expiresAt > now && row.write.model === model && row.write.accountId === accountId)
        entries.push({ id: row.write.id, ...(read(row) as OAuthArtifact) });
    return entries;
  }

  async consume(model: string, id: string, now: number): Promise<ConsumeOutcome> {
    const row = this.#live(key(model, id), now);
    if (row === undefined) return 'missing';
    if (row.consumedAt !== null) return 'already-consumed';
    row.consumedAt = now;
    return 'consumed';
  }

  async destroy(model: string, id: string): Promise<void> {
    this.#rows.delete(key(model, id));
  }

  async revokeByGrantId(grantId: string): Promise<number> {
    let removed = 0;
    for (const [k, row] of this.#rows)
      if (row.write.grantId === grantId) {
        this.#rows.delete(k);
        removed++;
      }
    return removed;
  }

  async deleteExpired(now: number): Promise<number> {
    let removed = 0;
    for (const [k, row] of this.#rows)
      if (row.write.expiresAt <= now) {
        this.#rows.delete(k);
        removed++;
      }
    return removed;
  }

  #live(k: string, now: number): Row | undefined {
    const row = this.#rows.get(k);
    return row !== undefined && row.write.expiresAt > now ? row : undefined;
  }

  #first(now: number, match: (row: Row) => boolean): Row | undefined {
    for (const row of this.#rows.values()) if (row.write.expiresAt > now && match(row)) return row;
    return undefined;
  }
}

function key(model: string, id: string): string {
  return `${model}\u0000${id}`;
}

function read(row: Row | undefined): OAuthArtifact | undefined {
  return row === undefined ? undefined : { payload: JSON.parse(row.payload), consumedAt: row.consumedAt };
}
