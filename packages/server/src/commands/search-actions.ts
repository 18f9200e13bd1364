import type { ActionSearchBody } from '../authz/authzen-schema.ts';
import { assertCallerMayAskAbout, type DecisionCaller } from '../authz/decision-caller.ts';
import type { AccessSearch } from '../authz/search.ts';
import { type PagedResults, paged, pageOf } from './search-paging.ts';

/** AuthZEN action search (§8.6): the actions the subject may perform on the resource. */
export function searchActionsCommand(deps: {
  search: AccessSearch;
}): (input: {
  caller: DecisionCaller;
  search: ActionSearchBody;
  requestId?: string;
}) => Promise<PagedResults<{ name: string }>> {
  return async function searchActions({ caller, search, requestId }) {
    const { subject, resource, context } = search;
    assertCallerMayAskAbout(caller, [subject]);
    const result = await deps.search.actions(
      { subject, resource, ...(context === undefined ? {} : { context }) },
      pageOf(search.page),
      requestId,
    );
    return paged(result);
  };
}
