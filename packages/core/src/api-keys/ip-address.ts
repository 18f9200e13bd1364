/**
 * IP addresses as 128-bit numbers, IPv4 as IPv4-mapped IPv6 (`::ffff:a.b.c.d`), so that one
 * prefix comparison serves both families. Parsing accepts exactly what Node's `net.isIP` accepts
 * (dotted quads without leading zeros; IPv6 with one `::`, an embedded IPv4 tail and a zone id),
 * and the matching is that of Node's `BlockList`; a test holds both against Node's own.
 * Plain TypeScript, no `node:` module: the guard checks allowlists on any runtime.
 */
export interface IpAddress {
  readonly family: 4 | 6;
  /** The address as 128 bits; IPv4 in its IPv4-mapped IPv6 form. */
  readonly bits: bigint;
}

const IPV4_MAPPED = 0xffffn << 32n;
const OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;
const GROUP = /^[0-9A-Fa-f]{1,4}$/;
const ZONE = /%[0-9A-Za-z.:-]+$/;

/** The address, or undefined when `text` is not an IPv4 or IPv6 address. */
export function parseIpAddress(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, bits: IPV4_MAPPED | v4 };
  const v6 = parseIpv6(text.replace(ZONE, ''));
  return v6 === undefined ? undefined : { family: 6, bits: v6 };
}

/** The address family's width in bits: 32 or 128. */
export function addressWidth(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = groups(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1] as string, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const explicit = head.length + tail.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined;
  const all = [...head, ...new Array<number>(8 - explicit).fill(0), ...tail];
  return all.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** The 16-bit groups of one side of `::`; an IPv4 tail counts as two groups. */
function groups(side: string, mayEndInIpv4: boolean): number[] | undefined {
  if (side === '') return [];
  const parts = side.split(':');
  const out: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (mayEndInIpv4 && index === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (GROUP.test(part)) {
      out.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return out;
}
