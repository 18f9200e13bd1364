import { BlockList, isIP } from 'node:net';

/** A per-key network allowlist, on Node's own BlockList (IPv4, IPv6 and IPv4-mapped IPv6). */
export class CidrList {
  readonly #list = new BlockList();

  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [address, prefix] = split(cidr);
      this.#list.addSubnet(address, prefix, isIP(address) === 6 ? 'ipv6' : 'ipv4');
    }
  }

  static isValid(cidr: string): boolean {
    if (cidr.length > 64) return false;
    try {
      const [address, prefix] = split(cidr);
      const family = isIP(address);
      return family !== 0 && prefix <= (family === 6 ? 128 : 32);
    } catch {
      return false;
    }
  }

  contains(ip: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    const address = mapped?.[1] ?? ip;
    const family = isIP(address);
    if (family === 0) return false;
    return this.#list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

function split(cidr: string): [string, number] {
  const match = /^([0-9A-Fa-f.:]+)\/(\d{1,3})$/.exec(cidr);
  if (match === null) throw new Error('not CIDR notation');
  return [match[1] as string, Number(match[2])];
}
