import type { ApiKeyService, RequestMeta } from '@gatehouse/core';
import { findApiKey } from './owned-api-key.ts';

export interface RevokeApiKeyInput {
  readonly keyId: string;
  /** Self-service: only a key of this owner (anything else is 404). */
  readonly ownedBy?: string | undefined;
  readonly meta: RequestMeta;
}

/**
 * Revokes a key on every node and guard (through the revocation index), audited as
 * `api_key.revoked`. An unknown key is 404; `revoked` is false when it was no longer live.
 */
export function revokeApiKeyCommand(deps: {
  apiKeys: ApiKeyService;
}): (input: RevokeApiKeyInput) => Promise<{ revoked: boolean }> {
  return async function revokeApiKey({ keyId, ownedBy, meta }) {
    const key = await findApiKey(deps.apiKeys, keyId, ownedBy);
    return { revoked: await deps.apiKeys.revoke(key.id, meta) };
  };
}
