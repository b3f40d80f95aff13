import { createHash, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { WARCParser } from 'warcio';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureToWarcRecords, screenshotToWarcRecord } from './warc-writer.ts';
import type { WarcCaptureInput } from './warc-writer.ts';
import { verifyWacz, WACZ_SIGNATURE_SCHEME, writeWacz } from './wacz.ts';
import type { WaczInput, WaczSigner } from './wacz.ts';

const T0 = Date.parse('2025-03-01T10:15:30.250Z');
const EXPORTED_AT = Date.parse('2025-03-02T08:00:00.500Z');

interface KeyPair {
  publicKeyPem: string;
  privateKey: KeyObject;
}

function keyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

function signer(keys: KeyPair, keyId = 'agency-test-2025'): WaczSigner {
  return { keyId, publicKeyPem: keys.publicKeyPem, sign: (message) => sign(null, message, keys.privateKey) };
}

function capture(overrides: Partial<WarcCaptureInput>): WarcCaptureInput {
  return {
    url: 'https://example.test/a',
    finalUrl: 'https://example.test/a',
    capturedAt: T0,
    method: 'GET',
    requestHeaders: [['user-agent', 'Vigil/0.1 (test)']],
    status: 200,
    statusText: 'OK',
    responseHeaders: [['content-type', 'text/html; charset=utf-8']],
    body: new TextEncoder().encode('<!doctype html><title>a</title><p>synthetic</p>'),
    resolvedIp: '192.0.2.10',
    metadata: { fetcherVersion: 'fetch/1' },
    software: 'Vigil 0.1.0',
    ...overrides,
  };
}

async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 30, g: 90, b: 160 } } }).png().toBuffer();
}

const manifest = {
  item: { id: '0195a1c0-0000-7000-8000-000000000001', url: 'https://example.test/a' },
  captures: [{ id: '0195a1c0-0000-7000-8000-000000000002', capturedAt: T0 }],
  blobs: { body: 'sha256:00' },
  custodyEvents: [{ seq: 1, kind: 'captured', at: T0 }],
  checkpointSignatures: [{ seq: 1, signature: 'AAAA' }],
  toolVersions: { vigil: '0.1.0' },
};

async function smallPackageInput(keys: KeyPair): Promise<WaczInput> {
  const shot = await png(4, 3);
  return {
    title: 'Item 1',
    created: EXPORTED_AT,
    software: 'Vigil 0.1.0',
    warcs: [await captureToWarcRecords(capture({})), await screenshotToWarcRecord({ url: 'https://example.test/a', capturedAt: T0 + 1000, png: shot })],
    manifest,
    screenshots: [{ name: 'capture-1', png: shot }],
    sign: signer(keys),
  };
}

interface ZipContents {
  names: string[];
  methods: number[];
  files: Map<string, Buffer>;
}

async function unzip(path: string): Promise<ZipContents> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
  const out: ZipContents = { names: [], methods: [], files: new Map() };
  try {
    for await (const entry of zip.eachEntry()) {
      const chunks: Buffer[] = [];
      for await (const chunk of (await zip.openReadStreamPromise(entry)) as AsyncIterable<Buffer>) chunks.push(chunk);
      out.names.push(entry.fileName);
      out.methods.push(entry.compressionMethod);
      out.files.set(entry.fileName, Buffer.concat(chunks));
    }
  } finally {
    zip.close();
  }
  return out;
}

