import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRecoveryCodes, hashRecoveryCode, totpCode } from '@gatehouse/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createGatehouse } from '../src/gatehouse.ts';
import { createLogger } from '../src/logger.ts';
import { json, runCli } from './cli-runner.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-mfa-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const open = () =>
  createGatehouse(loadConfig({}, { dataDir, nodeEnv: 'test', logLevel: 'silent' }), createLogger('silent'));

describe('gatehouse users reset-mfa', { timeout: 120_000 }, () => {
  it('removes every factor and recovery code of the user, audited', async () => {
    const before = await open();
    const email = 'mfa.cli@example.test';
    let userId: string;
    try {
      const user = await before.accounts.createUser({
        email,
        password: 'saffron kettle drifting 7781',
        roles: [],
      });
      userId = user.id;
      const { factor, secret } = await before.totp.enrol(user, 'Phone');
      expect(await before.totp.confirm(user.id, factor.id, totpCode(secret, Date.now()))).toBe(true);
      await before.storage.recoveryCodes.replace(
        user.id,
        generateRecoveryCodes().map(hashRecoveryCode),
        Date.now(),
      );
    } finally {
      await before.close();
    }
    const result = await runCli(dataDir, ['users', 'reset-mfa', email, '--json']);
    expect(json(result)).toEqual({ id: userId, removed: 1 });
    const after = await open();
    try {
      expect(await after.storage.secondFactors.listByUser(userId)).toEqual([]);
      expect(await after.storage.recoveryCodes.countUnused(userId)).toBe(0);
      const events = await after.storage.audit.list({ limit: 5, type: 'mfa.reset', subjectId: userId });
      expect(events).toHaveLength(1);
    } finally {
      await after.close();
    }
  });
});
