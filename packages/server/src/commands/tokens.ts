import type { RequestMeta, TokenResponse, TokenService } from '@gatehouse/core';

/** First-party token mode (`/token/refresh`, `/token/revoke`) and token-level revocation by an administrator. */
export interface TokenCommands {
  /** Rotates a refresh token: a new access and refresh token; a reused one ends its family. */
  readonly refreshToken: (input: {
    refreshToken: string;
    clientId: string;
    meta: RequestMeta;
  }) => Promise<TokenResponse>;
  /** Ends the token's family; an unknown token is not an error (RFC 7009). */
  readonly revokeRefreshToken: (input: { refreshToken: string; meta: RequestMeta }) => Promise<void>;
  /** One access token, by its `jti`, refused on every node and guard (the revocation feed). */
  readonly revokeAccessToken: (input: { jti: string; meta: RequestMeta }) => Promise<void>;
}

export function tokenCommands(deps: { tokens: TokenService }): TokenCommands {
  const { tokens } = deps;
  return {
    refreshToken: ({ refreshToken, clientId, meta }) => tokens.refresh(refreshToken, clientId, meta),
    revokeRefreshToken: ({ refreshToken, meta }) => tokens.revokeRefreshToken(refreshToken, meta),
    revokeAccessToken: ({ jti, meta }) => tokens.revokeAccessToken(jti, meta),
  };
}
