import { Type } from '@sinclair/typebox';
import { json, page, SECURITY } from './common.ts';

export const metaSchemas = {
  document: {
    tags: ['meta'],
    summary: 'This OpenAPI 3.1 document',
    security: SECURITY.none,
    response: {
      200: json(Type.Object({ openapi: Type.String() }, { additionalProperties: true }), 'The document.'),
    },
  },
  reference: {
    tags: ['meta'],
    summary: 'The API reference, rendered from this document',
    security: SECURITY.none,
    response: { 200: page('The reference page (no script).') },
  },
};
