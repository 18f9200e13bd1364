import type { UserProfile, UserProfileRepository, UserRepository } from '@gatehouse/core';

/** In-memory profiles; a profile is kept only for a user the user repository knows. */
export class MemoryUserProfileRepository implements UserProfileRepository {
  readonly #users: UserRepository;
  readonly #profiles = new Map<string, string>();

  constructor(users: UserRepository) {
    this.#users = users;
  }

  async get(userId: string): Promise<UserProfile> {
    const stored = this.#profiles.get(userId);
    return stored === undefined ? {} : (JSON.parse(stored) as UserProfile);
  }

  async set(userId: string, profile: UserProfile, _now: number): Promise<boolean> {
    if ((await this.#users.findById(userId)) === undefined) return false;
    // Stored serialised, as the SQL store does: callers never share an object with the store.
    this.#profiles.set(userId, JSON.stringify(profile));
    return true;
  }

  /** The user was deleted (the SQL store's foreign key cascade). */
  forget(userId: string): void {
    this.#profiles.delete(userId);
  }
}
