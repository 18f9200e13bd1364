import { describeOAuthClientStoreConformance } from '@gatehouse/testkit';
import { SqlOAuthClientStore } from '../src/index.ts';
import { describeOnBothDialects } from './helpers.ts';

await describeOnBothDialects(
  'oauth-clients',
  (name, storage) => {
    describeOAuthClientStoreConformance(name, async () => ({
      store: new SqlOAuthClientStore(storage().db),
      cleanup: async () => {
        await storage().db.deleteFrom('oauth_clients').execute();
      },
    }));
  },
  '0012_oauth_client_previous_secret',
);
