/** A token refused for a reason the client may not learn (`reason` is for logs and tests). */
export class TokenRejected extends Error {
  readonly reason: string;
  constructor(reason: string, cause?: unknown) {
    super(`access token rejected: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'TokenRejected';
    this.reason = reason;
  }
}
