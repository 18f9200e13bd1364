import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, describe, expect, it } from 'vitest';
import { sealedKeyId, sealingKeyId } from '../src/keys/key-encryption.ts';
import { type RekeyProgress, rekey } from '../src/keys/rekey.ts';
import { deriveKey } from '../src/master-secret.ts';
import { json, runCli } from './cli-runner.ts';
import { ADMIN_EMAIL } from './harness.ts';
import { createClient, NOTES_API, relyingParty, startOAuthServer } from './oauth-helpers.ts';
import { withRawDatabase } from './raw-database.ts';

const OLD_SECRET = 'the-old-master-secret-that-leaked-0123456789';
const NEW_SECRET = 'the-new-master-secret-from-the-vault-987654321';
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-secret-change-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** A node on the shared database in `dataDir`, under the given secrets. */
const node = (secret: string, previous?: string) =>
  startOAuthServer({ dataDir, secret, ...(previous === undefined ? {} : { secretPrevious: previous }) });

type Node = Awaited<ReturnType<typeof node>>;

const sealedRows = async (h: Node) => {
  const rows = await withRawDatabase(h, async (db) => [
    ...(await db.selectFrom('signing_keys').select(['kid', 'sealed_private_key']).execute()),
    ...(await db.selectFrom('rs256_signing_keys').select(['kid', 'sealed_private_key']).execute()),
  ]);
  return rows.map((row) => ({ kid: row.kid, keyId: sealedKeyId(row.sealed_private_key) }));
};

async function clientCredentials(h: Node, clientId: string, secret: string): Promise<string> {
  const client = await h.gatehouse.oauth.registry.get(clientId);
  if (client === undefined) throw new Error('no such client');
  const rp = await relyingParty(h, { client, secret });
  const tokens = await oidc.clientCredentialsGrant(rp.config, { scope: 'notes:read', resource: NOTES_API });
  return tokens.access_token;
}

