/**
 * One table of `Authorization` header values and how every Gatehouse API answers them — the
 * server's own APIs and a guard in front of a resource server alike (issue 15 #12). `{token}`
 * stands for a valid access token of the API under test.
 *
 * - `accepted`: the token is read and verified (the scheme is case-insensitive, RFC 9110 §11.1);
 * - `unauthenticated`: a scheme these APIs do not take: 401 with a bare `Bearer` challenge
 *   (RFC 6750 §3.1), as if no credential had been sent;
 * - `invalid_request`: a malformed credential: 400 with `error="invalid_request"`.
 */
export const AUTHORIZATION_HEADER_CASES: ReadonlyArray<{
  readonly name: string;
  readonly header: string;
  readonly outcome: 'accepted' | 'unauthenticated' | 'invalid_request';
}> = [
  { name: 'Bearer', header: 'Bearer {token}', outcome: 'accepted' },
  { name: 'lower-case bearer', header: 'bearer {token}', outcome: 'accepted' },
  { name: 'upper-case BEARER', header: 'BEARER {token}', outcome: 'accepted' },
  { name: 'two spaces after the scheme', header: 'Bearer  {token}', outcome: 'accepted' },
  { name: 'the Basic scheme', header: 'Basic dXNlcjpwYXNz', outcome: 'unauthenticated' },
  { name: 'the Digest scheme', header: 'Digest username="a", realm="b"', outcome: 'unauthenticated' },
  { name: 'a Bearer-like scheme name', header: 'Bearerx {token}', outcome: 'unauthenticated' },
  { name: 'Bearer without a token', header: 'Bearer', outcome: 'invalid_request' },
  { name: 'Bearer and spaces only', header: 'Bearer   ', outcome: 'invalid_request' },
  { name: 'a token with a space in it', header: 'Bearer {token} extra', outcome: 'invalid_request' },
  { name: 'a character outside b64token', header: 'Bearer a.b.c"', outcome: 'invalid_request' },
  {
    name: 'two tokens folded into one header',
    header: 'Bearer {token}, Bearer {token}',
    outcome: 'invalid_request',
  },
];
