import { describeOAuthArtifactStoreConformance } from '@gatehouse/testkit';
import { SqlOAuthArtifactStore, type SqlStorage } from '../src/index.ts';
import { describeOnBothDialects } from './helpers.ts';

function describeSqlArtifacts(name: string, storage: () => SqlStorage): void {
  describeOAuthArtifactStoreConformance(name, async () => ({
    store: new SqlOAuthArtifactStore(storage().db),
    cleanup: async () => {
      await storage().db.deleteFrom('oauth_artifacts').execute();
    },
  }));
}

await describeOnBothDialects('oauth', describeSqlArtifacts, '0006_oauth');
