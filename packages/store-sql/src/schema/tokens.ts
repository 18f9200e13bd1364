/** Tables of refresh tokens and the revocation index. */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the token work
export interface TokenTables {}
