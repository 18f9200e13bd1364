import type {
  CredentialRepository,
  ImportedUser,
  RoleRepository,
  UserImportStore,
  UserProfileRepository,
  UserRepository,
} from '@gatehouse/core';

/**
 * In-memory bulk import over the other memory ports: each user is created (email and look-alike
 * claimed atomically by `UserRepository.create`), then its hash, profile and roles are written.
 * Nothing else runs in between in one process, so the batch is as good as one transaction.
 */
export class MemoryUserImportStore implements UserImportStore {
  readonly #o: {
    users: UserRepository;
    profiles: UserProfileRepository;
    credentials: CredentialRepository;
    roles: RoleRepository;
  };

  constructor(ports: {
    users: UserRepository;
    profiles: UserProfileRepository;
    credentials: CredentialRepository;
    roles: RoleRepository;
  }) {
    this.#o = ports;
  }

  async insertBatch(users: readonly ImportedUser[], now: number): Promise<ReadonlySet<string>> {
    const created = new Set<string>();
    for (const user of users) {
      if ((await this.#o.users.findById(user.id)) !== undefined) continue;
      const record = await this.#o.users.create({ id: user.id, email: user.email, kind: 'user', now });
      if (record === undefined) continue;
      created.add(record.id);
      if (user.disabled) await this.#o.users.setDisabled(record.id, true, now);
      if (user.emailVerified) await this.#o.users.setEmailVerified(record.id, true, now);
      if (user.passwordHash !== undefined)
        await this.#o.credentials.setPasswordHash(record.id, user.passwordHash, now);
      if (user.profile !== undefined && Object.keys(user.profile).length > 0)
        await this.#o.profiles.set(record.id, user.profile, now);
      for (const role of user.roles) await this.#o.roles.grant(record.id, role, now);
    }
    return created;
  }
}
