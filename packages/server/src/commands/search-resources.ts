import type { ResourceSearchBody } from '../authz/authzen-schema.ts';
import { assertCallerMayAskAbout, type DecisionCaller } from '../authz/decision-caller.ts';
import type { AccessSearch } from '../authz/search.ts';
import { type PagedResults, paged, pageOf } from './search-paging.ts';

/** AuthZEN resource search (§8.5): the resources of a type the subject may act on. */
export function searchResourcesCommand(deps: {
  search: AccessSearch;
}): (input: {
  caller: DecisionCaller;
  search: ResourceSearchBody;
  requestId?: string;
}) => Promise<PagedResults<{ type: string; id: string }>> {
  return async function searchResources({ caller, search, requestId }) {
    const { subject, resource, action, context } = search;
    assertCallerMayAskAbout(caller, [subject]);
    const result = await deps.search.resources(
      { subject, resourceType: resource.type, action, ...(context === undefined ? {} : { context }) },
      pageOf(search.page),
      requestId,
    );
    return paged(result);
  };
}
