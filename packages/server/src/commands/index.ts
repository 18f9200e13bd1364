import type { Gatehouse } from '../gatehouse.ts';
import { createApiKeyCommand } from './create-api-key.ts';
import { evaluateCommand } from './evaluate.ts';
import { evaluateBatchCommand } from './evaluate-batch.ts';
import { getApiKeyCommand } from './get-api-key.ts';
import { listApiKeysCommand } from './list-api-keys.ts';
import { loginCommand } from './login.ts';
import { logoutCommand } from './logout.ts';
import { revokeApiKeyCommand } from './revoke-api-key.ts';
import { rotateApiKeyCommand } from './rotate-api-key.ts';

/**
 * The application layer: one function per use case, taking and returning values (no Fastify
 * types), built once from the wiring. Routes, pages and the CLI call these rather than reaching
 * into the `Gatehouse` services for what a command covers.
 */
export interface Commands {
  readonly login: ReturnType<typeof loginCommand>;
  readonly logout: ReturnType<typeof logoutCommand>;
  readonly evaluate: ReturnType<typeof evaluateCommand>;
  readonly evaluateBatch: ReturnType<typeof evaluateBatchCommand>;
  readonly createApiKey: ReturnType<typeof createApiKeyCommand>;
  readonly listApiKeys: ReturnType<typeof listApiKeysCommand>;
  readonly getApiKey: ReturnType<typeof getApiKeyCommand>;
  readonly rotateApiKey: ReturnType<typeof rotateApiKeyCommand>;
  readonly revokeApiKey: ReturnType<typeof revokeApiKeyCommand>;
}

export function createCommands(gatehouse: Gatehouse): Commands {
  return {
    login: loginCommand({
      authenticator: gatehouse.authenticator,
      sessions: gatehouse.sessions,
      tokens: gatehouse.tokens,
      devices: gatehouse.devices,
      audit: gatehouse.audit,
      clock: gatehouse.clock,
      // Second factors arrive with issue 18 (TOTP, WebAuthn): until then the password completes a login.
      secondFactorsFor: () => [],
    }),
    logout: logoutCommand(gatehouse),
    evaluate: evaluateCommand({ pdp: gatehouse.pdp }),
    evaluateBatch: evaluateBatchCommand({ pdp: gatehouse.pdp }),
    createApiKey: createApiKeyCommand(gatehouse),
    listApiKeys: listApiKeysCommand(gatehouse),
    getApiKey: getApiKeyCommand(gatehouse),
    rotateApiKey: rotateApiKeyCommand(gatehouse),
    revokeApiKey: revokeApiKeyCommand(gatehouse),
  };
}
