import { describe, expect, it } from 'vitest';
import { fakeSigningKey, MemorySigningKeyStore } from '../src/index.ts';

describe('memory signing-key store', () => {
  it('hands out copies, so callers cannot change what is stored', async () => {
    const store = new MemorySigningKeyStore();
    const key = fakeSigningKey('active');
    await store.insert([key]);
    const [listed] = await store.list();
    (listed as { status: string }).status = 'retired';
    expect(await store.list()).toStrictEqual([key]);
  });
});
