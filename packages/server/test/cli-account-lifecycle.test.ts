import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createGatehouse } from '../src/gatehouse.ts';
import { createLogger } from '../src/logger.ts';
import { json, runCli } from './cli-runner.ts';

/** `gatehouse users invite` and `users send-reset`, run as an operator would (child processes). */
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-lifecycle-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const cli = (args: string[], stdin?: string) =>
  runCli(dataDir, args, stdin, { env: { GATEHOUSE_REGISTRATION: 'closed' } });

async function inspect<T>(read: (g: Awaited<ReturnType<typeof createGatehouse>>) => Promise<T>): Promise<T> {
  const config = loadConfig({}, { dataDir, nodeEnv: 'test', logLevel: 'silent' });
  const gatehouse = await createGatehouse(config, createLogger('silent'));
  try {
    return await read(gatehouse);
  } finally {
    await gatehouse.close();
  }
}

describe('gatehouse users invite / send-reset', { timeout: 120_000 }, () => {
  it('invites an address with roles while registration is closed; the account waits for its password', async () => {
    expect((await cli(['roles', 'create', 'editor', '--permissions', 'notes:write'])).code).toBe(0);
    const invited = await cli(['users', 'invite', 'colleague@example.test', '--role', 'editor', '--json']);
    expect(invited.code, invited.stderr).toBe(0);
    const row = json<{ id: string; email: string; roles: string[]; invitation_expires_at: string }>(invited);
    expect(row).toMatchObject({ email: 'colleague@example.test', roles: ['editor'] });
    expect(Date.parse(row.invitation_expires_at)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const state = await inspect(async (g) => ({
      user: await g.accounts.findUser('colleague@example.test'),
      password: await g.storage.credentials.getPasswordHash(row.id),
      audit: await g.storage.audit.list({ limit: 10, type: 'invitation.sent', subjectId: row.id }),
    }));
    expect(state.user).toMatchObject({ id: row.id, emailVerified: false });
    expect(state.password).toBeUndefined();
    expect(state.audit).toHaveLength(1);
    // An account that has a password is not invited again: the conflict exit code.
    const again = await cli(
      ['users', 'create', '--email', 'has.password@example.test', '--password-stdin'],
      'saffron kettle drifting 7781\n',
    );
    expect(again.code).toBe(0);
    expect((await cli(['users', 'invite', 'has.password@example.test'])).code).toBe(4);
  });

  it('sends a reset link to a user by email; an unknown user is not found', async () => {
    const sent = await cli(['users', 'send-reset', 'has.password@example.test', '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(json(sent)).toMatchObject({ email: 'has.password@example.test', reset_link_sent: true });
    const audit = await inspect(async (g) => {
      const user = await g.accounts.findUser('has.password@example.test');
      return g.storage.audit.list({ limit: 10, type: 'password.reset_requested', subjectId: user?.id ?? '' });
    });
    expect(audit.map((e) => e.details.by)).toEqual(['admin']);
    expect((await cli(['users', 'send-reset', 'nobody@example.test'])).code).toBe(3);
  });
});
