import type { ApiKeyService, Clock } from '@gatehouse/core';
import { type ApiKeyView, keyView } from '../api-keys/api-key-view.ts';

/** An owner's keys, newest first, as listings show them (never a secret). */
export function listApiKeysCommand(deps: {
  apiKeys: ApiKeyService;
  clock: Clock;
}): (input: { ownerId: string }) => Promise<ApiKeyView[]> {
  return async function listApiKeys({ ownerId }) {
    const now = deps.clock.now();
    return (await deps.apiKeys.list(ownerId)).map((key) => keyView(key, now));
  };
}
