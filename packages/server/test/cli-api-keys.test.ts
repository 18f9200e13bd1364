import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createGatehouse } from '../src/gatehouse.ts';
import { createLogger } from '../src/logger.ts';
import { json, runCli } from './cli-runner.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-keys-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const cli = (...args: string[]) => runCli(dataDir, args);

interface KeyRow {
  id: string;
  key?: string;
  status: string;
  scopes: string[];
  prefix: string;
  last_four: string;
}

describe('gatehouse service-accounts and api-keys', { timeout: 120_000 }, () => {
  let keyId: string;
  let secret: string;

  it('creates a service account with a role and a default limit, and a key shown once', async () => {
    json(await cli('roles', 'create', 'exporter', '--permissions', 'users:read', '--json'));
    const account = json<{ id: string; name: string; rate_limit: string }>(
      await cli(
        'service-accounts',
        'create',
        'nightly-export',
        '--role',
        'exporter',
        '--rate-limit',
        '100/60s',
        '--json',
      ),
    );
    expect(account).toMatchObject({ name: 'nightly-export', rate_limit: '100/60s' });
    const created = json<KeyRow>(
      await cli(
        'api-keys',
        'create',
        'nightly-export',
        '--name',
        'cron',
        '--scopes',
        'users:read',
        '--expires-in',
        '3600',
        '--json',
      ),
    );
    expect(created.key).toMatch(/^gatehouse_/);
    keyId = created.id;
    secret = created.key!;
    const human = await cli(
      'api-keys',
      'create',
      'nightly-export',
      '--name',
      'other',
      '--scopes',
      'users:read',
    );
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/shown only this once:\ngatehouse_[0-9A-Za-z_]+\n$/);
  });

  it('lists without secrets, rotates and revokes', async () => {
    const listed = await cli('api-keys', 'list', 'nightly-export', '--json');
    const rows = json<KeyRow[]>(listed);
    expect(rows).toHaveLength(2);
    expect(listed.stdout).not.toContain(secret.slice(27, 70));
    expect(rows.find((r) => r.id === keyId)).toMatchObject({ status: 'active', scopes: ['users:read'] });
    const rotated = json<KeyRow>(await cli('api-keys', 'rotate', keyId, '--overlap', '60', '--json'));
    expect(rotated.key).toMatch(/^gatehouse_/);
    const revoked = json<{ revoked: boolean }>(await cli('api-keys', 'revoke', rotated.id, '--json'));
    expect(revoked.revoked).toBe(true);
    const again = json<{ revoked: boolean }>(await cli('api-keys', 'revoke', rotated.id, '--json'));
    expect(again.revoked).toBe(false);
    const bad = await cli('api-keys', 'create', 'nightly-export', '--name', 'x', '--scopes', 'NOPE');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Scopes must be');
    const unknown = await cli('api-keys', 'list', 'no-such-owner');
    expect(unknown.code).toBe(3);
  });

  it('disables and deletes a service account; its keys stop working', async () => {
    json(await cli('service-accounts', 'disable', 'nightly-export', '--json'));
    const listed = json<{ name: string; disabled: boolean }[]>(
      await cli('service-accounts', 'list', '--json'),
    );
    expect(listed).toEqual([expect.objectContaining({ name: 'nightly-export', disabled: true })]);
    json(await cli('service-accounts', 'delete', 'nightly-export', '--json'));
    const config = loadConfig({}, { dataDir, nodeEnv: 'test', logLevel: 'silent' });
    const gatehouse = await createGatehouse(config, createLogger('silent'));
    try {
      const result = await gatehouse.apiKeys.verify(secret, '127.0.0.1');
      expect(result.ok).toBe(false);
      expect(await gatehouse.serviceAccounts.list()).toEqual([]);
    } finally {
      await gatehouse.close();
    }
  });
});
