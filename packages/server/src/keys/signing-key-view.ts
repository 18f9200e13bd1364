import type { SigningKeyInfo } from '@gatehouse/core';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A signing key as the admin API and the CLI show it: no key material, ISO dates. */
export function signingKeyView(key: SigningKeyInfo) {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    created_at: iso(key.createdAt),
    activated_at: iso(key.activatedAt),
    retired_at: iso(key.retiredAt),
    remove_after: iso(key.removeAfter),
  };
}
