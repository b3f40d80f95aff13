/**
 * The one way Vigil fetches a URL it was given by a user, a feed or a page:
 * SSRF-safe, bounded, and recorded well enough to serve as evidence.
 *
 * Address checks happen where the socket is made, not on the URL text. For
 * each hop the connector resolves the host once, refuses the hop if ANY
 * resolved address is forbidden (`address-policy.ts`), and connects to one of
 * exactly those checked addresses. Nothing resolves the name a second time,
 * so DNS rebinding (a safe answer for the check, a private one for the
 * connection) has no second answer to exploit. Redirects are followed by hand,
 * each hop checked the same way.
 *
 * Ports are not restricted: referral targets run on odd ports, and what keeps
 * internal services out is the address policy, not the port. A redirect to a
 * public host's SMTP port gains an attacker nothing they could not do themselves.
 *
 * Proxy. With `socksProxy`, `.onion` hosts (and every host with `proxyAll`)
 * are fetched through SOCKS5 with the hostname handed to the proxy (socks5h):
 * no local DNS at all. The proxy's own address is operator configuration and
 * is not checked. Through the proxy Vigil cannot see which IP the proxy
 * connects to, so for proxied names the operator trusts the proxy's policy
 * (Tor exits refuse private addresses by default; a generic proxy may not).
 * IP literals are still checked, and `localhost` names are refused, before
 * anything is sent to the proxy.
 *
 * Body. Requested with `accept-encoding: gzip, deflate, br` and decoded here
 * with node:zlib under a size and a ratio limit, so a decompression bomb is
 * stopped after a bounded amount of output. The stored body is the DECODED
 * payload; the original `content-encoding` is kept in `contentEncoding` and in
 * `headers`. If the coding is unknown or the compressed data is corrupt, the
 * bytes are stored exactly as received and `decoded` is false: evidence is
 * never dropped or half-decoded. Bodies over a limit are an error, never
 * silently truncated.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import type { X509Certificate } from 'node:crypto';
import type { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import { SocksClient } from 'socks';
import { Client } from 'undici';
import type { Dispatcher } from 'undici';
import type { Clock } from '../../domains/ports.ts';
import { createAddressPolicy, parseLiteralHost } from './address-policy.ts';
import type { AddressPolicy } from './address-policy.ts';

/** Largest body accepted on the wire (before decoding), in bytes. */
export const FETCH_MAX_BYTES = 50 * 1024 * 1024;
/** Whole fetch, all redirects and the body included. Generous because .onion circuits are slow. */
export const FETCH_TIMEOUT_MS = 60_000;
/** Longest silence allowed while connecting, waiting for headers, or between body bytes (slowloris). */
export const FETCH_IDLE_TIMEOUT_MS = 15_000;
/** Redirects followed before giving up; the 11th redirect is an error. */
export const FETCH_MAX_REDIRECTS = 10;
/** Largest decoded body, in bytes. */
export const FETCH_MAX_DECOMPRESSED_BYTES = 100 * 1024 * 1024;
/** Decoded-to-wire size ratio above which a compressed body is treated as a bomb. */
export const FETCH_MAX_COMPRESSION_RATIO = 200;
/** The ratio limit applies only past this much output: small bodies of repeated text legitimately compress very well. */
export const FETCH_COMPRESSION_RATIO_FLOOR_BYTES = 1024 * 1024;

/**
 * Recorded in every capture. Bump it when what the fetcher sends, accepts or
 * stores changes, so a capture says which rules produced it.
 */
export const FETCHER_VERSION = 'vigil-safe-fetch/1';

const DEFAULT_USER_AGENT = `Mozilla/5.0 (compatible; ${FETCHER_VERSION})`;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  idleTimeoutMs: number;
  maxRedirects: number;
  maxDecompressedBytes: number;
  maxCompressionRatio: number;
}

export const DEFAULT_FETCH_LIMITS: Readonly<FetchLimits> = {
  maxBytes: FETCH_MAX_BYTES,
  timeoutMs: FETCH_TIMEOUT_MS,
  idleTimeoutMs: FETCH_IDLE_TIMEOUT_MS,
  maxRedirects: FETCH_MAX_REDIRECTS,
  maxDecompressedBytes: FETCH_MAX_DECOMPRESSED_BYTES,
  maxCompressionRatio: FETCH_MAX_COMPRESSION_RATIO,
};

