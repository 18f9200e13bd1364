import { fastifyGuard, type Guard, GuardError } from '@gatehouse/guard';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type preHandlerAsyncHookHandler,
} from 'fastify';
import { type Note, NoteStore } from './notes.ts';

/**
 * The guide's notes service. Authorization is enforced by the guard *before* each handler runs:
 * no credentials → 401, not allowed → 403, otherwise the handler runs.
 *
 * Reading and creating are plain RBAC (`notes:read`, `notes:write` in the caller's roles). Changing
 * and deleting one note are decided by Gatehouse's policy decision point with the note's owner and
 * archived flag as resource properties — which RBAC alone cannot express: an author may delete
 * their own notes, a moderator anyone's, and nobody may change an archived note
 * (examples/policies/notes.yaml). Without policies, Gatehouse answers from the stored roles.
 */
export function buildNotesApp(options: { guard: Guard; notes?: NoteStore }): FastifyInstance {
  const app = Fastify({ logger: false });
  app.decorateRequest('auth', undefined);
  const notes =
    options.notes ?? new NoteStore([{ ownerId: 'seed', title: 'Welcome', body: 'Try deleting me.' }]);
  const guard = fastifyGuard(options.guard);
  app.removeContentTypeParser('text/plain');

  /**
   * Delegated access tokens (issued to another client than Gatehouse's own login) act only within
   * their scopes: 403 `insufficient_scope` naming the scope. First-party tokens and sessions stand
   * for the user, whose roles and the policy decide.
   */
  const delegatedScope =
    (scope: string): preHandlerAsyncHookHandler =>
    async (request, reply) => {
      const auth = request.auth;
      if (auth?.method !== 'bearer' || auth.token.client_id === FIRST_PARTY_CLIENT) return;
      try {
        options.guard.requireScopes(auth, [scope]);
      } catch (error) {
        if (!(error instanceof GuardError)) throw error;
        return reply.code(error.status).headers(error.headers()).send(JSON.stringify(error.toProblem()));
      }
    };

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/notes', { preHandler: guard.requirePermission('notes:read') }, async () => ({
    notes: notes.list(),
  }));

  app.post<{ Body: { title: string; body: string } }>(
    '/notes',
    {
      preHandler: guard.requirePermission('notes:write'),
      schema: {
        body: {
          type: 'object',
          required: ['title', 'body'],
          additionalProperties: false,
          properties: {
            title: { type: 'string', maxLength: 200 },
            body: { type: 'string', maxLength: 10_000 },
          },
        },
      },
    },
    async (request, reply) => {
      const note = notes.add({ ownerId: request.auth!.principal.subject, ...request.body });
      return reply.code(201).send(note);
    },
  );

  /**
   * The note as the policy sees it: its owner and whether it is archived. A missing note is asked
   * about without properties: those allowed regardless of owner get the handler's 404, others 403.
   */
  const resource = (request: FastifyRequest) => {
    const id = (request.params as { id: string }).id;
    const note = notes.get(id);
    return note === undefined ? { id } : { id: note.id, properties: noteProperties(note) };
  };
  const notFound = (reply: FastifyReply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: 'Not found', status: 404 });

  app.patch<{ Params: { id: string }; Body: { title?: string; body?: string } }>(
    '/notes/:id',
    {
      preHandler: guard.requirePermission('notes:update', { resource }),
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            title: { type: 'string', maxLength: 200 },
            body: { type: 'string', maxLength: 10_000 },
          },
        },
      },
    },
    async (request, reply) => {
      const note = notes.update(request.params.id, request.body);
      return note === undefined ? notFound(reply) : reply.send(note);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/notes/:id/archive',
    { preHandler: guard.requirePermission('notes:update', { resource }) },
    async (request, reply) => {
      const note = notes.update(request.params.id, { archived: true });
      return note === undefined ? notFound(reply) : reply.send(note);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/notes/:id',
    {
      preHandler: [
        guard.authenticated(),
        delegatedScope('notes:delete'),
        guard.requirePermission('notes:delete', { resource }),
      ],
    },
    async (request, reply) => {
      if (!notes.delete(request.params.id)) return notFound(reply);
      return reply.code(204).send();
    },
  );

  return app;
}

/** The client id of Gatehouse's own login (tokens from `POST /login` with `mode: token`). */
const FIRST_PARTY_CLIENT = 'gatehouse';

function noteProperties(note: Note): Record<string, unknown> {
  return { ownerID: note.ownerId, archived: note.archived === true };
}
