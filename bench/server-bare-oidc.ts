/**
 * Bench-only entry: the peer — a bare oidc-provider on node:http with its in-memory adapter, one
 * static confidential client, client credentials and resource indicators minting ES256 JWT access
 * tokens (what Gatehouse mints). No Gatehouse code at all.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

if (process.send === undefined || process.env.BENCH_SERVER_OPTIONS === undefined) {
  throw new Error('bench/server-bare-oidc.ts is started by the benchmarks (bench/support.ts startChild)');
}
{
  const options = JSON.parse(process.env.BENCH_SERVER_OPTIONS) as {
    port: number;
    clientId: string;
    secret: string;
    resource: string;
  };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const issuer = `http://127.0.0.1:${options.port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: 'notes:read',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: {
      keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'bench', alg: 'ES256', use: 'sig' }] as never,
    },
    scopes: ['notes:read'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
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
  const server = createServer(provider.callback()).listen(options.port, '127.0.0.1', () => {
    process.send?.({ type: 'ready', url: issuer });
  });
  process.on('message', (message: { id: number; cmd: string }) => {
    if (message.cmd === 'stop') server.close(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
}
