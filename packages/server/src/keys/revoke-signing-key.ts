import { GatehouseError, type RequestMeta } from '@gatehouse/core';
import type { Gatehouse } from '../gatehouse.ts';
import type { KeyRevocationResult } from './key-ring.ts';

/**
 * A leaked signing key (`gatehouse keys revoke`, `POST /admin/v1/signing-keys/:kid/revoke`): the
 * ring marks it revoked (out of the JWKS; the next key signs now if it was active), then a `kid`
 * entry in the revocation log makes every node and guard refuse what it signed, checked before the
 * signature. In that order: nodes reload their ring when the entry reaches them, and must find the
 * change stored. Repeating it re-announces the entry (harmless).
 */
export async function revokeSigningKey(
  gatehouse: Pick<Gatehouse, 'keyRing' | 'tokens' | 'audit'>,
  kid: string,
  meta: RequestMeta,
): Promise<KeyRevocationResult> {
  const result = await gatehouse.keyRing.revoke(kid);
  if (result === undefined) throw new GatehouseError('not_found', { detail: 'No signing key has that kid.' });
  await gatehouse.tokens.keyRevoked(kid);
  await gatehouse.audit.record('signing_key.revoked', meta, {
    details: {
      kid,
      alg: result.alg,
      previous_status: result.previousStatus,
      active: result.active,
      next: result.next,
    },
  });
  return result;
}
