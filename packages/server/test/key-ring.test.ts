import { createCipheriv, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuditTrail,
  keyRingState,
  ManualClock,
  randomId,
  type SigningAlgorithm,
  type SigningKeyRecord,
  type SigningKeyStore,
} from '@gatehouse/core';
import { createSqlStorage, SqlSigningKeyStore, type SqlStorage } from '@gatehouse/store-sql';
import { MemoryAuditLog, MemorySigningKeyStore, postgresUrlOrSkip } from '@gatehouse/testkit';
import { Command } from 'commander';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerKeyCommands } from '../src/cli/keys.ts';
import type { withCommands } from '../src/cli/open.ts';
import type { Commands } from '../src/commands/index.ts';
import { signingKeyCommands } from '../src/commands/signing-keys.ts';
import type { Gatehouse } from '../src/gatehouse.ts';
import {
  KeyDecryptionError,
  openPrivateKey,
  sealedKeyId,
  sealingKeyId,
  sealPrivateKey,
} from '../src/keys/key-encryption.ts';
import { generatePrivateKey, publicJwkOf } from '../src/keys/key-material.ts';
import { createKeyRing, type KeyRing, type KeyRingOptions } from '../src/keys/key-ring.ts';
import { deriveKey } from '../src/master-secret.ts';

const SECRET = 'test-master-secret-0123456789abcdefghijklmnop';
const ENCRYPTION_KEY = deriveKey(SECRET, 'signing-keys');
const ALGORITHMS: SigningAlgorithm[] = ['ES256', 'EdDSA', 'PS256', 'RS256'];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const LIFETIME = 10 * MINUTE;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth', 'priv'];

function ring(store: SigningKeyStore, clock: ManualClock, options: Partial<KeyRingOptions> = {}): KeyRing {
  return createKeyRing({
    store,
    clock,
    encryptionKey: ENCRYPTION_KEY,
    maxTokenLifetimeMs: LIFETIME,
    ...options,
  });
}

