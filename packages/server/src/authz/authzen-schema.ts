import { Type } from '@sinclair/typebox';

/**
 * The AuthZEN Authorization API 1.0 request shapes, defined once: evaluation (§6), evaluations
 * (§7), search (§8), and the admin API's explain, which takes an evaluation.
 *
 * Unknown members are ignored, as AuthZEN 1.0 requires (forward compatibility): no
 * `additionalProperties: false` here; `accessRequest` keeps only the members AuthZEN defines.
 */
export const Properties = Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.Unknown()));
export const TypeName = Type.String({ minLength: 1, maxLength: 128 });
export const EntityId = Type.String({ minLength: 1, maxLength: 256 });
export const Entity = Type.Object({ type: TypeName, id: EntityId, properties: Properties });
export const Action = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  properties: Properties,
});
export const Context = Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.Unknown()));

/** One access evaluation: every member but `context` is required. */
export const Evaluation = Type.Object({
  subject: Entity,
  resource: Entity,
  action: Action,
  context: Context,
});

/** An item of a batch: what it leaves out comes from the request's top level (§7.1). */
export const EvaluationItem = Type.Object({
  subject: Type.Optional(Entity),
  resource: Type.Optional(Entity),
  action: Type.Optional(Action),
  context: Context,
});

export const EvaluationsSemantic = Type.Union([
  Type.Literal('execute_all'),
  Type.Literal('deny_on_first_deny'),
  Type.Literal('permit_on_first_permit'),
]);

export const Evaluations = Type.Object({
  subject: Type.Optional(Entity),
  resource: Type.Optional(Entity),
  action: Type.Optional(Action),
  context: Context,
  evaluations: Type.Optional(Type.Array(EvaluationItem, { maxItems: 1000 })),
  options: Type.Optional(Type.Object({ evaluations_semantic: Type.Optional(EvaluationsSemantic) })),
});

/** The searched entity: its type is required, an id is ignored (§8). */
export const Searched = Type.Object({ type: TypeName, id: Type.Optional(Type.String({ maxLength: 256 })) });
export const SearchPage = Type.Optional(
  Type.Object({
    token: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{0,700}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  }),
);
export const SubjectSearch = Type.Object({
  subject: Searched,
  resource: Entity,
  action: Action,
  context: Context,
  page: SearchPage,
});
export const ResourceSearch = Type.Object({
  subject: Entity,
  resource: Searched,
  action: Action,
  context: Context,
  page: SearchPage,
});
export const ActionSearch = Type.Object({
  subject: Entity,
  resource: Entity,
  context: Context,
  page: SearchPage,
});

export type EntityBody = typeof Entity.static;
export type ActionBody = typeof Action.static;
export type EvaluationBody = typeof Evaluation.static;
export type EvaluationItemBody = typeof EvaluationItem.static;
export type EvaluationsBody = typeof Evaluations.static;
export type SubjectSearchBody = typeof SubjectSearch.static;
export type ResourceSearchBody = typeof ResourceSearch.static;
export type ActionSearchBody = typeof ActionSearch.static;

/** An AuthZEN access evaluation request (Authorization API 1.0 §6), known members only. */
export interface AccessRequest {
  subject: { type: string; id: string; properties?: Record<string, unknown> };
  resource: { type: string; id: string; properties?: Record<string, unknown> };
  action: { name: string; properties?: Record<string, unknown> };
  context?: Record<string, unknown>;
}

const entity = (e: EntityBody) => ({
  type: e.type,
  id: e.id,
  ...(e.properties === undefined ? {} : { properties: e.properties }),
});
const action = (a: ActionBody) => ({
  name: a.name,
  ...(a.properties === undefined ? {} : { properties: a.properties }),
});

/** Only the members AuthZEN defines reach the decision point; unknown ones are dropped here. */
export function accessRequest(body: {
  subject: EntityBody;
  resource: EntityBody;
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
