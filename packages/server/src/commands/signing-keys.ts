import type { TokenService } from '@gatehouse/core';
import { type AuditTrail, GatehouseError, type RequestMeta, type SigningKeyInfo } from '@gatehouse/core';
import type { KeyRevocationResult, KeyRing, RotationResult } from '../keys/key-ring.ts';

/**
 * The token signing keys (`/admin/v1/signing-keys`, `gatehouse keys list|rotate|revoke`): the
 * admin API and the CLI list, rotate and revoke through these, so both write the same audit events.
 */
export interface SigningKeyCommands {
  /** Every stored key of the configured ring, newest first within a status; no key material. */
  readonly listSigningKeys: () => Promise<SigningKeyInfo[]>;
  /** The next key signs now, the active one retires (published until its tokens expire). */
  readonly rotateSigningKeys: (input: { meta: RequestMeta }) => Promise<RotationResult>;
  /**
   * A leaked key: the ring marks it revoked (out of the JWKS; the next key signs now if it was
   * active), then a `kid` entry in the revocation log makes every node and guard refuse what it
   * signed, checked before the signature. In that order: nodes reload their ring when the entry
   * reaches them and must find the change stored. Repeating it re-announces the entry (harmless).
   */
  readonly revokeSigningKey: (input: { kid: string; meta: RequestMeta }) => Promise<KeyRevocationResult>;
}

export function signingKeyCommands(deps: {
  keyRing: KeyRing;
  tokens: Pick<TokenService, 'keyRevoked'>;
  audit: AuditTrail;
}): SigningKeyCommands {
  const { keyRing, tokens, audit } = deps;
  return {
    listSigningKeys: () => keyRing.list(),
    async rotateSigningKeys({ meta }) {
      const result = await keyRing.rotate();
      await audit.record('signing_key.rotated', meta, {
        details: {
          rotated: result.rotated,
          active: result.active,
          retired: result.retired ?? null,
          next: result.next,
        },
      });
      return result;
    },
    async revokeSigningKey({ kid, meta }) {
      const result = await keyRing.revoke(kid);
      if (result === undefined)
        throw new GatehouseError('not_found', { detail: 'No signing key has that kid.' });
      await tokens.keyRevoked(kid);
      await audit.record('signing_key.revoked', meta, {
        details: {
          kid,
          alg: result.alg,
          previous_status: result.previousStatus,
          active: result.active,
          next: result.next,
        },
      });
      return result;
    },
  };
}
