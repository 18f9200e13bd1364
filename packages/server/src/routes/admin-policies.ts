import { basename } from 'node:path';
import { GatehouseError, PolicyError, type StoredPolicyDocument } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Evaluation } from '../authz/authzen-schema.ts';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { callerUser, requireCaller, requirePermission } from '../http/authenticate.ts';
import { sendProblem } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { adminPolicySchemas } from '../http/schemas/admin-policies.ts';

const Name = Type.Object({ name: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$' }) });
const Body = Type.Object(
  { source: Type.String({ minLength: 1, maxLength: 256 * 1024 }) },
  { additionalProperties: false },
);
const IF_MATCH = /^"(\d{1,9})"$/;
/** What the explanation is asked about: an AuthZEN evaluation, unknown members kept. */
const ExplainBody = Evaluation;

const iso = (ms: number) => new Date(ms).toISOString();
const etag = (doc: StoredPolicyDocument) => `"${doc.version}"`;
const view = (doc: StoredPolicyDocument) => ({
  name: doc.name,
  version: doc.version,
  updated_at: iso(doc.updatedAt),
  updated_by: doc.updatedBy,
});

/**
 * Policy documents through the admin API (/admin/v1/policies): list, get, put (create or
 * replace), delete. Permissions `policies:read` and `policies:write`. A document is validated with
 * every other one in force (GATEHOUSE_POLICY_DIR's files stay a read-only base) before it is
 * stored: an invalid set is a 400 problem listing each issue's document, line, column and rule.
 * Writes take `If-Match: "<version>"` (or `If-None-Match: *` to create only); a mismatch is 409.
 * Every change is audited with the document before and after, and reaches every node within a
 * second through the invalidation bus.
 */
export function adminPolicyRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const caller = requireCaller(gatehouse);
  const can = (permission: string) => ({ preHandler: [caller, requirePermission(gatehouse, permission)] });
  const meta = (request: FastifyRequest) => requestMeta(request, callerUser(request)?.id);

  const listDocuments = { ...can('policies:read'), schema: adminPolicySchemas.list };
  app.get('/admin/v1/policies', listDocuments, async (_request, reply) => {
    const listing = await commands.listPolicies();
    const counters = listing.failedClosed;
    return reply.header('cache-control', 'no-store').send({
      policy_version: listing.policyVersion,
      // Decisions this node failed closed under the policy in force (reset when it changes).
      failed_closed:
        counters === null
          ? null
          : { evaluation_errors: counters.evaluationErrors, budget_exceeded: counters.budgetExceeded },
      directory: listing.directory,
      documents: listing.documents.map(view),
    });
  });

  /**
   * The full explanation of one decision with the policy in force (documents + the subject's stored
   * roles): every rule that applied, matched or errored, and the policy version. For operators
   * only (`policies:read`): the AuthZEN API never reveals it.
   */
  app.post<{ Body: typeof ExplainBody.static }>(
    '/admin/v1/policies/explain',
    { ...can('policies:read'), schema: { ...adminPolicySchemas.explain, body: ExplainBody } },
    async (request, reply) => {
      const decision = await commands.explainDecision({ request: request.body });
      return reply.header('cache-control', 'no-store').send({
        decision: decision.decision,
        reason: decision.reason,
        trace: decision.trace,
        // CEL cost units the conditions spent (the decision budget is CEL_COST.maxDecisionCost).
        cost: decision.cost ?? 0,
        policy_version: decision.policyVersion,
      });
    },
  );

  app.get<{ Params: typeof Name.static }>(
    '/admin/v1/policies/:name',
    { ...can('policies:read'), schema: { ...adminPolicySchemas.get, params: Name } },
    async (request, reply) => {
      const doc = await commands.getPolicy({ name: request.params.name });
      return reply
        .header('cache-control', 'no-store')
        .header('etag', etag(doc))
        .send({ ...view(doc), source: doc.source });
    },
  );

  app.put<{ Params: typeof Name.static; Body: typeof Body.static }>(
    '/admin/v1/policies/:name',
    {
      ...can('policies:write'),
      schema: { ...adminPolicySchemas.put, params: Name, body: Body },
      bodyLimit: 300 * 1024,
    },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const actorId = callerUser(request)?.id ?? null;
      const result = await validated(reply, () =>
        commands.putPolicy({
          name: request.params.name,
          source: request.body.source,
          expectedVersion: expected,
          actorId,
          meta: meta(request),
        }),
      );
      if (result === undefined) return reply;
      return reply
        .code(result.created ? 201 : 200)
        .header('etag', etag(result.doc))
        .send({ ...view(result.doc), policy_version: result.policyVersion });
    },
  );

  app.delete<{ Params: typeof Name.static }>(
    '/admin/v1/policies/:name',
    { ...can('policies:write'), schema: { ...adminPolicySchemas.delete, params: Name } },
    async (request, reply) => {
      const expected = expectedVersion(request);
      const result = await validated(reply, () =>
        commands.deletePolicy({ name: request.params.name, expectedVersion: expected, meta: meta(request) }),
      );
      if (result === undefined) return reply;
      return reply.code(204).send();
    },
  );
}

/** `If-Match: "<version>"` → that version; `If-None-Match: *` → 0 (create only); else unconditional. */
function expectedVersion(request: FastifyRequest): number | undefined {
  const ifMatch = request.headers['if-match'];
  if (typeof ifMatch === 'string') {
    const match = IF_MATCH.exec(ifMatch.trim());
    if (match === null)
      throw new GatehouseError('invalid_request', { detail: 'If-Match must be a quoted version.' });
    return Number(match[1]);
  }
  if (request.headers['if-none-match'] === '*') return 0;
  return undefined;
}

/** Runs the validation; on a PolicyError answers 400 problem+json with every located issue. */
async function validated<T>(reply: FastifyReply, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    const invalid = new GatehouseError('invalid_request', {
      detail: 'The policy document does not validate.',
    });
    sendProblem(reply, invalid, {
      challenge: false,
      extensions: {
        errors: error.issues.map((issue) => ({
          document: basename(issue.file),
          line: issue.line,
          column: issue.column,
          ...(issue.ruleId === undefined ? {} : { rule: issue.ruleId }),
          message: issue.message,
        })),
      },
    });
    return undefined;
  }
}