export type FetchErrorCode =
  | 'VIGIL_FETCH_FORBIDDEN_ADDRESS'
  | 'VIGIL_FETCH_BAD_URL'
  | 'VIGIL_FETCH_UNSUPPORTED_SCHEME'
  | 'VIGIL_FETCH_TOO_MANY_REDIRECTS'
  | 'VIGIL_FETCH_TOO_LARGE'
  | 'VIGIL_FETCH_DECOMPRESSION_BOMB'
  | 'VIGIL_FETCH_TIMEOUT'
  | 'VIGIL_FETCH_TLS'
  | 'VIGIL_FETCH_DNS'
  | 'VIGIL_FETCH_CONNECTION'
  | 'VIGIL_FETCH_ONION_NEEDS_PROXY'
  | 'VIGIL_FETCH_PROXY';

/** Every failure of a fetch: a stable code to branch on, a message naming the URL or host and the reason. */
export class FetchError extends Error {
  readonly code: FetchErrorCode;

  constructor(code: FetchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FetchError';
    this.code = code;
  }
}

export interface TlsCertificate {
  subject: string;
  issuer: string;
  /** ISO 8601. */
  validFrom: string;
  validTo: string;
  /** `sha256:<hex>` of the DER certificate. */
  fingerprint256: string;
  /** Lower-case hex. */
  serialNumber: string;
}

export interface FetchRedirect {
  /** The URL that answered with a redirect. */
  url: string;
  status: number;
  /** The Location header exactly as sent (possibly relative). */
  location: string;
  /** The address that answered, or null through the proxy. */
  resolvedIp: string | null;
}

export interface FetchTimings {
  /** Epoch milliseconds, from the clock. */
  startedAt: number;
  /** The final hop's DNS lookup; null when the host was an IP literal or went through the proxy. */
  dnsMs: number | null;
  /** The final hop's TCP (or SOCKS) connection plus TLS handshake. */
  connectMs: number;
  /** The final hop, from connected to response headers. */
  ttfbMs: number;
  /** The whole fetch, redirects, body and decoding included. */
  totalMs: number;
}

