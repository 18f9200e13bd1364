import type { RequestMeta } from '@gatehouse/core';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';

/** Who an administrative command acts as, in the audit log. */
export const CLI_META: RequestMeta = { ip: 'cli', requestId: 'cli' };

/** What a CLI command runs with: the use cases, and the node for what no command covers yet. */
export type CliTask<T> = (commands: Commands, gatehouse: Gatehouse) => Promise<T>;

/**
 * Opens the configured stores for one administrative command, builds the same commands the HTTP
 * routes call, runs `task`, then closes everything. The server's modules are imported here, not at
 * the top: `--help`, `--version` and usage errors load nothing but the command tree (commander),
 * and no command loads the OAuth engine unless it serves HTTP.
 */
export async function withCommands<T>(task: CliTask<T>): Promise<T> {
  const [{ loadConfig }, { createGatehouse }, { createLogger }, { bootstrap }, { createCommands }] =
    await Promise.all([
      import('../config.ts'),
      import('../gatehouse.ts'),
      import('../logger.ts'),
      import('../bootstrap.ts'),
      import('../commands/index.ts'),
    ]);
  const config = loadConfig();
  const gatehouse = await createGatehouse(
    config,
    createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr),
  );
  try {
    await bootstrap(gatehouse);
    return await task(createCommands(gatehouse), gatehouse);
  } finally {
    await gatehouse.close();
  }
}
