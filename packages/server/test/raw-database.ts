import { openDatabase, type SqlDatabase } from '@gatehouse/store-sql';
import type { Harness } from './harness.ts';

/**
 * Raw SQL on a harness's database, for tests that check what is (not) stored in a row. It opens a
 * connection of its own: the server hands the rest of the code ports only, never its connection.
 */
export async function withRawDatabase<T>(
  h: Pick<Harness, 'config'>,
  read: (db: SqlDatabase['db']) => Promise<T>,
  schema?: string,
): Promise<T> {
  const database = await openDatabase({
    url: h.config.databaseUrl,
    maxConnections: 1,
    ...(schema === undefined ? {} : { schema }),
  });
  try {
    return await read(database.db);
  } finally {
    await database.close();
  }
}
