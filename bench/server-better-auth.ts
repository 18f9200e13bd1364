/**
 * Bench-only entry: better-auth's handler on PORT over the SQLite file SQLITE_FILE (see
 * better-auth-setup.ts); prints `{"key": …}` on stdout once listening.
 */
import { createServer } from 'node:http';
import { toNodeHandler } from 'better-auth/node';
import { openBetterAuth } from './better-auth-setup.ts';

const port = Number(process.env.PORT);
const { auth, key } = await openBetterAuth(process.env.SQLITE_FILE!, `http://127.0.0.1:${port}`);
createServer(toNodeHandler(auth)).listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ key })}\n`);
});