export interface FetchResult {
  /** The requested URL, as normalised by the WHATWG URL parser. */
  url: string;
  finalUrl: string;
  status: number;
  /** Response headers of the final hop, in the order and case received; repeated headers repeat. */
  headers: [string, string][];
  redirects: FetchRedirect[];
  /** The address the final hop was connected to, or null through the proxy. */
  resolvedIp: string | null;
  tlsCertificate: TlsCertificate | null;
  /** The decoded payload (see `decoded`). */
  body: Buffer;
  /** Bodies over a limit are an error, never cut short. */
  truncated: false;
  /** The response's Content-Encoding, or null. */
  contentEncoding: string | null;
  /** False when the body is stored as received because its coding is unknown or corrupt. */
  decoded: boolean;
  /** What the bytes are, by their content. */
  sniffedType: string | null;
  /** What the server said they are: the media type of Content-Type, lower-cased. */
  declaredType: string | null;
  timings: FetchTimings;
  fetcherVersion: string;
  via: 'direct' | 'socks5';
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface SafeFetcherOptions {
  limits?: Partial<FetchLimits>;
  /** CIDRs allowed in spite of the address policy. Tests use ['127.0.0.1/32']; production uses none. */
  allow?: readonly string[];
  /** `socks5h://host:port`. */
  socksProxy?: string | null;
  /** Send every fetch through `socksProxy`, not only .onion hosts. */
  proxyAll?: boolean;
  userAgent?: string;
  /** Replaces DNS. Only tests inject it, to map test names and to simulate rebinding. */
  resolver?: Resolver;
  /** PEM trust anchors that REPLACE the system roots: for tests and private CAs. */
  ca?: readonly string[];
  clock?: Clock;
}

export interface SafeFetcher {
  fetch(url: string, options?: { signal?: AbortSignal }): Promise<FetchResult>;
}

/** What one request/response exchange needs and learns; one undici Client per hop, so nothing is shared. */
interface Hop {
  url: URL;
  /** Hostname without IPv6 brackets. */
  host: string;
  port: number;
  secure: boolean;
  via: 'direct' | 'socks5';
  resolvedIp: string | null;
  tlsCertificate: TlsCertificate | null;
  dnsMs: number | null;
  connectMs: number;
  connectedAt: number;
}

const noop = (): void => {};

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 1000) / 1000;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== undefined && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Resolves when `socket` emits `readyEvent`; rejects on its error, on silence past `timeoutMs`, or on abort. */
function whenReady<S extends net.Socket>(
  socket: S,
  readyEvent: 'connect' | 'secureConnect',
  timeoutMs: number,
  signal: AbortSignal,
  onTimeout: () => FetchError,
  onError: (err: Error) => FetchError,
): Promise<S> {
  return new Promise((resolve, reject) => {
    const finish = (err: unknown): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off(readyEvent, onReady);
      socket.off('error', onSocketError);
      if (err === null) {
        resolve(socket);
      } else {
        socket.destroy();
        reject(err);
      }
    };
    const onReady = (): void => finish(null);
    const onSocketError = (err: Error): void => finish(onError(err));
    const onAbort = (): void => finish(signal.reason);
    const timer = setTimeout(() => finish(onTimeout()), timeoutMs);
    socket.once(readyEvent, onReady);
    socket.once('error', onSocketError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const TLS_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate issuer is unknown',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate issuer is unknown',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate issuer is unknown',
  CERT_REVOKED: 'certificate has been revoked',
  CERT_SIGNATURE_FAILURE: 'certificate signature is invalid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname mismatch',
};

function describeCertificate(cert: X509Certificate | undefined): TlsCertificate | null {
  if (cert === undefined) return null;
  return {
    subject: cert.subject.split('\n').join(', '),
    issuer: cert.issuer.split('\n').join(', '),
    validFrom: cert.validFromDate.toISOString(),
    validTo: cert.validToDate.toISOString(),
    fingerprint256: `sha256:${cert.fingerprint256.replaceAll(':', '').toLowerCase()}`,
    serialNumber: cert.serialNumber.toLowerCase(),
  };
}

function isOnionName(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  return bare === 'onion' || bare.endsWith('.onion');
}

/** RFC 6761: these names mean the resolver's own loopback, which through a proxy is the proxy host's. */
function isLocalhostName(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  return bare === 'localhost' || bare.endsWith('.localhost');
}

function parseProxy(text: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new FetchError('VIGIL_FETCH_PROXY', `SOCKS proxy "${text}" is not a URL`, { cause: err });
  }
  if (url.protocol !== 'socks5h:') {
    throw new FetchError(
      'VIGIL_FETCH_PROXY',
      `SOCKS proxy "${text}" must be socks5h://host:port: names are resolved by the proxy, never locally`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new FetchError('VIGIL_FETCH_PROXY', `SOCKS proxy "${text}": proxy authentication is not supported`);
  }
  if (url.hostname === '') throw new FetchError('VIGIL_FETCH_PROXY', `SOCKS proxy "${text}" has no host`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: url.port === '' ? 1080 : Number(url.port) };
}

/** Parses and vets a URL: http(s) only, no credentials, a host the URL standard accepts. */
function checkUrl(text: string, base: URL | null): URL {
  const what = base === null ? `"${text}"` : `redirect from ${base.href} to "${text}"`;
  let url: URL;
  try {
    url = base === null ? new URL(text) : new URL(text, base);
  } catch (err) {
    throw new FetchError('VIGIL_FETCH_BAD_URL', `${what} is not a valid URL`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError('VIGIL_FETCH_UNSUPPORTED_SCHEME', `${what}: scheme ${url.protocol} is not allowed, only http: and https:`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new FetchError('VIGIL_FETCH_BAD_URL', `${what}: URLs with credentials (user:password@) are refused`);
  }
  const host = parseLiteralHost(url.hostname);
  if (host.type === 'invalid') throw new FetchError('VIGIL_FETCH_BAD_URL', `${what}: ${host.reason}`);
  return url;
}

function headerValues(pairs: [string, string][], name: string): string[] {
  return pairs.filter(([key]) => key.toLowerCase() === name).map(([, value]) => value);
}

function firstHeader(pairs: [string, string][], name: string): string | null {
  return headerValues(pairs, name)[0] ?? null;
}

function toPairs(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}

function mediaType(contentType: string | null): string | null {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase();
  return essence === undefined || essence === '' ? null : essence;
}

/** RFC 1950 header: compression method 8 and a check value divisible by 31. */
function isZlibWrapped(data: Buffer): boolean {
  return data.length >= 2 && (data[0]! & 0x0f) === 8 && ((data[0]! << 8) | data[1]!) % 31 === 0;
}

function createDecoder(coding: string, data: Buffer): zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress | null {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    // Many servers send raw DEFLATE under "deflate" instead of the zlib format RFC 9110 names; browsers accept both.
    case 'deflate':
      return isZlibWrapped(data) ? zlib.createInflate() : zlib.createInflateRaw();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return null;
  }
}

class CorruptEncodingError extends Error {}

/** Decodes through a zlib stream, counting output as it comes, so a bomb stops after bounded output. */
function inflate(
  data: Buffer,
  decoder: NonNullable<ReturnType<typeof createDecoder>>,
  wireBytes: number,
  limits: FetchLimits,
  url: URL,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      decoder.destroy();
      reject(err);
    };
    decoder.on('data', (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > limits.maxDecompressedBytes) {
        fail(new FetchError(
          'VIGIL_FETCH_DECOMPRESSION_BOMB',
          `${url.href}: decoded body exceeds the ${limits.maxDecompressedBytes}-byte limit (${wireBytes} bytes on the wire)`,
        ));
      } else if (total > FETCH_COMPRESSION_RATIO_FLOOR_BYTES && total > wireBytes * limits.maxCompressionRatio) {
        fail(new FetchError(
          'VIGIL_FETCH_DECOMPRESSION_BOMB',
          `${url.href}: ${wireBytes} bytes on the wire decoded to over ${total} bytes, past the ${limits.maxCompressionRatio}:1 compression ratio limit`,
        ));
      } else {
        chunks.push(chunk);
      }
    });
    decoder.on('error', (err) => fail(new CorruptEncodingError(err.message)));
    decoder.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, total));
    });
    decoder.end(data);
  });
}

