import type { ApiKeyService, Clock, RequestMeta } from '@gatehouse/core';
import { type NewApiKeyView, newKeyView } from '../api-keys/api-key-view.ts';
import { findApiKey } from './owned-api-key.ts';

export interface RotateApiKeyInput {
  readonly keyId: string;
  /** Self-service: only a key of this owner (anything else is 404). */
  readonly ownedBy?: string | undefined;
  /** How long the old key keeps working (0: it stops at once). */
  readonly overlapSeconds: number;
  readonly meta: RequestMeta;
}

/** A successor key, returned once with its secret; the old one ends now or after the overlap. */
export function rotateApiKeyCommand(deps: {
  apiKeys: ApiKeyService;
  clock: Clock;
}): (input: RotateApiKeyInput) => Promise<NewApiKeyView> {
  return async function rotateApiKey({ keyId, ownedBy, overlapSeconds, meta }) {
    const key = await findApiKey(deps.apiKeys, keyId, ownedBy);
    const created = await deps.apiKeys.rotate(key.id, { overlapMs: overlapSeconds * 1000 }, meta);
    return newKeyView(created, deps.clock.now());
  };
}
