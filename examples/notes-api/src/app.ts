import { fastifyGuard, type Guard } from '@gatehouse/guard';
import Fastify, { type FastifyInstance } from 'fastify';
import { NoteStore } from './notes.ts';

/**
 * The guide's notes service. Authorization is enforced by the guard *before* each handler runs:
 * no session → 401, no `notes:delete` → 403, otherwise the handler deletes and answers 204.
 */
export function buildNotesApp(options: { guard: Guard; notes?: NoteStore }): FastifyInstance {
  const app = Fastify({ logger: false });
  const notes =
    options.notes ?? new NoteStore([{ ownerId: 'seed', title: 'Welcome', body: 'Try deleting me.' }]);
  const guard = fastifyGuard(options.guard);
  app.removeContentTypeParser('text/plain');

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

  app.delete<{ Params: { id: string } }>(
    '/notes/:id',
    { preHandler: guard.requirePermission('notes:delete') },
    async (request, reply) => {
      if (!notes.delete(request.params.id)) {
        return reply
          .code(404)
          .type('application/problem+json')
          .send({ type: 'about:blank', title: 'Not found', status: 404 });
      }
      return reply.code(204).send();
    },
  );

  return app;
}
