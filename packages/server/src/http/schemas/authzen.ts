import { Type } from '@sinclair/typebox';
import { json, problems, SECURITY } from './common.ts';

const Decision = Type.Object({
  decision: Type.Boolean(),
  context: Type.Optional(
    Type.Object({ reason: Type.String({ description: 'A coarse reason, on denials only.' }) }),
  ),
});

const Paged = Type.Object({
  results: Type.Array(Type.Object({}, { additionalProperties: true })),
  page: Type.Object({
    next_token: Type.String({ description: '"" on the last page.' }),
    count: Type.Integer({ minimum: 0 }),
  }),
});

/** Enforcement points (the resource-server secret), or users asking about themselves. */
const DECISION_CALLERS = [...SECURITY.resourceServer, ...SECURITY.caller];

const pdp = (summary: string) => ({ tags: ['authzen'], summary, security: DECISION_CALLERS });

export const authzenSchemas = {
  configuration: {
    tags: ['authzen'],
    summary: 'AuthZEN PDP metadata',
    security: SECURITY.none,
    response: {
      200: json(
        Type.Object({
          policy_decision_point: Type.String(),
          access_evaluation_endpoint: Type.String(),
          access_evaluations_endpoint: Type.String(),
          search_subject_endpoint: Type.String(),
          search_resource_endpoint: Type.String(),
          search_action_endpoint: Type.String(),
        }),
        'The metadata (cacheable 5 minutes).',
      ),
    },
  },
  evaluation: {
    ...pdp('One access evaluation'),
    response: { 200: json(Decision, 'The decision.'), ...problems(400, 401, 403, 503) },
  },
  evaluations: {
    ...pdp('A batch of access evaluations'),
    response: {
      200: json(
        Type.Union([Decision, Type.Object({ evaluations: Type.Array(Decision) })]),
        'One decision per item (or one decision without an `evaluations` array).',
      ),
      ...problems(400, 401, 403, 503),
    },
  },
  searchSubject: {
    ...pdp('Subjects that may act (enforcement points only)'),
    response: { 200: json(Paged, 'Subjects `{type, id}`, paged.'), ...problems(400, 401, 403, 503) },
  },
  searchResource: {
    ...pdp('Resources a subject may act on'),
    response: { 200: json(Paged, 'Resources `{type, id}`, paged.'), ...problems(400, 401, 403, 503) },
  },
  searchAction: {
    ...pdp('Actions a subject may take on a resource'),
    response: { 200: json(Paged, 'Actions `{name}`, paged.'), ...problems(400, 401, 403, 503) },
  },
};