async function sign(keys: KeyRing, clock: ManualClock, subject = 'user_1'): Promise<string> {
  const key = await keys.active();
  const iat = Math.floor(clock.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setSubject(subject)
    .setIssuedAt(iat)
    .setExpirationTime(iat + LIFETIME / 1000)
    .sign(key.privateKey);
}

async function verify(token: string, keys: KeyRing, at: number) {
  const jwks = createLocalJWKSet({ keys: [...(await keys.publicKeys())] as JWK[] });
  return jwtVerify(token, jwks, { currentDate: new Date(at) });
}

const statuses = (keys: SigningKeyRecord[]) => keys.map((key) => key.status).sort((a, b) => (a < b ? -1 : 1));

describe('private-key encryption', () => {
  let key: KeyObject;
  const kid = 'kid-under-test';
  beforeAll(async () => {
    key = await generatePrivateKey('ES256');
  });

  it('seals as v2.<key id>.<iv>.<ciphertext>.<tag> with a fresh 96-bit IV each time, and opens back', () => {
    const sealed = sealPrivateKey(ENCRYPTION_KEY, kid, key);
    const [version, keyId, iv, ciphertext, tag, ...rest] = sealed.split('.');
    expect(version).toBe('v2');
    expect(keyId).toBe(sealingKeyId(ENCRYPTION_KEY));
    expect(sealedKeyId(sealed)).toBe(keyId);
    expect(rest).toEqual([]);
    expect(Buffer.from(iv ?? '', 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag ?? '', 'base64url')).toHaveLength(16);
    expect(ciphertext).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealPrivateKey(ENCRYPTION_KEY, kid, key).split('.')[2]).not.toBe(iv);
    const opened = openPrivateKey(ENCRYPTION_KEY, kid, sealed);
    expect(opened.equals(key)).toBe(true);
  });

  it('refuses another secret, another kid, and every altered part, with a clear error', () => {
    const sealed = sealPrivateKey(ENCRYPTION_KEY, kid, key);
    const flip = (part: number) =>
      sealed
        .split('.')
        .map((value, i) => {
          if (i !== part) return value;
          const bytes = Buffer.from(value, 'base64url');
          bytes[0] = (bytes[0] ?? 0) ^ 1;
          return bytes.toString('base64url');
        })
        .join('.');
    const attempts: [Buffer, string, string][] = [
      [deriveKey('another-master-secret-0123456789abcdefghij', 'signing-keys'), kid, sealed],
      [deriveKey(SECRET, 'csrf'), kid, sealed],
      [ENCRYPTION_KEY, 'another-kid', sealed],
      [ENCRYPTION_KEY, kid, flip(1)],
      [ENCRYPTION_KEY, kid, flip(2)],
      [ENCRYPTION_KEY, kid, flip(3)],
      [ENCRYPTION_KEY, kid, flip(4)],
    ];
    for (const [encryptionKey, asKid, value] of attempts) {
      expect(() => openPrivateKey(encryptionKey, asKid, value)).toThrow(KeyDecryptionError);
      expect(() => openPrivateKey(encryptionKey, asKid, value)).toThrow(/GATEHOUSE_SECRET|altered/);
    }
    for (const malformed of [
      '',
      'v2.a.b.c.d',
      'v1.a.b.c',
      sealed.replace(/^v2/, 'v0'),
      sealed.split('.').slice(0, 4).join('.'),
      `${sealed}.x`,
      sealed.replace(/\.([^.]+)$/, '.*$1'),
    ]) {
      expect(() => openPrivateKey(ENCRYPTION_KEY, kid, malformed)).toThrow(KeyDecryptionError);
    }
    expect(() => sealPrivateKey(randomBytes(16), kid, key)).toThrow(/32 bytes/);
    expect(() => sealPrivateKey(ENCRYPTION_KEY, kid, createPublicKey(key))).toThrow(/private/);
  });

  it('issue 25 #2: opens under the key its key id names among several, and points at the runbook otherwise', () => {
    const previous = deriveKey('the-previous-master-secret-0123456789abcdef', 'signing-keys');
    const sealed = sealPrivateKey(previous, kid, key);
    expect(openPrivateKey([ENCRYPTION_KEY, previous], kid, sealed).equals(key)).toBe(true);
    expect(() => openPrivateKey([ENCRYPTION_KEY], kid, sealed)).toThrow(
      /GATEHOUSE_SECRET_PREVIOUS.*operations/,
    );
  });

  it('issue 25 #2: opens a v1 key (no key id, sealed before rotation existed) by trying each key', () => {
    const previous = deriveKey('the-previous-master-secret-0123456789abcdef', 'signing-keys');
    const der = key.export({ format: 'der', type: 'pkcs8' });
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', previous, iv, { authTagLength: 16 });
    cipher.setAAD(Buffer.from(kid, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(der), cipher.final()]);
    const legacy = ['v1', ...[iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'))].join(
      '.',
    );
    expect(sealedKeyId(legacy)).toBeNull();
    expect(openPrivateKey([ENCRYPTION_KEY, previous], kid, legacy).equals(key)).toBe(true);
    expect(() => openPrivateKey([ENCRYPTION_KEY], kid, legacy)).toThrow(KeyDecryptionError);
  });
});

describe('key material', () => {
  it.each(ALGORITHMS)(
    '%s: the right key type, and kid = RFC 7638 thumbprint of the public members',
    async (alg) => {
      const key = await generatePrivateKey(alg);
      const jwk = await publicJwkOf(key, alg);
      const expected = {
        ES256: ['ec', { namedCurve: 'prime256v1' }],
        EdDSA: ['ed25519', {}],
        PS256: ['rsa', { modulusLength: 2048, publicExponent: 65537n }],
        RS256: ['rsa', { modulusLength: 2048, publicExponent: 65537n }],
      } as const;
      expect(key.asymmetricKeyType).toBe(expected[alg][0]);
      expect(key.asymmetricKeyDetails).toMatchObject(expected[alg][1]);
      expect(jwk.kid).toBe(
        await calculateJwkThumbprint(createPublicKey(key).export({ format: 'jwk' }) as JWK),
      );
      expect(jwk).toMatchObject({ alg, use: 'sig' });
      for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
      await expect(publicJwkOf(key, alg === 'EdDSA' ? 'ES256' : 'EdDSA')).rejects.toThrow(/is not a/);
    },
  );
});

describe.each(ALGORITHMS)('%s key ring', (alg) => {
  it('signs tokens that verify against its published keys, with its kid and alg', async () => {
    const clock = new ManualClock();
    const keys = ring(new MemorySigningKeyStore(), clock, { algorithm: alg });
    await keys.ensure();
    const token = await sign(keys, clock);
    const active = await keys.active();
    expect(decodeProtectedHeader(token)).toMatchObject({ alg, kid: active.kid });
    const { payload, protectedHeader } = await verify(token, keys, clock.now());
    expect(payload.sub).toBe('user_1');
    expect(protectedHeader.alg).toBe(alg);
    const published = await keys.publicKeys();
    expect(published).toHaveLength(2);
    for (const jwk of published) {
      expect(jwk.alg).toBe(alg);
      for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
    }
    // A token signed by some other key with the same kid does not verify.
    const impostor = await new SignJWT({})
      .setProtectedHeader({ alg, kid: active.kid })
      .setSubject('user_1')
      .sign(await generatePrivateKey(alg));
    await expect(verify(impostor, keys, clock.now())).rejects.toThrow(/signature/);
  });
});

describe('key ring over SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-key-ring-'));
  let storage: SqlStorage;
  let store: SqlSigningKeyStore;
  let clock: ManualClock;
  const rings: KeyRing[] = [];
  const make = (options: Partial<KeyRingOptions> = {}) => {
    const keys = ring(store, clock, options);
    rings.push(keys);
    return keys;
  };

  beforeAll(async () => {
    storage = await createSqlStorage({ url: `sqlite:${join(dir, 'keys.db')}` });
    await storage.migrate();
    store = new SqlSigningKeyStore(storage.db, storage.dialect);
  });
  beforeEach(() => {
    clock = new ManualClock();
  });
  afterEach(async () => {
    for (const keys of rings.splice(0)) keys.stop();
    await storage.db.deleteFrom('signing_keys').execute();
    await storage.db.deleteFrom('rs256_signing_keys').execute();
  });
  afterAll(async () => {
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = () => storage.db.selectFrom('signing_keys').selectAll().execute();

  it('ensure creates an active and a next key once, whose kids are their thumbprints', async () => {
    const keys = make();
    await keys.ensure();
    await keys.ensure();
    await make().ensure();
    const stored = await store.list();
    expect(statuses(stored)).toEqual(['active', 'next']);
    for (const key of stored) {
      expect(key.alg).toBe('ES256');
      const { kid, alg, use, ...members } = key.publicJwk;
      expect(kid).toBe(await calculateJwkThumbprint(members as JWK));
      expect([alg, use]).toEqual(['ES256', 'sig']);
    }
    expect((await keys.active()).kid).toBe(stored.find((key) => key.status === 'active')?.kid);
    expect((await keys.publicKeys()).map((jwk) => jwk.kid)).toEqual(
      ['active', 'next'].map((status) => stored.find((key) => key.status === status)?.kid),
    );
  });

  it('stores no private key material in the clear', async () => {
    for (const alg of ALGORITHMS) {
      await make({ algorithm: alg }).rotate();
      clock.advance(MINUTE);
    }
    const keys = make();
    await keys.ensure();
    const privateKeys = [(await keys.active()).privateKey];
    for (const row of await rows()) {
      const opened = openPrivateKey(ENCRYPTION_KEY, row.kid, row.sealed_private_key);
      privateKeys.push(opened);
      const text = JSON.stringify(row);
      expect(text).not.toMatch(/PRIVATE KEY|BEGIN/);
      expect(row.sealed_private_key).toMatch(
        /^v2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
      );
      const publicJwk = JSON.parse(row.public_jwk) as Record<string, unknown>;
      for (const member of PRIVATE_MEMBERS) expect(publicJwk).not.toHaveProperty(member);
      const der = opened.export({ format: 'der', type: 'pkcs8' });
      const jwk = opened.export({ format: 'jwk' });
      for (const secret of [
        der.toString('base64'),
        der.toString('base64url'),
        der.toString('hex'),
        jwk.d,
        jwk.d && Buffer.from(jwk.d, 'base64url').toString('hex'),
        jwk.d && Buffer.from(jwk.d, 'base64url').toString('base64'),
        jwk.p,
        jwk.q,
      ]) {
        if (secret !== undefined) expect(text).not.toContain(secret);
      }
    }
    expect(privateKeys.length).toBeGreaterThan(4);
  });

  it('refuses to start with another secret, or when a stored key was altered or swapped', async () => {
    await make().ensure();
    const other = make({
      encryptionKey: deriveKey('a-different-master-secret-0123456789abcdef', 'signing-keys'),
    });
    await expect(other.ensure()).rejects.toThrow(KeyDecryptionError);
    await expect(other.ensure()).rejects.toThrow(/GATEHOUSE_SECRET/);
    await expect(other.active()).rejects.toThrow(KeyDecryptionError);

    const [first, second] = await rows();
    if (first === undefined || second === undefined) throw new Error('expected two keys');
    const restore = async () => {
      for (const row of [first, second])
        await storage.db.updateTable('signing_keys').set(row).where('kid', '=', row.kid).execute();
    };
    const parts = first.sealed_private_key.split('.');
    const ciphertext = Buffer.from(parts[2] ?? '', 'base64url');
    ciphertext[5] = (ciphertext[5] ?? 0) ^ 0x40;
    const tampered = [parts[0], parts[1], ciphertext.toString('base64url'), parts[3]].join('.');
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        'altered ciphertext',
        () =>
          storage.db
            .updateTable('signing_keys')
            .set({ sealed_private_key: tampered })
            .where('kid', '=', first.kid)
            .execute(),
        /Cannot decrypt signing key/,
      ],
      [
        'sealed keys swapped between rows',
        async () => {
          await storage.db
            .updateTable('signing_keys')
            .set({ sealed_private_key: second.sealed_private_key })
            .where('kid', '=', first.kid)
            .execute();
          await storage.db
            .updateTable('signing_keys')
            .set({ sealed_private_key: first.sealed_private_key })
            .where('kid', '=', second.kid)
            .execute();
        },
        /Cannot decrypt signing key/,
      ],
      [
        'a public key that is not the private one',
        async () => {
          const foreign = await publicJwkOf(await generatePrivateKey('ES256'), 'ES256');
          await storage.db
            .updateTable('signing_keys')
            .set({ public_jwk: JSON.stringify({ ...foreign, kid: first.kid }) })
            .where('kid', '=', first.kid)
            .execute();
        },
        /does not match/,
      ],
      [
        'an algorithm that does not fit the key',
        async () => {
          const jwk = { ...(JSON.parse(first.public_jwk) as object), alg: 'RS256' };
          await storage.db
            .updateTable('signing_keys')
            .set({ alg: 'RS256', public_jwk: JSON.stringify(jwk) })
            .where('kid', '=', first.kid)
            .execute();
        },
        /not an RS256 key/,
      ],
    ];
    for (const [what, alter, error] of cases) {
      await alter();
      await expect(make().ensure(), what).rejects.toThrow(error);
      await restore();
    }
    await expect(make().ensure()).resolves.toBeUndefined();
  });

  it('rotates end to end: the old key verifies until its tokens expire, new tokens use the new kid', async () => {
    const keys = make();
    const verifier = make();
    await keys.ensure();
    const original = await keys.active();
    const nextBefore = (await keys.list()).find((key) => key.status === 'next')?.kid;

    expect((await keys.maybeRotate()).action).toBe('none');
    clock.advance(30 * DAY - MINUTE);
    expect((await keys.maybeRotate()).action).toBe('none');
    const oldToken = await sign(keys, clock, 'before');
    expect(decodeProtectedHeader(oldToken).kid).toBe(original.kid);
    await expect(verify(oldToken, verifier, clock.now())).resolves.toBeDefined();

    clock.advance(MINUTE);
    expect(await keys.maybeRotate()).toEqual({ action: 'rotate', applied: true, removed: 0 });
    const rotatedAt = clock.now();
    const current = await keys.active();
    expect(current.kid).toBe(nextBefore);
    const newToken = await sign(keys, clock, 'after');
    expect(decodeProtectedHeader(newToken).kid).toBe(current.kid);

    const listed = await keys.list();
    expect(statuses(listed as SigningKeyRecord[])).toEqual(['active', 'next', 'retired']);
    const retired = listed.find((key) => key.status === 'retired');
    expect(retired).toMatchObject({
      kid: original.kid,
      retiredAt: rotatedAt,
      removeAfter: rotatedAt + LIFETIME + MINUTE + 30_000,
    });

    // Another node picks the rotation up within its reload interval, or at once on demand.
    expect((await verifier.publicKeys()).map((jwk) => jwk.kid)).toContain(original.kid);
    clock.advance(30_000);
    expect((await verifier.active()).kid).toBe(current.kid);
    expect((await verifier.publicKeys()).map((jwk) => jwk.kid)).toHaveLength(3);
    await expect(verify(oldToken, verifier, clock.now())).resolves.toBeDefined();
    await expect(verify(newToken, verifier, clock.now())).resolves.toBeDefined();

    // Until removeAfter the retired key stays; from then on it is gone, from the JWKS and the store.
    clock.set((retired?.removeAfter ?? 0) - 1);
    expect((await keys.maybeRotate()).removed).toBe(0);
    expect((await keys.publicKeys()).map((jwk) => jwk.kid)).toContain(original.kid);
    clock.advance(1);
    expect((await keys.publicKeys()).map((jwk) => jwk.kid)).not.toContain(original.kid);
    expect(await keys.maybeRotate()).toEqual({ action: 'none', applied: true, removed: 1 });
    expect((await store.list()).map((key) => key.kid)).not.toContain(original.kid);
    const issuedAt = rotatedAt - MINUTE;
    await expect(verify(oldToken, keys, issuedAt)).rejects.toThrow(/no applicable key|matching/i);
    await expect(verify(newToken, keys, rotatedAt)).resolves.toBeDefined();
    expect(await keys.publicKeys()).toHaveLength(2);
  });

  it('a second connection to the file (the CLI beside the server) rotates; the server picks it up', async () => {
    const server = make();
    await server.ensure();
    const before = await server.active();
    const cli = await createSqlStorage({ url: `sqlite:${join(dir, 'keys.db')}` });
    try {
      const result = await ring(new SqlSigningKeyStore(cli.db, cli.dialect), clock).rotate();
      expect(result).toMatchObject({ rotated: true, retired: before.kid });
      expect((await server.active()).kid).toBe(before.kid);
      await server.reload();
      expect((await server.active()).kid).toBe(result.active);
    } finally {
      await cli.close();
    }
  });

  it('a new algorithm reaches the next key at the next rotation, and signs one rotation later', async () => {
    const es = make({ algorithm: 'ES256' });
    await es.ensure();
    const ed = make({ algorithm: 'EdDSA' });
    await ed.ensure();
    expect((await ed.active()).alg).toBe('ES256');
    clock.advance(30 * DAY);
    expect((await ed.maybeRotate()).action).toBe('rotate');
    expect((await ed.active()).alg).toBe('ES256');
    const algs = Object.fromEntries((await ed.list()).map((key) => [key.status, key.alg]));
    expect(algs).toEqual({ retired: 'ES256', active: 'ES256', next: 'EdDSA' });
    clock.advance(30 * DAY);
    await ed.maybeRotate();
    const active = await ed.active();
    expect(active.alg).toBe('EdDSA');
    await expect(verify(await sign(ed, clock), es, clock.now() + 30_000)).resolves.toBeDefined();
  });

  it('concurrent first starts and rotations on two nodes leave exactly one active and one next key', async () => {
    const a = make();
    const b = make();
    await Promise.all([a.ensure(), b.ensure()]);
    expect(statuses(await store.list())).toEqual(['active', 'next']);
    expect((await a.active()).kid).toBe((await b.active()).kid);

    clock.advance(31 * DAY);
    const results = await Promise.all([a.maybeRotate(), b.maybeRotate()]);
    expect(results.filter((result) => result.action === 'rotate' && result.applied)).toHaveLength(1);
    expect(statuses(await store.list())).toEqual(['active', 'next', 'retired']);
    expect((await a.active()).kid).toBe((await b.active()).kid);

    await Promise.all([a.rotate(), b.rotate(), a.maybeRotate(), b.maybeRotate()]);
    const after = await store.list();
    expect(after.filter((key) => key.status === 'active')).toHaveLength(1);
    expect(after.filter((key) => key.status === 'next')).toHaveLength(1);
  });

  it('issue 15 #9: an RS256 ring beside the ES256 one, created, published, sealed and rotated alike on two nodes', async () => {
    const rsStore = new SqlSigningKeyStore(storage.db, storage.dialect, 'rs256_signing_keys');
    const a = make({ rs256Store: rsStore });
    const b = make({ rs256Store: rsStore });
    await Promise.all([a.ensure(), b.ensure()]);
    const rsRows = () => storage.db.selectFrom('rs256_signing_keys').selectAll().execute();
    expect(statuses(await store.list())).toEqual(['active', 'next']);
    expect(statuses(await rsStore.list())).toEqual(['active', 'next']);
    expect((await rsStore.list()).every((key) => key.alg === 'RS256')).toBe(true);
    expect((await a.active()).alg).toBe('ES256');
    const rsActive = await a.rs256?.active();
    expect(rsActive?.alg).toBe('RS256');
    expect((await b.rs256?.active())?.kid).toBe(rsActive?.kid);
    // Sealed like the others: no private member or PEM in the row.
    for (const row of await rsRows()) {
      expect(row.sealed_private_key).toMatch(/^v2\./);
      expect(row.sealed_private_key).not.toContain('PRIVATE KEY');
      for (const member of PRIVATE_MEMBERS) expect(JSON.parse(row.public_jwk)).not.toHaveProperty(member);
    }
    // Published with the ES256 keys; the engine gets both active keys first.
    expect((await b.publicKeys()).map((jwk) => jwk.kid).sort()).toEqual(
      [...(await store.list()), ...(await rsStore.list())].map((key) => key.kid).sort(),
    );
    const signing = await a.signingKeys();
    expect(signing.keys.slice(0, 2).map((key) => key.kid)).toEqual([(await a.active()).kid, rsActive?.kid]);
    const rsToken = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: rsActive?.kid ?? '' })
      .setIssuedAt(Math.floor(clock.now() / 1000))
      .sign(rsActive?.privateKey as KeyObject);
    await expect(verify(rsToken, b, clock.now())).resolves.toBeDefined();

    // Both rings rotate on schedule, once across the two nodes; the other node picks it up.
    const rsNext = (await rsStore.list()).find((key) => key.status === 'next')?.kid;
    clock.advance(31 * DAY);
    const results = await Promise.all([a.maybeRotate(), b.maybeRotate()]);
    expect(results.filter((result) => result.action === 'rotate' && result.applied)).toHaveLength(1);
    expect(statuses(await rsStore.list())).toEqual(['active', 'next', 'retired']);
    await b.reload();
    expect((await a.rs256?.active())?.kid).toBe(rsNext);
    expect((await b.rs256?.active())?.kid).toBe(rsNext);
    await expect(verify(rsToken, b, clock.now())).resolves.toBeDefined();
    // Manual rotation (`gatehouse keys rotate`) turns both rings; `list` shows both.
    const rotated = await a.rotate();
    expect(rotated.rotated).toBe(true);
    expect(rotated.rs256).toMatchObject({ rotated: true, retired: rsNext });
    expect((await a.list()).filter((key) => key.status === 'active').map((key) => key.alg)).toEqual([
      'ES256',
      'RS256',
    ]);
    // A ring whose own algorithm is RS256 needs no second one.
    expect(make({ algorithm: 'RS256', rs256Store: rsStore }).rs256).toBeUndefined();
  });

  it('repairs a ring that lost keys: promotes a published next key, adds a missing next key', async () => {
    const keys = make();
    await keys.ensure();
    const before = await store.list();
    const next = before.find((key) => key.status === 'next');
    await storage.db.deleteFrom('signing_keys').where('status', '=', 'active').execute();
    clock.advance(MINUTE);
    await keys.ensure();
    expect((await keys.active()).kid).toBe(next?.kid);
    expect(statuses(await store.list())).toEqual(['active', 'next']);

    // A next key made just now is not activated before it has been published for minPublishMs.
    await storage.db.deleteFrom('signing_keys').where('status', '=', 'next').execute();
    clock.advance(40 * DAY);
    expect(await keys.maybeRotate()).toMatchObject({ action: 'add-next', applied: true });
    expect((await keys.maybeRotate()).action).toBe('none');
    clock.advance(10 * MINUTE);
    expect((await keys.maybeRotate()).action).toBe('rotate');
  });

  it('issue 25 #1: revoke takes a key out of the JWKS at once; a revoked active key is replaced by the next key, which signs now', async () => {
    const keys = make();
    const other = make(); // another node, its cache loaded before the revocation
    await keys.ensure();
    await other.ensure();
    const before = keyRingState(await store.list());
    const result = await keys.revoke(before.active!.kid);
    expect(result).toMatchObject({ revoked: true, previousStatus: 'active', active: before.next!.kid });
    expect((await keys.active()).kid).toBe(before.next!.kid);
    expect((await keys.publicKeys()).map((key) => key.kid)).not.toContain(before.active!.kid);
    expect((await keys.signingKeys()).keys.map((key) => key.kid)).not.toContain(before.active!.kid);
    expect(statuses(await store.list())).toEqual(['active', 'next', 'revoked']);
    // The other node signs with the revoked key until it reloads (the server does so on the `kid` entry).
    expect((await other.active()).kid).toBe(before.active!.kid);
    await other.reload();
    expect((await other.active()).kid).toBe(before.next!.kid);

    const next = keyRingState(await store.list()).next!;
    expect(await keys.revoke(next.kid)).toMatchObject({ revoked: true, previousStatus: 'next' });
    expect(keyRingState(await store.list()).next?.kid).not.toBe(next.kid);
    expect(await keys.revoke(next.kid)).toMatchObject({ revoked: false });
    expect(await keys.revoke('no-such-kid')).toBeUndefined();
  });

  it('active() reloads a stale cache itself and completes an emptied ring', async () => {
    const keys = make();
    await keys.ensure();
    await storage.db.deleteFrom('signing_keys').execute();
    expect((await keys.active()).kid).toBeDefined(); // cached
    clock.advance(30_000);
    const fresh = await keys.active();
    expect((await store.list()).map((key) => key.kid)).toContain(fresh.kid);
  });
});

