/**
 * One fetch -> WARC/1.1 records, written with warcio, one gzip member per record (the usual
 * `.warc.gz` layout, so an index can point at any record by byte offset).
 *
 * Records of a capture, in this order, all dated `WARC-Date` = the capture time (not the time of
 * writing; the fetcher reports one time per capture, so redirect hops carry it too):
 *
 * 1. `warcinfo`: software and format. Every other record names it in `WARC-Warcinfo-ID`.
 * 2. One `response` per redirect hop (`hops`), empty body, status line and headers as received.
 *    Hops get no `request` record (the fetcher does not report per-hop request headers) and no
 *    `WARC-IP-Address` (the resolved IP is the final host's).
 * 3. `request`: `GET <path> HTTP/1.1` and the request headers Vigil set. Headers that the HTTP
 *    client adds on the wire by itself (`host`, `connection`) are not in the input, so not here.
 * 4. `response`: status line, headers and the body as given, i.e. DECODED. A decoded body under
 *    `Content-Encoding: gzip` would be unreadable to every replay tool, so `Content-Encoding` and
 *    `Transfer-Encoding` are removed and `Content-Length` is set to the stored length (added if
 *    absent). The same applies to hops (stored length 0). The headers exactly as received are kept
 *    in the metadata record (`originalResponseHeaders`, and per hop in `redirectChain`), which is
 *    covered by its own block digest, so nothing received is lost and the rewrite is visible.
 * 5. `metadata` (`application/json`): Vigil's account of the fetch: requested and final URL,
 *    resolved IP, redirect chain, original headers, and the caller's `metadata` object (TLS
 *    certificate, timings, fetcher version) under `fetch`.
 *
 * `request` and `metadata` carry `WARC-Concurrent-To: <response id>`. Every record carries
 * `WARC-Block-Digest` (warcinfo included: warcio skips it there, so it is computed here) and every
 * record but warcinfo `WARC-Payload-Digest`, in warcio's form `sha256:<hex>`.
 *
 * Record ids are derived from the input (a name-based UUID, version 8), so the same capture always
 * serialises to the same bytes and a stored WARC blob can be regenerated and compared.
 *
 * Header names and values are written as given (UTF-8); a value containing CR, LF or NUL is
 * refused because it would end the header block early.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { HeadersMultiMap, StatusAndHeaders, WARCRecord, WARCSerializer } from 'warcio';

export const WARC_VERSION = 'WARC/1.1';

export interface WarcRedirectHop {
  url: string;
  status: number;
  headers: [string, string][];
}

export interface WarcCaptureInput {
  /** The URL Vigil was asked to fetch. */
  url: string;
  /** The URL of the final response, after redirects. */
  finalUrl: string;
  /** Epoch milliseconds; becomes every record's `WARC-Date`. */
  capturedAt: number;
  method: 'GET';
  requestHeaders: [string, string][];
  status: number;
  statusText?: string;
  responseHeaders: [string, string][];
  /** The body after content and transfer decoding. */
  body: Uint8Array;
  resolvedIp: string | null;
  /** TLS certificate, timings, fetcher version...: stored as JSON in the metadata record. */
  metadata: Record<string, unknown>;
  /** `Vigil <version>`. */
  software: string;
  /** Redirect responses before the final one, in order. */
  hops?: WarcRedirectHop[];
}

export interface WarcScreenshotInput {
  /** The page the screenshot shows; the record's target is `urn:view:<url>`, as Browsertrix names them. */
  url: string;
  /** Epoch milliseconds of the screenshot. */
  capturedAt: number;
  png: Uint8Array;
}

export interface WarcFileInput {
  /** SHA-256 hex of the bytes; the record's target is `urn:sha256:<hex>`. */
  sha256: string;
  /** The name it was uploaded under, kept in the record as `WARC-Vigil-Filename`. */
  filename: string;
  mediaType: string | null;
  /** Epoch milliseconds of the upload's capture. */
  capturedAt: number;
  body: Uint8Array;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_BREAKING = /[\r\n\0]/;
const DROPPED_FOR_DECODED_BODY = new Set(['content-encoding', 'transfer-encoding']);

/**
 * warcio's HeadersMultiMap stores repeated names joined by ",,," and splits every value on ",,,"
 * when writing, so a received value containing ",,," would come out as several header lines.
 * This one writes the pairs exactly as given.
 */
class VerbatimHeaders extends HeadersMultiMap {
  readonly #pairs: readonly [string, string][];

  constructor(pairs: readonly [string, string][]) {
    super();
    this.#pairs = pairs;
  }

  override *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const [name, value] of this.#pairs) yield [name, value];
  }
}

function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function warcDate(epochMs: number, what: string): string {
  if (!Number.isSafeInteger(epochMs) || epochMs < 0) throw new RangeError(`${what} must be epoch milliseconds, got ${epochMs}`);
  return new Date(epochMs).toISOString();
}

