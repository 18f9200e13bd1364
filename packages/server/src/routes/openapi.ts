import type { FastifyInstance } from 'fastify';
import { metaSchemas } from '../http/schemas/meta.ts';
import { sendPage } from '../http/security-headers.ts';
import { apiReferencePage } from '../pages/api-reference-page.ts';

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document generated from the route schemas (http/openapi.ts);
 * `GET /docs/api`: the same document as a server-rendered page (no script, the page CSP).
 */
export function openApiRoutes(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: metaSchemas.document }, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(app.swagger()),
  );
  let rendered: ((nonce: string) => string) | undefined;
  app.get('/docs/api', { schema: metaSchemas.reference }, async (request, reply) => {
    rendered ??= apiReferencePage(app.swagger() as Parameters<typeof apiReferencePage>[0]);
    return sendPage(request, reply, rendered(request.cspNonce));
  });
}