/** Writes `files` as a zip the way writeWacz does (same order, times, modes, no compression). */
async function zipFiles(path: string, files: Map<string, Buffer>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, bytes] of files) zip.addBuffer(bytes, name, { mtime: new Date(EXPORTED_AT), mode: 0o100644, compress: false });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  await writeFile(path, Buffer.concat(chunks));
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let dir: string;
let keys: KeyPair;
let small: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-wacz-'));
  keys = keyPair();
  small = join(dir, 'small.wacz');
  await writeWacz(small, await smallPackageInput(keys));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeWacz', () => {
  let path: string;
  let written: { sha256: string; bytes: number };
  let input: WaczInput;
  let contents: ZipContents;
  const big = randomBytes(3 * 1024 * 1024);

  beforeAll(async () => {
    path = join(dir, 'full.wacz');
    const shot = await png(64, 48);
    input = {
      title: 'Item 0195a1c0',
      description: 'Synthetic evidence package',
      created: EXPORTED_AT,
      software: 'Vigil 0.1.0',
      warcs: [
        await captureToWarcRecords(
          capture({
            url: 'http://example.test/start',
            finalUrl: 'https://example.test/a',
            hops: [{ url: 'http://example.test/start', status: 301, headers: [['location', 'https://example.test/a']] }],
          }),
        ),
        await captureToWarcRecords(
          capture({ url: 'https://example.test/video.bin', finalUrl: 'https://example.test/video.bin', capturedAt: T0 + 60_000, responseHeaders: [['content-type', 'application/octet-stream']], body: big }),
        ),
        await screenshotToWarcRecord({ url: 'https://example.test/a', capturedAt: T0 + 1000, png: shot }),
      ],
      manifest,
      screenshots: [{ name: 'capture-1', png: shot }],
      sign: signer(keys),
    };
    written = await writeWacz(path, input);
    contents = await unzip(path);
  });

  it('writes the WACZ 1.1.1 layout, every file stored, and returns the file hash', async () => {
    const file = await readFile(path);
    expect(written).toEqual({ sha256: sha256Hex(file), bytes: file.length });
    expect(contents.names).toEqual([
      'archive/data.warc.gz',
      'indexes/index.cdx',
      'pages/pages.jsonl',
      'vigil/manifest.json',
      'vigil/screenshots/capture-1.png',
      'datapackage.json',
      'datapackage-digest.json',
    ]);
    expect(contents.methods.every((m) => m === 0)).toBe(true);
    expect(JSON.parse(contents.files.get('vigil/manifest.json')!.toString('utf8'))).toEqual(manifest);
    expect(contents.files.get('vigil/screenshots/capture-1.png')!.equals(input.screenshots[0]!.png)).toBe(true);
    expect(contents.files.get('archive/data.warc.gz')!.equals(Buffer.concat(input.warcs))).toBe(true);
  });

  it('lists every other file in datapackage.json with its sha256 and size', () => {
    const dp = JSON.parse(contents.files.get('datapackage.json')!.toString('utf8')) as Record<string, unknown>;
    expect(dp).toMatchObject({
      profile: 'data-package',
      wacz_version: '1.1.1',
      title: 'Item 0195a1c0',
      description: 'Synthetic evidence package',
      created: '2025-03-02T08:00:00.500Z',
      software: 'Vigil 0.1.0',
      mainPageUrl: 'https://example.test/a',
      mainPageDate: '2025-03-01T10:15:30.250Z',
    });
    const resources = dp['resources'] as { name: string; path: string; hash: string; bytes: number }[];
    expect(resources.map((r) => r.path)).toEqual(contents.names.slice(0, 5));
    for (const r of resources) {
      const bytes = contents.files.get(r.path)!;
      expect(r).toEqual({ name: r.path.split('/').pop(), path: r.path, hash: `sha256:${sha256Hex(bytes)}`, bytes: bytes.length });
    }
  });

  it('signs exactly "vigil-wacz-signature-v1\\n" + keyId + "\\n" + the sha256 of datapackage.json', () => {
    const digest = JSON.parse(contents.files.get('datapackage-digest.json')!.toString('utf8')) as {
      path: string;
      hash: string;
      signedData: { scheme: string; algorithm: string; keyId: string; publicKeyPem: string; signature: string };
    };
    const hash = `sha256:${sha256Hex(contents.files.get('datapackage.json')!)}`;
    expect(digest.path).toBe('datapackage.json');
    expect(digest.hash).toBe(hash);
    expect(digest.signedData).toMatchObject({ scheme: WACZ_SIGNATURE_SCHEME, algorithm: 'ed25519', keyId: 'agency-test-2025', publicKeyPem: keys.publicKeyPem });
    const message = Buffer.from(`vigil-wacz-signature-v1\nagency-test-2025\n${hash}`, 'utf8');
    expect(verify(null, message, keys.publicKeyPem, Buffer.from(digest.signedData.signature, 'base64'))).toBe(true);
  });

  it('keeps the WARC readable by warcio, every record dated at its capture time', async () => {
    const seen: [string, string, string][] = [];
    for await (const record of new WARCParser([contents.files.get('archive/data.warc.gz')!])) {
      seen.push([record.warcType, record.warcTargetURI ?? '', record.warcDate ?? '']);
      await record.skipFully();
    }
    const at0 = '2025-03-01T10:15:30.250Z';
    const at1 = '2025-03-01T10:16:30.250Z';
    expect(seen).toEqual([
      ['warcinfo', '', at0],
      ['response', 'http://example.test/start', at0],
      ['request', 'https://example.test/a', at0],
      ['response', 'https://example.test/a', at0],
      ['metadata', 'https://example.test/a', at0],
      ['warcinfo', '', at1],
      ['request', 'https://example.test/video.bin', at1],
      ['response', 'https://example.test/video.bin', at1],
      ['metadata', 'https://example.test/video.bin', at1],
      ['resource', 'urn:view:https://example.test/a', '2025-03-01T10:15:31.250Z'],
    ]);
  });

  it('indexes responses and resources in sorted CDXJ whose offsets and lengths are the records’ gzip members', () => {
    const warc = contents.files.get('archive/data.warc.gz')!;
    const lines = contents.files.get('indexes/index.cdx')!.toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect([...lines].sort()).toEqual(lines);
    const seen = lines.map((line) => {
      const [urlkey, timestamp, json] = line.split(' ', 3) as [string, string, string];
      const cdx = JSON.parse(line.slice(urlkey.length + timestamp.length + 2)) as Record<string, string>;
      expect(json.startsWith('{')).toBe(true);
      const member = warc.subarray(Number(cdx['offset']), Number(cdx['offset']) + Number(cdx['length']));
      // One gzip member holding exactly one record: decompressing it alone must succeed and read back that record.
      const text = gunzipSync(member).toString('latin1');
      expect(text.match(/^WARC\/1\.1\r\n/gm)).toHaveLength(1);
      expect(text).toContain(`\r\nWARC-Target-URI: ${cdx['url']}\r\n`);
      expect(text).toContain(`\r\nWARC-Payload-Digest: ${cdx['digest']}\r\n`);
      expect(cdx['filename']).toBe('data.warc.gz');
      return [urlkey, timestamp, cdx['url'], cdx['mime'], cdx['status']];
    });
    expect(seen).toEqual([
      ['test,example)/a', '20250301101530', 'https://example.test/a', 'text/html', '200'],
      ['test,example)/start', '20250301101530', 'http://example.test/start', undefined, '301'],
      ['test,example)/video.bin', '20250301101630', 'https://example.test/video.bin', 'application/octet-stream', '200'],
      ['urn:view:https://example.test/a', '20250301101531', 'urn:view:https://example.test/a', 'image/png', undefined],
    ]);
    const video = JSON.parse(lines[2]!.split(' ').slice(2).join(' ')) as Record<string, string>;
    expect(video['digest']).toBe(`sha256:${sha256Hex(big)}`);
  });

  it('lists one page per captured URL, redirects excluded', () => {
    const lines = contents.files.get('pages/pages.jsonl')!.toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines[0]).toEqual({ format: 'json-pages-1.0', id: 'pages', title: 'All Pages' });
    expect(lines.slice(1).map((p) => [p['url'], p['ts']])).toEqual([
      ['https://example.test/a', '2025-03-01T10:15:30.250Z'],
      ['https://example.test/video.bin', '2025-03-01T10:16:30.250Z'],
    ]);
    for (const p of lines.slice(1)) expect(p['id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('verifies, with the embedded key and with the key supplied from outside', async () => {
    const embedded = await verifyWacz(path);
    expect(embedded).toEqual({ ok: true, problems: [], manifest, signature: { keyId: 'agency-test-2025', valid: true, keyTrusted: false } });
    const supplied = await verifyWacz(path, { publicKeyPem: keys.publicKeyPem });
    expect(supplied).toEqual({ ok: true, problems: [], manifest, signature: { keyId: 'agency-test-2025', valid: true, keyTrusted: true } });
  });

  it('writes the same bytes for the same input', async () => {
    const again = await writeWacz(join(dir, 'again.wacz'), input);
    expect(again).toEqual(written);
  });

  it('verifies a package exported in another time zone', async () => {
    const tz = process.env['TZ'];
    const other = join(dir, 'tokyo.wacz');
    process.env['TZ'] = 'Asia/Tokyo';
    try {
      await writeWacz(other, await smallPackageInput(keys));
    } finally {
      if (tz === undefined) delete process.env['TZ'];
      else process.env['TZ'] = tz;
    }
    expect((await verifyWacz(other)).ok).toBe(true);
  });
});

