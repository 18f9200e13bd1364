/** A token refused for a reason the client may not learn: core's, so every verifier throws the same. */
export { AccessTokenRejected as TokenRejected } from '@gatehouse/core/access-token';
