/**
 * CSP `form-action` sources for the places a form may redirect to: the origin of each http(s)
 * URI, the scheme of each private-use URI (native apps). Anything unparsable is left out.
 */
export function formActionSources(uris: readonly string[]): string[] {
  const sources = new Set<string>();
  for (const uri of uris) {
    const url = URL.parse(uri);
    if (url === null) continue;
    if (url.protocol === 'http:' || url.protocol === 'https:') sources.add(url.origin);
    else if (/^[a-z][a-z0-9+.-]*:$/.test(url.protocol)) sources.add(url.protocol);
  }
  return [...sources];
}
