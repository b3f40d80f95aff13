import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { createAddressPolicy, isForbiddenAddress, parseLiteralHost } from './address-policy.ts';

describe('isForbiddenAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade-nat'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['192.0.0.170', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['192.88.99.1', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'ipv4-mapped loopback'],
    ['::ffff:7f00:1', 'ipv4-mapped loopback'],
    ['::ffff:a9fe:a9fe', 'ipv4-mapped link-local'],
    ['::ffff:0:7f00:1', 'ipv4-translated loopback'],
    ['::127.0.0.1', 'ipv4-compatible loopback'],
    ['::8.8.8.8', 'ipv4-compatible address'],
    ['64:ff9b::127.0.0.1', 'nat64 loopback'],
    ['64:ff9b::a00:1', 'nat64 private'],
    ['64:ff9b:1::1', 'nat64 local-use'],
    ['2002:7f00:1::', '6to4 loopback'],
    ['2002:c0a8:101::1', '6to4 private'],
    ['2001::1', 'teredo'],
    ['2001:2::1', 'benchmarking'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001:10::1', 'reserved'],
    ['100::1', 'reserved'],
    ['fc00::1', 'unique-local'],
    ['fd00::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'scoped (zone id)'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['5f00::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['example.org', 'not an ip address'],
    ['', 'not an ip address'],
  ])('%s is refused as %s', (ip, reason) => {
    expect(isForbiddenAddress(ip)).toBe(reason);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '192.169.0.1',
    '192.31.196.1', // AS112: globally reachable
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('%s is allowed', (ip) => {
    expect(isForbiddenAddress(ip)).toBeNull();
  });

  it('reads every IPv4 notation the URL standard accepts', () => {
    for (const ip of ['2130706433', '0177.0.0.1', '0x7f.1', '0x7f000001', '127.1', '017700000001', '[::ffff:7f00:1]']) {
      expect(isForbiddenAddress(ip), ip).toMatch(/loopback$/);
    }
  });

  const forbiddenIpv4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10', '224.0.0.0/4', '240.0.0.0/4'];

  function ipv4In(cidr: string): fc.Arbitrary<string> {
    const [base, bits] = ipaddr.IPv4.parseCIDR(cidr);
    const start = base.toByteArray().reduce((n, byte) => n * 256 + byte, 0);
    return fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((offset) => {
      const n = start + offset;
      return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
    });
  }

  it('refuses any address in the forbidden IPv4 ranges, bare or IPv4-mapped', () => {
    const address = fc.oneof(...forbiddenIpv4.map(ipv4In));
    fc.assert(
      fc.property(address, (ip) => {
        expect(isForbiddenAddress(ip)).not.toBeNull();
        expect(isForbiddenAddress(`::ffff:${ip}`)).toMatch(/^ipv4-mapped /);
        expect(isForbiddenAddress(ipaddr.IPv4.parse(ip).toIPv4MappedAddress().toNormalizedString())).toMatch(/^ipv4-mapped /);
      }),
    );
  });

  function ipv6In(prefix: number[], bits: number): fc.Arbitrary<string> {
    return fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((random) => {
      const parts = random.map((part, i) => {
        const fixedBits = Math.min(16, Math.max(0, bits - i * 16));
        const mask = fixedBits === 0 ? 0 : (0xffff << (16 - fixedBits)) & 0xffff;
        return ((prefix[i] ?? 0) & mask) | (part & ~mask & 0xffff);
      });
      return new ipaddr.IPv6(parts).toString();
    });
  }

  it('refuses ::1 and any address in fc00::/7 and fe80::/10', () => {
    const address = fc.oneof(fc.constant('::1'), ipv6In([0xfc00], 7), ipv6In([0xfe80], 10));
    fc.assert(
      fc.property(address, (ip) => {
        expect(isForbiddenAddress(ip)).not.toBeNull();
      }),
    );
  });

  it('allows exactly the IPv4 addresses ipaddr.js calls globally routable', () => {
    const globallyRoutable = new Set(['unicast', 'as112', 'amt']);
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(isForbiddenAddress(ip) === null).toBe(globallyRoutable.has(ipaddr.IPv4.parse(ip).range()));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('createAddressPolicy', () => {
  it('has an empty allowlist by default', () => {
    expect(createAddressPolicy().forbiddenReason('127.0.0.1')).toBe('loopback');
  });

  it('allows only what the allowlist names, in IPv4 or IPv4-mapped form', () => {
    const policy = createAddressPolicy({ allowAddresses: ['127.0.0.1/32'] });
    expect(policy.forbiddenReason('127.0.0.1')).toBeNull();
    expect(policy.forbiddenReason('::ffff:127.0.0.1')).toBeNull();
    expect(policy.forbiddenReason('2130706433')).toBeNull();
    expect(policy.forbiddenReason('127.0.0.2')).toBe('loopback');
    expect(policy.forbiddenReason('::1')).toBe('loopback');
    expect(policy.forbiddenReason('0.0.0.0')).toBe('unspecified');
    expect(policy.forbiddenReason('10.0.0.1')).toBe('private');
  });

  it('accepts single addresses and IPv6 CIDRs', () => {
    const policy = createAddressPolicy({ allowAddresses: ['::1', 'fd00::/8'] });
    expect(policy.forbiddenReason('::1')).toBeNull();
    expect(policy.forbiddenReason('fd12::1')).toBeNull();
    expect(policy.forbiddenReason('fc00::1')).toBe('unique-local');
  });

  it('rejects an allowlist entry that is not a CIDR', () => {
    expect(() => createAddressPolicy({ allowAddresses: ['localhost'] })).toThrow(TypeError);
  });
});

describe('parseLiteralHost', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.0.0.1', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['0x', '0.0.0.0'],
    ['0xA9FEA9FE', '169.254.169.254'],
  ])('reads %s as IPv4 %s', (host, address) => {
    expect(parseLiteralHost(host)).toEqual({ type: 'ipv4', address });
  });

  it.each([
    ['[::1]', '::1'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1'],
    ['[::ffff:7f00:1]', '::ffff:7f00:1'],
    ['[0:0:0:0:0:ffff:127.0.0.1]', '::ffff:7f00:1'],
    ['::1', '::1'],
  ])('reads %s as IPv6 %s', (host, address) => {
    expect(parseLiteralHost(host)).toEqual({ type: 'ipv6', address });
  });

  it.each(['1.2.3.09', '4294967296', '1.2.3.4.5', '256.0.0.1', 'foo.0x10', '[fe80::1%eth0]', '[::1', '[1.2.3.4]'])(
    'refuses %s as a malformed IP literal',
    (host) => {
      expect(parseLiteralHost(host).type).toBe('invalid');
    },
  );

  it.each(['example.org', '127.0.0.1.nip.io', '0x7f.example', '1.2.3.0xg', 'localhost'])('reads %s as a domain', (host) => {
    expect(parseLiteralHost(host)).toEqual({ type: 'domain', name: host });
  });

  function readByUrl(host: string): { type: string; value?: string } {
    let hostname: string;
    try {
      hostname = new URL(`http://${host}/`).hostname;
    } catch {
      return { type: 'invalid' };
    }
    if (hostname.startsWith('[')) return { type: 'ipv6', value: hostname.slice(1, -1) };
    return ipaddr.IPv4.isValidFourPartDecimal(hostname) ? { type: 'ipv4', value: hostname } : { type: 'domain', value: hostname };
  }

  function readByUs(host: string): { type: string; value?: string } {
    const parsed = parseLiteralHost(host);
    if (parsed.type === 'invalid') return { type: 'invalid' };
    return { type: parsed.type, value: parsed.type === 'domain' ? parsed.name : parsed.address };
  }

  it('agrees with the WHATWG URL parser on IPv4 in every notation', () => {
    fc.assert(
      fc.property(fc.ipV4Extended(), (host) => {
        expect(readByUs(host)).toEqual(readByUrl(host));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the WHATWG URL parser on IPv6 literals', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        expect(readByUs(`[${ip}]`)).toEqual(readByUrl(`[${ip}]`));
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with the WHATWG URL parser on IPv6-like junk', () => {
    const junk = fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.'), minLength: 1, maxLength: 45 });
    fc.assert(
      fc.property(junk, (text) => {
        expect(readByUs(`[${text}]`)).toEqual(readByUrl(`[${text}]`));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with the WHATWG URL parser on number-like junk', () => {
    const junk = fc.string({ unit: fc.constantFrom(...'0123456789abcdefxX.'), minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(junk, (host) => {
        expect(readByUs(host)).toEqual(readByUrl(host));
      }),
      { numRuns: 5000 },
    );
  });
});