function httpUrl(url: string, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`${what} is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`${what} is not http(s): ${url}`);
  return parsed;
}

function checkHeaders(headers: readonly [string, string][], what: string): void {
  for (const [name, value] of headers) {
    if (!HEADER_NAME.test(name)) throw new TypeError(`${what}: invalid header name ${JSON.stringify(name)}`);
    if (HEADER_BREAKING.test(value)) throw new TypeError(`${what}: header ${name} contains CR, LF or NUL`);
  }
}

function checkStatus(status: number, what: string): void {
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`${what}: invalid HTTP status ${status}`);
}

/** Record ids as `<urn:uuid:…>`, a version-8 UUID from sha256(seed, role). */
function recordIds(seed: string): (role: string) => string {
  return (role) => {
    const b = createHash('sha256').update(seed).update('\0').update(role).digest();
    b[6] = (b[6]! & 0x0f) | 0x80;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = b.subarray(0, 16).toString('hex');
    return `<urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}>`;
  };
}

/** Headers for a stored (decoded) body of `length` bytes; see the file comment. */
function headersForStoredBody(headers: readonly [string, string][], length: number): [string, string][] {
  const out: [string, string][] = [];
  let lengthWritten = false;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (DROPPED_FOR_DECODED_BODY.has(lower)) continue;
    if (lower === 'content-length') {
      if (!lengthWritten) out.push([name, String(length)]);
      lengthWritten = true;
      continue;
    }
    out.push([name, value]);
  }
  if (!lengthWritten) out.push(['Content-Length', String(length)]);
  return out;
}

interface RecordSpec {
  type: 'warcinfo' | 'request' | 'response' | 'metadata' | 'resource';
  id: string;
  date: string;
  url?: string;
  warcHeaders?: [string, string][];
  http?: { statusline: string; headers: [string, string][] };
  body: Uint8Array;
}

async function serializeRecord(spec: RecordSpec): Promise<Uint8Array> {
  // Listed first so that these fields lead the record in the conventional order; warcio then
  // sets the same values in place.
  const warcHeaders: [string, string][] = [
    ['WARC-Type', spec.type],
    ['WARC-Record-ID', spec.id],
    ['WARC-Date', spec.date],
    ...(spec.url === undefined ? [] : [['WARC-Target-URI', spec.url] as [string, string]]),
    ...(spec.warcHeaders ?? []),
  ];
  const record = WARCRecord.create(
    { type: spec.type, url: spec.url, date: spec.date, warcVersion: WARC_VERSION, warcHeaders },
    spec.body.length > 0 ? [spec.body] : [],
  );
  if (spec.http) record.httpHeaders = new StatusAndHeaders({ statusline: spec.http.statusline, headers: new VerbatimHeaders(spec.http.headers) });
  return WARCSerializer.serialize(record, { gzip: true });
}

/**
 * WARC/1.1 records for one fetch, as concatenated gzip members (see the file comment for the
 * records and what each holds).
 *
 * @example
 * const warc = await captureToWarcRecords({
 *   url: 'https://example.org/a', finalUrl: 'https://example.org/a', capturedAt: Date.parse('2025-03-01T10:00:00Z'),
 *   method: 'GET', requestHeaders: [['user-agent', 'Vigil']], status: 200, statusText: 'OK',
 *   responseHeaders: [['content-type', 'text/html']], body: new TextEncoder().encode('<p>hi</p>'),
 *   resolvedIp: '93.184.215.14', metadata: { fetcherVersion: '1' }, software: 'Vigil 0.1.0',
 * });
 */
export async function captureToWarcRecords(capture: WarcCaptureInput): Promise<Uint8Array> {
  const date = warcDate(capture.capturedAt, 'capturedAt');
  httpUrl(capture.url, 'url');
  const finalUrl = httpUrl(capture.finalUrl, 'finalUrl');
  if (capture.method !== 'GET') throw new TypeError(`only GET captures are written, got ${String(capture.method)}`);
  if (!capture.software || HEADER_BREAKING.test(capture.software)) throw new TypeError('software must be a non-empty single line');
  checkStatus(capture.status, 'response');
  if (capture.statusText !== undefined && HEADER_BREAKING.test(capture.statusText)) throw new TypeError('statusText contains CR, LF or NUL');
  checkHeaders(capture.requestHeaders, 'request');
  checkHeaders(capture.responseHeaders, 'response');
  if (capture.resolvedIp !== null && isIP(capture.resolvedIp) === 0) throw new TypeError(`resolvedIp is not an IP address: ${capture.resolvedIp}`);
  const hops = capture.hops ?? [];
  for (const [i, hop] of hops.entries()) {
    httpUrl(hop.url, `hops[${i}].url`);
    checkStatus(hop.status, `hops[${i}]`);
    checkHeaders(hop.headers, `hops[${i}]`);
  }

  const seed = JSON.stringify({
    url: capture.url,
    finalUrl: capture.finalUrl,
    capturedAt: capture.capturedAt,
    requestHeaders: capture.requestHeaders,
    status: capture.status,
    statusText: capture.statusText ?? null,
    responseHeaders: capture.responseHeaders,
    body: sha256Hex(capture.body),
    resolvedIp: capture.resolvedIp,
    hops,
    metadata: capture.metadata,
    software: capture.software,
  });
  const idOf = recordIds(seed);
  const warcinfoId = idOf('warcinfo');
  const responseId = idOf('response');
  const requestId = idOf('request');
  const metadataId = idOf('metadata');
  const hopIds = hops.map((_, i) => idOf(`hop:${i}`));
  const ipHeader: [string, string][] = capture.resolvedIp === null ? [] : [['WARC-IP-Address', capture.resolvedIp]];
  const infoHeader: [string, string] = ['WARC-Warcinfo-ID', warcinfoId];

  const info = new TextEncoder().encode(
    `software: ${capture.software}\r\nformat: WARC File Format 1.1\r\n` +
      'conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n',
  );
  const metadataJson = new TextEncoder().encode(
    JSON.stringify({
      format: 'vigil-capture-metadata/1',
      url: capture.url,
      finalUrl: capture.finalUrl,
      capturedAt: date,
      resolvedIp: capture.resolvedIp,
      redirectChain: hops.map((hop, i) => ({ url: hop.url, status: hop.status, headers: hop.headers, recordId: hopIds[i] })),
      originalResponseHeaders: capture.responseHeaders,
      fetch: capture.metadata,
    }),
  );

  const records: RecordSpec[] = [
    { type: 'warcinfo', id: warcinfoId, date, warcHeaders: [['Content-Type', 'application/warc-fields'], ['WARC-Block-Digest', `sha256:${sha256Hex(info)}`]], body: info },
    ...hops.map(
      (hop, i): RecordSpec => ({
        type: 'response',
        id: hopIds[i]!,
        date,
        url: hop.url,
        warcHeaders: [infoHeader],
        http: { statusline: `HTTP/1.1 ${hop.status} `, headers: headersForStoredBody(hop.headers, 0) },
        body: new Uint8Array(0),
      }),
    ),
    {
      type: 'request',
      id: requestId,
      date,
      url: capture.finalUrl,
      warcHeaders: [infoHeader, ...ipHeader, ['WARC-Concurrent-To', responseId]],
      http: { statusline: `GET ${finalUrl.pathname}${finalUrl.search} HTTP/1.1`, headers: [...capture.requestHeaders] },
      body: new Uint8Array(0),
    },
    {
      type: 'response',
      id: responseId,
      date,
      url: capture.finalUrl,
      warcHeaders: [infoHeader, ...ipHeader],
      http: {
        statusline: `HTTP/1.1 ${capture.status} ${capture.statusText ?? ''}`,
        headers: headersForStoredBody(capture.responseHeaders, capture.body.length),
      },
      body: capture.body,
    },
    {
      type: 'metadata',
      id: metadataId,
      date,
      url: capture.finalUrl,
      warcHeaders: [infoHeader, ['WARC-Concurrent-To', responseId], ['Content-Type', 'application/json']],
      body: metadataJson,
    },
  ];
  const out: Uint8Array[] = [];
  for (const spec of records) out.push(await serializeRecord(spec));
  return Buffer.concat(out);
}

/**
 * A screenshot as one gzipped WARC `resource` record (`image/png`), target `urn:view:<url>`.
 *
 * @example
 * const record = await screenshotToWarcRecord({ url: 'https://example.org/a', capturedAt: Date.now(), png });
 */
export async function screenshotToWarcRecord(screenshot: WarcScreenshotInput): Promise<Uint8Array> {
  const date = warcDate(screenshot.capturedAt, 'capturedAt');
  const url = httpUrl(screenshot.url, 'url').href;
  const id = recordIds(JSON.stringify({ url, capturedAt: screenshot.capturedAt, png: sha256Hex(screenshot.png) }))('screenshot');
  return serializeRecord({
    type: 'resource',
    id,
    date,
    url: `urn:view:${url}`,
    warcHeaders: [['Content-Type', 'image/png']],
    body: screenshot.png,
  });
}

/**
 * An uploaded file as one gzipped WARC `resource` record, so uploads are packaged like fetched pages.
 * There is no URL to name, so the target is the content's own hash.
 */
export async function fileToWarcRecord(file: WarcFileInput): Promise<Uint8Array> {
  const date = warcDate(file.capturedAt, 'capturedAt');
  if (!/^[0-9a-f]{64}$/.test(file.sha256) || sha256Hex(file.body) !== file.sha256) throw new TypeError('sha256 must be the hex SHA-256 of body');
  const filename = file.filename.replace(/[\r\n\0]/g, ' ');
  const id = recordIds(JSON.stringify({ sha256: file.sha256, capturedAt: file.capturedAt }))('file');
  return serializeRecord({
    type: 'resource',
    id,
    date,
    url: `urn:sha256:${file.sha256}`,
    warcHeaders: [
      ['Content-Type', file.mediaType ?? 'application/octet-stream'],
      ['WARC-Vigil-Filename', filename],
    ],
    body: file.body,
  });
}
