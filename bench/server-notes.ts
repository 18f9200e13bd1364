/**
 * Bench-only entry: the notes-api with the guard (Bearer tokens, API keys, revocation feed,
 * permissions from Gatehouse) plus the same `GET /notes` handler without any authentication at `/open/notes`, in one
 * process, so the two routes are compared on equal terms. Env: PORT, GATEHOUSE_URL,
 * GATEHOUSE_INTROSPECTION_SECRET.
 */
import { createGuard } from '@gatehouse/guard';
import { buildNotesApp } from '../examples/notes-api/src/app.ts';
import { NoteStore } from '../examples/notes-api/src/notes.ts';

const gatehouseUrl = process.env.GATEHOUSE_URL!;
const notes = new NoteStore([{ ownerId: 'seed', title: 'Welcome', body: 'A note to list.' }]);
const guard = createGuard({
  gatehouseUrl,
  issuer: gatehouseUrl,
  audience: gatehouseUrl,
  introspectionSecret: process.env.GATEHOUSE_INTROSPECTION_SECRET!,
  apiKeys: true,
});
const app = buildNotesApp({ guard, notes });
app.get('/open/notes', async () => ({ notes: notes.list() }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.stdout.write('ready\n');
