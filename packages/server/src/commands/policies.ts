import {
  type AuditTrail,
  type Clock,
  GatehouseError,
  type PolicyEngineCounters,
  type RequestMeta,
  type StoredPolicyDocument,
  VERSION_CONFLICT,
} from '@gatehouse/core';
import type { PolicySet } from '../authz/policy-set.ts';

const conflict = () =>
  new GatehouseError('conflict', { detail: 'The policy document changed since you read it; get it again.' });
const notFound = () => new GatehouseError('not_found', { detail: 'No such policy document.' });

/** What is in force on this node: the stored documents beside GATEHOUSE_POLICY_DIR's files. */
export interface PolicyListing {
  /** Null while no document exists: decisions then come from the stored roles alone. */
  readonly policyVersion: string | null;
  /** Decisions this node failed closed under the policy in force (reset when it changes). */
  readonly failedClosed: PolicyEngineCounters | null;
  /** The directory's files (read-only). */
  readonly directory: string[];
  readonly documents: StoredPolicyDocument[];
}

/**
 * API-managed policy documents (`/admin/v1/policies…`, `gatehouse policies …`). A change is
 * validated with every document in force (a PolicyError names the document, line, column and
 * rule), stored conditionally (`expectedVersion`: 0 = create only; a mismatch is `conflict`),
 * reloaded here and announced to every node, and audited with the document before and after.
 */
export interface PolicyCommands {
  readonly listPolicies: () => Promise<PolicyListing>;
  readonly getPolicy: (input: { name: string }) => Promise<StoredPolicyDocument>;
  readonly putPolicy: (input: {
    name: string;
    source: string;
    expectedVersion?: number | undefined;
    actorId: string | null;
    meta: RequestMeta;
  }) => Promise<{ doc: StoredPolicyDocument; created: boolean; policyVersion: string | null }>;
  /** Refused (PolicyError) when the remaining set no longer validates. */
  readonly deletePolicy: (input: {
    name: string;
    expectedVersion?: number | undefined;
    meta: RequestMeta;
  }) => Promise<StoredPolicyDocument>;
}

export function policyCommands(deps: {
  policies: PolicySet;
  audit: AuditTrail;
  clock: Clock;
}): PolicyCommands {
  const { policies, audit } = deps;
  const repo = policies.repository;
  const policyVersion = () => policies.engine?.policyVersion ?? null;
  return {
    listPolicies: async () => {
      const documents = await repo.list();
      return {
        policyVersion: policyVersion(),
        failedClosed: policies.engine?.counters ?? null,
        directory: policies.sources.filter((s) => s.origin === 'directory').map((s) => s.name),
        documents,
      };
    },
    getPolicy: async ({ name }) => {
      const doc = await repo.get(name);
      if (doc === undefined) throw notFound();
      return doc;
    },
    putPolicy: async ({ name, source, expectedVersion, actorId, meta }) => {
      const before = await repo.get(name);
      await policies.validateChange(name, source);
      const doc = await repo.put(
        { name, source, updatedAt: deps.clock.now(), updatedBy: actorId },
        expectedVersion,
      );
      if (doc === VERSION_CONFLICT) throw conflict();
      await policies.changed();
      await audit.record('policy.put', meta, {
        subjectId: name,
        details: {
          version_before: before?.version ?? null,
          version_after: doc.version,
          before: before?.source ?? null,
          after: doc.source,
          policy_version: policyVersion(),
        },
      });
      return { doc, created: before === undefined, policyVersion: policyVersion() };
    },
    deletePolicy: async ({ name, expectedVersion, meta }) => {
      if ((await repo.get(name)) === undefined) throw notFound();
      await policies.validateChange(name, undefined);
      const deleted = await repo.delete(name, expectedVersion);
      if (deleted === VERSION_CONFLICT) throw conflict();
      if (deleted === undefined) throw notFound();
      await policies.changed();
      await audit.record('policy.deleted', meta, {
        subjectId: name,
        details: { version_before: deleted.version, before: deleted.source, after: null },
      });
      return deleted;
    },
  };
}
