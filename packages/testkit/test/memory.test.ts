import { describe, expect, it } from 'vitest';
import {
  createMemoryStorage,
  describeRefreshTokenStoreConformance,
  describeStorageConformance,
  MemoryRefreshTokenStore,
} from '../src/index.ts';

describeStorageConformance('memory', async () => ({
  storage: createMemoryStorage(),
  cleanup: async () => {},
}));
describeRefreshTokenStoreConformance('memory', async () => ({
  store: new MemoryRefreshTokenStore(),
  cleanup: async () => {},
}));

describe('memory storage', () => {
  it('delivers bus messages to local subscribers and pings', async () => {
    const storage = createMemoryStorage();
    const seen: unknown[] = [];
    const unsubscribe = storage.bus.subscribe((message) => seen.push(message));
    await storage.bus.publish({ type: 'roles.changed' });
    unsubscribe();
    await storage.bus.publish({ type: 'roles.changed' });
    expect(seen).toEqual([{ type: 'roles.changed' }]);
    await expect(storage.ping()).resolves.toBeUndefined();
  });

  it('refuses to grant a role that does not exist', async () => {
    const { roles } = createMemoryStorage();
    await expect(roles.grant('u1', 'ghost', 0)).rejects.toThrow(/unknown role/);
  });
});