async function decodeBody(
  raw: Buffer,
  contentEncoding: string | null,
  limits: FetchLimits,
  url: URL,
): Promise<{ body: Buffer; decoded: boolean }> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  let body = raw;
  // Codings are listed in the order they were applied, so they are undone last to first.
  for (const coding of codings.reverse()) {
    const decoder = createDecoder(coding, body);
    if (decoder === null) return { body: raw, decoded: false };
    try {
      body = await inflate(body, decoder, raw.length, limits, url);
    } catch (err) {
      if (err instanceof CorruptEncodingError) return { body: raw, decoded: false };
      throw err;
    }
  }
  return { body, decoded: true };
}

/** WHATWG MIME Sniffing: tags whose presence at the start of a resource means HTML. */
const HTML_START = /^(?:(?:<!doctype html|<html|<head|<script|<iframe|<h1|<div|<font|<table|<a|<style|<title|<b|<body|<br|<p)[\s>]|<!--)/i;

/** WHATWG MIME Sniffing "binary data byte": control bytes that never occur in text. */
function isBinaryByte(byte: number): boolean {
  return byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f);
}

const SNIFF_PREFIX_BYTES = 4096;

/** What the bytes are: file-type's signatures first, then HTML, XML, JSON and plain text. */
async function sniffType(body: Buffer): Promise<string | null> {
  if (body.length === 0) return null;
  const detected = await fileTypeFromBuffer(body);
  if (detected !== undefined) return detected.mime;

  const prefix = body.subarray(0, SNIFF_PREFIX_BYTES);
  if (prefix.some(isBinaryByte)) return 'application/octet-stream';
  // Markup is ASCII in every charset a page may use (UTF-8, windows-1256...), so latin1 is enough to look for it.
  const start = prefix.toString('latin1').replace(/^\xEF\xBB\xBF/, '').trimStart();
  if (HTML_START.test(start)) return 'text/html';
  if (start.startsWith('<?xml')) return 'application/xml';
  if (start.startsWith('{') || start.startsWith('[')) {
    try {
      JSON.parse(body.toString('utf8'));
      return 'application/json';
    } catch {
      // Brackets but not JSON: plain text.
    }
  }
  return 'text/plain';
}

/**
 * A fetcher that refuses private, loopback, link-local, multicast and reserved
 * targets on every hop, with byte, time, redirect and decompression limits.
 *
 * @example
 * const fetcher = createSafeFetcher({ socksProxy: 'socks5h://127.0.0.1:9050' });
 * const capture = await fetcher.fetch('https://example.org/post/1');
 * capture.status; capture.resolvedIp; capture.tlsCertificate?.fingerprint256;
 */
