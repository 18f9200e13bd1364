import { GatehouseError } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import type { RowReport } from '../commands/import-users.ts';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { assertPermission, callerUser, requireCaller, requirePermission } from '../http/authenticate.ts';
import { requestMeta } from '../http/request-meta.ts';
import { ImportBody, importUsersSchema, MAX_IMPORT_ROWS } from '../http/schemas/admin-user-import.ts';
import type { RawRow } from '../import/import-row.ts';
import { parseJsonLine } from '../import/row-sources.ts';

/** 10,000 rows of a few hundred bytes each, and no more. */
const IMPORT_BODY_LIMIT = 5 * 1024 * 1024;

/**
 * `POST /admin/v1/users/import`: the import command over a request body, a JSON array or JSON
 * Lines (`application/x-ndjson`), answered with a report of every row. Nothing is resumed here:
 * a caller sends the rows a report did not accept again, or the next slice of a large file.
 */
export function adminUserImportRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const caller = requireCaller(gatehouse, undefined, { apiKeys: true });
  app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-ndjson',
      { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );
    scope.post<{ Body: typeof ImportBody.static }>(
      '/admin/v1/users/import',
      {
        preHandler: [caller, requirePermission(gatehouse, 'users:write')],
        schema: { ...importUsersSchema, body: ImportBody },
        bodyLimit: IMPORT_BODY_LIMIT,
      },
      async (request, reply) => {
        const rows = rowsOf(request.body);
        if (rows.length === 0) throw new GatehouseError('invalid_request', { detail: 'No rows to import.' });
        if (rows.length > MAX_IMPORT_ROWS)
          throw new GatehouseError('invalid_request', {
            detail: `At most ${MAX_IMPORT_ROWS} rows a request.`,
          });
        if (rows.some((row) => 'value' in row && grantsRoles(row.value)))
          await assertPermission(gatehouse, request, 'roles:write');
        const reports: RowReport[] = [];
        const result = await commands.importUsers({
          rows,
          meta: requestMeta(request, callerUser(request)?.id),
          onBatch: (batch) => {
            reports.push(...batch.reports);
          },
        });
        return reply.header('cache-control', 'no-store').send({ ...result, rows: reports });
      },
    );
  });
}

function rowsOf(body: typeof ImportBody.static): RawRow[] {
  if (Array.isArray(body)) return body.map((value, index) => ({ line: index + 1, value }));
  return body
    .split('\n')
    .map((text, index) => ({ text, line: index + 1 }))
    .filter(({ text }) => text.trim() !== '')
    .map(({ text, line }) => parseJsonLine(text, line));
}

function grantsRoles(value: unknown): boolean {
  const roles = (value as { roles?: unknown } | null)?.roles;
  return Array.isArray(roles) && roles.length > 0;
}
