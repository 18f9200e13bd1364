import { describe, expect, it } from 'vitest';
import { CidrList } from '../../src/api-keys/cidr.ts';

describe('CIDR allowlists', () => {
  it('matches IPv4, IPv6 and IPv4-mapped IPv6 addresses', () => {
    const list = new CidrList(['203.0.113.0/24', '2001:db8::/32', '127.0.0.1/32']);
    expect(list.contains('203.0.113.77')).toBe(true);
    expect(list.contains('::ffff:203.0.113.77')).toBe(true);
    expect(list.contains('2001:db8:1::5')).toBe(true);
    expect(list.contains('127.0.0.1')).toBe(true);
    expect(list.contains('203.0.114.1')).toBe(false);
    expect(list.contains('2001:db9::1')).toBe(false);
    expect(list.contains('not an ip')).toBe(false);
  });

  it('validates notation', () => {
    for (const good of ['10.0.0.0/8', '0.0.0.0/0', '::/0', '2001:db8::/128']) {
      expect(CidrList.isValid(good)).toBe(true);
    }
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '2001:db8::/129', 'example.com/8', '10.0.0.256/8', '']) {
      expect(CidrList.isValid(bad)).toBe(false);
    }
  });
});
