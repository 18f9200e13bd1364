import { GatehouseError, isGatehouseError, type RevocationEntry, toWire } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { sendOAuthError } from '../http/oauth-error.ts';
import { storeUnavailable } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { resourceServerGate } from '../http/resource-server-auth.ts';
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

/**
 * The token half of the hybrid model: refresh with rotation, revocation, and the authenticated
 * revocation feed (catch-up by cursor + live SSE stream) that resource servers mirror.
 */
export function tokenRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  app.post<{ Body: typeof RefreshBody.static }>(
    '/token/refresh',
    {
      schema: { body: RefreshBody },
      bodyLimit: 4096,
      errorHandler: (error, _request, reply) => sendOAuthError(reply, tokenEndpointError(error)),
    },
    async (request, reply) => {
      const response = await gatehouse.tokens.refresh(
        request.body.refresh_token,
        request.body.client_id ?? FIRST_PARTY_CLIENT,
        requestMeta(request),
      );
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(response);
    },
  );

  /** RFC 7009 semantics: always 200, whether or not the token was valid. */
  app.post<{ Body: typeof RevokeBody.static }>(
    '/token/revoke',
    {
      schema: { body: RevokeBody },
      bodyLimit: 4096,
      errorHandler: (error, _request, reply) => sendOAuthError(reply, tokenEndpointError(error)),
    },
    async (request, reply) => {
      await gatehouse.tokens.revokeRefreshToken(request.body.refresh_token, requestMeta(request));
      return reply.header('cache-control', 'no-store').send({});
    },
  );

  const secret = gatehouse.config.introspectionSecret;
  if (secret === undefined) return;
  const gate = resourceServerGate(secret);
  // Open streams end when the server closes, so shutdown never waits on a feed subscriber.
  const streams = new Set<import('node:http').ServerResponse>();
  app.addHook('onClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.get<{ Querystring: typeof FeedQuery.static }>(
    '/revocations',
    { onRequest: gate, schema: { querystring: FeedQuery } },
    async (request, reply) => {
      const after = Number(request.query.after ?? 0);
      const entries = await gatehouse.revocations.after(after, PAGE);
      const cursor = entries.length === 0 ? after : entries[entries.length - 1]!.seq;
      return reply.header('cache-control', 'no-store').send({ entries: entries.map(toWire), cursor });
    },
  );

  app.get<{ Querystring: typeof FeedQuery.static }>(
    '/revocations/stream',
    { onRequest: gate, schema: { querystring: FeedQuery } },
    async (request, reply) => {
      let cursor = Number(request.query.after ?? request.headers['last-event-id'] ?? 0);
      if (!Number.isSafeInteger(cursor)) cursor = 0;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      const send = (entries: readonly RevocationEntry[]) => {
        for (const entry of entries) {
          if (entry.seq <= cursor) continue;
          cursor = entry.seq;
          raw.write(`id: ${entry.seq}\nevent: revocation\ndata: ${JSON.stringify(toWire(entry))}\n\n`);
        }
      };
      // Subscribe first, then catch up, so nothing appended in between is missed (seq dedupes).
      const pending: RevocationEntry[] = [];
      let caughtUp = false;
      const unsubscribe = gatehouse.revocations.subscribe((entries) => {
        if (caughtUp) send(entries);
        else pending.push(...entries);
      });
      const ping = setInterval(() => raw.write(': ping\n\n'), 15_000);
      streams.add(raw);
      const close = () => {
        clearInterval(ping);
        unsubscribe();
        streams.delete(raw);
      };
      raw.on('close', close);
      try {
        for (;;) {
          const page = await gatehouse.revocations.after(cursor, PAGE);
          send(page);
          if (page.length < PAGE) break;
        }
        caughtUp = true;
        send(pending.sort((a, b) => a.seq - b.seq));
        raw.write(': ready\n\n');
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
    { onRequest: gate, schema: { body: PermissionsBody }, bodyLimit: 4096 },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const user = await gatehouse.storage.users.findById(request.body.sub);
      if (user === undefined || user.disabled) return { active: false };
      const { permissions } = await gatehouse.permissions.accessOf(user.id);
      return { active: true, sub: user.id, permissions: permissions.toArray() };
    },
  );
}

/** A store failure is a 503 here too (never `invalid_request`: the token may well be valid). */
function tokenEndpointError(error: unknown): GatehouseError {
  if (isGatehouseError(error)) return error;
  return isStoreFailure(error) ? storeUnavailable(error) : new GatehouseError('invalid_request');
}
