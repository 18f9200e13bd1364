import { readFileSync } from 'node:fs';
import type { OAuthIdTokenAlg } from '@gatehouse/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ClientInput } from '../oauth/client-registry.ts';
import { CLI_META, type withCommands } from './open.ts';
import { print } from './output.ts';

/** core's OAUTH_ID_TOKEN_ALGS written out, since `--help` must not load core; the type refuses any other. */
const ID_TOKEN_ALGS: OAuthIdTokenAlg[] = ['RS256'];

const json = () => new Option('--json', 'machine-readable output');

const UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `90s`, `30m`, `24h`, `7d` as seconds; anything else is a usage error. */
function parseDuration(text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (match === null) throw new InvalidArgumentError(`--overlap ${text}: use seconds, or 30m, 24h, 7d.`);
  return Number(match[1]) * (UNITS[match[2] ?? ''] ?? 1);
}

function secretNotice(secret: string | null): string {
  return secret === null ? '' : `\nclient secret (shown once, store it now): ${secret}`;
}

/**
 * `gatehouse clients create|list|rotate-secret|delete`: OAuth clients, through the same commands
 * as the admin API (and so with the same audit events).
 */
export function registerClientCommands(program: Command, open: typeof withCommands): void {
  const clients = program.command('clients').description('manage OAuth 2.0 / OpenID Connect clients');

  clients
    .command('create')
    .description('register a client; a confidential client gets a secret, shown once')
    .requiredOption('--name <name>', 'display name (shown on the consent page)')
    .addOption(
      new Option('--type <type>', 'client type').choices(['confidential', 'public']).default('confidential'),
    )
    .option(
      '--redirect-uri <uri...>',
      'exact redirect URIs (https; http only on loopback for public clients)',
    )
    .option('--post-logout-redirect-uri <uri...>', 'exact post-logout redirect URIs')
    .option(
      '--grant <grant...>',
      'authorization_code, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:device_code',
    )
    .option('--scope <scope...>', 'scopes the client may request')
    .option('--resource <uri...>', 'resource indicators (APIs) the client may request tokens for')
    .option('--audience <uri>', 'the resource this client serves (it may then introspect tokens for it)')
    .option('--jwks-file <path>', 'public JWK Set: the client authenticates with private_key_jwt, no secret')
    .addOption(
      new Option('--secret-in <where>', 'where the client sends its secret; the other way is refused')
        .choices(['header', 'body'])
        .default('header'),
    )
    .addOption(
      new Option(
        '--id-token-alg <alg>',
        "sign the client's ID tokens with RS256 (default: the server's algorithm)",
      ).choices(ID_TOKEN_ALGS),
    )
    .addOption(json())
    .action(
      async (opts: {
        name: string;
        type: 'confidential' | 'public';
        redirectUri?: string[];
        postLogoutRedirectUri?: string[];
        grant?: string[];
        scope?: string[];
        resource?: string[];
        audience?: string;
        jwksFile?: string;
        secretIn: 'header' | 'body';
        idTokenAlg?: string;
        json?: boolean;
      }) => {
        const jwks =
          opts.jwksFile === undefined
            ? undefined
            : (JSON.parse(readFileSync(opts.jwksFile, 'utf8')) as ClientInput['jwks']);
        const client: ClientInput = {
          name: opts.name,
          type: opts.type,
          redirectUris: opts.redirectUri,
          postLogoutRedirectUris: opts.postLogoutRedirectUri,
          grantTypes: opts.grant,
          scopes: opts.scope,
          resources: opts.resource,
          audience: opts.audience,
          jwks,
          secretIn: opts.type === 'confidential' && jwks === undefined ? opts.secretIn : undefined,
          idTokenAlg: opts.idTokenAlg,
        };
        const issued = await open((c) => c.createClient({ client, meta: CLI_META }));
        const { client: view, secret } = issued;
        print(
          opts.json === true,
          { ...view, ...(secret === null ? {} : { client_secret: secret }) },
          () => `created ${view.type} client ${view.name} (${view.client_id})${secretNotice(secret)}`,
        );
      },
    );

  clients
    .command('list')
    .description('list registered clients')
    .addOption(json())
    .action(async (opts: { json?: boolean }) => {
      const list = await open((c) => c.listClients());
      print(opts.json === true, list, () =>
        list.length === 0
          ? 'no clients'
          : list
              .map(
                (c) =>
                  `${c.client_id}  ${c.type.padEnd(12)}  ${c.name}  [${c.grant_types.join(', ')}]${
                    c.previous_secret_expires_at === undefined
                      ? ''
                      : `  previous secret valid until ${c.previous_secret_expires_at}`
                  }`,
              )
              .join('\n'),
      );
    });

  clients
    .command('rotate-secret')
    .description(
      "replace a confidential client's secret; the old one stops at once or after --overlap, or --revoke-previous ends an overlap now",
    )
    .argument('<client-id>')
    .addOption(
      new Option(
        '--overlap <duration>',
        'keep the old secret valid this long: seconds, or 30m, 24h, 7d (at most 30d)',
      )
        .argParser(parseDuration)
        .default(0),
    )
    .option('--revoke-previous', 'issue no new secret: the previous secret of the last rotation stops now')
    .addOption(json())
    .action(async (clientId: string, opts: { overlap: number; revokePrevious?: boolean; json?: boolean }) => {
      if (opts.revokePrevious === true) {
        const client = await open((c) => c.revokePreviousClientSecret({ clientId, meta: CLI_META }));
        print(
          opts.json === true,
          { client_id: client.client_id, previous_secret_revoked: true },
          () => `the previous secret of ${client.client_id} no longer works`,
        );
        return;
      }
      const { client, secret } = await open((c) =>
        c.rotateClientSecret({ clientId, overlapSeconds: opts.overlap, meta: CLI_META }),
      );
      const until = client.previous_secret_expires_at;
      print(
        opts.json === true,
        {
          client_id: client.client_id,
          client_secret: secret,
          ...(until === undefined ? {} : { previous_secret_expires_at: until }),
        },
        () =>
          `rotated the secret of ${client.client_id}${
            until === undefined ? ' (the old one no longer works)' : ` (the old one works until ${until})`
          }${secretNotice(secret)}`,
      );
    });

  clients
    .command('delete')
    .description('delete a registered client')
    .argument('<client-id>')
    .addOption(json())
    .action(async (clientId: string, opts: { json?: boolean }) => {
      await open((c) => c.deleteClient({ clientId, meta: CLI_META }));
      print(opts.json === true, { deleted: clientId }, () => `deleted client ${clientId}`);
    });
}
