import { describeApiKeyStoresConformance, describeStorageConformance } from '@gatehouse/testkit';
import { sql } from 'kysely';
import { SqlApiKeyStore, SqlServiceAccountStore, type SqlStorage } from '../src/index.ts';

/** Runs every conformance suite against one migrated storage, emptied after each test. */
export function describeSqlConformance(name: string, storage: () => SqlStorage): void {
  describeStorageConformance(name, async () => ({
    storage: storage(),
    cleanup: () => emptyTables(storage()),
  }));
  describeApiKeyStoresConformance(name, async () => ({
    store: {
      users: storage().users,
      apiKeys: new SqlApiKeyStore(storage().db),
      serviceAccounts: new SqlServiceAccountStore(storage().db),
    },
    cleanup: () => emptyTables(storage()),
  }));
}

export async function emptyTables(storage: SqlStorage): Promise<void> {
  if (storage.dialect === 'postgres') {
    await sql`truncate users, credentials, sessions, roles, user_roles, audit_events, counters, refresh_tokens, revocations, api_keys, service_accounts, policy_documents, oauth_artifacts, oauth_clients`.execute(
      storage.db,
    );
    return;
  }
  // Children first, so foreign keys never block the delete.
  for (const table of [
    'refresh_tokens',
    'oauth_artifacts',
    'oauth_clients',
    'revocations',
    'api_keys',
    'service_accounts',
    'policy_documents',
    'user_roles',
    'sessions',
    'credentials',
    'audit_events',
    'counters',
    'roles',
    'users',
  ] as const) {
    await storage.db.deleteFrom(table).execute();
  }
}
