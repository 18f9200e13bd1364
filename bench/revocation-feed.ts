/** One entry of Gatehouse's revocation feed, as `/revocations` lists it. */
export interface FeedEntry {
  readonly seq: number;
  readonly type: string;
  readonly value: string;
  readonly at: number;
  readonly expires_at: number;
}

/** 1 000 revocations of other tokens (cycling through `types`), live for the next 15 minutes. */
export function otherRevocations(types: readonly string[], now: number): FeedEntry[] {
  return Array.from({ length: 1000 }, (_, i) => ({
    seq: i + 1,
    type: types[i % types.length] as string,
    value: `revoked-${i}`,
    at: now - 60,
    expires_at: now + 900,
  }));
}

/**
 * Gatehouse's revocation feed in process, for a guard under benchmark: the stream says it is
 * ready and then stays quiet; any other request gets the page of `entries` after its cursor.
 */
export function feedResponse(url: URL, entries: readonly FeedEntry[]): Response {
  if (url.pathname === '/revocations/stream') {
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode(': ready\n\n')),
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  }
  const after = Number(url.searchParams.get('after') ?? 0);
  const page = entries.filter((e) => e.seq > after).slice(0, 1000);
  return Response.json({ entries: page, cursor: page.at(-1)?.seq ?? after });
}