describe('timer', () => {
  it('start() runs maintenance every reloadIntervalMs until stop(), reporting failures', async () => {
    const store = new MemorySigningKeyStore();
    const errors: unknown[] = [];
    let lists = 0;
    let failing = false;
    const counting: SigningKeyStore = {
      list: async () => {
        lists += 1;
        if (failing) throw new Error('database down');
        return store.list();
      },
      insert: (keys) => store.insert(keys),
      rotate: (rotation) => store.rotate(rotation),
      deleteRemovable: (now) => store.deleteRemovable(now),
      replaceSealedKey: (kid, expected, sealed) => store.replaceSealedKey(kid, expected, sealed),
      revoke: (kid, at, removeAfter) => store.revoke(kid, at, removeAfter),
    };
    const keys = createKeyRing({
      store: counting,
      encryptionKey: ENCRYPTION_KEY,
      maxTokenLifetimeMs: LIFETIME,
      reloadIntervalMs: 25,
      onError: (error) => errors.push(error),
    });
    keys.start();
    keys.start();
    await vi.waitFor(() => expect(lists).toBeGreaterThanOrEqual(3), { timeout: 2000 });
    expect(statuses(await store.list())).toEqual(['active', 'next']);
    failing = true;
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 2000 });
    expect(String(errors[0])).toMatch(/database down/);
    keys.stop();
    const stoppedAt = lists;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lists).toBe(stoppedAt);
  });

  it('rejects a bad configuration up front', () => {
    const store = new MemorySigningKeyStore();
    const base = { store, encryptionKey: ENCRYPTION_KEY, maxTokenLifetimeMs: LIFETIME };
    expect(() => createKeyRing({ ...base, encryptionKey: randomBytes(31) })).toThrow(/32 bytes/);
    expect(() => createKeyRing({ ...base, algorithm: 'HS256' as SigningAlgorithm })).toThrow(/unsupported/);
    expect(() => createKeyRing({ ...base, reloadIntervalMs: 0 })).toThrow(/reloadIntervalMs/);
    expect(() => createKeyRing({ ...base, maxTokenLifetimeMs: -1 })).toThrow(/maxTokenLifetimeMs/);
  });
});

