import { createGuard } from '@gatehouse/guard';
import { buildNotesApp } from './app.ts';

const gatehouseUrl = process.env.GATEHOUSE_URL ?? 'http://localhost:8080';
const introspectionSecret = process.env.GATEHOUSE_INTROSPECTION_SECRET;
if (introspectionSecret === undefined || introspectionSecret.length < 32) {
  process.stderr.write(
    'Set GATEHOUSE_INTROSPECTION_SECRET to the same value as the Gatehouse server (32+ chars).\n',
  );
  process.exit(2);
}
const app = buildNotesApp({ guard: createGuard({ gatehouseUrl, introspectionSecret }) });
const port = Number(process.env.PORT ?? 3000);
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port });
process.stdout.write(`notes-api on http://localhost:${port}, guarded by ${gatehouseUrl}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void app.close().then(() => process.exit(0)));
