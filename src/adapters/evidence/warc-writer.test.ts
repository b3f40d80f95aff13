import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { WARCParser } from 'warcio';
import type { WARCRecord } from 'warcio';
import { describe, expect, it } from 'vitest';
import { captureToWarcRecords, screenshotToWarcRecord } from './warc-writer.ts';
import type { WarcCaptureInput } from './warc-writer.ts';

const CAPTURED_AT = Date.parse('2025-03-01T10:15:30.250Z');
const html = (title: string) => `<!doctype html><html><head><title>${title}</title></head><body>${'<p>synthetic text</p>'.repeat(40)}</body></html>`;

function capture(overrides: Partial<WarcCaptureInput> = {}): WarcCaptureInput {
  return {
    url: 'http://example.test/start',
    finalUrl: 'https://example.test/page?id=7',
    capturedAt: CAPTURED_AT,
    method: 'GET',
    requestHeaders: [
      ['user-agent', 'Vigil/0.1 (test)'],
      ['accept', 'text/html'],
    ],
    status: 200,
    statusText: 'OK',
    responseHeaders: [
      ['Content-Type', 'text/html; charset=utf-8'],
      ['Content-Encoding', 'gzip'],
      ['Transfer-Encoding', 'chunked'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2,,,c=3'],
      ['X-Odd', '  spaced  value'],
    ],
    body: new TextEncoder().encode(html('Synthetic page')),
    resolvedIp: '192.0.2.10',
    metadata: { tls: { subject: 'CN=example.test', fingerprint256: 'AB:CD' }, timings: { totalMs: 120 }, fetcherVersion: 'fetch/1' },
    software: 'Vigil 0.1.0',
    hops: [{ url: 'http://example.test/start', status: 301, headers: [['Location', 'https://example.test/page?id=7'], ['Content-Length', '162']] }],
    ...overrides,
  };
}

interface ParsedRecord {
  headers: Map<string, string>;
  block: Uint8Array;
}

/** Records with their raw blocks (HTTP headers included), headers keyed in lower case. */
async function parseRaw(warc: Uint8Array): Promise<ParsedRecord[]> {
  const out: ParsedRecord[] = [];
  for await (const record of new WARCParser([warc], { parseHttp: false })) {
    const headers = new Map<string, string>();
    for (const [name, value] of record.warcHeaders.headers) headers.set(name.toLowerCase(), value);
    out.push({ headers, block: await record.readFully(false) });
  }
  return out;
}

async function parseHttp(warc: Uint8Array): Promise<{ record: WARCRecord; content: Uint8Array }[]> {
  const out: { record: WARCRecord; content: Uint8Array }[] = [];
  for await (const record of new WARCParser([warc], { keepHeadersCase: true })) out.push({ record, content: await record.readFully(true) });
  return out;
}

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function httpPayload(block: Uint8Array): Uint8Array {
  const end = Buffer.from(block).indexOf('\r\n\r\n');
  return block.subarray(end + 4);
}

describe('captureToWarcRecords', () => {
  it('writes warcinfo, one response per hop, request, response and metadata, all dated at the capture time', async () => {
    const records = await parseRaw(await captureToWarcRecords(capture()));
    expect(records.map((r) => r.headers.get('warc-type'))).toEqual(['warcinfo', 'response', 'request', 'response', 'metadata']);
    for (const r of records) expect(r.headers.get('warc-date')).toBe('2025-03-01T10:15:30.250Z');
    const [info, hop, request, response, metadata] = records as [ParsedRecord, ParsedRecord, ParsedRecord, ParsedRecord, ParsedRecord];

    const ids = records.map((r) => r.headers.get('warc-record-id'));
    expect(new Set(ids).size).toBe(records.length);
    for (const id of ids) expect(id).toMatch(/^<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}>$/);
    for (const r of [hop, request, response, metadata]) expect(r.headers.get('warc-warcinfo-id')).toBe(info.headers.get('warc-record-id'));
    expect(request.headers.get('warc-concurrent-to')).toBe(response.headers.get('warc-record-id'));
    expect(metadata.headers.get('warc-concurrent-to')).toBe(response.headers.get('warc-record-id'));

    expect(hop.headers.get('warc-target-uri')).toBe('http://example.test/start');
    for (const r of [request, response, metadata]) expect(r.headers.get('warc-target-uri')).toBe('https://example.test/page?id=7');
    expect(request.headers.get('warc-ip-address')).toBe('192.0.2.10');
    expect(response.headers.get('warc-ip-address')).toBe('192.0.2.10');
    expect(hop.headers.has('warc-ip-address')).toBe(false);

    const infoText = Buffer.from(info.block).toString('utf8');
    expect(infoText).toContain('software: Vigil 0.1.0\r\n');
    expect(infoText).toContain('format: WARC File Format 1.1\r\n');
    expect(Buffer.from(request.block).toString('utf8')).toBe('GET /page?id=7 HTTP/1.1\r\nuser-agent: Vigil/0.1 (test)\r\naccept: text/html\r\n\r\n');
  });

  it('writes WARC/1.1, one gzip member per record', async () => {
    const warc = await captureToWarcRecords(capture());
    const offsets: number[] = [];
    const parser = new WARCParser([warc]);
    for await (const record of parser) {
      await record.skipFully();
      offsets.push(parser.offset);
    }
    offsets.push(warc.length);
    expect(offsets).toHaveLength(6);
    for (let i = 0; i < 5; i++) {
      const text = gunzipSync(warc.subarray(offsets[i], offsets[i + 1])).toString('latin1');
      expect(text.startsWith('WARC/1.1\r\n')).toBe(true);
      expect(text.match(/^WARC\/1\.1\r\n/gm)).toHaveLength(1);
    }
  });

  it('gives every record a block digest and every non-warcinfo record a payload digest that match the bytes', async () => {
    const body = capture().body;
    const records = await parseRaw(await captureToWarcRecords(capture()));
    for (const r of records) {
      expect(r.headers.get('warc-block-digest')).toBe(sha256(r.block));
      const type = r.headers.get('warc-type');
      if (type === 'warcinfo') continue;
      const payload = type === 'response' || type === 'request' ? httpPayload(r.block) : r.block;
      expect(r.headers.get('warc-payload-digest')).toBe(sha256(payload));
    }
    expect(records[3]!.headers.get('warc-payload-digest')).toBe(sha256(body));
  });

  it('stores the decoded body under headers that describe it, and keeps the received headers in the metadata record', async () => {
    const input = capture();
    const records = await parseHttp(await captureToWarcRecords(input));
    const response = records[3]!;
    expect(response.record.httpHeaders?.statusline).toBe('HTTP/1.1 200 OK');
    const rawResponse = (await parseRaw(await captureToWarcRecords(input)))[3]!;
    const head = Buffer.from(rawResponse.block).toString('utf8').split('\r\n\r\n')[0];
    expect(head).toBe(
      [
        'HTTP/1.1 200 OK',
        'Content-Type: text/html; charset=utf-8',
        'Set-Cookie: a=1',
        'Set-Cookie: b=2,,,c=3',
        'X-Odd:   spaced  value',
        `Content-Length: ${input.body.length}`,
      ].join('\r\n'),
    );
    expect(Buffer.from(response.content).equals(Buffer.from(input.body))).toBe(true);

    const metadata = JSON.parse(Buffer.from(records[4]!.content).toString('utf8')) as Record<string, unknown>;
    expect(records[4]!.record.warcContentType).toBe('application/json');
    expect(metadata['originalResponseHeaders']).toEqual(input.responseHeaders);
    expect(metadata['resolvedIp']).toBe('192.0.2.10');
    expect(metadata['url']).toBe(input.url);
    expect(metadata['finalUrl']).toBe(input.finalUrl);
    expect(metadata['capturedAt']).toBe('2025-03-01T10:15:30.250Z');
    expect(metadata['fetch']).toEqual(input.metadata);
  });

  it('replaces a wrong Content-Length in place and adds one when absent', async () => {
    const body = new TextEncoder().encode('abc');
    const head = async (responseHeaders: [string, string][]) => {
      const r = (await parseRaw(await captureToWarcRecords(capture({ body, responseHeaders, hops: [] }))))[2]!;
      return Buffer.from(r.block).toString('utf8').split('\r\n\r\n')[0]!.split('\r\n').slice(1);
    };
    expect(await head([['content-length', '999'], ['x-a', '1'], ['Content-Length', '999']])).toEqual(['content-length: 3', 'x-a: 1']);
    expect(await head([['x-a', '1']])).toEqual(['x-a: 1', 'Content-Length: 3']);
  });

  it('writes each redirect hop as a response with an empty body, its received headers in the metadata', async () => {
    const input = capture({
      hops: [
        { url: 'http://example.test/start', status: 301, headers: [['Location', 'https://example.test/mid'], ['Content-Length', '162']] },
        { url: 'https://example.test/mid', status: 302, headers: [['location', '/page?id=7']] },
      ],
    });
    const records = await parseRaw(await captureToWarcRecords(input));
    expect(records.map((r) => r.headers.get('warc-type'))).toEqual(['warcinfo', 'response', 'response', 'request', 'response', 'metadata']);
    const [hop1, hop2] = [records[1]!, records[2]!];
    expect(Buffer.from(hop1.block).toString('utf8')).toBe('HTTP/1.1 301 \r\nLocation: https://example.test/mid\r\nContent-Length: 0\r\n\r\n');
    expect(Buffer.from(hop2.block).toString('utf8')).toBe('HTTP/1.1 302 \r\nlocation: /page?id=7\r\nContent-Length: 0\r\n\r\n');
    expect(hop2.headers.get('warc-target-uri')).toBe('https://example.test/mid');
    const metadata = JSON.parse(Buffer.from(records[5]!.block).toString('utf8')) as { redirectChain: unknown[] };
    expect(metadata.redirectChain).toEqual([
      { url: 'http://example.test/start', status: 301, headers: input.hops![0]!.headers, recordId: hop1.headers.get('warc-record-id') },
      { url: 'https://example.test/mid', status: 302, headers: input.hops![1]!.headers, recordId: hop2.headers.get('warc-record-id') },
    ]);
  });

  it('omits WARC-IP-Address when the IP is unknown', async () => {
    const records = await parseRaw(await captureToWarcRecords(capture({ resolvedIp: null, hops: [] })));
    for (const r of records) expect(r.headers.has('warc-ip-address')).toBe(false);
  });

  it('is deterministic: the same capture gives the same bytes, another capture other record ids', async () => {
    const a = await captureToWarcRecords(capture());
    const b = await captureToWarcRecords(capture());
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const later = await parseRaw(await captureToWarcRecords(capture({ capturedAt: CAPTURED_AT + 1 })));
    const first = await parseRaw(a);
    for (let i = 0; i < first.length; i++) expect(later[i]!.headers.get('warc-record-id')).not.toBe(first[i]!.headers.get('warc-record-id'));
  });

  it('refuses input that would corrupt the record', async () => {
    await expect(captureToWarcRecords(capture({ responseHeaders: [['x-a', 'one\r\nX-Injected: two']] }))).rejects.toThrow(/CR, LF or NUL/);
    await expect(captureToWarcRecords(capture({ requestHeaders: [['bad name', 'x']] }))).rejects.toThrow(/header name/);
    await expect(captureToWarcRecords(capture({ finalUrl: 'not a url' }))).rejects.toThrow(/not a URL/);
    await expect(captureToWarcRecords(capture({ resolvedIp: 'example.test' }))).rejects.toThrow(/not an IP/);
    await expect(captureToWarcRecords(capture({ capturedAt: -1 }))).rejects.toThrow(/epoch milliseconds/);
    await expect(captureToWarcRecords(capture({ status: 42 }))).rejects.toThrow(/HTTP status/);
  });
});

describe('screenshotToWarcRecord', () => {
  it('writes a resource record holding the PNG', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 40, b: 40 } } }).png().toBuffer();
    const at = CAPTURED_AT + 2_000;
    const warc = await screenshotToWarcRecord({ url: 'https://example.test/page?id=7', capturedAt: at, png });
    const [record, ...rest] = await parseRaw(warc);
    expect(rest).toHaveLength(0);
    expect(record!.headers.get('warc-type')).toBe('resource');
    expect(record!.headers.get('content-type')).toBe('image/png');
    expect(record!.headers.get('warc-target-uri')).toBe('urn:view:https://example.test/page?id=7');
    expect(record!.headers.get('warc-date')).toBe(new Date(at).toISOString());
    expect(Buffer.from(record!.block).equals(png)).toBe(true);
    expect(record!.headers.get('warc-block-digest')).toBe(sha256(png));
    expect(record!.headers.get('warc-payload-digest')).toBe(sha256(png));
    expect((await sharp(Buffer.from(record!.block)).metadata()).format).toBe('png');
  });
});
