import { anyCompromisedCheck, type CompromisedPasswordCheck } from '@gatehouse/core';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { HibpRangeCheck } from './hibp-range.ts';
import { BUNDLED_PASSWORD_LIST, PasswordListCheck } from './password-list.ts';

/**
 * The lists a new password is looked up in: always the bundled one; the operator's file when
 * configured (read now, so a wrong path stops start-up rather than the first sign-up); the Have I
 * Been Pwned range API when its URL is set (last: the network only for what the lists let pass).
 */
export async function compromisedPasswordChecks(
  config: Config,
  logger: Logger,
): Promise<CompromisedPasswordCheck> {
  const checks: CompromisedPasswordCheck[] = [new PasswordListCheck(BUNDLED_PASSWORD_LIST)];
  if (config.passwordBlocklistFile !== undefined) {
    const own = new PasswordListCheck(config.passwordBlocklistFile);
    try {
      await own.load();
    } catch (error) {
      throw new Error(
        `GATEHOUSE_PASSWORD_BLOCKLIST_FILE cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
    checks.push(own);
  }
  if (config.hibpRangeUrl !== undefined)
    checks.push(new HibpRangeCheck({ url: config.hibpRangeUrl, timeoutMs: config.hibpTimeoutMs, logger }));
  return anyCompromisedCheck(checks);
}