describe('issue 25 #2: changing GATEHOUSE_SECRET', () => {
  it('issue 25 #2: a node with the new secret and PREVIOUS serves old keys, client secrets and API keys; rekey (interrupted, resumed) lets it drop PREVIOUS', async () => {
    // Under the old secret: the key rings, a confidential client, an API key.
    const before = await node(OLD_SECRET);
    const kid = (await before.gatehouse.keyRing.active()).kid;
    const issued = await createClient(before, { name: 'Survives the change' });
    const clientId = issued.client.clientId;
    const clientSecret = issued.secret ?? '';
    const adminUser = await before.gatehouse.storage.users.findByEmail(ADMIN_EMAIL);
    const apiKey = (
      await before.gatehouse.apiKeys.create(
        adminUser?.id ?? '',
        { name: 'deploy', scopes: ['users:read'] },
        undefined,
      )
    ).key;
    const oldKeyId = sealingKeyId(deriveKey(OLD_SECRET, 'signing-keys'));
    expect((await sealedRows(before)).every((row) => row.keyId === oldKeyId)).toBe(true);
    await before.close();

    // The new secret alone: start-up refuses, pointing at PREVIOUS and the runbook.
    await expect(node(NEW_SECRET)).rejects.toThrow(/GATEHOUSE_SECRET_PREVIOUS.*operations\.md/);

    // The new secret with the old one as PREVIOUS: same keys sign, old secrets verify.
    const during = await node(NEW_SECRET, OLD_SECRET);
    try {
      expect((await during.gatehouse.keyRing.active()).kid).toBe(kid);
      const token = await clientCredentials(during, clientId, clientSecret);
      expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).kid).toBe(kid);
      expect((await during.gatehouse.apiKeys.verify(apiKey, '127.0.0.1')).ok).toBe(true);
      await during.gatehouse.apiKeys.flushUsage();

      // Rekey in batches of one, interrupted after the first batch…
      const newKeyId = sealingKeyId(deriveKey(NEW_SECRET, 'signing-keys'));
      const seen: RekeyProgress[] = [];
      await expect(
        rekey(during.gatehouse.sealedStores, {
          batch: 1,
          onBatch: (progress) => {
            seen.push(progress);
            throw new Error('interrupted');
          },
        }),
      ).rejects.toThrow('interrupted');
      expect(seen).toEqual([{ store: 'signing-keys', scanned: 1, rekeyed: 1, current: 0, skipped: 0 }]);
      const rows = await sealedRows(during);
      expect(rows.filter((row) => row.keyId === newKeyId)).toHaveLength(1);
      expect(rows.filter((row) => row.keyId === oldKeyId)).toHaveLength(rows.length - 1);

      // …then resumed by the CLI beside the running node: it finishes, counting what was done.
      const resumed = await runCli(dataDir, ['secrets', 'rekey', '--batch', '1', '--json'], undefined, {
        env: { GATEHOUSE_SECRET: NEW_SECRET, GATEHOUSE_SECRET_PREVIOUS: OLD_SECRET },
      });
      const report = json<{ stores: RekeyProgress[]; complete: boolean }>(resumed);
      expect(report.complete).toBe(true);
      expect(report.stores).toEqual([
        { store: 'signing-keys', scanned: 2, rekeyed: 1, current: 1, skipped: 0 },
        { store: 'rs256-signing-keys', scanned: 2, rekeyed: 2, current: 0, skipped: 0 },
        { store: 'mail-outbox', scanned: 0, rekeyed: 0, current: 0, skipped: 0 },
        { store: 'totp-secrets', scanned: 0, rekeyed: 0, current: 0, skipped: 0 },
      ]);
      expect(resumed.stderr).toMatch(/signing-keys: 1 scanned/);
      expect((await sealedRows(during)).every((row) => row.keyId === newKeyId)).toBe(true);
      // Idempotent: a further run finds nothing to do.
      const again = await rekey(during.gatehouse.sealedStores, { batch: 10 });
      expect(again.map((p) => p.rekeyed)).toEqual([0, 0, 0, 0]);
      // The running node reloads the re-encrypted keys and goes on signing with the same kid.
      await during.gatehouse.keyRing.reload();
      expect((await during.gatehouse.keyRing.active()).kid).toBe(kid);
    } finally {
      await during.close();
    }

    // Without PREVIOUS now: the keys open, and the client secret and API key were re-hashed on use.
    const after = await node(NEW_SECRET);
    try {
      expect((await after.gatehouse.keyRing.active()).kid).toBe(kid);
      await clientCredentials(after, clientId, clientSecret);
      expect((await after.gatehouse.apiKeys.verify(apiKey, '127.0.0.1')).ok).toBe(true);
    } finally {
      await after.close();
    }
  });

  it('issue 25 #2: GATEHOUSE_SECRET_PREVIOUS is a list of 32+ character secrets, never the current one', async () => {
    const { loadConfig } = await import('../src/config.ts');
    const base = { nodeEnv: 'test', dataDir };
    expect(
      loadConfig({}, { ...base, secret: NEW_SECRET, secretPrevious: `${OLD_SECRET},${'x'.repeat(32)}` })
        .secretPrevious,
    ).toBe(`${OLD_SECRET},${'x'.repeat(32)}`);
    expect(() => loadConfig({}, { ...base, secret: NEW_SECRET, secretPrevious: 'short' })).toThrow(
      /GATEHOUSE_SECRET_PREVIOUS/,
    );
    expect(() => loadConfig({}, { ...base, secret: NEW_SECRET, secretPrevious: `${OLD_SECRET},` })).toThrow(
      /GATEHOUSE_SECRET_PREVIOUS/,
    );
    expect(() => loadConfig({}, { ...base, secret: NEW_SECRET, secretPrevious: NEW_SECRET })).toThrow(
      /must not hold GATEHOUSE_SECRET/,
    );
    expect(
      loadConfig({ GATEHOUSE_SECRET: NEW_SECRET, GATEHOUSE_SECRET_PREVIOUS: OLD_SECRET }, base)
        .secretPrevious,
    ).toBe(OLD_SECRET);
  });
});
