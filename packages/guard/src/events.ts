/**
 * What the guard reports through `onEvent` (log them; none carries a token or secret).
 *
 * - `config.warning`: a setting that works but is not recommended (plain http, no revocation feed);
 * - `revocation_feed.synced`: a catch-up finished; `cursor` is the last applied sequence number;
 * - `revocation_feed.connected`: the live stream is open;
 * - `revocation_feed.disconnected`: the stream or a catch-up failed or ended; retried after `retryInMs`;
 * - `revocation_feed.handoff`: the Gatehouse node ended the stream because it is shutting down (not
 *   a failure: no backoff); the guard catches up and reconnects after `retryInMs`;
 * - `revocation_feed.stale`: a Bearer token met a feed silent for longer than the staleness bound
 *   (once per outage); `failure` says whether such tokens are now refused (`closed`) or accepted
 *   against the revocations known at `lastSyncAt` (`open`, ms since epoch; undefined: never synced);
 * - `revocation_feed.recovered`: the feed caught up again after being stale.
 */
export type GuardEvent =
  | { readonly type: 'config.warning'; readonly message: string }
  | { readonly type: 'revocation_feed.synced'; readonly cursor: number; readonly applied: number }
  | { readonly type: 'revocation_feed.connected'; readonly cursor: number }
  | { readonly type: 'revocation_feed.disconnected'; readonly error: unknown; readonly retryInMs: number }
  | { readonly type: 'revocation_feed.handoff'; readonly retryInMs: number }
  | {
      readonly type: 'revocation_feed.stale';
      readonly failure: 'closed' | 'open';
      readonly stalenessMs: number;
      readonly lastSyncAt: number | undefined;
    }
  | { readonly type: 'revocation_feed.recovered' };
