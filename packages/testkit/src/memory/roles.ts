import type { RoleRecord, RoleRepository } from '@gatehouse/core';
import { compare } from './users.ts';

export class MemoryRoleRepository implements RoleRepository {
  readonly #roles = new Map<string, RoleRecord>();
  /** userId → role names held. */
  readonly #assignments = new Map<string, Set<string>>();

  async upsert(role: {
    name: string;
    description: string;
    permissions: readonly string[];
    now: number;
  }): Promise<RoleRecord> {
    const existing = this.#roles.get(role.name);
    const record: RoleRecord = {
      name: role.name,
      description: role.description,
      permissions: [...role.permissions],
      createdAt: existing?.createdAt ?? role.now,
      updatedAt: role.now,
    };
    this.#roles.set(role.name, record);
    return copy(record);
  }

  async get(name: string): Promise<RoleRecord | undefined> {
    const record = this.#roles.get(name);
    return record && copy(record);
  }

  async list(): Promise<RoleRecord[]> {
    return [...this.#roles.values()].sort((a, b) => compare(a.name, b.name)).map(copy);
  }

  async delete(name: string): Promise<boolean> {
    if (!this.#roles.delete(name)) return false;
    for (const held of this.#assignments.values()) held.delete(name);
    return true;
  }

  async grant(userId: string, roleName: string, _now: number): Promise<boolean> {
    // Mirrors the foreign key of the SQL store: granting a role that does not exist is a bug.
    if (!this.#roles.has(roleName)) throw new Error(`unknown role: ${roleName}`);
    const held = this.#assignments.get(userId) ?? new Set<string>();
    this.#assignments.set(userId, held);
    if (held.has(roleName)) return false;
    held.add(roleName);
    return true;
  }

  async revoke(userId: string, roleName: string): Promise<boolean> {
    return this.#assignments.get(userId)?.delete(roleName) ?? false;
  }

  /** The user was deleted (the SQL store's foreign key cascade). */
  forget(userId: string): void {
    this.#assignments.delete(userId);
  }

  async rolesOf(userId: string): Promise<string[]> {
    return [...(this.#assignments.get(userId) ?? [])].sort(compare);
  }

  async permissionsOf(userId: string): Promise<string[]> {
    const permissions = new Set<string>();
    for (const name of this.#assignments.get(userId) ?? []) {
      for (const permission of this.#roles.get(name)?.permissions ?? []) permissions.add(permission);
    }
    return [...permissions].sort(compare);
  }
}

function copy(record: RoleRecord): RoleRecord {
  return { ...record, permissions: [...record.permissions] };
}
