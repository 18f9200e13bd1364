import { PROBLEM_MEDIA_TYPE } from '@gatehouse/core/problem-details';
import { type TSchema, Type } from '@sinclair/typebox';

/**
 * The shapes every area's route schemas share: the RFC 9457 problem (http/problem.ts), the OAuth
 * error (http/oauth-error.ts), and the response kinds a route may answer with. Response schemas
 * document; they never serialise (http/openapi.ts keeps JSON.stringify), so a body never loses a
 * member the schema does not name.
 */

/** RFC 9457 problem details, as `sendProblem` writes them. */
export const Problem = Type.Object(
  {
    type: Type.String({ pattern: '^urn:gatehouse:error:[a-z_]+$', description: 'A stable error code.' }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.Optional(Type.String({ description: 'Public detail; never internal causes.' })),
    instance: Type.String({ pattern: '^urn:gatehouse:request:', description: 'The request id.' }),
  },
  { $id: 'Problem', title: 'Problem', description: 'RFC 9457 problem details.' },
);

/** RFC 6749 §5.2 error, as `sendOAuthError` writes it for the token endpoints. */
export const OAuthError = Type.Object(
  {
    error: Type.Union(
      ['invalid_request', 'invalid_grant', 'invalid_token', 'slow_down', 'temporarily_unavailable'].map(
        (code) => Type.Literal(code),
      ),
    ),
    error_description: Type.String(),
  },
  { $id: 'OAuthError', title: 'OAuthError', description: 'RFC 6749 §5.2 error response.' },
);

/** Registered once on the app (`app.addSchema`), so the document lists them as components. */
export const SHARED_SCHEMAS: readonly TSchema[] = [Problem, OAuthError];

const PROBLEM_WHY: Readonly<Record<number, string>> = {
  400: 'Invalid request (body, parameters or a rule of the endpoint).',
  401: 'No valid credentials (with a Bearer challenge).',
  403: 'Authenticated, but not allowed (missing permission or CSRF check failed).',
  404: 'No such resource (or not yours: the two look the same).',
  409: 'Conflict with the current state.',
  412: 'The `If-Match` version is not the current one.',
  413: 'Body too large.',
  415: 'Unsupported media type.',
  429: 'Too many requests (`Retry-After`).',
  503: 'A backing store is not answering (`Retry-After`).',
};

/** A response with a JSON body. */
export function json(schema: TSchema, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** A response with no body (204, a 303 redirect). */
export function empty(description: string) {
  return { description, type: 'null' } as const;
}

/** A server-rendered page (no script; the page CSP applies). */
export function page(description: string) {
  return { description, content: { 'text/html': { schema: Type.String() } } };
}

/** Problem responses for the listed statuses. */
export function problems(...statuses: readonly number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: PROBLEM_WHY[status] ?? 'Problem details.',
        content: { [PROBLEM_MEDIA_TYPE]: { schema: Type.Ref(Problem) } },
      },
    ]),
  );
}

/** OAuth error responses for the listed statuses. */
export function oauthErrors(...statuses: readonly number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: status === 400 ? 'OAuth error.' : 'OAuth error (`Retry-After`).',
        content: { 'application/json': { schema: Type.Ref(OAuthError) } },
      },
    ]),
  );
}

/** One way to authenticate: scheme names (declared in http/openapi.ts) with their scopes. */
export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

/** Security requirements (the schemes are declared in http/openapi.ts). */
export const SECURITY = {
  /** Session cookie (CSRF token on writes), Bearer access token. */
  caller: [{ sessionCookie: [] }, { bearerJwt: [] }],
  /** As `caller`, or an API key (whose rights are its scopes ∩ its owner's permissions). */
  callerOrKey: [{ sessionCookie: [] }, { bearerJwt: [] }, { apiKey: [] }, { apiKeyHeader: [] }],
  session: [{ sessionCookie: [] }],
  /** The resource-server secret (GATEHOUSE_INTROSPECTION_SECRET) as a Bearer token. */
  resourceServer: [{ resourceServer: [] }],
  none: [],
} as const satisfies Record<string, readonly SecurityRequirement[]>;

export const ISO_DATE = Type.String({ format: 'date-time' });
export const NULLABLE_ISO_DATE = Type.Union([ISO_DATE, Type.Null()]);
export const RateLimit = Type.Object({
  limit: Type.Integer({ minimum: 1 }),
  window_seconds: Type.Integer({ minimum: 1 }),
});