describe('gatehouse keys (CLI commands)', () => {
  it('lists keys and rotates, as text and as JSON', async () => {
    const clock = new ManualClock();
    const keys = ring(new MemorySigningKeyStore(), clock);
    await keys.ensure();
    const auditLog = new MemoryAuditLog();
    const revokedKids: string[] = [];
    const commands = signingKeyCommands({
      keyRing: keys,
      tokens: { keyRevoked: async (kid: string) => void revokedKids.push(kid) },
      audit: new AuditTrail(auditLog, clock),
    });
    const open = (async (task: (c: Commands, g: Gatehouse) => Promise<unknown>) =>
      task(commands as Commands, {} as Gatehouse)) as typeof withCommands;
    const run = async (...args: string[]) => {
      const program = new Command('gatehouse').exitOverride();
      registerKeyCommands(program, open);
      const out: string[] = [];
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        out.push(String(chunk));
        return true;
      });
      try {
        await program.parseAsync(['node', 'gatehouse', ...args]);
      } finally {
        spy.mockRestore();
      }
      return out.join('');
    };

    const listed = JSON.parse(await run('keys', 'list', '--json')) as Record<string, unknown>[];
    expect(listed.map((key) => key.status)).toEqual(['active', 'next']);
    expect(listed[0]).toEqual({
      kid: (await keys.active()).kid,
      alg: 'ES256',
      status: 'active',
      created_at: new Date(clock.now()).toISOString(),
      activated_at: new Date(clock.now()).toISOString(),
      retired_at: null,
      remove_after: null,
    });
    expect(await run('keys', 'list')).toMatch(/ES256 {2}active +created 2026-01-01T00:00:00.000Z/);

    const before = await keys.active();
    const rotated = JSON.parse(await run('keys', 'rotate', '--json')) as Record<string, unknown>;
    expect(rotated).toMatchObject({ rotated: true, retired: before.kid, active: listed[1]?.kid });
    expect((await keys.active()).kid).toBe(listed[1]?.kid);
    expect(await run('keys', 'rotate')).toMatch(/^rotated: .+ signs now/);
    const text = await run('keys', 'list');
    expect(text.trim().split('\n')).toHaveLength(4);
    expect(text).toMatch(/retired {2}created .+ remove after /);

    // Rotations and a revocation are audited, the same events the admin API writes.
    const active = (await keys.active()).kid;
    expect(await run('keys', 'revoke', active)).toMatch(new RegExp(`^revoked ${active} \\(was active\\)`));
    expect(revokedKids).toEqual([active]);
    const types = (await auditLog.list({ limit: 10 })).map((event) => event.type);
    expect(types.sort()).toEqual(['signing_key.revoked', 'signing_key.rotated', 'signing_key.rotated']);
  });
});

