import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postgresUrlOrSkip } from '@gatehouse/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportUsersInput } from '../src/commands/import-users.ts';
import { createCommands } from '../src/commands/index.ts';
import { importFile } from '../src/import/import-file.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createHarness,
  createUser,
  type Harness,
  type LoggedIn,
  login,
  strongPassword,
} from './harness.ts';
import { withRawDatabase } from './raw-database.ts';

// The import over the admin API and the first sign-in after it, on SQLite and on PostgreSQL.
const postgresUrl = await postgresUrlOrSkip();
const backends = [
  { name: 'SQLite', postgres: false },
  { name: 'PostgreSQL', postgres: true },
] as const;

const FIREBASE_ROW = {
  algorithm: 'firebase-scrypt',
  hash: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
  salt: '42xEC+ixf3L2lw==',
  signer_key: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  salt_separator: 'Bw==',
  rounds: 8,
  mem_cost: 14,
};
/** Each source's published vector and its password (see imported-hashes.test.ts). */
const SOURCES = [
  {
    email: 'auth0@example.test',
    hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    password: 'U*U',
  },
  {
    email: 'django@example.test',
    hash: 'pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=',
    password: 'lètmein',
  },
  {
    email: 'keycloak@example.test',
    hash: {
      algorithm: 'pbkdf2-sha256',
      hashIterations: 80000,
      salt: Buffer.from('NaCl').toString('base64'),
      value: Buffer.from(
        '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d',
        'hex',
      ).toString('base64'),
    },
    password: 'Password',
  },
  { email: 'firebase@example.test', hash: FIREBASE_ROW, password: 'user1password' },
  {
    email: 'argon2@example.test',
    hash: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    password: 'password',
  },
] as const;

