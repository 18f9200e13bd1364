import { LocalInvalidationBus, type Storage } from '@gatehouse/core';
import { MemoryAuditLog } from './memory/audit.ts';
import { MemoryCounterStore } from './memory/counters.ts';
import { MemoryCredentialRepository } from './memory/credentials.ts';
import { MemoryRoleRepository } from './memory/roles.ts';
import { MemorySessionStore } from './memory/sessions.ts';
import { MemoryUserProfileRepository } from './memory/user-profiles.ts';
import { MemoryUserRepository } from './memory/users.ts';

export { MemoryAuditLog } from './memory/audit.ts';
export { MemoryCounterStore } from './memory/counters.ts';
export { MemoryCredentialRepository } from './memory/credentials.ts';
export { MemoryRoleRepository } from './memory/roles.ts';
export { MemorySessionStore } from './memory/sessions.ts';
export { MemoryUserProfileRepository } from './memory/user-profiles.ts';
export { MemoryUserRepository } from './memory/users.ts';

/** The reference storage: every port in process memory. For tests and single-process demos only. */
export function createMemoryStorage(): Storage {
  const users = new MemoryUserRepository();
  const profiles = new MemoryUserProfileRepository(users);
  const credentials = new MemoryCredentialRepository();
  const sessions = new MemorySessionStore();
  const roles = new MemoryRoleRepository();
  users.onDelete((id) => profiles.forget(id));
  users.onDelete((id) => credentials.forget(id));
  users.onDelete((id) => sessions.deleteByUser(id));
  users.onDelete((id) => roles.forget(id));
  return {
    users,
    profiles,
    credentials,
    sessions,
    roles,
    audit: new MemoryAuditLog(),
    counters: new MemoryCounterStore(),
    bus: new LocalInvalidationBus(),
    ping: async () => {},
    close: async () => {},
  };
}
