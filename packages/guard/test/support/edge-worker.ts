/**
 * A Cloudflare-Workers-style module (`export default { fetch }`, configuration from `env`) protected
 * by the guard's fetch adapter: the edge-runtime test bundles it for a platform with no Node
 * built-ins and drives it with Web `Request`s.
 */
import { createGuard, type Guard } from '@gatehouse/guard';
import { withAuth } from '@gatehouse/guard/fetch';

export interface Env {
  readonly ISSUER: string;
  readonly AUDIENCE: string;
  readonly INTROSPECTION_SECRET: string;
}

let handler: ((request: Request) => Promise<Response>) | undefined;
let guard: Guard | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    guard ??= createGuard({
      issuer: env.ISSUER,
      audience: env.AUDIENCE,
      introspectionSecret: env.INTROSPECTION_SECRET,
      apiKeys: true,
      // A worker has no long-lived process to hold the feed's stream open.
      revocationFeed: false,
      realm: 'notes',
    });
    handler ??= withAuth((_request, auth) => Response.json({ subject: auth.principal.subject }), {
      guard,
      scopes: ['notes:read'],
    });
    return handler(request);
  },
  close(): Promise<void> | undefined {
    return guard?.close();
  },
};
