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
  return {
    users,
    profiles: new MemoryUserProfileRepository(users),
    credentials: new MemoryCredentialRepository(),
    sessions: new MemorySessionStore(),
    roles: new MemoryRoleRepository(),
    audit: new MemoryAuditLog(),
    counters: new MemoryCounterStore(),
    bus: new LocalInvalidationBus(),
    ping: async () => {},
    close: async () => {},
  };
}
