import { createGuard, type Guard, type GuardOptions } from '@gatehouse/guard';
import type { FastifyInstance } from 'fastify';
import { createHarness, type Harness } from '../../../packages/server/test/harness.ts';
import { buildNotesApp } from '../src/app.ts';
import type { NoteStore } from '../src/notes.ts';

export interface NotesStack {
  /** Gatehouse, listening on a loopback port. */
  readonly h: Harness;
  readonly guard: Guard;
  readonly notesApp: FastifyInstance;
  close(): Promise<void>;
}

/**
 * A real Gatehouse over HTTP and the notes service in front of it, as deployed: the guard talks to
 * Gatehouse at its URL with the introspection secret, plus whatever `guardOptions` adds.
 */
export async function startNotesStack(options: {
  harness: Record<string, unknown>;
  notes: NoteStore;
  guardOptions: (url: string, h: Harness) => Partial<GuardOptions>;
}): Promise<NotesStack> {
  const h = await createHarness(options.harness);
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  const guard = createGuard({
    gatehouseUrl: url,
    introspectionSecret: h.config.introspectionSecret!,
    ...options.guardOptions(url, h),
  });
  await guard.ready();
  const notesApp = buildNotesApp({ guard, notes: options.notes });
  await notesApp.ready();
  return {
    h,
    guard,
    notesApp,
    async close() {
      await notesApp.close();
      await guard.close();
      await h.close();
    },
  };
}
