import type { SearchPage } from '../authz/search.ts';

const DEFAULT_LIMIT = 100;

/** A search answer's page, as AuthZEN §8 spells it (`next_token` is "" on the last page). */
export interface PagedResults<T> {
  readonly results: T[];
  readonly page: { readonly next_token: string; readonly count: number };
}

/** The cursor is the last returned key, base64url-encoded: opaque to clients, tamper-harmless. */
export function pageOf(page: { token?: string; limit?: number } | undefined): SearchPage {
  const token = page?.token;
  return {
    limit: page?.limit ?? DEFAULT_LIMIT,
    after: token === undefined || token === '' ? undefined : Buffer.from(token, 'base64url').toString('utf8'),
  };
}

export function paged<T>(result: { results: T[]; nextAfter: string | undefined }): PagedResults<T> {
  return {
    results: result.results,
    page: {
      next_token:
        result.nextAfter === undefined ? '' : Buffer.from(result.nextAfter, 'utf8').toString('base64url'),
      count: result.results.length,
    },
  };
}
