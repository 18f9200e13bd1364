import { InProcessRateLimiter } from '@gatehouse/core';
import {
  describeApiKeyStoresConformance,
  describeRateLimiterConformance,
  MemoryApiKeyStore,
  MemoryServiceAccountStore,
  MemoryUserRepository,
} from '../src/index.ts';

describeApiKeyStoresConformance('memory', async () => {
  const users = new MemoryUserRepository();
  const apiKeys = new MemoryApiKeyStore();
  return {
    store: { users, apiKeys, serviceAccounts: new MemoryServiceAccountStore(users, apiKeys) },
    cleanup: async () => {},
  };
});

describeRateLimiterConformance('in-process', async () => ({
  store: new InProcessRateLimiter(),
  cleanup: async () => {},
}));
