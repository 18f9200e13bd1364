import { type ApiKeyRecord, type ApiKeyService, GatehouseError } from '@gatehouse/core';

/**
 * The key `keyId`, or 404. With `ownedBy` (self-service), someone else's key and no key at all
 * look the same.
 */
export async function findApiKey(
  apiKeys: ApiKeyService,
  keyId: string,
  ownedBy?: string,
): Promise<ApiKeyRecord> {
  const key = await apiKeys.get(keyId);
  if (key === undefined || (ownedBy !== undefined && key.ownerId !== ownedBy)) {
    throw new GatehouseError('not_found', { detail: 'No such API key.' });
  }
  return key;
}
