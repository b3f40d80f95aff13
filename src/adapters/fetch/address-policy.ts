/**
 * Which IP addresses the fetcher may connect to, and how a URL host is read
 * as an IP literal.
 *
 * The policy is applied to the address a socket is about to connect to (see
 * `safe-fetch.ts`), never to the URL text alone: a hostname that resolves to
 * 127.0.0.1 is as dangerous as the literal. Anything that is not globally
 * routable unicast is refused, with the reason as a short stable string.
 * IPv6 forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64,
 * 6to4) are unwrapped and the embedded address is judged too, because the
 * kernel or a translator on the path will deliver them to that IPv4 address.
 *
 * Ranges follow the IANA IPv4 and IPv6 Special-Purpose Address Registries
 * (RFC 6890 and its updates); matching is done with ipaddr.js.
 */
import ipaddr from 'ipaddr.js';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

function cidrs(...texts: string[]): Cidr[] {
  return texts.map((text) => ipaddr.parseCIDR(text));
}

/** First match wins, so the narrow ranges come before the wide ones that contain them. */
const IPV4_FORBIDDEN: [reason: string, ranges: Cidr[]][] = [
  ['unspecified', cidrs('0.0.0.0/8')], // RFC 1122 "this network"; Linux connects 0.0.0.0 to itself
  ['private', cidrs('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16')], // RFC 1918
  ['carrier-grade-nat', cidrs('100.64.0.0/10')], // RFC 6598
  ['loopback', cidrs('127.0.0.0/8')],
  ['link-local', cidrs('169.254.0.0/16')], // RFC 3927; cloud metadata lives at 169.254.169.254
  ['documentation', cidrs('192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24')], // RFC 5737
  ['reserved', cidrs('192.0.0.0/24', '192.88.99.0/24')], // RFC 6890 protocol assignments; RFC 7526 6to4 relays
  ['benchmarking', cidrs('198.18.0.0/15')], // RFC 2544
  ['multicast', cidrs('224.0.0.0/4')],
  ['broadcast', cidrs('255.255.255.255/32')],
  ['reserved', cidrs('240.0.0.0/4')], // RFC 1112 class E
];

const IPV6_FORBIDDEN: [reason: string, ranges: Cidr[]][] = [
  ['unspecified', cidrs('::/128')],
  ['loopback', cidrs('::1/128')],
  ['nat64 local-use', cidrs('64:ff9b:1::/48')], // RFC 8215: translated by a site's own NAT64, so may reach inside
  ['reserved', cidrs('100::/64')], // RFC 6666 discard-only
  ['teredo', cidrs('2001::/32')], // RFC 4380: the client address is obfuscated in the bits; refuse the tunnel
  ['benchmarking', cidrs('2001:2::/48')], // RFC 5180
  ['documentation', cidrs('2001:db8::/32', '3fff::/20')], // RFC 3849, RFC 9637
  ['reserved', cidrs('2001::/23')], // RFC 2928 IETF protocol assignments (ORCHID, drone tags...)
  ['unique-local', cidrs('fc00::/7')], // RFC 4193
  ['link-local', cidrs('fe80::/10')],
  ['site-local', cidrs('fec0::/10')], // RFC 3879, deprecated
  ['multicast', cidrs('ff00::/8')],
];

/** IANA allocates global unicast only from 2000::/3; everything else is reserved or special. */
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

const IPV4_MAPPED = ipaddr.parseCIDR('::ffff:0:0/96'); // RFC 4291
const IPV4_TRANSLATED = ipaddr.parseCIDR('::ffff:0:0:0/96'); // RFC 2765 SIIT
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96'); // RFC 4291, deprecated
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96'); // RFC 6052 well-known prefix
const SIX_TO_FOUR = ipaddr.parseCIDR('2002::/16'); // RFC 3056

