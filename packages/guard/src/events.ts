/**
 * What the guard reports through `onEvent` (log them; none carries a token or secret).
 *
 * - `config.warning`: a setting that works but is not recommended (plain http, no revocation feed);
 * - `revocation_feed.synced`: a catch-up finished; `cursor` is the last applied sequence number;
 * - `revocation_feed.connected`: the live stream is open;
 * - `revocation_feed.disconnected`: the stream or a catch-up failed or ended; retried after `retryInMs`;
 * - `revocation_feed.handoff`: the Gatehouse node ended the stream because it is shutting down (not
 *   a failure: no backoff); the guard catches up and reconnects after `retryInMs`.
 */
export type GuardEvent =
  | { readonly type: 'config.warning'; readonly message: string }
  | { readonly type: 'revocation_feed.synced'; readonly cursor: number; readonly applied: number }
  | { readonly type: 'revocation_feed.connected'; readonly cursor: number }
  | { readonly type: 'revocation_feed.disconnected'; readonly error: unknown; readonly retryInMs: number }
  | { readonly type: 'revocation_feed.handoff'; readonly retryInMs: number };
