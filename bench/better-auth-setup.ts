/**
 * better-auth 1.7 with its API-key plugin on a SQLite file (better-sqlite3), its own tables beside
 * Gatehouse's. One user and one key. A key in `x-api-key` yields a session (its documented way to
 * authenticate a request by key). Its key rate limit is set out of reach (as Gatehouse's is in the
 * same runs) but left enabled: that is how it ships.
 */
import { apiKey } from '@better-auth/api-key';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import Database from 'better-sqlite3';

export async function openBetterAuth(file: string, baseURL: string) {
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  const options = {
    database,
    secret: 'bench-secret-bench-secret-bench-secret-0123456789',
    baseURL,
    emailAndPassword: { enabled: true },
    logger: { disabled: true },
    plugins: [
      apiKey({
        enableSessionForAPIKeys: true,
        rateLimit: { enabled: true, timeWindow: 60_000, maxRequests: 100_000_000 },
      }),
    ],
  };
  const auth = betterAuth(options);
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
  const signUp = await auth.api.signUpEmail({
    body: { email: 'bench@example.test', password: 'tangerine orbit quietly 4417', name: 'bench' },
  });
  const created = await auth.api.createApiKey({ body: { userId: signUp.user.id, name: 'bench' } });
  return { auth, database, key: created.key };
}