function matchReason(address: ipaddr.IPv4 | ipaddr.IPv6, table: [string, Cidr[]][]): string | null {
  for (const [reason, ranges] of table) {
    if (ranges.some((range) => address.match(range))) return reason;
  }
  return null;
}

function ipv4FromParts(hi: number, lo: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

function ipv6Reason(address: ipaddr.IPv6): string | null {
  const p = address.parts as number[];
  const embedded = (hi: number, lo: number): string | null => matchReason(ipv4FromParts(hi, lo), IPV4_FORBIDDEN);

  // The kernel connects an IPv4-mapped address over IPv4; a NAT64 or 6to4 relay forwards to the embedded IPv4.
  // Those are as safe as the IPv4 they carry, no safer.
  if (address.match(IPV4_MAPPED)) {
    const inner = embedded(p[6]!, p[7]!);
    return inner === null ? null : `ipv4-mapped ${inner}`;
  }
  if (address.match(NAT64)) {
    const inner = embedded(p[6]!, p[7]!);
    return inner === null ? null : `nat64 ${inner}`;
  }
  if (address.match(SIX_TO_FOUR)) {
    const inner = embedded(p[1]!, p[2]!);
    return inner === null ? null : `6to4 ${inner}`;
  }
  const fixed = matchReason(address, IPV6_FORBIDDEN);
  if (fixed !== null) return fixed;
  // Deprecated embeddings with no legitimate use on the internet: always refused, naming what they carry.
  if (address.match(IPV4_TRANSLATED)) {
    return `ipv4-translated ${embedded(p[6]!, p[7]!) ?? 'address'}`;
  }
  if (address.match(IPV4_COMPATIBLE)) {
    return `ipv4-compatible ${embedded(p[6]!, p[7]!) ?? 'address'}`;
  }
  return address.match(IPV6_GLOBAL_UNICAST) ? null : 'reserved';
}

function toAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const host = parseLiteralHost(ip);
  if (host.type === 'ipv4') return ipaddr.IPv4.parse(host.address);
  if (host.type === 'ipv6') return new ipaddr.IPv6(parseIpv6Pieces(host.address)!);
  return null;
}

/**
 * Why the fetcher must not connect to `ip`, or null when it may.
 *
 * Accepts any notation `parseLiteralHost` accepts ("2130706433", "0x7f.1",
 * "[::ffff:7f00:1]"). Anything that is not an IP address is refused as
 * 'not an ip address': the caller asked about an address, so fail closed.
 *
 * @example
 * isForbiddenAddress('169.254.169.254'); // 'link-local'
 * isForbiddenAddress('::ffff:10.0.0.1'); // 'ipv4-mapped private'
 * isForbiddenAddress('93.184.216.34');   // null
 */
export function isForbiddenAddress(ip: string): string | null {
  // Zone ids are not URL syntax, but the OS may hand back a scoped address from a lookup.
  const zone = ip.indexOf('%');
  if (zone !== -1) return parseIpv6Pieces(ip.slice(0, zone)) === null ? 'not an ip address' : 'scoped (zone id)';
  const address = toAddress(ip);
  if (address === null) return 'not an ip address';
  return address.kind() === 'ipv4'
    ? matchReason(address, IPV4_FORBIDDEN)
    : ipv6Reason(address as ipaddr.IPv6);
}

/**
 * Addresses an operator (in practice: a test on loopback) explicitly allows in
 * spite of the policy, as CIDRs ("127.0.0.1/32") or single addresses. The
 * default allows none; there is no switch that turns the policy off.
 */
export interface AddressAllowlist {
  allowAddresses: readonly string[];
}

export interface AddressPolicy {
  /** Why `ip` is refused, or null when it may be connected to. */
  forbiddenReason(ip: string): string | null;
}

/**
 * The forbidden-address policy with an explicit allowlist on top.
 * Throws a TypeError on an allowlist entry that is not a CIDR or an address.
 */
