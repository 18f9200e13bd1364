import type { FastifyInstance } from 'fastify';
import {
  ActionSearch,
  type ActionSearchBody,
  ResourceSearch,
  type ResourceSearchBody,
  SubjectSearch,
  type SubjectSearchBody,
} from '../authz/authzen-schema.ts';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { decisionCaller, requireDecisionCaller } from '../http/decision-caller.ts';
import { authzenSchemas } from '../http/schemas/authzen.ts';

/**
 * AuthZEN 1.0 search (§8): `POST /access/v1/search/subject`, `/search/resource`, `/search/action`,
 * paged with `page.token` / `page.limit` and answered with `page.next_token` ("" on the last page).
 * Subject search lists other users, so it is for enforcement points only; a user may search
 * resources and actions for itself.
 */
export function authzenSearchRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const callerGate = requireDecisionCaller(gatehouse);
  const options = (body: object, doc: object) => ({
    preValidation: callerGate,
    schema: { ...doc, body },
    bodyLimit: 64 * 1024,
  });

  app.post<{ Body: SubjectSearchBody }>(
    '/access/v1/search/subject',
    options(SubjectSearch, authzenSchemas.searchSubject),
    async (request, reply) => {
      const caller = decisionCaller(request);
      const answer = await commands.searchSubjects({ caller, search: request.body, requestId: request.id });
      return reply.header('cache-control', 'no-store').send(answer);
    },
  );

  app.post<{ Body: ResourceSearchBody }>(
    '/access/v1/search/resource',
    options(ResourceSearch, authzenSchemas.searchResource),
    async (request, reply) => {
      const caller = decisionCaller(request);
      const answer = await commands.searchResources({ caller, search: request.body, requestId: request.id });
      return reply.header('cache-control', 'no-store').send(answer);
    },
  );

  app.post<{ Body: ActionSearchBody }>(
    '/access/v1/search/action',
    options(ActionSearch, authzenSchemas.searchAction),
    async (request, reply) => {
      const caller = decisionCaller(request);
      const answer = await commands.searchActions({ caller, search: request.body, requestId: request.id });
      return reply.header('cache-control', 'no-store').send(answer);
    },
  );
}
