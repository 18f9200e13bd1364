import type { CredentialRepository } from '@gatehouse/core';

export class MemoryCredentialRepository implements CredentialRepository {
  readonly #hashes = new Map<string, { hash: string; updatedAt: number }>();

  async getPasswordHash(userId: string): Promise<string | undefined> {
    return this.#hashes.get(userId)?.hash;
  }

  async setPasswordHash(userId: string, hash: string, now: number): Promise<void> {
    this.#hashes.set(userId, { hash, updatedAt: now });
  }

  /** The user was deleted (the SQL store's foreign key cascade). */
  forget(userId: string): void {
    this.#hashes.delete(userId);
  }
}
