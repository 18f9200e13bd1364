import type { Storage } from '@gatehouse/core';
import { describeAuditLogConformance } from './audit.ts';
import { describeCounterStoreConformance } from './counters.ts';
import { describeCredentialRepositoryConformance } from './credentials.ts';
import { describeRoleRepositoryConformance } from './roles.ts';
import type { SessionStoreConformanceOptions } from './sessions.ts';
import { describeSessionStoreConformance } from './sessions.ts';
import { describeUserProfileRepositoryConformance } from './user-profiles.ts';
import { describeUserRepositoryConformance } from './users.ts';

/** Runs every port suite against a whole `Storage`; `make` must return an empty storage. */
export function describeStorageConformance(
  name: string,
  make: () => Promise<{ storage: Storage; cleanup(): Promise<void> }>,
  options: SessionStoreConformanceOptions = {},
): void {
  const port =
    <K extends keyof Storage>(key: K) =>
    async () => {
      const { storage, cleanup } = await make();
      return { store: storage[key], users: storage.users, cleanup };
    };
  describeUserRepositoryConformance(name, port('users'));
  describeUserProfileRepositoryConformance(name, port('profiles'));
  describeCredentialRepositoryConformance(name, port('credentials'));
  describeSessionStoreConformance(name, port('sessions'), options);
  describeRoleRepositoryConformance(name, port('roles'));
  describeAuditLogConformance(name, port('audit'));
  describeCounterStoreConformance(name, port('counters'));
}