export function createAddressPolicy(allowlist: AddressAllowlist = { allowAddresses: [] }): AddressPolicy {
  const allowed = allowlist.allowAddresses.map((entry): Cidr => {
    if (ipaddr.isValidCIDR(entry)) return ipaddr.parseCIDR(entry);
    if (ipaddr.isValid(entry)) {
      const address = ipaddr.parse(entry);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    }
    throw new TypeError(`Address allowlist entry "${entry}" is not a CIDR or an IP address`);
  });
  return {
    forbiddenReason(ip) {
      const reason = isForbiddenAddress(ip);
      if (reason === null || allowed.length === 0) return reason;
      const address = toAddress(ip);
      if (address === null) return reason;
      // An allowed 127.0.0.1 must also cover the ::ffff:127.0.0.1 a dual-stack socket reports.
      const plain = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
        ? (address as ipaddr.IPv6).toIPv4Address()
        : address;
      const isAllowed = allowed.some(([range, bits]) => range.kind() === plain.kind() && plain.match(range, bits));
      return isAllowed ? null : reason;
    },
  };
}

/** A URL host read the way the WHATWG URL standard reads it. */
export type LiteralHost =
  | { type: 'ipv4'; address: string }
  | { type: 'ipv6'; address: string }
  | { type: 'domain'; name: string }
  | { type: 'invalid'; reason: string };

/** WHATWG URL "IPv4 number parser": 0x-prefixed hex, 0-prefixed octal, else decimal. */
function parseIpv4Number(part: string): number | null {
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(digits)) {
    digits = digits.slice(2);
    radix = 16;
  } else if (digits.length > 1 && digits.startsWith('0')) {
    digits = digits.slice(1);
    radix = 8;
  }
  if (digits === '') return part === '' ? null : 0;
  const valid = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return null;
  // Number() keeps precision up to 2^53, far past the 2^32 limit checked by the caller.
  return radix === 10 ? Number(digits) : Number.parseInt(digits, radix);
}

/** WHATWG URL "ends in a number checker": decides whether a host must be read as IPv4. */
function endsInNumber(parts: string[]): boolean {
  const last = parts.at(-1) ?? '';
  if (/^[0-9]+$/.test(last)) return true;
  return parseIpv4Number(last) !== null;
}

/**
 * Reads a URL host as an IPv4 address, an IPv6 address or a domain name,
 * following the WHATWG URL host parser for special schemes: IPv4 in
 * decimal (`2130706433`), octal (`0177.0.0.1`), hex (`0x7f.1`) and short forms
 * (`127.1`); bracketed IPv6 (`[::ffff:127.0.0.1]`), zone ids refused.
 *
 * `new URL()` already does this for http(s) URLs, and the fetcher relies on
 * it; this function exists so the policy can be asked about any host string
 * and so a test can hold our reading against the URL parser's. It does not
 * percent-decode or apply IDNA: give it `url.hostname`, or a bare host.
 *
 * @example
 * parseLiteralHost('0x7f.1');        // { type: 'ipv4', address: '127.0.0.1' }
 * parseLiteralHost('[::ffff:7f00:1]'); // { type: 'ipv6', address: '::ffff:7f00:1' }
 * parseLiteralHost('example.org');   // { type: 'domain', name: 'example.org' }
 */
export function parseLiteralHost(host: string): LiteralHost {
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) return { type: 'invalid', reason: 'unterminated IPv6 literal' };
    return parseIpv6(host.slice(1, -1));
  }
  if (host.includes(':')) return parseIpv6(host);
  if (host === '') return { type: 'invalid', reason: 'empty host' };

  const parts = host.split('.');
  if (parts.length > 1 && parts.at(-1) === '') parts.pop();
  if (!endsInNumber(parts)) return { type: 'domain', name: host.toLowerCase() };
  if (parts.length > 4) return { type: 'invalid', reason: 'IPv4 address with more than four parts' };

  const numbers: number[] = [];
  for (const part of parts) {
    const value = parseIpv4Number(part);
    if (value === null) return { type: 'invalid', reason: `"${part}" is not an IPv4 number` };
    numbers.push(value);
  }
  const last = numbers.pop()!;
  if (numbers.some((n) => n > 255)) return { type: 'invalid', reason: 'IPv4 part above 255' };
  if (last >= 256 ** (4 - numbers.length)) return { type: 'invalid', reason: 'IPv4 address out of range' };

  let value = last;
  numbers.forEach((n, i) => {
    value += n * 256 ** (3 - i);
  });
  const octets = [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
  return { type: 'ipv4', address: octets.join('.') };
}