for (const backend of backends) {
  describe.skipIf(backend.postgres && postgresUrl === undefined)(`user import (${backend.name})`, () => {
    let h: Harness;
    let admin: LoggedIn;
    const schema = `gh_import_${randomBytes(4).toString('hex')}`;
    const storedHash = (email: string) =>
      withRawDatabase(
        h,
        async (db) =>
          (
            await db
              .selectFrom('credentials')
              .innerJoin('users', 'users.id', 'credentials.user_id')
              .select('credentials.password_hash')
              .where('users.email', '=', email)
              .executeTakeFirst()
          )?.password_hash,
        backend.postgres ? schema : undefined,
      );
    const importRows = (payload: unknown, as: LoggedIn = admin, contentType?: string) =>
      h.app.inject({
        method: 'POST',
        url: '/admin/v1/users/import',
        headers: {
          cookie: as.cookie,
          'x-csrf-token': as.csrf,
          ...(contentType === undefined ? {} : { 'content-type': contentType }),
        },
        payload: payload as string,
      });

    beforeAll(async () => {
      h = await createHarness(
        {
          loginLimitPerAccountAndIp: 1000,
          loginLimitPerAccount: 1000,
          ...(backend.postgres ? { databaseUrl: postgresUrl } : {}),
        },
        backend.postgres ? { databaseSchema: schema } : {},
      );
      admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
      await h.gatehouse.accounts.upsertRole({ name: 'editor', permissions: ['notes:write'] });
    }, 60_000);
    afterAll(async () => {
      await h?.close();
      if (backend.postgres && postgresUrl !== undefined) {
        const client = new pg.Client({ connectionString: postgresUrl });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      }
    });

    it('imports each source, and the first sign-in verifies the hash as-is and replaces it with argon2id', async () => {
      const response = await importRows(
        SOURCES.map((s) => ({ email: s.email, password_hash: s.hash, email_verified: true })),
      );
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ imported: SOURCES.length, rejected: 0 });
      // email_verified as the source said: the account, and what ID tokens and policies read.
      expect((await h.gatehouse.accounts.requireUser(SOURCES[0].email)).emailVerified).toBe(true);
      for (const source of SOURCES) {
        const before = await storedHash(source.email);
        expect(before).not.toMatch(/^\$argon2id\$v=19\$m=19456/);
        const wrong = await h.app.inject({
          method: 'POST',
          url: '/login',
          payload: { email: source.email, password: `${source.password}!` },
        });
        expect(wrong.statusCode, source.email).toBe(401);
        expect(await storedHash(source.email)).toBe(before);
        await login(h.app, source.email, source.password);
        const after = await storedHash(source.email);
        expect(after, source.email).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
        expect(h.gatehouse.hasher.needsRehash(after!)).toBe(false);
        // And the upgraded hash keeps the same password.
        await login(h.app, source.email, source.password);
      }
    }, 60_000);

    it('stores the profile, roles and disabled flag, and reports every rejected row with its reason', async () => {
      await createUser(h, 'taken@example.test', strongPassword());
      const rows = [
        { email: 'Grace@Example.test', name: 'Grace Hopper', locale: 'en-US', roles: ['editor'] },
        { email: 'off@example.test', disabled: true, name: null, email_verified: null, password_hash: null },
        { email: 'not-an-email' },
        { email: 'grace@example.test' },
        { email: 'taken@example.test' },
        { email: 'md5@example.test', password_hash: '$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0' },
        { email: 'role@example.test', roles: ['wizard'] },
        { email: 'extra@example.test', shoe_size: 44 },
        { email: 'id@example.test', id: 'auth0|123' },
        { email: 'pic@example.test', picture: 'javascript:alert(1)' },
        { email: 'twin1@example.test', id: 'ab'.repeat(16) },
        { email: 'twin2@example.test', id: 'ab'.repeat(16) },
      ];
      const response = await importRows(rows);
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<{ imported: number; rejected: number; rows: Record<string, unknown>[] }>();
      expect(body.imported).toBe(3);
      expect(body.rejected).toBe(9);
      expect(body.rows.map((r) => [r.line, r.status, r.reason])).toEqual([
        [1, 'imported', undefined],
        [2, 'imported', undefined],
        [3, 'rejected', 'invalid_email'],
        [4, 'rejected', 'duplicate_email'],
        [5, 'rejected', 'email_taken'],
        [6, 'rejected', 'unknown_hash_format'],
        [7, 'rejected', 'unknown_role'],
        [8, 'rejected', 'invalid_row'],
        [9, 'rejected', 'invalid_id'],
        [10, 'rejected', 'invalid_profile'],
        [11, 'imported', undefined],
        [12, 'rejected', 'invalid_id'],
      ]);
      expect(await h.gatehouse.accounts.findUser('twin2@example.test')).toBeUndefined();
      expect((await h.gatehouse.accounts.findUser('ab'.repeat(16)))?.email).toBe('twin1@example.test');
      const grace = await h.gatehouse.accounts.requireUser('grace@example.test');
      expect(body.rows[0]).toMatchObject({ id: grace.id, email: 'grace@example.test' });
      expect(await h.gatehouse.accounts.profileOf(grace.id)).toEqual({
        name: 'Grace Hopper',
        locale: 'en-US',
      });
      expect(await h.gatehouse.accounts.rolesOf(grace.id)).toEqual(['editor']);
      expect(await h.gatehouse.accounts.requireUser('off@example.test')).toMatchObject({
        disabled: true,
        emailVerified: false,
      });
      const [event] = await h.gatehouse.storage.audit.list({ limit: 1, type: 'users.imported' });
      expect(event?.details).toMatchObject({ imported: 3, rejected: 9 });
    });

    it('a run that dies between a batch commit and its checkpoint resumes with every row reported once', async () => {
      const file = join(h.dataDir, 'resume.jsonl');
      const rows = 25;
      writeFileSync(
        file,
        Array.from({ length: rows }, (_, i) =>
          JSON.stringify(i === 12 ? { email: 'bad address' } : { email: `resume${i}@example.test` }),
        ).join('\n'),
      );
      const options = {
        file,
        format: 'jsonl' as const,
        rejectsPath: `${file}.rejects.jsonl`,
        checkpointPath: `${file}.checkpoint.json`,
        restart: false,
        batchSize: 10,
        meta: { ip: 'test', requestId: 'test' },
      };
      const { importUsers } = createCommands(h.gatehouse);
      // The second batch (lines 11–20) is committed, then the process "dies" before its checkpoint.
      let batches = 0;
      const dying = (input: ImportUsersInput) =>
        importUsers({
          ...input,
          onBatch: async (batch) => {
            if (++batches === 2) {
              writeFileSync(options.rejectsPath, 'half a line of the dying run', { flag: 'a' });
              throw new Error('killed');
            }
            await input.onBatch?.(batch);
          },
        });
      await expect(importFile(options, dying)).rejects.toThrow('killed');
      expect(JSON.parse(readFileSync(options.checkpointPath, 'utf8'))).toMatchObject({
        line: 10,
        done: false,
      });
      expect(await h.gatehouse.accounts.findUser('resume15@example.test')).toBeDefined();

      const result = await importFile(options, importUsers);
      expect(result).toMatchObject({ imported: rows - 1, rejected: 1, resumedAfterLine: 10 });
      const rejects = readFileSync(options.rejectsPath, 'utf8').trim().split('\n');
      expect(rejects.map((line) => JSON.parse(line))).toEqual([
        {
          line: 13,
          reason: 'invalid_email',
          detail: 'The email address is missing or invalid.',
          email: 'bad address',
        },
      ]);
      for (let i = 0; i < rows; i++)
        if (i !== 12)
          expect(await h.gatehouse.accounts.findUser(`resume${i}@example.test`), `row ${i}`).toBeDefined();
    });

    it('takes JSON Lines, numbering rows by line', async () => {
      const body = [
        JSON.stringify({ email: 'lines1@example.test', password_hash: SOURCES[0].hash }),
        '',
        '{"email": ',
        JSON.stringify({ email: 'lines2@example.test' }),
      ].join('\n');
      const response = await importRows(body, admin, 'application/x-ndjson');
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json<{ rows: unknown[] }>().rows).toEqual([
        expect.objectContaining({ line: 1, status: 'imported' }),
        { line: 3, status: 'rejected', reason: 'invalid_row', detail: 'The line is not valid JSON.' },
        expect.objectContaining({ line: 4, status: 'imported' }),
      ]);
    });

    it('answers bad input with a 4xx problem, and needs users:write (and roles:write to grant roles)', async () => {
      const problem = (
        response: { statusCode: number; headers: Record<string, unknown>; body: string },
        status: number,
      ) => {
        expect(response.statusCode, response.body).toBe(status);
        expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
      };
      problem(await importRows({ email: 'one@example.test' }), 400);
      problem(await importRows([]), 400);
      problem(await importRows('{"email":"x@example.test"}', admin, 'text/csv'), 415);
      problem(await importRows('[', admin, 'application/json'), 400);
      problem(
        await importRows(
          Array.from({ length: 10_001 }, () => ({})),
          admin,
        ),
        400,
      );
      problem(
        await importRows(
          `${JSON.stringify({ email: 'big@example.test', name: 'x'.repeat(6 * 1024 * 1024) })}`,
          admin,
          'application/x-ndjson',
        ),
        413,
      );
      problem(
        await h.app.inject({
          method: 'POST',
          url: '/admin/v1/users/import',
          payload: [{ email: 'anon@example.test' }],
        }),
        401,
      );
      const pw = strongPassword();
      await createUser(h, 'clerk@example.test', pw, []);
      await h.gatehouse.accounts.upsertRole({ name: 'importer', permissions: ['users:write'] });
      const clerk = await h.gatehouse.accounts.requireUser('clerk@example.test');
      const clerkSession = await login(h.app, 'clerk@example.test', pw);
      problem(await importRows([{ email: 'c1@example.test' }], clerkSession), 403);
      await h.gatehouse.accounts.grantRole(clerk.id, 'importer');
      expect((await importRows([{ email: 'c2@example.test' }], clerkSession)).statusCode).toBe(200);
      problem(await importRows([{ email: 'c3@example.test', roles: ['editor'] }], clerkSession), 403);
      expect(await h.gatehouse.accounts.findUser('c3@example.test')).toBeUndefined();
      expect(await h.gatehouse.accounts.findUser('c1@example.test')).toBeUndefined();
    });
  });
}