describe('writeWacz refuses', () => {
  it('a signer whose signature does not match its public key', async () => {
    const input = await smallPackageInput(keys);
    const other = keyPair();
    input.sign = { keyId: 'agency-test-2025', publicKeyPem: keys.publicKeyPem, sign: (m) => sign(null, m, other.privateKey) };
    await expect(writeWacz(join(dir, 'bad-signer.wacz'), input)).rejects.toThrow(/does not verify/);
  });

  it('a WARC record whose digest does not match its bytes', async () => {
    const input = await smallPackageInput(keys);
    const record = await screenshotToWarcRecord({ url: 'https://example.test/a', capturedAt: T0, png: await png(4, 3) });
    const text = gunzipSync(record);
    text[text.length - 10]! ^= 0xff;
    input.warcs = [input.warcs[0]!, gzipSync(text)];
    await expect(writeWacz(join(dir, 'bad-warc.wacz'), input)).rejects.toThrow(/WARC-Block-Digest/);
  });

  it('screenshot names that are not Data Package resource names', async () => {
    const input = await smallPackageInput(keys);
    input.screenshots = [{ name: '../x', png: await png(2, 2) }];
    await expect(writeWacz(join(dir, 'bad-name.wacz'), input)).rejects.toThrow(/screenshot name/);
  });
});

