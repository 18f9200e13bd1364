/** The fixed start of every Gatehouse API key (portable: the credential reader routes by it). */
export const API_KEY_PREFIX = 'gatehouse_';

/** True when the string claims to be a Gatehouse API key (prefix only; used to route credentials). */
export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX);
}
