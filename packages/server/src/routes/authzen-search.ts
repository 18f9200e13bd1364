import { GatehouseError } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AccessSearch, type SearchPage } from '../authz/search.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { assertMayAskAbout, decisionCaller, requireDecisionCaller } from '../http/decision-caller.ts';
import { authzenSchemas } from '../http/schemas/authzen.ts';

// As for evaluations: unknown members are ignored (no additionalProperties: false).
const Properties = Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.Unknown()));
const TypeName = Type.String({ minLength: 1, maxLength: 128 });
const Id = Type.String({ minLength: 1, maxLength: 256 });
const Entity = Type.Object({ type: TypeName, id: Id, properties: Properties });
/** The searched entity: its type is required, an id is ignored (§8). */
const Searched = Type.Object({ type: TypeName, id: Type.Optional(Type.String({ maxLength: 256 })) });
const Action = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }), properties: Properties });
const Context = Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.Unknown()));
const Page = Type.Optional(
  Type.Object({
    token: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{0,700}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  }),
);
const SubjectSearch = Type.Object({
  subject: Searched,
  resource: Entity,
  action: Action,
  context: Context,
  page: Page,
});
const ResourceSearch = Type.Object({
  subject: Entity,
  resource: Searched,
  action: Action,
  context: Context,
  page: Page,
});
const ActionSearch = Type.Object({ subject: Entity, resource: Entity, context: Context, page: Page });

const DEFAULT_LIMIT = 100;

/**
 * AuthZEN 1.0 search (§8): `POST /access/v1/search/subject`, `/search/resource`, `/search/action`,
 * paged with `page.token` / `page.limit` and answered with `page.next_token` ("" on the last page).
 * Subject search lists other users, so it is for enforcement points only; a user may search
 * resources and actions for itself.
 */
export function authzenSearchRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  const search = new AccessSearch({
    pdp: gatehouse.pdp,
    policies: gatehouse.policies,
    users: gatehouse.storage.users,
    permissions: gatehouse.permissions,
  });
  const callerGate = requireDecisionCaller(gatehouse);
  const options = (body: object, doc: object) => ({
    preValidation: callerGate,
    schema: { ...doc, body },
    bodyLimit: 64 * 1024,
  });

  app.post<{ Body: typeof SubjectSearch.static }>(
    '/access/v1/search/subject',
    options(SubjectSearch, authzenSchemas.searchSubject),
    async (request, reply) => {
      if (decisionCaller(request).kind !== 'enforcement_point') {
        throw new GatehouseError('forbidden', { detail: 'Subject search is for enforcement points.' });
      }
      const { subject, resource, action, context } = request.body;
      const result = await search.subjects(
        { subjectType: subject.type, resource, action, ...(context === undefined ? {} : { context }) },
        pageOf(request),
        request.id,
      );
      return reply.header('cache-control', 'no-store').send(paged(result));
    },
  );

  app.post<{ Body: typeof ResourceSearch.static }>(
    '/access/v1/search/resource',
    options(ResourceSearch, authzenSchemas.searchResource),
    async (request, reply) => {
      const { subject, resource, action, context } = request.body;
      assertMayAskAbout(request, [subject]);
      const result = await search.resources(
        { subject, resourceType: resource.type, action, ...(context === undefined ? {} : { context }) },
        pageOf(request),
        request.id,
      );
      return reply.header('cache-control', 'no-store').send(paged(result));
    },
  );

  app.post<{ Body: typeof ActionSearch.static }>(
    '/access/v1/search/action',
    options(ActionSearch, authzenSchemas.searchAction),
    async (request, reply) => {
      const { subject, resource, context } = request.body;
      assertMayAskAbout(request, [subject]);
      const result = await search.actions(
        { subject, resource, ...(context === undefined ? {} : { context }) },
        pageOf(request),
        request.id,
      );
      return reply.header('cache-control', 'no-store').send(paged(result));
    },
  );
}

/** The cursor is the last returned key, base64url-encoded: opaque to clients, tamper-harmless. */
function pageOf(request: FastifyRequest): SearchPage {
  const page = (request.body as { page?: { token?: string; limit?: number } }).page;
  const token = page?.token;
  return {
    limit: page?.limit ?? DEFAULT_LIMIT,
    after: token === undefined || token === '' ? undefined : Buffer.from(token, 'base64url').toString('utf8'),
  };
}

function paged<T>(result: { results: T[]; nextAfter: string | undefined }) {
  return {
    results: result.results,
    page: {
      next_token:
        result.nextAfter === undefined ? '' : Buffer.from(result.nextAfter, 'utf8').toString('base64url'),
      count: result.results.length,
    },
  };
}
