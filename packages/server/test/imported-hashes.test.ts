import { describe, expect, it } from 'vitest';
import { Argon2Hasher } from '../src/argon2-hasher.ts';
import { toStoredHash } from '../src/passwords/hash-input.ts';

// Published vectors, one table per source; each row's password verifies through the node's
// hasher (as at login), a wrong one does not, and every imported form asks to be upgraded.
const hasher = new Argon2Hasher({ memoryKib: 19_456, timeCost: 2, parallelism: 1 }, 2);

const rfc7914Key = Buffer.from(
  '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d',
  'hex',
);
const firebaseSample = {
  signerKey: Buffer.from(
    'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
    'base64',
  ),
  saltSeparator: Buffer.from('Bw==', 'base64'),
  rounds: 8,
  memCost: 14,
};

const vectors: { source: string; input: unknown; password: string; firebase?: typeof firebaseSample }[] = [
  // OpenBSD/Openwall bcrypt test vectors; 2a, 2b and 2y name the same function.
  {
    source: 'bcrypt $2a$',
    input: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    password: 'U*U',
  },
  {
    source: 'bcrypt $2b$',
    input: '$2b$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK',
    password: 'U*U*',
  },
  {
    source: 'bcrypt $2y$',
    input: '$2y$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a',
    password: 'U*U*U',
  },
  // phc-winner-argon2 src/test.c
  {
    source: 'argon2id PHC',
    input: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    password: 'password',
  },
  {
    source: 'argon2i PHC',
    input: '$argon2i$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$sDV8zPvvkfOGCw26RHsjSMvv7K2vmQq/6cxAcmxSEnE',
    password: 'password',
  },
  // Django's own test of its PBKDF2 hasher (3.2 iteration count).
  {
    source: 'Django pbkdf2_sha256',
    input: 'pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=',
    password: 'lètmein',
  },
  // RFC 7914 §11's PBKDF2-HMAC-SHA256 vector, as a Keycloak realm export writes a credential.
  {
    source: 'Keycloak pbkdf2-sha256 (realm export)',
    input: {
      type: 'password',
      secretData: JSON.stringify({
        value: rfc7914Key.toString('base64'),
        salt: Buffer.from('NaCl').toString('base64'),
        additionalParameters: {},
      }),
      credentialData: JSON.stringify({
        hashIterations: 80000,
        algorithm: 'pbkdf2-sha256',
        additionalParameters: {},
      }),
    },
    password: 'Password',
  },
  {
    source: 'Keycloak pbkdf2-sha256 (flat)',
    input: {
      algorithm: 'pbkdf2-sha256',
      hashIterations: 80000,
      value: rfc7914Key.toString('base64'),
      salt: Buffer.from('NaCl').toString('base64'),
    },
    password: 'Password',
  },
  // The argon2 reference vector above, as Keycloak's argon2 provider stores a credential.
  {
    source: 'Keycloak argon2 (realm export)',
    input: {
      type: 'password',
      secretData: JSON.stringify({
        value: Buffer.from('CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', 'base64').toString('base64'),
        salt: Buffer.from('somesalt').toString('base64'),
        additionalParameters: {},
      }),
      credentialData: JSON.stringify({
        hashIterations: 2,
        algorithm: 'argon2',
        additionalParameters: {
          hashLength: ['32'],
          memory: ['65536'],
          type: ['id'],
          version: ['1.3'],
          parallelism: ['1'],
        },
      }),
    },
    password: 'password',
  },
  // github.com/firebase/scrypt README: the sample project parameters and user.
  {
    source: 'Firebase scrypt (parameters given as options)',
    input: {
      algorithm: 'firebase-scrypt',
      hash: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
      salt: '42xEC+ixf3L2lw==',
    },
    password: 'user1password',
    firebase: firebaseSample,
  },
  {
    source: 'Firebase scrypt (parameters in the row)',
    input: {
      algorithm: 'firebase-scrypt',
      hash: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
      salt: '42xEC+ixf3L2lw==',
      signer_key: firebaseSample.signerKey.toString('base64'),
      salt_separator: 'Bw==',
      rounds: 8,
      mem_cost: 14,
    },
    password: 'user1password',
  },
];