function parseIpv6(text: string): LiteralHost {
  if (text.includes('%')) return { type: 'invalid', reason: 'IPv6 zone ids are not allowed in URLs' };
  const pieces = parseIpv6Pieces(text);
  if (pieces === null) return { type: 'invalid', reason: `"${text}" is not an IPv6 address` };
  return { type: 'ipv6', address: new ipaddr.IPv6(pieces).toString() };
}

const HEX_DIGIT = /^[0-9a-f]$/i;
const DIGIT = /^[0-9]$/;

/**
 * The WHATWG URL "IPv6 parser", step for step. ipaddr.js is not used here
 * because it reads "::1.2.3.4" as IPv4-mapped (::ffff:102:304), where the
 * standard, and the socket, read IPv4-compatible ::102:304.
 */
function parseIpv6Pieces(input: string): number[] | null {
  const address = [0, 0, 0, 0, 0, 0, 0, 0];
  let pieceIndex = 0;
  let compress: number | null = null;
  let pointer = 0;
  const c = (): string | undefined => input[pointer];

  if (c() === ':') {
    if (input[pointer + 1] !== ':') return null;
    pointer += 2;
    pieceIndex += 1;
    compress = pieceIndex;
  }
  while (c() !== undefined) {
    if (pieceIndex === 8) return null;
    if (c() === ':') {
      if (compress !== null) return null;
      pointer += 1;
      pieceIndex += 1;
      compress = pieceIndex;
      continue;
    }
    let value = 0;
    let length = 0;
    while (length < 4 && HEX_DIGIT.test(c() ?? '')) {
      value = value * 0x10 + Number.parseInt(c()!, 16);
      pointer += 1;
      length += 1;
    }
    if (c() === '.') {
      if (length === 0) return null;
      pointer -= length;
      if (pieceIndex > 6) return null;
      let numbersSeen = 0;
      while (c() !== undefined) {
        let ipv4Piece: number | null = null;
        if (numbersSeen > 0) {
          if (c() === '.' && numbersSeen < 4) pointer += 1;
          else return null;
        }
        if (!DIGIT.test(c() ?? '')) return null;
        while (DIGIT.test(c() ?? '')) {
          const number = Number(c());
          if (ipv4Piece === null) ipv4Piece = number;
          else if (ipv4Piece === 0) return null;
          else ipv4Piece = ipv4Piece * 10 + number;
          if (ipv4Piece > 255) return null;
          pointer += 1;
        }
        address[pieceIndex] = address[pieceIndex]! * 0x100 + ipv4Piece!;
        numbersSeen += 1;
        if (numbersSeen === 2 || numbersSeen === 4) pieceIndex += 1;
      }
      if (numbersSeen !== 4) return null;
      break;
    } else if (c() === ':') {
      pointer += 1;
      if (c() === undefined) return null;
    } else if (c() !== undefined) {
      return null;
    }
    address[pieceIndex] = value;
    pieceIndex += 1;
  }
  if (compress !== null) {
    let swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex !== 0 && swaps > 0) {
      const other = compress + swaps - 1;
      [address[pieceIndex], address[other]] = [address[other]!, address[pieceIndex]!];
      pieceIndex -= 1;
      swaps -= 1;
    }
  } else if (pieceIndex !== 8) {
    return null;
  }
  return address;
}
