import { createGuard } from '@gatehouse/guard';
import { buildNotesApp } from './app.ts';

/**
 * The notes service. It trusts Gatehouse for identity: session cookies are checked through
 * introspection, Bearer access tokens locally against the JWKS, API keys through key introspection
 * (cached), and revocations arrive through the pushed feed.
 */
const gatehouseUrl = process.env.GATEHOUSE_URL ?? 'http://localhost:8080';
const issuer = process.env.GATEHOUSE_ISSUER ?? gatehouseUrl;
const introspectionSecret = process.env.GATEHOUSE_INTROSPECTION_SECRET;
if (introspectionSecret === undefined || introspectionSecret.length < 32) {
  process.stderr.write(
    'Set GATEHOUSE_INTROSPECTION_SECRET to the same value as the Gatehouse server (32+ chars).\n',
  );
  process.exit(2);
}
const guard = createGuard({
  gatehouseUrl,
  issuer,
  audience: process.env.GATEHOUSE_TOKEN_AUDIENCE ?? issuer,
  jwksUri: process.env.GATEHOUSE_JWKS_URI ?? new URL('/.well-known/jwks.json', gatehouseUrl).toString(),
  introspectionSecret,
  // Machines call with API keys (X-API-Key or Bearer gatehouse_…); revoked keys arrive via the feed.
  apiKeys: true,
  // The feed silent past its bound (Bearer tokens now 503, fail closed) and back: worth a log line.
  onEvent: (event) => {
    if (event.type === 'revocation_feed.stale' || event.type === 'revocation_feed.recovered')
      process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
  },
});
// Bearer tokens are refused (503) until the revocation feed has caught up once: wait for it.
await guard.ready().catch((error: unknown) => {
  process.stderr.write(
    `revocation feed not ready yet: ${error instanceof Error ? error.message : String(error)}\n`,
  );
});
const app = buildNotesApp({ guard });
const port = Number(process.env.PORT ?? 3000);
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port });
process.stdout.write(`notes-api on http://localhost:${port}, guarded by ${gatehouseUrl}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app
      .close()
      .then(() => guard.close())
      .then(() => process.exit(0));
  });
}
