import { constantTimeEqual, GatehouseError } from '@gatehouse/core';
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { AccessRequest } from '../authz/decision-point.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { requireCaller } from '../http/authenticate.ts';

const Properties = Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.Unknown()));
const Entity = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 128 }),
    id: Type.String({ minLength: 1, maxLength: 256 }),
    properties: Properties,
  },
  { additionalProperties: false },
);
const Action = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 128 }), properties: Properties },
  { additionalProperties: false },
);
const Context = Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.Unknown()));
const Evaluation = Type.Object(
  { subject: Entity, resource: Entity, action: Action, context: Context },
  { additionalProperties: false },
);
const Partial = (schema: TSchema) => Type.Optional(schema);
const Evaluations = Type.Object(
  {
    subject: Partial(Entity),
    resource: Partial(Entity),
    action: Partial(Action),
    context: Context,
    evaluations: Type.Optional(
      Type.Array(
        Type.Object(
          { subject: Partial(Entity), resource: Partial(Entity), action: Partial(Action), context: Context },
          { additionalProperties: false },
        ),
        { maxItems: 1000 },
      ),
    ),
    options: Type.Optional(
      Type.Object(
        {
          evaluations_semantic: Type.Optional(
            Type.Union([
              Type.Literal('execute_all'),
              Type.Literal('deny_on_first_deny'),
              Type.Literal('permit_on_first_permit'),
            ]),
          ),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: false },
);

type EvaluationsBody = typeof Evaluations.static;

/**
 * The OpenID AuthZEN Authorization API 1.0 (PDP side): discovery, single and batch evaluation.
 * Callers are resource servers (the resource-server secret) or users asking about themselves
 * (session or Bearer token); an ordinary user asking about someone else gets 403.
 */
export function authzenRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  const base = gatehouse.config.issuer;
  app.get('/.well-known/authzen-configuration', async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send({
      policy_decision_point: base,
      access_evaluation_endpoint: `${base}/access/v1/evaluation`,
      access_evaluations_endpoint: `${base}/access/v1/evaluations`,
    }),
  );

  const secret = gatehouse.config.introspectionSecret;
  const userGate = requireCaller(gatehouse);
  const resourceServers = new WeakSet<FastifyRequest>();
  /** Resource servers (the shared secret) pass; anyone else must be a signed-in user. */
  const callerGate: preHandlerHookHandler = function (request, reply, done) {
    const header = request.headers.authorization ?? '';
    if (secret !== undefined && header.startsWith('Bearer ') && constantTimeEqual(header.slice(7), secret)) {
      resourceServers.add(request);
      done();
      return;
    }
    userGate.call(this, request, reply, done);
  };
  /** A user may only ask about itself. */
  const checkSubjects = (request: FastifyRequest, subjects: readonly string[]) => {
    if (resourceServers.has(request)) return;
    const caller = request.session?.user ?? request.bearer?.user;
    if (caller === undefined) throw new GatehouseError('unauthenticated');
    if (subjects.some((id) => id !== caller.id)) {
      throw new GatehouseError('forbidden', { detail: 'Users may only ask about themselves.' });
    }
  };

  app.post<{ Body: typeof Evaluation.static }>(
    '/access/v1/evaluation',
    { preHandler: callerGate, schema: { body: Evaluation }, bodyLimit: 64 * 1024 },
    async (request, reply) => {
      checkSubjects(request, [request.body.subject.id]);
      const result = await gatehouse.pdp.evaluate(request.body as AccessRequest);
      return reply.header('cache-control', 'no-store').send(answer(result));
    },
  );

  app.post<{ Body: EvaluationsBody }>(
    '/access/v1/evaluations',
    { preHandler: callerGate, schema: { body: Evaluations }, bodyLimit: 256 * 1024 },
    async (request, reply) => {
      const items = expand(request.body);
      checkSubjects(request, [...new Set(items.map((i) => i.subject.id))]);
      const semantic = request.body.options?.evaluations_semantic ?? 'execute_all';
      const results: ReturnType<typeof answer>[] = [];
      for (const item of items) {
        const result = answer(await gatehouse.pdp.evaluate(item));
        results.push(result);
        if (semantic === 'deny_on_first_deny' && !result.decision) break;
        if (semantic === 'permit_on_first_permit' && result.decision) break;
      }
      // Without an `evaluations` array the request is a single evaluation (AuthZEN §7.1).
      if (request.body.evaluations === undefined)
        return reply.header('cache-control', 'no-store').send(results[0]);
      return reply.header('cache-control', 'no-store').send({ evaluations: results });
    },
  );
}

/** Top-level subject, resource, action and context are defaults for every item (§7.1). */
function expand(body: EvaluationsBody): AccessRequest[] {
  const items = body.evaluations ?? [{}];
  return items.map((item) => {
    const subject = item.subject ?? body.subject;
    const resource = item.resource ?? body.resource;
    const action = item.action ?? body.action;
    if (subject === undefined || resource === undefined || action === undefined) {
      throw new GatehouseError('invalid_request', {
        detail: 'Each evaluation needs a subject, a resource and an action.',
      });
    }
    const context = item.context ?? body.context;
    return { subject, resource, action, ...(context === undefined ? {} : { context }) } as AccessRequest;
  });
}

/** Decisions say nothing about how the policy is built: only a coarse reason on denials. */
function answer(result: { decision: boolean; reason: string }) {
  return result.decision ? { decision: true } : { decision: false, context: { reason: result.reason } };
}
