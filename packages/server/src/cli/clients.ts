import { readFileSync } from 'node:fs';
import type { OAuthIdTokenAlg } from '@gatehouse/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ClientInput } from '../oauth/client-registry.ts';
import { clientView } from '../oauth/client-view.ts';
import { print } from './output.ts';
import type { withGatehouse } from './program.ts';

/** core's OAUTH_ID_TOKEN_ALGS written out, since `--help` must not load core; the type refuses any other. */
const ID_TOKEN_ALGS: OAuthIdTokenAlg[] = ['RS256'];

const json = () => new Option('--json', 'machine-readable output');

const cliMeta = { ip: 'cli', requestId: 'cli' };
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

/** `gatehouse clients create|list|rotate-secret|delete`: OAuth clients, as the admin API manages them. */
export function registerClientCommands(program: Command, open: typeof withGatehouse): void {
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
        const { client, secret, now } = await open(async (g) => ({
          now: g.clock.now(),
          ...(await g.oauth.registry.create({
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
          })),
        }));
        print(
          opts.json === true,
          { ...clientView(client, now), ...(secret === null ? {} : { client_secret: secret }) },
          () => `created ${client.type} client ${client.name} (${client.clientId})${secretNotice(secret)}`,
        );
      },
    );

  clients
    .command('list')
    .description('list registered clients')
    .addOption(json())
    .action(async (opts: { json?: boolean }) => {
      const list = await open(async (g) => {
        const now = g.clock.now();
        return (await g.oauth.registry.list()).map((client) => clientView(client, now));
      });
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
        const client = await open(async (g) => {
          const revoked = await g.oauth.registry.revokePreviousSecret(clientId);
          await g.audit.record('oauth.client.previous_secret_revoked', cliMeta, { subjectId: clientId });
          return revoked;
        });
        print(
          opts.json === true,
          { client_id: client.clientId, previous_secret_revoked: true },
          () => `the previous secret of ${client.clientId} no longer works`,
        );
        return;
      }
      const overlapSeconds = opts.overlap;
      const { client, secret } = await open(async (g) => {
        const issued = await g.oauth.registry.rotateSecret(clientId, { overlapMs: overlapSeconds * 1000 });
        await g.audit.record('oauth.client.secret_rotated', cliMeta, {
          subjectId: clientId,
          details: { overlap_seconds: overlapSeconds },
        });
        return issued;
      });
      const until = client.previousSecretExpiresAt;
      print(
        opts.json === true,
        {
          client_id: client.clientId,
          client_secret: secret,
          ...(until === null ? {} : { previous_secret_expires_at: new Date(until).toISOString() }),
        },
        () =>
          `rotated the secret of ${client.clientId}${
            until === null
              ? ' (the old one no longer works)'
              : ` (the old one works until ${new Date(until).toISOString()})`
          }${secretNotice(secret)}`,
      );
    });

  clients
    .command('delete')
    .description('delete a registered client')
    .argument('<client-id>')
    .addOption(json())
    .action(async (clientId: string, opts: { json?: boolean }) => {
      await open((g) => g.oauth.registry.delete(clientId));
      print(opts.json === true, { deleted: clientId }, () => `deleted client ${clientId}`);
    });
}
