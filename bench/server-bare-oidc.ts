/**
 * Bench-only entry: the peer — a bare oidc-provider on node:http with its in-memory adapter, one
 * static confidential client, client credentials and resource indicators minting ES256 JWT access
 * tokens (what Gatehouse mints). No Gatehouse code at all.
 *
 * With `redirectUri` it is also the peer of the code flow and of introspection: the client may use
 * the authorization code grant (PKCE, ES256 ID tokens, `openid email`), introspection is on, and
 * its interaction endpoint signs one fixed user in and grants the requested scopes without a page —
 * after the first round trip a returning user with a live session and a remembered grant, as on
 * Gatehouse. The token benchmark leaves it off, so that peer stays minimal.
 *
 * With `sqlStore` (a diagnostic: BENCH_BARE_SQL=1 in bench/oauth-flows.ts) its artifacts go through
 * Gatehouse's storage adapter into a fresh SQLite database instead of the in-memory adapter — the
 * one piece of Gatehouse it then runs, to tell the price of persisting from everything else.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Provider, { type Adapter, type Configuration } from 'oidc-provider';

if (process.send === undefined || process.env.BENCH_SERVER_OPTIONS === undefined) {
  throw new Error('bench/server-bare-oidc.ts is started by the benchmarks (bench/support.ts startChild)');
}
{
  const options = JSON.parse(process.env.BENCH_SERVER_OPTIONS) as {
    port: number;
    clientId: string;
    secret: string;
    resource: string;
    redirectUri?: string;
    sqlStore?: boolean;
  };
  const codeFlow = options.redirectUri !== undefined;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const issuer = `http://127.0.0.1:${options.port}`;
  const USER = 'bench-user';
  const codeFlowConfiguration: Configuration = {
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, email: `${sub}@bench.test`, email_verified: false }),
    }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  };
  const adapter = options.sqlStore === true ? await gatehouseSqliteAdapter() : undefined;
  const provider = new Provider(issuer, {
    ...(adapter === undefined ? {} : { adapter }),
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.secret,
        grant_types: codeFlow ? ['client_credentials', 'authorization_code'] : ['client_credentials'],
        redirect_uris: codeFlow ? [options.redirectUri as string] : [],
        response_types: codeFlow ? ['code'] : [],
        scope: codeFlow ? 'openid email notes:read' : 'notes:read',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: {
      keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'bench', alg: 'ES256', use: 'sig' }] as never,
    },
    scopes: codeFlow ? ['openid', 'email', 'notes:read'] : ['notes:read'],
    ...(codeFlow ? codeFlowConfiguration : {}),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: codeFlow },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => ({
          scope: 'notes:read',
          audience: resource,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  /** Signs the fixed user in and grants what was asked for; the engine redirects on. */
  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const existing = details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId);
    const grant =
      existing ?? new provider.Grant({ accountId: USER, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: USER }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }
  const callback = provider.callback();
  const server = createServer((req, res) => {
    if (codeFlow && req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    callback(req, res);
  }).listen(options.port, '127.0.0.1', () => {
    process.send?.({ type: 'ready', url: issuer });
  });
  process.on('message', (message: { id: number; cmd: string }) => {
    if (message.cmd === 'stop') server.close(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
}

/** Gatehouse's oidc-provider adapter over its SQLite artifact store, on a fresh database. */
async function gatehouseSqliteAdapter(): Promise<new (model: string) => Adapter> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { createSqlStorage, SqlOAuthArtifactStore, SqlRefreshTokenStore } = await import(
    '../packages/store-sql/src/index.ts'
  );
  const { createAdapterClass } = await import('../packages/server/src/oauth/adapter.ts');
  const dir = mkdtempSync(`${tmpdir()}/gatehouse-bench-bare-sql-`);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const storage = await createSqlStorage({ url: `${dir}/x.db` });
  await storage.migrate();
  return createAdapterClass({
    store: new SqlOAuthArtifactStore(storage.db),
    refreshTokens: new SqlRefreshTokenStore(storage.db),
    // The client is static (configured above): the engine never asks the adapter for it.
    clients: { get: async () => undefined } as never,
    onGrantRevoked: async () => {},
  }) as never;
}
