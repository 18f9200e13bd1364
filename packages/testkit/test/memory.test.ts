import { describe, expect, it } from 'vitest';
import { describeStorageConformance, memoryStorage } from '../src/index.ts';

describeStorageConformance('memory', async () => ({
  storage: memoryStorage(),
  cleanup: async () => {},
}));

describe('memory storage', () => {
  it('delivers bus messages to local subscribers and pings', async () => {
    const storage = memoryStorage();
    const seen: unknown[] = [];
    const unsubscribe = storage.bus.subscribe((message) => seen.push(message));
    await storage.bus.publish({ type: 'roles.changed' });
    unsubscribe();
    await storage.bus.publish({ type: 'roles.changed' });
    expect(seen).toEqual([{ type: 'roles.changed' }]);
    await expect(storage.ping()).resolves.toBeUndefined();
  });

  it('refuses to grant a role that does not exist', async () => {
    const { roles } = memoryStorage();
    await expect(roles.grant('u1', 'ghost', 0)).rejects.toThrow(/unknown role/);
  });
});
