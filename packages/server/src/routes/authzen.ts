import type { FastifyInstance } from 'fastify';
import {
  Evaluation,
  type EvaluationBody,
  Evaluations,
  type EvaluationsBody,
} from '../authz/authzen-schema.ts';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { decisionCaller, requireDecisionCaller } from '../http/decision-caller.ts';
import { authzenSchemas } from '../http/schemas/authzen.ts';

/**
 * The OpenID AuthZEN Authorization API 1.0 (PDP side): discovery, single and batch evaluation.
 * Callers are enforcement points (the resource-server secret) or users asking about themselves
 * (session or Bearer token); an ordinary user asking about someone else gets 403.
 */
export function authzenRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
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

  app.post<{ Body: EvaluationBody }>(
    '/access/v1/evaluation',
    {
      preValidation: callerGate,
      schema: { ...authzenSchemas.evaluation, body: Evaluation },
      bodyLimit: 64 * 1024,
    },
    async (request, reply) => {
      const answer = await commands.evaluate({
        caller: decisionCaller(request),
        evaluation: request.body,
        requestId: request.id,
      });
      return reply.header('cache-control', 'no-store').send(answer);
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
      const answer = await commands.evaluateBatch({
        caller: decisionCaller(request),
        batch: request.body,
        requestId: request.id,
      });
      return reply.header('cache-control', 'no-store').send(answer);
    },
  );
}
