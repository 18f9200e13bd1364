/**
 * Helpers for PHC-style strings (`$id$param=value,…$salt$hash`), the self-describing form every
 * imported hash is stored in: base64 without padding, as the PHC string format specifies.
 */

export function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard base64, padded or not; undefined when the text is not base64. */
export function fromB64(text: string): Buffer | undefined {
  if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1) return undefined;
  return Buffer.from(text, 'base64');
}

/** `a=1,b=x` → a map; undefined when malformed. */
export function phcParams(text: string): Map<string, string> | undefined {
  const params = new Map<string, string>();
  for (const pair of text.split(',')) {
    const match = /^([a-z0-9-]{1,32})=([A-Za-z0-9/+.-]*)$/.exec(pair);
    if (match === null || params.has(match[1]!)) return undefined;
    params.set(match[1]!, match[2]!);
  }
  return params;
}

/** A whole-number parameter within bounds, else undefined. */
export function intParam(
  params: Map<string, string>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const text = params.get(name);
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}
