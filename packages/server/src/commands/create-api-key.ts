import { type ApiKeyService, type Clock, GatehouseError, type RequestMeta } from '@gatehouse/core';
import {
  type NewApiKeyRequest,
  type NewApiKeyView,
  newKeyView,
  toNewKeyInput,
} from '../api-keys/api-key-view.ts';

export interface CreateApiKeyInput {
  /** The user or service account the key acts for. */
  readonly ownerId: string;
  readonly request: NewApiKeyRequest;
  /** `owner`: self-service, which gets the default rate limit; `admin` (API or CLI) may set one. */
  readonly by: 'owner' | 'admin';
  readonly meta: RequestMeta;
}

/** A new API key, returned once with its secret (only the secret's HMAC is stored). */
export function createApiKeyCommand(deps: {
  apiKeys: ApiKeyService;
  clock: Clock;
}): (input: CreateApiKeyInput) => Promise<NewApiKeyView> {
  return async function createApiKey({ ownerId, request, by, meta }) {
    if (by === 'owner' && request.rate_limit !== undefined) {
      throw new GatehouseError('forbidden', { detail: 'Only an administrator can set a key’s rate limit.' });
    }
    const now = deps.clock.now();
    const created = await deps.apiKeys.create(ownerId, toNewKeyInput(request, now), meta);
    return newKeyView(created, now);
  };
}
