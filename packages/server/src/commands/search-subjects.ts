import { GatehouseError } from '@gatehouse/core';
import type { SubjectSearchBody } from '../authz/authzen-schema.ts';
import type { DecisionCaller } from '../authz/decision-caller.ts';
import type { AccessSearch } from '../authz/search.ts';
import { type PagedResults, paged, pageOf } from './search-paging.ts';

/** AuthZEN subject search (§8.4): it lists other users, so it is for enforcement points only. */
export function searchSubjectsCommand(deps: {
  search: AccessSearch;
}): (input: {
  caller: DecisionCaller;
  search: SubjectSearchBody;
  requestId?: string;
}) => Promise<PagedResults<{ type: string; id: string }>> {
  return async function searchSubjects({ caller, search, requestId }) {
    if (caller.kind !== 'enforcement_point') {
      throw new GatehouseError('forbidden', { detail: 'Subject search is for enforcement points.' });
    }
    const { subject, resource, action, context } = search;
    const result = await deps.search.subjects(
      { subjectType: subject.type, resource, action, ...(context === undefined ? {} : { context }) },
      pageOf(search.page),
      requestId,
    );
    return paged(result);
  };
}
