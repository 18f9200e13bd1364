/** The revocation-feed `sid` value of a grant (prefixed: never equal to a session id). */
export function grantSid(grantId: string): string {
  return `grant:${grantId}`;
}
