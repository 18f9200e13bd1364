/** Tables of the key ring. */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the key-ring work
export interface SigningKeyTables {}
