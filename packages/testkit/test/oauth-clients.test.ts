import { describeOAuthClientStoreConformance, MemoryOAuthClientStore } from '../src/index.ts';

describeOAuthClientStoreConformance('memory', async () => ({
  store: new MemoryOAuthClientStore(),
  cleanup: async () => {},
}));
