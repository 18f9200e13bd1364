import {
  type Credential,
  type InvalidCredentialReason,
  readCredential as readFromSource,
} from '@gatehouse/core/credential-reader';
import { cookie, type GuardRequest, hasQueryParameter, header, headerLines } from './request.ts';

export type { Credential, InvalidCredentialReason };

/**
 * Reads the one credential a request may carry with core's reader, exactly as the Gatehouse server
 * reads it (`Authorization: Bearer` or `DPoP`, an API key, or, when sessions are accepted, the
 * session cookie). The guard adds what only it can see: Node's raw header lines (a duplicated
 * Authorization header) and an `access_token` in the query string, both refused.
 */
export function readCredential(
  request: GuardRequest,
  options: { readonly cookieName: string; readonly sessions: boolean; readonly apiKeys?: boolean },
): Credential {
  const { headers } = request;
  return readFromSource(
    {
      headers:
        typeof (headers as Headers).get === 'function'
          ? (headers as Headers)
          : { get: (name) => header(request, name) ?? null },
      sessionCookie: options.sessions ? cookie(request, options.cookieName) : undefined,
      headerLines: request.rawHeaders === undefined ? undefined : (name) => headerLines(request, name),
      tokenInQuery: hasQueryParameter(request, 'access_token'),
    },
    options,
  );
}
