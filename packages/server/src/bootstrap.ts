import { isGatehouseError, type UserRecord } from '@gatehouse/core';
import { ConfigError } from './config.ts';
import type { Gatehouse } from './gatehouse.ts';

/** The built-in administrator role: every permission. */
export const ADMIN_ROLE = 'admin';

/**
 * First start: make sure the admin role exists and, when GATEHOUSE_ADMIN_EMAIL and
 * GATEHOUSE_ADMIN_PASSWORD are set and no such user exists yet, create the first admin. There are
 * no default credentials: without these variables (or `gatehouse users create`) nobody can log in.
 * An address that only looks like an existing account's is refused as taken: a warning, no admin.
 */
export async function bootstrap(gatehouse: Gatehouse): Promise<void> {
  const { accounts, config, logger } = gatehouse;
  if ((await gatehouse.storage.roles.get(ADMIN_ROLE)) === undefined) {
    await accounts.upsertRole({
      name: ADMIN_ROLE,
      description: 'Full administrative access',
      permissions: ['*'],
    });
  }
  if (config.adminEmail === undefined || config.adminPassword === undefined) return;
  if ((await accounts.findUser(config.adminEmail)) !== undefined) return;
  let user: UserRecord;
  try {
    user = await accounts.createUser({
      email: config.adminEmail,
      password: config.adminPassword,
      roles: [ADMIN_ROLE],
    });
  } catch (error) {
    if (!isGatehouseError(error)) throw error;
    // Taken after all: another node won the race, or an account has a look-alike address. Every
    // CLI command runs this too, so failing here would lock the operator out of the tools to look.
    if (error.code === 'conflict') {
      logger.warn({ reason: error.detail }, 'no admin was created from GATEHOUSE_ADMIN_EMAIL');
      return;
    }
    // The operator set these in the environment: name the variable and the rule it broke.
    if (error.code === 'password_policy')
      throw new ConfigError([`GATEHOUSE_ADMIN_PASSWORD is refused by the password policy: ${error.detail}`]);
    if (error.code === 'invalid_request') throw new ConfigError([`GATEHOUSE_ADMIN_EMAIL: ${error.detail}`]);
    throw error;
  }
  logger.info({ userId: user.id }, 'created the first admin from GATEHOUSE_ADMIN_EMAIL');
}
