import {
  type ConsumeResult,
  isRefreshRetry,
  type RefreshTokenRecord,
  type RefreshTokenStore,
  type RetryGrace,
  type RevokeByUserOptions,
} from '@gatehouse/core';

/**
 * Refresh tokens in process memory: the reference for the port's semantics. Each method checks
 * and changes synchronously, so consume is atomic within the process.
 */
export class MemoryRefreshTokenStore implements RefreshTokenStore {
  readonly #tokens = new Map<string, RefreshTokenRecord>();

  async insert(record: RefreshTokenRecord): Promise<void> {
    // The payload is copied in and out, as a database would: no caller shares the stored object.
    if (!this.#tokens.has(record.idHash)) this.#tokens.set(record.idHash, copy(record));
  }

  async consume(idHash: string, now: number, retry?: RetryGrace): Promise<ConsumeResult> {
    const token = this.#tokens.get(idHash);
    if (token === undefined) return { status: 'invalid' };
    if (token.consumedAt === null) {
      if (token.revokedAt !== null || token.expiresAt <= now || token.familyExpiresAt <= now)
        return { status: 'invalid' };
      const consumed = { ...token, consumedAt: now };
      this.#tokens.set(idHash, consumed);
      return { status: 'consumed', record: { ...consumed } };
    }
    const successor = retry === undefined ? undefined : this.#tokens.get(retry.successorIdHash);
    const retried =
      retry !== undefined &&
      isRefreshRetry(
        token,
        successor?.familyId === token.familyId ? successor : undefined,
        now,
        retry.graceMs,
      );
    return { status: retried ? 'retried' : 'reused', record: { ...token } };
  }

  async find(idHash: string): Promise<RefreshTokenRecord | undefined> {
    const token = this.#tokens.get(idHash);
    return token === undefined ? undefined : copy(token);
  }

  async delete(idHash: string): Promise<void> {
    this.#tokens.delete(idHash);
  }

  async revokeFamily(familyId: string, now: number): Promise<number> {
    return this.#revokeWhere((t) => t.familyId === familyId, now);
  }

  async revokeBySession(sessionIdHash: string, now: number): Promise<number> {
    return this.#revokeWhere((t) => t.sessionIdHash === sessionIdHash, now);
  }

  async revokeByUser(userId: string, now: number, options?: RevokeByUserOptions): Promise<number> {
    const sessionBoundOnly = options?.sessionBoundOnly === true;
    return this.#revokeWhere(
      (t) => t.userId === userId && (!sessionBoundOnly || t.sessionIdHash !== ''),
      now,
    );
  }

  async deleteExpired(now: number): Promise<number> {
    let deleted = 0;
    for (const [idHash, token] of this.#tokens) {
      if (token.familyExpiresAt <= now || token.expiresAt <= now) {
        this.#tokens.delete(idHash);
        deleted++;
      }
    }
    return deleted;
  }

  /** The SQL store deletes a user's tokens with the user (foreign key); the memory one is told. */
  forget(userId: string): void {
    for (const [idHash, token] of this.#tokens) if (token.userId === userId) this.#tokens.delete(idHash);
  }

  #revokeWhere(match: (token: RefreshTokenRecord) => boolean, now: number): number {
    let revoked = 0;
    for (const [idHash, token] of this.#tokens) {
      if (token.revokedAt === null && match(token)) {
        this.#tokens.set(idHash, { ...token, revokedAt: now });
        revoked++;
      }
    }
    return revoked;
  }
}

function copy(record: RefreshTokenRecord): RefreshTokenRecord {
  return { ...record, payload: record.payload === null ? null : structuredClone(record.payload) };
}
