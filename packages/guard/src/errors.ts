/** The guard's closed list of refusals, each with its status and a generic public text. */
export const guardErrors = {
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  csrf_failed: { status: 403, title: 'Cross-site request refused' },
  unavailable: { status: 503, title: 'Authentication service unavailable' },
} as const;

export type GuardErrorCode = keyof typeof guardErrors;

export class GuardError extends Error {
  readonly code: GuardErrorCode;
  readonly status: number;

  constructor(code: GuardErrorCode, options?: { cause?: unknown }) {
    super(guardErrors[code].title, options);
    this.name = 'GuardError';
    this.code = code;
    this.status = guardErrors[code].status;
  }

  /** RFC 9457 problem details; says nothing about internals. */
  toProblem(): { type: string; title: string; status: number } {
    return { type: `urn:gatehouse:error:${this.code}`, title: this.title, status: this.status };
  }

  get title(): string {
    return guardErrors[this.code].title;
  }

  /** Headers that go with the refusal. */
  headers(): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/problem+json; charset=utf-8',
      'cache-control': 'no-store',
    };
    if (this.status === 401) headers['www-authenticate'] = 'Session realm="gatehouse"';
    if (this.status === 503) headers['retry-after'] = '1';
    return headers;
  }

  toResponse(): Response {
    return new Response(JSON.stringify(this.toProblem()), { status: this.status, headers: this.headers() });
  }
}
