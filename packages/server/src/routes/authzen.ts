import { GatehouseError } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AccessRequest } from '../authz/decision-point.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { assertMayAskAbout, requireDecisionCaller } from '../http/decision-caller.ts';
import { authzenSchemas } from '../http/schemas/authzen.ts';

// Unknown members are ignored, as AuthZEN 1.0 requires (forward compatibility): no
// `additionalProperties: false` here, and the decision point reads only the members it knows.
const Properties = Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.Unknown()));
const Entity = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 128 }),
  id: Type.String({ minLength: 1, maxLength: 256 }),
  properties: Properties,
});
const Action = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }), properties: Properties });
const Context = Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.Unknown()));
const Evaluation = Type.Object({ subject: Entity, resource: Entity, action: Action, context: Context });
const Item = Type.Object({
  subject: Type.Optional(Entity),
  resource: Type.Optional(Entity),
  action: Type.Optional(Action),
  context: Context,
});
const Evaluations = Type.Object({
  subject: Type.Optional(Entity),
  resource: Type.Optional(Entity),
  action: Type.Optional(Action),
  context: Context,
  evaluations: Type.Optional(Type.Array(Item, { maxItems: 1000 })),
  options: Type.Optional(
    Type.Object({
      evaluations_semantic: Type.Optional(
        Type.Union([
          Type.Literal('execute_all'),
          Type.Literal('deny_on_first_deny'),
          Type.Literal('permit_on_first_permit'),
        ]),
      ),
    }),
  ),
});

type EvaluationsBody = typeof Evaluations.static;
type Entity = typeof Entity.static;
type ActionBody = typeof Action.static;

/**
 * The OpenID AuthZEN Authorization API 1.0 (PDP side): discovery, single and batch evaluation.
 * Callers are enforcement points (the resource-server secret) or users asking about themselves
 * (session or Bearer token); an ordinary user asking about someone else gets 403.
 */
export function authzenRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  const base = gatehouse.config.issuer;
  const discovery = { schema: authzenSchemas.configuration };
  app.get('/.well-known/authzen-configuration', discovery, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send({
      policy_decision_point: base,
      access_evaluation_endpoint: `${base}/access/v1/evaluation`,
      access_evaluations_endpoint: `${base}/access/v1/evaluations`,
      search_subject_endpoint: `${base}/access/v1/search/subject`,
      search_resource_endpoint: `${base}/access/v1/search/resource`,
      search_action_endpoint: `${base}/access/v1/search/action`,
    }),
  );

  const callerGate = requireDecisionCaller(gatehouse);

  app.post<{ Body: typeof Evaluation.static }>(
    '/access/v1/evaluation',
    {
      preValidation: callerGate,
      schema: { ...authzenSchemas.evaluation, body: Evaluation },
      bodyLimit: 64 * 1024,
    },
    async (request, reply) => {
      assertMayAskAbout(request, [request.body.subject]);
      const result = await gatehouse.pdp.evaluate(known(request.body), request.id);
      return reply.header('cache-control', 'no-store').send(answer(result));
    },
  );

  app.post<{ Body: EvaluationsBody }>(
    '/access/v1/evaluations',
    {
      preValidation: callerGate,
      schema: { ...authzenSchemas.evaluations, body: Evaluations },
      bodyLimit: 256 * 1024,
    },
    async (request, reply) => {
      const items = expand(request.body);
      assertMayAskAbout(
        request,
        items.flatMap((i) => (i === undefined ? [] : [i.subject])),
      );
      const semantic = request.body.options?.evaluations_semantic ?? 'execute_all';
      const results: ReturnType<typeof answer>[] = [];
      for (const item of items) {
        // An item left without a subject, resource or action after the defaults is denied, not
        // a 400 for the whole batch (authzen-pdp-evaluations-missing-subject-returns-decision-false).
        const result = answer(
          item === undefined
            ? { decision: false, reason: 'error' }
            : await gatehouse.pdp.evaluate(item, request.id),
        );
        results.push(result);
        if (semantic === 'deny_on_first_deny' && !result.decision) break;
        if (semantic === 'permit_on_first_permit' && result.decision) break;
      }
      // Without an `evaluations` array (or with an empty one) the request is a single evaluation.
      if (request.body.evaluations === undefined || request.body.evaluations.length === 0) {
        const single = results[0];
        if (single === undefined || items[0] === undefined) {
          throw new GatehouseError('invalid_request', {
            detail: 'An evaluation needs a subject, a resource and an action.',
          });
        }
        return reply.header('cache-control', 'no-store').send(single);
      }
      return reply.header('cache-control', 'no-store').send({ evaluations: results });
    },
  );
}

const entity = (e: Entity) => ({
  type: e.type,
  id: e.id,
  ...(e.properties === undefined ? {} : { properties: e.properties }),
});
const action = (a: ActionBody) => ({
  name: a.name,
  ...(a.properties === undefined ? {} : { properties: a.properties }),
});

/** Only the members AuthZEN defines reach the decision point; unknown ones are dropped here. */
function known(body: {
  subject: Entity;
  resource: Entity;
  action: ActionBody;
  context?: Record<string, unknown> | undefined;
}): AccessRequest {
  return {
    subject: entity(body.subject),
    resource: entity(body.resource),
    action: action(body.action),
    ...(body.context === undefined ? {} : { context: body.context }),
  };
}

/** Top-level subject, resource, action and context are defaults for every item (§7.1). */
function expand(body: EvaluationsBody): (AccessRequest | undefined)[] {
  const items = body.evaluations === undefined || body.evaluations.length === 0 ? [{}] : body.evaluations;
  return items.map((item: typeof Item.static) => {
    const subject = item.subject ?? body.subject;
    const resource = item.resource ?? body.resource;
    const act = item.action ?? body.action;
    if (subject === undefined || resource === undefined || act === undefined) return undefined;
    return known({ subject, resource, action: act, context: item.context ?? body.context });
  });
}

/** Decisions say nothing about how the policy is built: only a coarse reason on denials. */
function answer(result: { decision: boolean; reason: string }) {
  return result.decision ? { decision: true } : { decision: false, context: { reason: result.reason } };
}
