import { GatehouseError, isGatehouseError, type RevocationEntry, toWire } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { sendOAuthError } from '../http/oauth-error.ts';
import { storeUnavailable } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { resourceServerGate } from '../http/resource-server-auth.ts';
import { tokenSchemas } from '../http/schemas/auth.ts';
import { resourceServerSchemas } from '../http/schemas/resource-servers.ts';
import { isStoreFailure } from '../stores/store-failure.ts';

const CLIENT_ID = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' });
const RefreshBody = Type.Object(
  { refresh_token: Type.String({ maxLength: 256 }), client_id: Type.Optional(CLIENT_ID) },
  { additionalProperties: false },
);
const RevokeBody = Type.Object(
  { refresh_token: Type.String({ maxLength: 256 }), client_id: Type.Optional(CLIENT_ID) },
  { additionalProperties: false },
);
const FeedQuery = Type.Object({ after: Type.Optional(Type.String({ pattern: '^\\d{1,15}$' })) });
const PermissionsBody = Type.Object({ sub: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

export const FIRST_PARTY_CLIENT = 'gatehouse';
const PAGE = 1000;
/** The stream's last words when this node shuts down: reconnect (elsewhere) in about a second. */
const RECONNECT_EVENT = 'retry: 1000\nevent: reconnect\ndata: shutdown\n\n';

/** A node whose revocation index has not read the store for this long ends its streams. */
const STREAM_MAX_STALENESS_MS = 30_000;

/**
 * Where a guard may resume: every entry at or below it has been sent. Not simply the last seq of
 * the page: a lower seq may still be committing (PostgreSQL sequences commit out of order), and
 * this node's watermark is the point below which nothing more is expected. A full page is resumed
 * from its end (the next page follows at once; entries that old are settled).
 */
function resumePoint(after: number, entries: readonly RevocationEntry[], watermark: number): number {
  if (entries.length === 0) return after;
  const last = entries[entries.length - 1]!.seq;
  if (entries.length === PAGE) return last;
  return Math.max(after, Math.min(last, watermark));
}

/**
 * The token half of the hybrid model: refresh with rotation, revocation, and the authenticated
 * revocation feed (catch-up by cursor + live SSE stream) that resource servers mirror.
 */
export function tokenRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  app.post<{ Body: typeof RefreshBody.static }>(
    '/token/refresh',
    {
      schema: { ...tokenSchemas.refresh, body: RefreshBody },
      bodyLimit: 4096,
      errorHandler: (error, _request, reply) => sendOAuthError(reply, tokenEndpointError(error)),
    },
    async (request, reply) => {
      const response = await commands.refreshToken({
        refreshToken: request.body.refresh_token,
        clientId: request.body.client_id ?? FIRST_PARTY_CLIENT,
        meta: requestMeta(request),
      });
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(response);
    },
  );

  /** RFC 7009 semantics: always 200, whether or not the token was valid. */
  app.post<{ Body: typeof RevokeBody.static }>(
    '/token/revoke',
    {
      schema: { ...tokenSchemas.revoke, body: RevokeBody },
      bodyLimit: 4096,
      errorHandler: (error, _request, reply) => sendOAuthError(reply, tokenEndpointError(error)),
    },
    async (request, reply) => {
      await commands.revokeRefreshToken({
        refreshToken: request.body.refresh_token,
        meta: requestMeta(request),
      });
      return reply.header('cache-control', 'no-store').send({});
    },
  );

  const secret = gatehouse.config.introspectionSecret;
  if (secret === undefined) return;
  const gate = resourceServerGate(secret);
  // Open streams end when the node starts shutting down, so shutdown never waits on a feed
  // subscriber: a last `reconnect` event (with a short `retry`) tells the guard to resume from its
  // cursor on another node at once rather than count a failure.
  const streams = new Set<import('node:http').ServerResponse>();
  const endStreams = () => {
    for (const stream of streams) stream.end(RECONNECT_EVENT);
    streams.clear();
  };
  app.connections.signal.addEventListener('abort', endStreams, { once: true });
  app.addHook('preClose', (done) => {
    endStreams();
    done();
  });

  app.get<{ Querystring: typeof FeedQuery.static }>(
    '/revocations',
    { onRequest: gate, schema: { ...resourceServerSchemas.revocations, querystring: FeedQuery } },
    async (request, reply) => {
      const after = Number(request.query.after ?? 0);
      const entries = await gatehouse.revocations.after(after, PAGE);
      const cursor = resumePoint(after, entries, gatehouse.revocations.watermark);
      return reply.header('cache-control', 'no-store').send({ entries: entries.map(toWire), cursor });
    },
  );

  app.get<{ Querystring: typeof FeedQuery.static }>(
    '/revocations/stream',
    { onRequest: gate, schema: { ...resourceServerSchemas.revocationStream, querystring: FeedQuery } },
    async (request, reply) => {
      const start = Number(request.query.after ?? request.headers['last-event-id'] ?? 0);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      if (app.connections.draining) {
        raw.end(RECONNECT_EVENT);
        return;
      }
      // Ended by shutdown while catching up: later writes would be errors.
      const write = (text: string) => {
        if (!raw.writableEnded) raw.write(text);
      };
      // Entries may come out of order (a catch-up finds one pub/sub lost, below others already
      // sent), so each is sent once by its seq, and the event id is a resume point instead: every
      // entry at or below it has been sent (see `resumePoint`).
      const base = Number.isSafeInteger(start) ? start : 0;
      const sent = new Set<number>();
      let caughtUp = false;
      const send = (entries: readonly RevocationEntry[]) => {
        const fresh = entries.filter((e) => e.seq > base && !sent.has(e.seq));
        // The lowest seq still to be written after each entry: the id must stay below it.
        const unsent: number[] = [];
        for (let i = fresh.length - 1, low = Number.POSITIVE_INFINITY; i >= 0; i--) {
          unsent[i] = low;
          low = Math.min(low, fresh[i]!.seq);
        }
        for (const [i, entry] of fresh.entries()) {
          sent.add(entry.seq);
          // Before the catch-up is done, entries the index has applied may still wait in `pending`.
          const watermark = gatehouse.revocations.watermark;
          const id = caughtUp ? Math.max(base, Math.min(watermark, unsent[i]! - 1)) : base;
          write(`id: ${id}\nevent: revocation\ndata: ${JSON.stringify(toWire(entry))}\n\n`);
        }
        // Below the watermark the index passes nothing on any more; `pending` may still repeat the pages.
        if (!caughtUp) return;
        const floor = Math.max(base, gatehouse.revocations.watermark);
        for (const seq of sent) if (seq <= floor) sent.delete(seq);
      };
      // Subscribe first, then catch up, so nothing appended in between is missed (seq dedupes).
      const pending: RevocationEntry[] = [];
      const unsubscribe = gatehouse.revocations.subscribe((entries) => {
        if (caughtUp) send(entries);
        else pending.push(...entries);
      });
      // A node that cannot read the store any more is not a live feed: end the stream, so the guard
      // catches up elsewhere or, failing that, counts its staleness.
      const ping = setInterval(() => {
        if (gatehouse.revocations.staleness() > STREAM_MAX_STALENESS_MS) {
          close();
          raw.end();
        } else write(': ping\n\n');
      }, 15_000);
      streams.add(raw);
      const close = () => {
        clearInterval(ping);
        unsubscribe();
        streams.delete(raw);
      };
      raw.on('close', close);
      try {
        for (let after = base; ; ) {
          const page = await gatehouse.revocations.after(after, PAGE);
          send(page);
          if (page.length < PAGE) break;
          after = page[page.length - 1]!.seq;
        }
        caughtUp = true;
        send(pending.sort((a, b) => a.seq - b.seq));
        write(': ready\n\n');
      } catch (error) {
        request.log.warn({ err: error }, 'revocation stream failed');
        close();
        raw.end();
      }
    },
  );

  /** What a subject may do right now, for guards holding a Bearer token (which carries no permissions). */
  app.post<{ Body: typeof PermissionsBody.static }>(
    '/permissions/introspect',
    {
      onRequest: gate,
      schema: { ...resourceServerSchemas.permissions, body: PermissionsBody },
      bodyLimit: 4096,
    },
    async (request, reply) => {
      const answer = await commands.subjectPermissions({ subject: request.body.sub });
      return reply.header('cache-control', 'no-store').send(answer);
    },
  );
}

/** A store failure is a 503 here too (never `invalid_request`: the token may well be valid). */
function tokenEndpointError(error: unknown): GatehouseError {
  if (isGatehouseError(error)) return error;
  return isStoreFailure(error) ? storeUnavailable(error) : new GatehouseError('invalid_request');
}