describe('verifyWacz detects tampering', () => {
  it('reports a single changed byte at every offset of a small package, and never throws', { timeout: 180_000 }, async () => {
    // warcio warns on stderr when a damaged record's length is off; the verdict is what is under test.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const original = await readFile(small);
      expect((await verifyWacz(small)).ok).toBe(true);
      const masks = [0x01, 0x80, 0xff];
      const flipped = join(dir, 'flipped.wacz');
      const undetected: number[] = [];
      for (let offset = 0; offset < original.length; offset++) {
        const bytes = Buffer.from(original);
        bytes[offset]! ^= masks[offset % masks.length]!;
        await writeFile(flipped, bytes);
        const result = await verifyWacz(flipped);
        if (result.ok || result.problems.length === 0) undetected.push(offset);
      }
      expect(undetected).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  it('reports an added file', async () => {
    const { files } = await unzip(small);
    files.set('vigil/notes.txt', Buffer.from('added later'));
    const path = join(dir, 'added.wacz');
    await zipFiles(path, files);
    const result = await verifyWacz(path);
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual({ path: 'vigil/notes.txt', problem: 'not listed in datapackage.json' });
    expect(result.signature.valid).toBe(true);
  });

  it('reports a missing resource', async () => {
    const { files } = await unzip(small);
    files.delete('vigil/screenshots/capture-1.png');
    const path = join(dir, 'missing.wacz');
    await zipFiles(path, files);
    const result = await verifyWacz(path);
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual({ path: 'vigil/screenshots/capture-1.png', problem: 'listed in datapackage.json but missing' });
  });

  it('reports a signature that does not verify with the supplied key', async () => {
    const result = await verifyWacz(small, { publicKeyPem: keyPair().publicKeyPem });
    expect(result.ok).toBe(false);
    expect(result.signature).toEqual({ keyId: 'agency-test-2025', valid: false, keyTrusted: false });
    expect(result.problems.map((p) => p.problem)).toEqual([
      'the embedded public key differs from the supplied one',
      'the signature does not verify with the supplied public key',
    ]);
  });

  it('reports a consistent rewrite of the hashes made without the private key', async () => {
    const { files } = await unzip(small);
    const forged = Buffer.from(`${JSON.stringify({ ...manifest, custodyEvents: [] }, null, 2)}\n`);
    files.set('vigil/manifest.json', forged);
    const dp = JSON.parse(files.get('datapackage.json')!.toString('utf8')) as { resources: { path: string; hash: string; bytes: number }[] };
    const entry = dp.resources.find((r) => r.path === 'vigil/manifest.json')!;
    entry.hash = `sha256:${sha256Hex(forged)}`;
    entry.bytes = forged.length;
    const dpBytes = Buffer.from(`${JSON.stringify(dp, null, 2)}\n`);
    files.set('datapackage.json', dpBytes);
    const digest = JSON.parse(files.get('datapackage-digest.json')!.toString('utf8')) as { hash: string };
    digest.hash = `sha256:${sha256Hex(dpBytes)}`;
    files.set('datapackage-digest.json', Buffer.from(`${JSON.stringify(digest, null, 2)}\n`));
    const path = join(dir, 'forged.wacz');
    await zipFiles(path, files);
    const result = await verifyWacz(path);
    expect(result.ok).toBe(false);
    expect(result.signature.valid).toBe(false);
    expect(result.problems).toEqual([{ path: 'datapackage-digest.json', problem: 'the signature does not verify with the embedded public key' }]);
  });

  it('reports files that are not a package at all', async () => {
    const garbage = join(dir, 'garbage.wacz');
    await writeFile(garbage, randomBytes(2000));
    const truncated = join(dir, 'truncated.wacz');
    await writeFile(truncated, (await readFile(small)).subarray(0, 3000));
    for (const path of [garbage, truncated, join(dir, 'absent.wacz')]) {
      const result = await verifyWacz(path);
      expect(result.ok).toBe(false);
      expect(result.problems.length).toBeGreaterThan(0);
      expect(result.manifest).toBeNull();
      expect(result.signature).toEqual({ keyId: null, valid: false, keyTrusted: false });
    }
  });
});
