import { describeOAuthArtifactStoreConformance, MemoryOAuthArtifactStore } from '../src/index.ts';

describeOAuthArtifactStoreConformance('memory', async () => ({
  store: new MemoryOAuthArtifactStore(),
  cleanup: async () => {},
}));
