import type { ApiKeyService, Clock } from '@gatehouse/core';
import { type ApiKeyView, keyView } from '../api-keys/api-key-view.ts';
import { findApiKey } from './owned-api-key.ts';

/** One key as listings show it (never its secret), or 404. */
export function getApiKeyCommand(deps: {
  apiKeys: ApiKeyService;
  clock: Clock;
}): (input: { keyId: string; ownedBy?: string | undefined }) => Promise<ApiKeyView> {
  return async function getApiKey({ keyId, ownedBy }) {
    return keyView(await findApiKey(deps.apiKeys, keyId, ownedBy), deps.clock.now());
  };
}
