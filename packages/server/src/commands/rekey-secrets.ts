import { type RekeyOptions, type RekeyProgress, rekey } from '../keys/rekey.ts';
import type { SealedStore } from '../keys/sealed-store.ts';

/**
 * `gatehouse secrets rekey`: after a change of GATEHOUSE_SECRET (the old one in
 * GATEHOUSE_SECRET_PREVIOUS), re-encrypts every sealed record — signing keys, client secrets, the
 * mail outbox — under the new secret, batch by batch; resumable (see keys/rekey.ts).
 */
export function rekeySecretsCommand(deps: {
  sealedStores: readonly SealedStore[];
}): (options: RekeyOptions) => Promise<RekeyProgress[]> {
  return function rekeySecrets(options) {
    return rekey(deps.sealedStores, options);
  };
}
