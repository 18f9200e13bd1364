/**
 * Checklist §3 (JWT validation) at the guard level: every refusal is a 401 `invalid_token` with a
 * generic Bearer challenge (or 400 `invalid_request` for a broken header), never a 5xx.
 */
import { createHash, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { createGuard, type Guard, type GuardError } from '@gatehouse/guard';
import { exportJWK, exportSPKI, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  bearer,
  makeKey,
  nowSeconds,
  refusal,
  SECRET,
  StubGatehouse,
} from './support/stub-gatehouse.ts';

let stub: StubGatehouse;
let guard: Guard;

beforeAll(async () => {
  stub = await StubGatehouse.start();
  guard = createGuard({
    issuer: stub.issuer,
    audience: AUDIENCE,
    introspectionSecret: SECRET,
    realm: 'notes',
  });
  await guard.ready();
});
afterAll(async () => {
  await guard.close();
  await stub.close();
});

const b64 = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');
const parts = (token: string) => token.split('.') as [string, string, string];
const claims = () => ({
  iss: stub.issuer,
  sub: 'user-1',
  aud: AUDIENCE,
  iat: nowSeconds(),
  exp: nowSeconds() + 300,
  jti: 'jti-1',
});

async function rejected(token: string): Promise<GuardError> {
  const error = await refusal(guard.authenticate(bearer(token)));
  expect(error.status).toBe(401);
  expect(error.code).toBe('invalid_token');
  const challenge = error.headers()['www-authenticate'] ?? '';
  expect(challenge).toMatch(/^Bearer realm="notes", error="invalid_token", error_description="[^"]+"$/);
  expect(challenge).not.toContain(token.slice(0, 20));
  expect(JSON.stringify(error.toProblem())).not.toContain(token.slice(0, 20));
  return error;
}

describe('a valid access token', () => {
  it('is accepted, with the principal and scopes from its claims', async () => {
    const auth = await guard.authenticate(bearer(await stub.mint()));
    expect(auth.method).toBe('bearer');
    expect(auth.principal).toMatchObject({
      subject: 'user-1',
      method: 'bearer',
      kind: 'user',
      sessionId: 'session-1',
    });
    expect(auth.scopes).toEqual(new Set(['notes:read']));
    expect(auth.permissions).toBeUndefined();
    expect(auth.can('notes:read')).toBe(false);
  });
});

describe('JWT-01 alg none, unsigned and tampered tokens', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])(
    'alg %s with an empty or junk signature is refused',
    async (alg) => {
      const header = b64(JSON.stringify({ alg, typ: 'at+jwt', kid: stub.key.kid }));
      const payload = b64(JSON.stringify(claims()));
      for (const signature of ['', 'AAAA']) await rejected(`${header}.${payload}.${signature}`);
    },
  );

  it('a flipped payload bit, a truncated signature and a grafted signature are refused', async () => {
    const [h, p, s] = parts(await stub.mint());
    const [, , other] = parts(await stub.mint({ sub: 'user-2' }));
    const payload = Buffer.from(p, 'base64url');
    payload[payload.length - 3] = (payload[payload.length - 3] ?? 0) ^ 1;
    expect((await rejected(`${h}.${b64(payload)}.${s}`)).reason).not.toBe('not_compact_jws');
    await rejected(`${h}.${p}.${s.slice(0, -4)}`);
    await rejected(`${h}.${p}.${other}`);
  });

  it('an unsupported or unlisted algorithm is refused', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: stub.key.kid })
      .sign(rsa.privateKey);
    expect((await rejected(token)).reason).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
    const made = stub.signRaw({ alg: 'ES999', typ: 'at+jwt', kid: stub.key.kid }, JSON.stringify(claims()));
    await rejected(made);
  });
});

describe('JWT-02 bad signatures and key confusion', () => {
  it('HS256/384/512 keyed with the public key (PEM, JWK text, DER, base64url x) are refused', async () => {
    const publicJwk = stub.key.jwk;
    const pem = await exportSPKI(createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' }));
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const secrets = [pem, JSON.stringify(publicJwk), der, String(publicJwk.x)];
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      for (const secret of secrets) {
        const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : new Uint8Array(secret);
        const token = await new SignJWT(claims())
          .setProtectedHeader({ alg, typ: 'at+jwt', kid: stub.key.kid })
          .sign(key);
        expect((await rejected(token)).reason).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
      }
    }
  });

  it('an ES256 signature of 64 zero bytes (CVE-2022-21449) is refused', async () => {
    const [h, p] = parts(await stub.mint());
    await rejected(`${h}.${p}.${b64(new Uint8Array(64))}`);
  });

  it('a token signed by another key under the real kid is refused', async () => {
    const attacker = await makeKey(stub.key.kid);
    expect((await rejected(await stub.mint({}, { key: attacker }))).reason).toBe(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    );
  });
});

