import {
  type AccessTokenMinter,
  type AccessTokenRequest,
  randomId,
  type SigningKeySource,
} from '@gatehouse/core';
import { SignJWT } from 'jose';

/**
 * RFC 9068 access tokens: `typ: at+jwt`, signed with the key ring's active key. Claims are identity
 * and delegation only — `iss`, `sub`, `aud`, `exp`, `iat`, `jti`, `client_id`, `scope`, `sid` —
 * never roles, permissions, email or anything else that can change or leak.
 */
export class JwtAccessTokenMinter implements AccessTokenMinter {
  readonly #keys: SigningKeySource;
  readonly #issuer: string;
  readonly #audience: string;
  readonly #ttlSeconds: number;
  readonly #now: () => number;

  constructor(options: {
    keys: SigningKeySource;
    issuer: string;
    audience: string;
    ttlSeconds: number;
    now: () => number;
  }) {
    this.#keys = options.keys;
    this.#issuer = options.issuer;
    this.#audience = options.audience;
    this.#ttlSeconds = options.ttlSeconds;
    this.#now = options.now;
  }

  async mint(request: AccessTokenRequest) {
    const key = await this.#keys.active();
    const jti = randomId(16);
    const iat = Math.floor(this.#now() / 1000);
    const token = await new SignJWT({
      client_id: request.clientId,
      scope: request.scope,
      sid: request.sessionId,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(this.#issuer)
      .setSubject(request.subject)
      .setAudience(this.#audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.#ttlSeconds)
      .setJti(jti)
      .sign(key.privateKey);
    return { token, jti, expiresInSeconds: this.#ttlSeconds };
  }
}