const postgresUrl = await postgresUrlOrSkip();

describe.skipIf(postgresUrl === undefined)('key ring over PostgreSQL, two nodes with their own pools', () => {
  const schema = `gh_test_keyring_${randomId(6)}`;
  const nodes: SqlStorage[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) nodes.push(await createSqlStorage({ url: postgresUrl ?? '', schema }));
    await nodes[0]?.migrate();
  });
  afterAll(async () => {
    for (const node of nodes) await node.close();
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it('concurrent starts and rotations leave exactly one active and one next key', async () => {
    const clock = new ManualClock();
    const [a, b] = nodes.map((node) => ring(new SqlSigningKeyStore(node.db, node.dialect), clock)) as [
      KeyRing,
      KeyRing,
    ];
    const store = new SqlSigningKeyStore(nodes[0]!.db, 'postgres');
    await Promise.all([a.ensure(), b.ensure(), a.ensure(), b.ensure()]);
    expect(statuses(await store.list())).toEqual(['active', 'next']);

    for (let round = 1; round <= 3; round++) {
      clock.advance(31 * DAY);
      const results = await Promise.all([a.maybeRotate(), b.maybeRotate(), a.maybeRotate(), b.maybeRotate()]);
      expect(results.filter((result) => result.action === 'rotate' && result.applied)).toHaveLength(1);
      const keys = await store.list();
      expect(keys.filter((key) => key.status === 'active')).toHaveLength(1);
      expect(keys.filter((key) => key.status === 'next')).toHaveLength(1);
      // The earlier retired keys are past removeAfter by now and were deleted.
      expect(statuses(keys)).toEqual(['active', 'next', 'retired']);
      expect((await a.active()).kid).toBe((await b.active()).kid);
    }
    const token = await sign(a, clock);
    await expect(verify(token, b, clock.now())).resolves.toBeDefined();
  });

  it('issue 15 #9: the RS256 ring beside it is shared the same way: one active and one next key', async () => {
    const clock = new ManualClock();
    const [a, b] = nodes.map((node) =>
      ring(new SqlSigningKeyStore(node.db, node.dialect), clock, {
        rs256Store: new SqlSigningKeyStore(node.db, node.dialect, 'rs256_signing_keys'),
      }),
    ) as [KeyRing, KeyRing];
    const rsStore = new SqlSigningKeyStore(nodes[0]!.db, 'postgres', 'rs256_signing_keys');
    await Promise.all([a.ensure(), b.ensure(), a.ensure(), b.ensure()]);
    expect(statuses(await rsStore.list())).toEqual(['active', 'next']);
    for (let round = 1; round <= 2; round++) {
      clock.advance(31 * DAY);
      await Promise.all([a.maybeRotate(), b.maybeRotate(), a.rotate(), b.maybeRotate()]);
      const keys = await rsStore.list();
      expect(keys.filter((key) => key.status === 'active')).toHaveLength(1);
      expect(keys.filter((key) => key.status === 'next')).toHaveLength(1);
      await a.reload();
      await b.reload();
      expect((await a.rs256?.active())?.kid).toBe((await b.rs256?.active())?.kid);
    }
  });
});