describe('imported password hashes', () => {
  for (const vector of vectors) {
    it(`${vector.source}: the published password verifies, a wrong one does not, and it is upgraded`, async () => {
      const result = toStoredHash(vector.input, vector.firebase);
      if (!result.ok) throw new Error(result.detail);
      expect(await hasher.verify(result.stored, vector.password)).toBe(true);
      expect(await hasher.verify(result.stored, `${vector.password}x`)).toBe(false);
      expect(await hasher.verify(result.stored, '')).toBe(false);
      expect(hasher.needsRehash(result.stored)).toBe(true);
    });
  }

  it('stores self-describing forms: bcrypt and argon2 as given, PBKDF2 and Firebase as PHC strings', () => {
    const stored = vectors.map((v) => {
      const r = toStoredHash(v.input, v.firebase);
      return r.ok ? r.stored : r.detail;
    });
    expect(stored[0]).toBe(vectors[0]!.input);
    expect(stored[3]).toBe(vectors[3]!.input);
    expect(stored[5]).toBe('$pbkdf2-sha256$i=260000$c2Vhc2FsdA$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo');
    expect(stored[6]).toBe(
      `$pbkdf2-sha256$i=80000$TmFDbA$${rfc7914Key.toString('base64').replace(/=+$/, '')}`,
    );
    expect(stored[8]).toBe(vectors[3]!.input);
    expect(stored[9]).toMatch(
      /^\$firebase-scrypt\$m=14,r=8,ss=Bw,sk=jxspr8Ki[^$]+\$42xEC\+ixf3L2lw\$lSrfV15c/,
    );
    expect(stored[9]).toBe(stored[10]);
  });

  it('a hash of its own current parameters is not upgraded; one of other parameters is', async () => {
    const own = await hasher.hash('correct horse battery staple');
    expect(hasher.needsRehash(own)).toBe(false);
    expect(await hasher.verify(own, 'correct horse battery staple')).toBe(true);
    expect(hasher.needsRehash(vectors[3]!.input as string)).toBe(true);
  });

  it.each([
    ['md5 crypt', '$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0', 'unknown_hash_format'],
    ['Django sha1', 'sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8', 'unknown_hash_format'],
    ['plain text', 'hunter2', 'unknown_hash_format'],
    ['a number', 42, 'unknown_hash_format'],
    [
      'Keycloak pbkdf2-sha512',
      { algorithm: 'pbkdf2-sha512', hashIterations: 1, value: 'AA', salt: 'AA' },
      'unknown_hash_format',
    ],
    ['bcrypt of cost 31', '$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'invalid_hash'],
    ['truncated bcrypt', '$2b$10$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0Xo', 'invalid_hash'],
    [
      'argon2 of 4 GiB',
      '$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
      'invalid_hash',
    ],
    ['Django with a short key', 'pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjA', 'invalid_hash'],
    [
      'Keycloak with 0 iterations',
      { algorithm: 'pbkdf2-sha256', hashIterations: 0, value: rfc7914Key.toString('base64'), salt: 'AA==' },
      'invalid_hash',
    ],
    ['Keycloak secretData not JSON', { secretData: '{', credentialData: '{}' }, 'invalid_hash'],
    [
      'Firebase with mem_cost 15',
      {
        algorithm: 'firebase-scrypt',
        hash: 'AA==',
        salt: 'AA==',
        signer_key: 'AA==',
        salt_separator: 'Bw==',
        rounds: 8,
        mem_cost: 15,
      },
      'invalid_hash',
    ],
    [
      'Firebase without parameters',
      { algorithm: 'firebase-scrypt', hash: 'AA==', salt: 'AA==' },
      'invalid_hash',
    ],
  ])('refuses %s at import (%s)', (_name, input, reason) => {
    const result = toStoredHash(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toBe(reason);
  });

  it('IMP-01 (in process): a wrong password against a cheap imported hash takes as long as against a native one', async () => {
    // Interleaved, so that load on the machine falls on both alike; without the padding the
    // bcrypt side takes a few per cent of the argon2 side, with it about as long.
    const native = await hasher.hash('a native password of some length');
    const cheap = toStoredHash('$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW');
    if (!cheap.ok) throw new Error(cheap.detail);
    await hasher.verify(cheap.stored, 'warm-up');
    const time = async (stored: string) => {
      const start = performance.now();
      expect(await hasher.verify(stored, 'not the password')).toBe(false);
      return performance.now() - start;
    };
    const ratios: number[] = [];
    for (let i = 0; i < 15; i++) ratios.push((await time(cheap.stored)) / (await time(native)));
    ratios.sort((a, b) => a - b);
    expect(ratios[7]).toBeGreaterThan(0.6);
  });

  it('never authenticates against a stored string it does not recognise', async () => {
    expect(await hasher.verify('$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0', 'password')).toBe(false);
    expect(await hasher.verify('$pbkdf2-sha256$i=0$AA$AA', 'password')).toBe(false);
    expect(await hasher.verify('', '')).toBe(false);
  });
});