describe('JWT-03 key material named in the header', () => {
  it('jwk, jku, x5u and x5c headers are refused before any key is looked at, and nothing is fetched', async () => {
    const attacker = await makeKey('attacker');
    const jwks = stub.jwksRequests;
    const headers = [
      { jwk: attacker.jwk },
      { jwk: attacker.jwk, kid: undefined },
      { jku: `${stub.url}/evil/jwks.json` },
      { x5u: `${stub.url}/evil/cert.pem` },
      { x5c: [b64(createHash('sha256').update('self-signed').digest())] },
    ];
    for (const header of headers) {
      const error = await rejected(await stub.mint({}, { header, key: attacker }));
      expect(error.reason).toBe('key_in_header');
    }
    expect(stub.evilRequests).toBe(0);
    expect(stub.jwksRequests).toBe(jwks);
  });
});

describe('JWT-05 time claims', () => {
  const now = () => nowSeconds();
  it.each([
    ['exp in the past beyond the skew', () => ({ exp: now() - 31 }), 'ERR_JWT_EXPIRED'],
    ['exp absent', () => ({ exp: undefined }), 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['exp as a string', () => ({ exp: String(now() + 300) }), 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['nbf two minutes ahead', () => ({ nbf: now() + 120 }), 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    [
      'iat two minutes ahead',
      () => ({ iat: now() + 120, exp: now() + 400 }),
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    ['iat absent', () => ({ iat: undefined }), 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
  ])('%s is refused', async (_name, overrides, reason) => {
    expect((await rejected(await stub.mint(overrides()))).reason).toBe(reason);
  });

  it('skew within the 30 s tolerance is accepted', async () => {
    await expect(
      guard.authenticate(bearer(await stub.mint({ exp: now() - 20, iat: now() - 200 }))),
    ).resolves.toBeDefined();
    await expect(guard.authenticate(bearer(await stub.mint({ iat: now() + 20 })))).resolves.toBeDefined();
  });
});

describe('JWT-06 issuer and audience', () => {
  it.each([
    ['iss evil', { iss: 'https://evil.test' }],
    ['iss with a trailing slash', { iss: 'ISSUER/' }],
    ['iss absent', { iss: undefined }],
    ['aud of another resource server', { aud: 'https://other.test' }],
    ['aud absent', { aud: undefined }],
    ['aud ["other"]', { aud: ['other'] }],
  ])('%s is refused', async (_name, overrides) => {
    const fixed = Object.fromEntries(
      Object.entries(overrides).map(([k, v]) => [k, v === 'ISSUER/' ? `${stub.issuer}/` : v]),
    );
    await rejected(await stub.mint(fixed));
  });

  it('an aud list that contains this resource server is accepted', async () => {
    await expect(
      guard.authenticate(bearer(await stub.mint({ aud: ['other', AUDIENCE] }))),
    ).resolves.toBeDefined();
  });
});

describe('JWT-07 token confusion: only at+jwt access tokens', () => {
  it.each([
    ['typ JWT (an ID token)', { typ: 'JWT' }],
    ['no typ', { typ: undefined }],
    ['typ logout+jwt', { typ: 'logout+jwt' }],
    ['typ application/jwt', { typ: 'application/jwt' }],
  ])('%s is refused', async (_name, header) => {
    expect((await rejected(await stub.mint({}, { header }))).reason).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it.each(['nonce', 'at_hash', 'c_hash'])(
    'an at+jwt carrying the ID-token claim %s is refused',
    async (claim) => {
      expect((await rejected(await stub.mint({ [claim]: 'x' }))).reason).toBe('id_token');
    },
  );

  it('typ application/at+jwt and AT+JWT are accepted (RFC 9068 §4)', async () => {
    for (const typ of ['application/at+jwt', 'AT+JWT', 'Application/AT+JWT'])
      await expect(
        guard.authenticate(bearer(await stub.mint({}, { header: { typ } }))),
      ).resolves.toBeDefined();
  });
});

describe('JWT-08 access-token shape (checklist) and key selection', () => {
  it.each([
    ['sub absent', { sub: undefined }],
    ['jti absent', { jti: undefined }],
    ['sub not a string', { sub: 42 }],
    ['a lifetime over 15 minutes', { exp: nowSeconds() + 3600 }],
    ['scope not a string', { scope: ['notes:read'] }],
  ])('%s is refused', async (_name, overrides) => {
    await rejected(await stub.mint(overrides));
  });

  it('a kid absent from the JWKS is refused', async () => {
    const other = await makeKey('not-published');
    expect((await rejected(await stub.mint({}, { key: other }))).reason).toBe('ERR_JWKS_NO_MATCHING_KEY');
  });
});

describe('JWT-09 (checklist) crit and duplicate members', () => {
  it('a crit header naming an unknown extension is refused', async () => {
    const header = {
      alg: 'ES256',
      typ: 'at+jwt',
      kid: stub.key.kid,
      crit: ['urn:x-unknown'],
      'urn:x-unknown': 1,
    };
    expect((await rejected(stub.signRaw(header, JSON.stringify(claims())))).reason).toBe(
      'ERR_JOSE_NOT_SUPPORTED',
    );
  });

  it('duplicate sub members are read consistently as the last one', async () => {
    const body = JSON.stringify(claims()).replace('"sub":"user-1"', '"sub":"user-2","sub":"user-1"');
    const token = stub.signRaw({ alg: 'ES256', typ: 'at+jwt', kid: stub.key.kid }, body);
    const auth = await guard.authenticate(bearer(token));
    expect(auth.principal.subject).toBe('user-1');
    expect(auth.token?.sub).toBe('user-1');
  });
});

describe('JWT-10 malformed tokens', () => {
  const header = { alg: 'ES256', typ: 'at+jwt', kid: 'key-1' };
  it('2, 4 and 5 segments, padding, + and /, non-JSON header, JSON-array payload, non-UTF-8 → 401', async () => {
    const [h, p, s] = parts(await stub.mint());
    const cases = [
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${p}.${s}.${s}.${s}`,
      `${h}.${p}.${s}==`,
      `${h}.${p.replace(/-/g, '+').replace(/_/g, '/')}x+/.${s}`,
      stub.signRaw('{not json', JSON.stringify(claims())),
      stub.signRaw(header, JSON.stringify([claims()])),
      `${b64(Buffer.from([0xff, 0xfe, 0x7b]))}.${p}.${s}`,
      stub.signRaw(header, '\u00ff'.repeat(3)),
    ];
    for (const token of cases) await rejected(token);
  });

  it('tokens over 8 KiB are refused before any parsing, quickly', async () => {
    const padded = await stub.mint({ pad: 'x'.repeat(9000) });
    expect((await rejected(padded)).reason).toBe('too_long');
    const huge = `${'a'.repeat(50_000)}.${'b'.repeat(50_000)}.c`;
    const started = performance.now();
    for (let i = 0; i < 200; i++)
      expect((await refusal(guard.authenticate(bearer(huge)))).reason).toBe('too_long');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('"Bearer" with no token, or with two tokens, is 400 invalid_request', async () => {
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer  a.b.c d.e.f', 'Bearer a.b.c, Bearer d.e.f']) {
      const error = await refusal(guard.authenticate({ method: 'GET', headers: { authorization } }));
      expect(error.status).toBe(400);
      expect(error.headers()['www-authenticate']).toMatch(/^Bearer realm="notes", error="invalid_request"/);
    }
  });
});

describe('defaults', () => {
  it('keys come from the issuer’s /.well-known/jwks.json', () => {
    expect(stub.log).toContain('GET /.well-known/jwks.json');
  });

  it('an EdDSA token is refused by the default ES256-only guard', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    stub.published = [
      ...stub.keys.map((k) => k.jwk),
      { ...(await exportJWK(publicKey)), kid: 'ed', alg: 'EdDSA' },
    ];
    try {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'ed' })
        .sign(privateKey);
      expect((await rejected(token)).reason).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
    } finally {
      stub.published = undefined;
    }
  });
});
