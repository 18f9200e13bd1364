import { addressWidth, type IpAddress, parseIpAddress } from './ip-address.ts';

interface Subnet {
  readonly network: bigint;
  readonly mask: bigint;
}

const ALL_BITS = (1n << 128n) - 1n;

/**
 * A per-key network allowlist over IPv4, IPv6 and IPv4-mapped IPv6 addresses. Portable (no
 * `node:` module, so the guard checks it on any runtime); it answers as Node's `BlockList` did.
 */
export class CidrList {
  readonly #subnets: readonly Subnet[];

  constructor(cidrs: readonly string[]) {
    this.#subnets = cidrs.map((cidr) => {
      const [address, prefix] = split(cidr);
      if (address === undefined) throw new Error('not an IP address');
      if (prefix > addressWidth(address.family)) throw new RangeError('prefix longer than the address');
      // Both families live in 128 bits: an IPv4 prefix covers the mapped address's last 32.
      const bits = prefix + 128 - addressWidth(address.family);
      const mask = bits === 0 ? 0n : (ALL_BITS << BigInt(128 - bits)) & ALL_BITS;
      return { network: address.bits & mask, mask };
    });
  }

  static isValid(cidr: string): boolean {
    if (cidr.length > 64) return false;
    try {
      const [address, prefix] = split(cidr);
      return address !== undefined && prefix <= addressWidth(address.family);
    } catch {
      return false;
    }
  }

  contains(ip: string): boolean {
    const address = parseIpAddress(ip);
    if (address === undefined) return false;
    return this.#subnets.some((subnet) => (address.bits & subnet.mask) === subnet.network);
  }
}

function split(cidr: string): [IpAddress | undefined, number] {
  const match = /^([0-9A-Fa-f.:]+)\/(\d{1,3})$/.exec(cidr);
  if (match === null) throw new Error('not CIDR notation');
  return [parseIpAddress(match[1] as string), Number(match[2])];
}
