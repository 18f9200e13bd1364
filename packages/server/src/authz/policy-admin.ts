import {
  GatehouseError,
  type RequestMeta,
  type StoredPolicyDocument,
  VERSION_CONFLICT,
} from '@gatehouse/core';
import type { Gatehouse } from '../gatehouse.ts';

const conflict = () =>
  new GatehouseError('conflict', { detail: 'The policy document changed since you read it; get it again.' });
const notFound = () => new GatehouseError('not_found', { detail: 'No such policy document.' });

/**
 * Creates or replaces an API-managed policy document: validated with every document in force
 * (throws PolicyError with document/line/rule), stored conditionally (`expectedVersion`, 0 = create
 * only; a mismatch is `conflict`), reloaded here and announced to every node, audited with the
 * document before and after. What the admin API and the CLI both call.
 */
export async function putPolicyDocument(
  gatehouse: Gatehouse,
  input: { name: string; source: string; expectedVersion?: number | undefined; actorId: string | null },
  meta: RequestMeta,
): Promise<{ doc: StoredPolicyDocument; created: boolean }> {
  const repo = gatehouse.policies.repository;
  const before = await repo.get(input.name);
  await gatehouse.policies.validateChange(input.name, input.source);
  const doc = await repo.put(
    { name: input.name, source: input.source, updatedAt: gatehouse.clock.now(), updatedBy: input.actorId },
    input.expectedVersion,
  );
  if (doc === VERSION_CONFLICT) throw conflict();
  await gatehouse.policies.changed();
  await gatehouse.audit.record('policy.put', meta, {
    subjectId: input.name,
    details: {
      version_before: before?.version ?? null,
      version_after: doc.version,
      before: before?.source ?? null,
      after: doc.source,
      policy_version: gatehouse.policies.engine?.policyVersion ?? null,
    },
  });
  return { doc, created: before === undefined };
}

/** Deletes an API-managed document when the remaining set still validates; audited likewise. */
export async function deletePolicyDocument(
  gatehouse: Gatehouse,
  input: { name: string; expectedVersion?: number | undefined },
  meta: RequestMeta,
): Promise<StoredPolicyDocument> {
  const repo = gatehouse.policies.repository;
  if ((await repo.get(input.name)) === undefined) throw notFound();
  await gatehouse.policies.validateChange(input.name, undefined);
  const deleted = await repo.delete(input.name, input.expectedVersion);
  if (deleted === VERSION_CONFLICT) throw conflict();
  if (deleted === undefined) throw notFound();
  await gatehouse.policies.changed();
  await gatehouse.audit.record('policy.deleted', meta, {
    subjectId: input.name,
    details: { version_before: deleted.version, before: deleted.source, after: null },
  });
  return deleted;
}

export async function getPolicyDocument(gatehouse: Gatehouse, name: string): Promise<StoredPolicyDocument> {
  const doc = await gatehouse.policies.repository.get(name);
  if (doc === undefined) throw notFound();
  return doc;
}
