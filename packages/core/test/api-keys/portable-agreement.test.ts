/**
 * The API-key format and the CIDR allowlists moved off `node:zlib`, `node:crypto` and `node:net`
 * (so the guard runs on any runtime). These properties hold the portable code to the Node code it
 * replaced: the same checksums, the same addresses accepted, the same allowlist verdicts.
 */
import { BlockList, isIP } from 'node:net';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CidrList } from '../../src/api-keys/cidr.ts';
import { crc32 } from '../../src/api-keys/crc32.ts';
import { assembleApiKey, parseApiKey } from '../../src/api-keys/format.ts';
import { parseIpAddress } from '../../src/api-keys/ip-address.ts';

/** The allowlist as it was, on Node's BlockList (the reference). */
class NodeCidrList {
  readonly #list = new BlockList();
  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [address, prefix] = cidr.split('/') as [string, string];
      this.#list.addSubnet(address, Number(prefix), isIP(address) === 6 ? 'ipv6' : 'ipv4');
    }
  }
  contains(ip: string): boolean {
    const address = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1] ?? ip;
    const family = isIP(address);
    return family !== 0 && this.#list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const base62 = (length: number) =>
  fc.array(fc.constantFrom(...BASE62), { minLength: length, maxLength: length }).map((c) => c.join(''));

const octets = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });
const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
  minLength: 8,
  maxLength: 8,
});

/** IPv6 text in the shapes people write: full, `::`-compressed, IPv4-mapped, embedded IPv4, zoned. */
const ipv6 = fc
  .tuple(groups, fc.boolean(), fc.nat(7), fc.nat(7), fc.boolean(), fc.boolean(), fc.boolean())
  .map(([g, mapped, from, length, dotted, upper, zoned]) => {
    const words = mapped ? [0, 0, 0, 0, 0, 0xffff, g[6] as number, g[7] as number] : g;
    let parts = words.map((w) => w.toString(16));
    if (dotted) {
      const [a, b] = words.slice(6) as [number, number];
      parts = [...parts.slice(0, 6), `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`];
    }
    const end = Math.min(parts.length, from + length);
    let text = parts.join(':');
    if (end > from) text = `${parts.slice(0, from).join(':')}::${parts.slice(end).join(':')}`;
    if (upper) text = text.toUpperCase();
    return zoned ? `${text}%eth0` : text;
  });
const ipv4 = octets.map((o) => o.join('.'));
const address = fc.oneof(ipv4, ipv6);
/** Near-miss strings: the characters of addresses, in any order. */
const noise = fc
  .array(fc.constantFrom(...'0123456789abcdefABCDEF.:%0'), { maxLength: 24 })
  .map((c) => c.join(''));

const cidr = fc.oneof(
  fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`),
  fc
    .tuple(
      ipv6.filter((a) => !a.includes('%')),
      fc.integer({ min: 0, max: 128 }),
    )
    .map(([a, p]) => `${a}/${p}`),
);

describe('portable API-key format and allowlists agree with the Node code they replace', () => {
  it('CRC-32 is zlib.crc32, on ASCII and on any Unicode text', () => {
    expect(crc32('')).toBe(0);
    expect(crc32('123456789')).toBe(0xcbf43926); // the CRC-32/ISO-HDLC check value
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (t) => crc32(t) === zlibCrc32(t)));
  });

  it('key checksums are unchanged (a vector recorded from the node:zlib version, and random keys)', () => {
    expect(assembleApiKey('0123456789ABCDEF', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG').raw).toBe(
      'gatehouse_0123456789ABCDEF_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG3jmerv',
    );
    expect(assembleApiKey('zzzzzzzzzzzzzzzz', '0'.repeat(43)).raw).toBe(
      `gatehouse_zzzzzzzzzzzzzzzz_${'0'.repeat(43)}0HpGAz`,
    );
    fc.assert(
      fc.property(base62(16), base62(43), (id, secret) => {
        const body = `gatehouse_${id}_${secret}`;
        let value = zlibCrc32(body);
        let sum = '';
        for (let i = 0; i < 6; i++, value = Math.floor(value / 62)) sum = BASE62[value % 62] + sum;
        expect(assembleApiKey(id, secret).raw).toBe(body + sum);
        expect(parseApiKey(body + sum)?.id).toBe(id);
      }),
    );
  });

  it('accepts exactly the addresses net.isIP accepts, in the same family', () => {
    fc.assert(
      fc.property(fc.oneof(address, noise), (text) => {
        expect(parseIpAddress(text)?.family ?? 0).toBe(isIP(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('validates CIDR notation as before', () => {
    const reference = (c: string) => {
      const match = /^([0-9A-Fa-f.:]+)\/(\d{1,3})$/.exec(c);
      const family = match === null ? 0 : isIP(match[1] as string);
      return family !== 0 && Number(match?.[2]) <= (family === 6 ? 128 : 32);
    };
    const near = fc.tuple(fc.oneof(address, noise), fc.nat(140)).map(([a, p]) => `${a}/${p}`);
    fc.assert(
      fc.property(fc.oneof(cidr, near), (c) => {
        expect(CidrList.isValid(c)).toBe(reference(c));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the verdicts of Node’s BlockList, across families and IPv4-mapped forms', () => {
    fc.assert(
      fc.property(fc.array(cidr, { minLength: 1, maxLength: 4 }), fc.oneof(address, noise), (cidrs, ip) => {
        expect(new CidrList(cidrs).contains(ip)).toBe(new NodeCidrList(cidrs).contains(ip));
      }),
      { numRuns: 5000 },
    );
  });

  it('gives the verdicts of Node’s BlockList for addresses inside and at the edges of each subnet', () => {
    // Random addresses rarely fall inside a narrow subnet: derive them from the subnet itself.
    const inside = fc.tuple(ipv4, fc.integer({ min: 0, max: 32 }), fc.nat(0xffffffff)).map(([a, p, n]) => {
      const base = a.split('.').reduce((v, o) => v * 256 + Number(o), 0);
      const span = 2 ** (32 - p);
      const ip = Math.floor(base / span) * span + (n % span);
      const text = [24, 16, 8, 0].map((s) => Math.floor(ip / 2 ** s) % 256).join('.');
      return { cidr: `${a}/${p}`, ips: [text, `::ffff:${text}`, `::FFFF:${text}`] };
    });
    fc.assert(
      fc.property(inside, ({ cidr: c, ips }) => {
        for (const ip of ips) expect(new CidrList([c]).contains(ip)).toBe(new NodeCidrList([c]).contains(ip));
        expect(new CidrList([c]).contains(ips[0] as string)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
