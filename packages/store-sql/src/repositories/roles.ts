import type { RoleRecord, RoleRepository } from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import type { Database, RolesTable } from '../schema.ts';
import { parseStringArray } from './json.ts';

export class SqlRoleRepository implements RoleRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async upsert(role: {
    name: string;
    description: string;
    permissions: readonly string[];
    now: number;
  }): Promise<RoleRecord> {
    const row = await this.#db
      .insertInto('roles')
      .values({
        name: role.name,
        description: role.description,
        permissions: JSON.stringify(role.permissions),
        created_at: role.now,
        updated_at: role.now,
      })
      .onConflict((conflict) =>
        conflict.column('name').doUpdateSet((eb) => ({
          description: eb.ref('excluded.description'),
          permissions: eb.ref('excluded.permissions'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRole(row);
  }

  async get(name: string): Promise<RoleRecord | undefined> {
    const row = await this.#db.selectFrom('roles').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toRole(row);
  }

  async list(): Promise<RoleRecord[]> {
    const rows = await this.#db.selectFrom('roles').selectAll().orderBy('name').execute();
    return rows.map(toRole);
  }

  async delete(name: string): Promise<boolean> {
    // user_roles rows go with the role (ON DELETE CASCADE), in the same statement.
    const result = await this.#db.deleteFrom('roles').where('name', '=', name).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async grant(userId: string, roleName: string, now: number): Promise<boolean> {
    const result = await this.#db
      .insertInto('user_roles')
      .values({ user_id: userId, role_name: roleName, granted_at: now })
      .onConflict((conflict) => conflict.columns(['user_id', 'role_name']).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async revoke(userId: string, roleName: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('user_roles')
      .where('user_id', '=', userId)
      .where('role_name', '=', roleName)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async rolesOf(userId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('user_roles')
      .select('role_name')
      .where('user_id', '=', userId)
      .orderBy('role_name')
      .execute();
    return rows.map((row) => row.role_name);
  }

  async permissionsOf(userId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('user_roles')
      .innerJoin('roles', 'roles.name', 'user_roles.role_name')
      .select('roles.permissions')
      .where('user_roles.user_id', '=', userId)
      .execute();
    const permissions = new Set(
      rows.flatMap((row) => parseStringArray(row.permissions, 'roles.permissions')),
    );
    return [...permissions].sort();
  }
}

function toRole(row: Selectable<RolesTable>): RoleRecord {
  return {
    name: row.name,
    description: row.description,
    permissions: parseStringArray(row.permissions, 'roles.permissions'),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