export function createSafeFetcher(options: SafeFetcherOptions = {}): SafeFetcher {
  const limits: FetchLimits = { ...DEFAULT_FETCH_LIMITS, ...options.limits };
  const policy: AddressPolicy = createAddressPolicy({ allowAddresses: options.allow ?? [] });
  const proxy = options.socksProxy == null ? null : parseProxy(options.socksProxy);
  const clock: Clock = options.clock ?? { now: () => Date.now() };
  const ca = options.ca === undefined ? undefined : [...options.ca];
  const resolver: Resolver = options.resolver ?? ((hostname) => lookup(hostname, { all: true, order: 'verbatim' }));
  const requestHeaders = {
    'user-agent': options.userAgent ?? DEFAULT_USER_AGENT,
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'accept-encoding': 'gzip, deflate, br',
  };

  function planHop(url: URL): Hop {
    const literal = parseLiteralHost(url.hostname);
    const onion = literal.type === 'domain' && isOnionName(literal.name);
    if (onion && proxy === null) {
      throw new FetchError(
        'VIGIL_FETCH_ONION_NEEDS_PROXY',
        `${url.href}: .onion hosts can only be reached through a SOCKS5 proxy (Tor), and none is configured`,
      );
    }
    const secure = url.protocol === 'https:';
    return {
      url,
      host: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      secure,
      via: proxy !== null && (onion || options.proxyAll === true) ? 'socks5' : 'direct',
      resolvedIp: null,
      tlsCertificate: null,
      dnsMs: null,
      connectMs: 0,
      connectedAt: 0,
    };
  }

  function refuse(hop: Hop, address: string, reason: string): FetchError {
    const resolved = address === hop.host ? '' : ` resolves to ${address}, which`;
    return new FetchError('VIGIL_FETCH_FORBIDDEN_ADDRESS', `${hop.url.href}: ${hop.host}${resolved} is a forbidden address (${reason})`);
  }

  function connectTcp(hop: Hop, address: string, signal: AbortSignal): Promise<net.Socket> {
    // An IP literal as host: net.connect does no lookup, so the checked address is the one dialled.
    const socket = net.connect({ host: address, port: hop.port, noDelay: true });
    return whenReady(
      socket,
      'connect',
      limits.idleTimeoutMs,
      signal,
      () => new FetchError('VIGIL_FETCH_TIMEOUT', `${hop.url.href}: connecting to ${address}:${hop.port} took over ${limits.idleTimeoutMs} ms`),
      (err) => new FetchError('VIGIL_FETCH_CONNECTION', `${hop.url.href}: cannot connect to ${address}:${hop.port}: ${errorText(err)}`, { cause: err }),
    );
  }

  async function connectDirect(hop: Hop, signal: AbortSignal): Promise<net.Socket> {
    const literal = parseLiteralHost(hop.url.hostname);
    let addresses: string[];
    if (literal.type === 'ipv4' || literal.type === 'ipv6') {
      addresses = [literal.address];
    } else {
      const started = performance.now();
      let answers: ResolvedAddress[];
      try {
        answers = await abortable(resolver(hop.host), signal);
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        throw new FetchError('VIGIL_FETCH_DNS', `${hop.url.href}: cannot resolve ${hop.host}: ${errorText(err)}`, { cause: err });
      }
      hop.dnsMs = elapsed(started);
      if (answers.length === 0) throw new FetchError('VIGIL_FETCH_DNS', `${hop.url.href}: ${hop.host} has no addresses`);
      addresses = answers.map((answer) => answer.address);
    }
    // One forbidden answer refuses the host: a name that mixes public and private addresses is an attack, not a mistake.
    for (const address of addresses) {
      const reason = policy.forbiddenReason(address);
      if (reason !== null) throw refuse(hop, address, reason);
    }
    let lastError: unknown;
    for (const address of addresses) {
      try {
        const socket = await connectTcp(hop, address, signal);
        hop.resolvedIp = socket.remoteAddress ?? address;
        return socket;
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        lastError = err;
      }
    }
    throw lastError;
  }

  async function connectViaProxy(hop: Hop, signal: AbortSignal): Promise<net.Socket> {
    const { host: proxyHost, port: proxyPort } = proxy!;
    const literal = parseLiteralHost(hop.url.hostname);
    if (literal.type === 'ipv4' || literal.type === 'ipv6') {
      const reason = policy.forbiddenReason(literal.address);
      if (reason !== null) throw refuse(hop, literal.address, reason);
    } else if (isLocalhostName(hop.host)) {
      throw refuse(hop, hop.host, 'loopback name');
    }
    const pending = SocksClient.createConnection({
      proxy: { host: proxyHost, port: proxyPort, type: 5 },
      command: 'connect',
      // A hostname goes to the proxy as a SOCKS5 DOMAINNAME: the proxy resolves it, we never do.
      destination: { host: hop.host, port: hop.port },
      timeout: limits.timeoutMs,
      set_tcp_nodelay: true,
    });
    try {
      const { socket } = await abortable(pending, signal);
      return socket;
    } catch (err) {
      if (signal.aborted) {
        pending.then(({ socket }) => socket.destroy(), noop);
        throw signal.reason;
      }
      throw new FetchError(
        'VIGIL_FETCH_PROXY',
        `${hop.url.href}: SOCKS5 proxy ${proxyHost}:${proxyPort} could not connect to ${hop.host}:${hop.port}: ${errorText(err)}`,
        { cause: err },
      );
    }
  }

  async function startTls(hop: Hop, socket: net.Socket, signal: AbortSignal): Promise<tls.TLSSocket> {
    const isIp = net.isIP(hop.host) !== 0;
    const secure = tls.connect({
      socket,
      host: hop.host,
      // RFC 6066 forbids an IP address as SNI; the certificate is then checked against the IP itself.
      servername: isIp ? undefined : hop.host,
      ca,
      ALPNProtocols: ['http/1.1'],
    });
    await whenReady(
      secure,
      'secureConnect',
      limits.idleTimeoutMs,
      signal,
      () => new FetchError('VIGIL_FETCH_TIMEOUT', `${hop.url.href}: TLS handshake with ${hop.host} took over ${limits.idleTimeoutMs} ms`),
      (err) => {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        const reason = TLS_REASONS[code] ?? `handshake failed: ${errorText(err)}`;
        return new FetchError('VIGIL_FETCH_TLS', `${hop.url.href}: TLS error with ${hop.host}: ${reason}${code === '' ? '' : ` (${code})`}`, { cause: err });
      },
    );
    hop.tlsCertificate = describeCertificate(secure.getPeerX509Certificate());
    return secure;
  }

  async function openSocket(hop: Hop, signal: AbortSignal): Promise<net.Socket> {
    signal.throwIfAborted();
    const started = performance.now();
    const raw = hop.via === 'socks5' ? await connectViaProxy(hop, signal) : await connectDirect(hop, signal);
    // undici attaches its own handlers once it has the socket; this keeps an error in between from being unhandled.
    raw.on('error', noop);
    const socket = hop.secure ? (await startTls(hop, raw, signal)).on('error', noop) : raw;
    hop.connectedAt = performance.now();
    hop.connectMs = elapsed(started) - (hop.dnsMs ?? 0);
    return socket;
  }

  async function send(hop: Hop, signal: AbortSignal): Promise<{ client: Client; response: Dispatcher.ResponseData }> {
    const client = new Client(hop.url.origin, {
      connect: (_options, callback) => {
        openSocket(hop, signal).then(
          (socket) => callback(null, socket),
          (err: Error) => callback(err, null),
        );
      },
      headersTimeout: limits.idleTimeoutMs,
      bodyTimeout: limits.idleTimeoutMs,
    });
    try {
      const response = await client.request({
        method: 'GET',
        path: `${hop.url.pathname}${hop.url.search}`,
        headers: requestHeaders,
        signal,
        responseHeaders: 'raw',
      });
      return { client, response };
    } catch (err) {
      client.destroy().catch(noop);
      throw err;
    }
  }

  async function readBody(body: Readable, headers: [string, string][], url: URL): Promise<Buffer> {
    const declared = firstHeader(headers, 'content-length');
    if (declared !== null && Number(declared) > limits.maxBytes) {
      throw new FetchError('VIGIL_FETCH_TOO_LARGE', `${url.href}: content-length ${declared} exceeds the ${limits.maxBytes}-byte limit`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limits.maxBytes) {
        throw new FetchError('VIGIL_FETCH_TOO_LARGE', `${url.href}: body exceeds the ${limits.maxBytes}-byte limit`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, total);
  }

  function toFetchError(err: unknown, url: string): FetchError {
    if (err instanceof FetchError) return err;
    const code = (err as { code?: unknown }).code;
    switch (code) {
      case 'UND_ERR_HEADERS_TIMEOUT':
        return new FetchError('VIGIL_FETCH_TIMEOUT', `${url}: no response headers within ${limits.idleTimeoutMs} ms`, { cause: err });
      case 'UND_ERR_BODY_TIMEOUT':
        return new FetchError('VIGIL_FETCH_TIMEOUT', `${url}: no body data for ${limits.idleTimeoutMs} ms (idle limit)`, { cause: err });
      case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
        return new FetchError('VIGIL_FETCH_CONNECTION', `${url}: the body ended before its content-length`, { cause: err });
      default:
        return new FetchError('VIGIL_FETCH_CONNECTION', `${url}: ${errorText(err)}`, { cause: err });
    }
  }

  async function fetchUrl(input: string, callerSignal: AbortSignal | undefined): Promise<FetchResult> {
    const startedAt = clock.now();
    const started = performance.now();
    let current = input;
    const deadline = new AbortController();
    const timer = setTimeout(() => {
      deadline.abort(new FetchError('VIGIL_FETCH_TIMEOUT', `${current}: no complete response within ${limits.timeoutMs} ms (total limit)`));
    }, limits.timeoutMs);
    const signal = callerSignal === undefined ? deadline.signal : AbortSignal.any([deadline.signal, callerSignal]);
    const redirects: FetchRedirect[] = [];
    // Set while a hop reached by redirect is being fetched; errors of the redirect itself already name it.
    let redirectedFrom: string | null = null;
    try {
      let url = checkUrl(input, null);
      const requested = url.href;
      current = requested;
      for (;;) {
        const hop = planHop(url);
        const { client, response } = await send(hop, signal);
        try {
          const ttfbMs = elapsed(hop.connectedAt);
          // With responseHeaders: 'raw' undici hands over the flat [name, value, ...] list, not the object its type declares.
          const headers = toPairs(response.headers as unknown as string[]);
          const location = firstHeader(headers, 'location');
          if (REDIRECT_STATUSES.has(response.statusCode) && location !== null) {
            redirectedFrom = null;
            response.body.on('error', noop).destroy();
            redirects.push({ url: url.href, status: response.statusCode, location, resolvedIp: hop.resolvedIp });
            if (redirects.length > limits.maxRedirects) {
              throw new FetchError('VIGIL_FETCH_TOO_MANY_REDIRECTS', `${requested}: more than ${limits.maxRedirects} redirects (last to "${location}")`);
            }
            const next = checkUrl(location, url);
            if (redirects.some((redirect) => redirect.url === next.href)) {
              throw new FetchError('VIGIL_FETCH_TOO_MANY_REDIRECTS', `${requested}: redirect loop, ${url.href} leads back to ${next.href}`);
            }
            redirectedFrom = url.href;
            url = next;
            current = url.href;
            continue;
          }
          const raw = await readBody(response.body, headers, url);
          const contentEncoding = headerValues(headers, 'content-encoding').join(', ') || null;
          const { body, decoded } = await decodeBody(raw, contentEncoding, limits, url);
          return {
            url: requested,
            finalUrl: url.href,
            status: response.statusCode,
            headers,
            redirects,
            resolvedIp: hop.resolvedIp,
            tlsCertificate: hop.tlsCertificate,
            body,
            truncated: false,
            contentEncoding,
            decoded,
            sniffedType: await sniffType(body),
            declaredType: mediaType(firstHeader(headers, 'content-type')),
            timings: { startedAt, dnsMs: hop.dnsMs, connectMs: hop.connectMs, ttfbMs, totalMs: elapsed(started) },
            fetcherVersion: FETCHER_VERSION,
            via: hop.via,
          };
        } finally {
          response.body.on('error', noop);
          client.destroy().catch(noop);
        }
      }
    } catch (err) {
      if (callerSignal?.aborted === true && !deadline.signal.aborted) throw callerSignal.reason;
      const error = toFetchError(err, current);
      if (redirectedFrom === null) throw error;
      // A refusal deep in a chain is only understandable with the page that sent us there.
      throw new FetchError(error.code, `${error.message}, reached by redirect from ${redirectedFrom}`, { cause: error.cause });
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    fetch: (url, fetchOptions) => fetchUrl(url, fetchOptions?.signal),
  };
}
