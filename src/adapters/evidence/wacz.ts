/**
 * Evidence packages as WACZ 1.1.1 (https://specs.webrecorder.net/wacz/1.1.1/): writing, and
 * verifying offline, without the database.
 *
 * Layout:
 *   archive/data.warc.gz        the captures' WARC records (one gzip member per record), concatenated
 *   indexes/index.cdx           CDXJ, one line per `response` and `resource` record, sorted:
 *                               `<surt> <yyyyMMddHHmmss> {url, mime, status, digest, length, offset, filename}`
 *                               (offset/length of the record's gzip member; numbers as strings, as
 *                               warcio's and pywb's indexers write them; digest `sha256:<hex>`).
 *                               `metadata` records are not indexed, so that replay of a URL never
 *                               lands on Vigil's JSON instead of the page.
 *   pages/pages.jsonl           header line, then one page per `response` record that is not a 3xx
 *   vigil/manifest.json         the caller's manifest (item, captures, blob hashes, custody events,
 *                               checkpoint signatures, tool versions)
 *   vigil/screenshots/<n>.png   screenshots
 *   datapackage.json            profile, wacz_version, title, created, software, and for every file
 *                               above `{name, path, hash: 'sha256:<hex>', bytes}`
 *   datapackage-digest.json     `{path: 'datapackage.json', hash: 'sha256:<hex>', signedData}`
 *
 * The index and the page list are derived from the WARC by one function used both when writing and
 * when verifying, so verification can require them to be exactly what the WARC implies.
 *
 * Signature. `signedData` is `{scheme, algorithm: 'ed25519', keyId, publicKeyPem, signature}`,
 * where `signature` is base64 of the Ed25519 signature over the UTF-8 bytes of
 *
 *   "vigil-wacz-signature-v1\n" + keyId + "\n" + hash
 *
 * with `hash` exactly the `hash` field (`sha256:` + 64 lowercase hex digits of datapackage.json).
 * This departs from WACZ Signing and Verification 0.1.0 (https://specs.webrecorder.net/wacz-auth/0.1.0/),
 * which signs the bare hash with ECDSA and names its fields `publicKey`, `domainCert`...; WACZ
 * tools still read the standard `path` and `hash`. The scheme prefix is there because the same
 * agency key also signs custody checkpoints: without it, a signature made for one kind of message
 * could be presented as the other if their bytes ever coincided. `keyId` is inside the signed
 * bytes so that no byte of datapackage-digest.json can change without breaking the signature.
 *
 * Zip. Every entry is STORED, including the JSON files. WACZ allows STORE or DEFLATE for them;
 * DEFLATE is avoided because a deflate stream has bits that inflate ignores (the padding after the
 * last block), so a changed byte there would change the file but no content, and could not be
 * detected. Stored, every byte of the file is either content, covered by a sha256 in
 * datapackage.json (or, for datapackage-digest.json itself, by its CRC-32 and the signature), or
 * zip structure, which the verifier rebuilds in its canonical form and compares byte for byte:
 * yazl's layout for `addBuffer` entries (version 2.0, UTF-8 flag, no data descriptors, Info-ZIP
 * "UT" mtime in the central directory, mode 0644, no comments, no ZIP64). Entry times are the
 * caller's `created`; the DOS time fields are in the exporting machine's local time (yazl),
 * so the verifier only requires them to be identical across all entries and both copies, while the
 * UT field must equal `created` exactly.
 *
 * Verification opens the zip with yauzl and reports, never throws: unreadable zip or entries;
 * sha256 or size differing from datapackage.json; files present but not listed (an added file is
 * tampering) or listed but absent; datapackage.json's digest; the signature (with the caller's
 * key if given, else the embedded one); every WARC record's WARC-Block-Digest and
 * WARC-Payload-Digest; the index and page list against the WARC; CRC-32s; and the canonical zip
 * structure. A single changed byte anywhere in the file is reported.
 */
import { createHash, createPublicKey, randomUUID, verify as verifyEd25519, type KeyObject } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { getSurt, WARCParser } from 'warcio';
import yauzl from 'yauzl';
import yazl from 'yazl';

export const WACZ_VERSION = '1.1.1';
export const WACZ_SIGNATURE_SCHEME = 'vigil-wacz-signature-v1';

/** Most entries a package may have; a verifier stops reading the central directory beyond it. */
export const MAX_WACZ_ENTRIES = 10_000;
/** Largest JSON/JSONL/CDXJ file the verifier reads into memory. */
export const MAX_WACZ_JSON_BYTES = 64 * 1024 * 1024;
/** Largest single file in a package: yazl's `addBuffer` limit. */
export const MAX_WACZ_FILE_BYTES = 0x3fff_ffff;
/** Largest package: beyond this the zip needs ZIP64, whose layout the verifier does not accept. */
export const MAX_WACZ_BYTES = 0xffff_fffe;
/** Longest HTTP header block of a WARC record that is parsed for the index (status, content type). */
export const MAX_WARC_HTTP_HEADER_BYTES = 1024 * 1024;

const WARC_PATH = 'archive/data.warc.gz';
const WARC_FILENAME = 'data.warc.gz';
const CDX_PATH = 'indexes/index.cdx';
const PAGES_PATH = 'pages/pages.jsonl';
const MANIFEST_PATH = 'vigil/manifest.json';
const SCREENSHOT_DIR = 'vigil/screenshots/';
const DATAPACKAGE_PATH = 'datapackage.json';
const DIGEST_PATH = 'datapackage-digest.json';
const REQUIRED_PATHS = [WARC_PATH, CDX_PATH, PAGES_PATH, MANIFEST_PATH, DATAPACKAGE_PATH, DIGEST_PATH];
const IN_MEMORY_PATHS = new Set([CDX_PATH, PAGES_PATH, MANIFEST_PATH, DATAPACKAGE_PATH, DIGEST_PATH]);
/** Problems about the file as a whole rather than one entry. */
const ZIP = '(zip)';

// Frictionless Data: resource names are lower-case alphanumerics, '.', '-' and '_'.
const SCREENSHOT_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const KEY_ID = /^[\x21-\x7e]{1,256}$/;
const SHA256_REF = /^sha256:[0-9a-f]{64}$/;

export interface WaczSigner {
  keyId: string;
  /** SPKI PEM of the Ed25519 public key; embedded in the package. */
  publicKeyPem: string;
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export interface WaczScreenshot {
  /** File name without `.png`: lower-case letters, digits, '.', '-', '_'. */
  name: string;
  png: Uint8Array;
}

export interface WaczInput {
  title: string;
  description?: string;
  /** Export time, epoch milliseconds: `created`, and the mtime of every zip entry. */
  created: number;
  /** `Vigil <version>`. */
  software: string;
  /** Gzipped WARC records (from `captureToWarcRecords`, `screenshotToWarcRecord`), concatenated in this order. */
  warcs: Uint8Array[];
  /** Any JSON value; written as vigil/manifest.json. */
  manifest: unknown;
  screenshots: WaczScreenshot[];
  sign: WaczSigner;
}

export interface WaczProblem {
  /** Path inside the package, or `(zip)` for the container itself. */
  path: string;
  problem: string;
}

export interface WaczVerification {
  ok: boolean;
  problems: WaczProblem[];
  /** Parsed vigil/manifest.json, or null when it is absent or not JSON. */
  manifest: unknown;
  signature: {
    keyId: string | null;
    valid: boolean;
    /** A public key was supplied by the caller and the signature verifies with it. */
    keyTrusted: boolean;
  };
}

interface WarcRecordSummary {
  offset: number;
  length: number;
  type: string | null;
  id: string | null;
  targetUri: string | null;
  date: string | null;
  contentType: string | null;
  declaredBlockDigest: string | null;
  declaredPayloadDigest: string | null;
  blockDigest: string;
  /** Null for a request/response record whose HTTP header block never ends. */
  payloadDigest: string | null;
  httpStatus: number | null;
  httpContentType: string | null;
}

const HEADER_END = [13, 10, 13, 10];

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function jsonBytes(value: unknown): Buffer {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) throw new TypeError('value is not representable as JSON');
  return Buffer.from(`${text}\n`, 'utf8');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function signedMessage(keyId: string, hash: string): Buffer {
  return Buffer.from(`${WACZ_SIGNATURE_SCHEME}\n${keyId}\n${hash}`, 'utf8');
}

function ed25519PublicKey(pem: string): KeyObject | null {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}

/** Status code and content type from an HTTP header block (status line, fields, no final CRLF). */
function parseHttpHead(head: Buffer): { status: number | null; contentType: string | null } {
  const lines = head.toString('latin1').split('\r\n');
  const code = Number(lines[0]?.split(' ')[1]);
  let contentType: string | null = null;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'content-type') contentType = line.slice(colon + 1).trim();
  }
  return { status: Number.isInteger(code) ? code : null, contentType };
}

/**
 * Every record of a WARC with its digests recomputed. Offsets are those of the records' starts in
 * the (compressed) input, as warcio reports them; a record's length runs to the next record's
 * start, or to the end of the input.
 */
async function scanWarc(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<WarcRecordSummary[]> {
  let total = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      total += chunk.length;
      yield chunk;
    }
  }
  const parser = new WARCParser(counted(), { parseHttp: false });
  const records: WarcRecordSummary[] = [];
  for await (const record of parser) {
    const headers = record.warcHeaders.headers;
    const header = (name: string) => headers.get(name) ?? null;
    const type = header('WARC-Type');
    const block = createHash('sha256');
    const payload = createHash('sha256');
    const head: Buffer[] = [];
    let headSize = 0;
    let matched = type === 'response' || type === 'request' ? 0 : HEADER_END.length;
    for await (const chunk of record.reader) {
      block.update(chunk);
      let start = 0;
      if (matched < HEADER_END.length) {
        while (start < chunk.length && matched < HEADER_END.length) {
          const byte = chunk[start++];
          matched = byte === HEADER_END[matched] ? matched + 1 : byte === 13 ? 1 : 0;
        }
        if (headSize + start <= MAX_WARC_HTTP_HEADER_BYTES) head.push(Buffer.from(chunk.subarray(0, start)));
        headSize += start;
      }
      if (matched === HEADER_END.length) payload.update(chunk.subarray(start));
    }
    const http =
      matched === HEADER_END.length && headSize > 0 && headSize <= MAX_WARC_HTTP_HEADER_BYTES
        ? parseHttpHead(Buffer.concat(head).subarray(0, headSize - HEADER_END.length))
        : { status: null, contentType: null };
    records.push({
      offset: parser.offset,
      length: 0,
      type,
      id: header('WARC-Record-ID'),
      targetUri: header('WARC-Target-URI'),
      date: header('WARC-Date'),
      contentType: header('Content-Type'),
      declaredBlockDigest: header('WARC-Block-Digest'),
      declaredPayloadDigest: header('WARC-Payload-Digest'),
      blockDigest: `sha256:${block.digest('hex')}`,
      payloadDigest: matched === HEADER_END.length ? `sha256:${payload.digest('hex')}` : null,
      httpStatus: http.status,
      httpContentType: http.contentType,
    });
  }
  for (const [i, record] of records.entries()) record.length = (records[i + 1]?.offset ?? total) - record.offset;
  return records;
}

function warcRecordProblems(records: readonly WarcRecordSummary[]): string[] {
  const problems: string[] = [];
  if (records.length === 0) problems.push('contains no WARC records');
  for (const r of records) {
    const where = `record at offset ${r.offset} (${r.id ?? 'no WARC-Record-ID'})`;
    if (r.declaredBlockDigest === null) problems.push(`${where} has no WARC-Block-Digest`);
    else if (r.declaredBlockDigest !== r.blockDigest) problems.push(`${where}: WARC-Block-Digest ${r.declaredBlockDigest} but the block hashes to ${r.blockDigest}`);
    if (r.declaredPayloadDigest !== null && r.declaredPayloadDigest !== r.payloadDigest) {
      problems.push(`${where}: WARC-Payload-Digest ${r.declaredPayloadDigest} but the payload hashes to ${r.payloadDigest ?? '(no end of HTTP headers)'}`);
    }
  }
  return problems;
}

function isIndexed(r: WarcRecordSummary): r is WarcRecordSummary & { targetUri: string; date: string } {
  return (r.type === 'response' || r.type === 'resource') && r.targetUri !== null && r.date !== null;
}

function isPage(r: WarcRecordSummary): r is WarcRecordSummary & { targetUri: string; date: string } {
  return r.type === 'response' && r.targetUri !== null && r.date !== null && !(r.httpStatus !== null && r.httpStatus >= 300 && r.httpStatus < 400);
}

function cdxjFor(records: readonly WarcRecordSummary[]): string {
  const lines = records.filter(isIndexed).map((r) => {
    const mime = (r.type === 'response' ? r.httpContentType : r.contentType)?.split(';')[0]?.trim().toLowerCase();
    const fields: Record<string, string> = { url: r.targetUri };
    if (mime) fields['mime'] = mime;
    if (r.type === 'response' && r.httpStatus !== null) fields['status'] = String(r.httpStatus);
    if (r.payloadDigest !== null) fields['digest'] = r.payloadDigest;
    fields['length'] = String(r.length);
    fields['offset'] = String(r.offset);
    fields['filename'] = WARC_FILENAME;
    const key = `${getSurt(r.targetUri)} ${r.date.replace(/[^0-9]/g, '').slice(0, 14)}`;
    return { key, line: `${key} ${JSON.stringify(fields)}\n` };
  });
  // Array sort is stable, so records with the same key stay in WARC order.
  lines.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return lines.map((l) => l.line).join('');
}

function pagesJsonlFor(records: readonly WarcRecordSummary[]): string {
  const lines = [JSON.stringify({ format: 'json-pages-1.0', id: 'pages', title: 'All Pages' })];
  for (const r of records.filter(isPage)) {
    lines.push(JSON.stringify({ id: (r.id ?? '').replace(/^<urn:uuid:|>$/g, ''), url: r.targetUri, ts: r.date }));
  }
  return lines.map((l) => `${l}\n`).join('');
}

// --- zip structure, as yazl writes STORED `addBuffer` entries (see the file comment) ---

const ZIP_VERSION_NEEDED = 20;
const ZIP_VERSION_MADE_BY = (3 << 8) | 63;
const ZIP_FLAG_UTF8 = 1 << 11;
const ZIP_ENTRY_MODE = 0o100644;
const ZIP_UT_EXTRA_ID = 0x5455;

interface ZipEntryLayout {
  name: Buffer;
  crc32: number;
  size: number;
  dosTime: number;
  dosDate: number;
}

function utTimestamp(epochMs: number): number {
  return Math.min(Math.floor(epochMs / 1000), 0x7fff_ffff);
}

function zipLocalHeader(e: ZipEntryLayout): Buffer {
  const b = Buffer.alloc(30);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(ZIP_VERSION_NEEDED, 4);
  b.writeUInt16LE(ZIP_FLAG_UTF8, 6);
  b.writeUInt16LE(0, 8);
  b.writeUInt16LE(e.dosTime, 10);
  b.writeUInt16LE(e.dosDate, 12);
  b.writeUInt32LE(e.crc32, 14);
  b.writeUInt32LE(e.size, 18);
  b.writeUInt32LE(e.size, 22);
  b.writeUInt16LE(e.name.length, 26);
  b.writeUInt16LE(0, 28);
  return Buffer.concat([b, e.name]);
}

function zipCentralHeader(e: ZipEntryLayout, localHeaderOffset: number, utSeconds: number): Buffer {
  const b = Buffer.alloc(46);
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE(ZIP_VERSION_MADE_BY, 4);
  b.writeUInt16LE(ZIP_VERSION_NEEDED, 6);
  b.writeUInt16LE(ZIP_FLAG_UTF8, 8);
  b.writeUInt16LE(0, 10);
  b.writeUInt16LE(e.dosTime, 12);
  b.writeUInt16LE(e.dosDate, 14);
  b.writeUInt32LE(e.crc32, 16);
  b.writeUInt32LE(e.size, 20);
  b.writeUInt32LE(e.size, 24);
  b.writeUInt16LE(e.name.length, 28);
  b.writeUInt16LE(9, 30);
  b.writeUInt16LE(0, 32);
  b.writeUInt16LE(0, 34);
  b.writeUInt16LE(0, 36);
  b.writeUInt32LE((ZIP_ENTRY_MODE << 16) >>> 0, 38);
  b.writeUInt32LE(localHeaderOffset, 42);
  const ut = Buffer.alloc(9);
  ut.writeUInt16LE(ZIP_UT_EXTRA_ID, 0);
  ut.writeUInt16LE(5, 2);
  // mtime and atime flags, mtime only: Info-ZIP's central-directory form, which yazl copies.
  ut.writeUInt8(0x03, 4);
  ut.writeUInt32LE(utSeconds, 5);
  return Buffer.concat([b, e.name, ut]);
}

function zipEndOfCentralDirectory(count: number, centralSize: number, centralOffset: number): Buffer {
  const b = Buffer.alloc(22);
  b.writeUInt32LE(0x06054b50, 0);
  b.writeUInt16LE(0, 4);
  b.writeUInt16LE(0, 6);
  b.writeUInt16LE(count, 8);
  b.writeUInt16LE(count, 10);
  b.writeUInt32LE(centralSize, 12);
  b.writeUInt32LE(centralOffset, 16);
  b.writeUInt16LE(0, 20);
  return b;
}

/** Size of the zip yazl writes for these STORED entries: headers, data, central directory, end record. */
function zipSize(entries: readonly { path: string; bytes: Uint8Array }[]): number {
  let size = 22;
  for (const e of entries) size += 30 + 46 + 9 + 2 * Buffer.byteLength(e.path) + e.bytes.length;
  return size;
}

async function bytesAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

function firstDifference(actual: Buffer, expected: Buffer): number {
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) if (actual[i] !== expected[i]) return i;
  return n;
}

interface EntryContent {
  sha256: string;
  crc32: number;
  size: number;
  bytes: Buffer | null;
}

/**
 * Rebuilds every structural byte of the zip from the entries' content and `created`, and compares.
 * Duplicated fields (name, DOS time) are taken from the central directory and checked in the local
 * header; single-copy fields are computed.
 */
async function zipStructureProblems(
  path: string,
  entries: readonly yauzl.Entry[],
  contents: ReadonlyMap<string, EntryContent>,
  createdMs: number | null,
): Promise<string[]> {
  const first = entries[0];
  if (!first) return ['the zip has no entries'];
  const fh = await open(path, 'r');
  try {
    const problems: string[] = [];
    const compare = async (position: number, expected: Buffer, what: string) => {
      const actual = await bytesAt(fh, position, expected.length);
      if (!actual.equals(expected)) problems.push(`${what} differs from the canonical form at file offset ${position + firstDifference(actual, expected)}`);
    };
    const ut = first.extraFields.find((f) => f.id === ZIP_UT_EXTRA_ID);
    const utSeconds = createdMs !== null ? utTimestamp(createdMs) : ut && ut.data.length >= 5 ? ut.data.readUInt32LE(1) : 0;
    const central: Buffer[] = [];
    let offset = 0;
    for (const entry of entries) {
      const content = contents.get(entry.fileName);
      const layout: ZipEntryLayout = {
        name: entry.fileNameRaw,
        crc32: content?.crc32 ?? entry.crc32,
        size: content?.size ?? entry.uncompressedSize,
        dosTime: first.lastModFileTime,
        dosDate: first.lastModFileDate,
      };
      if (content && content.crc32 !== entry.crc32) problems.push(`${entry.fileName}: CRC-32 in the zip does not match the content`);
      const local = zipLocalHeader(layout);
      await compare(offset, local, `local header of ${entry.fileName}`);
      central.push(zipCentralHeader(layout, offset, utSeconds));
      offset += local.length + layout.size;
    }
    const centralDirectory = Buffer.concat(central);
    await compare(offset, centralDirectory, 'central directory');
    const end = zipEndOfCentralDirectory(entries.length, centralDirectory.length, offset);
    await compare(offset + centralDirectory.length, end, 'end of central directory record');
    const expectedSize = offset + centralDirectory.length + end.length;
    const { size } = await fh.stat();
    if (size !== expectedSize) problems.push(`the file is ${size} bytes; its entries account for ${expectedSize}`);
    return problems;
  } finally {
    await fh.close();
  }
}

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, keepBytes: boolean): Promise<EntryContent> {
  if (keepBytes && entry.uncompressedSize > MAX_WACZ_JSON_BYTES) throw new Error(`larger than ${MAX_WACZ_JSON_BYTES} bytes`);
  const stream = await zip.openReadStreamPromise(entry);
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let crc = 0;
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    crc = crc32(chunk, crc);
    size += chunk.length;
    if (keepBytes) chunks.push(chunk);
  }
  return { sha256: hash.digest('hex'), crc32: crc, size, bytes: keepBytes ? Buffer.concat(chunks) : null };
}

function parseJson(bytes: Buffer | null | undefined): { value: unknown } | null {
  if (!bytes) return null;
  try {
    return { value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Writes an evidence package (layout, signature and zip form in the file comment) to `out`,
 * atomically: it appears under its name only when complete, replacing any file there.
 * Refuses WARC input whose record digests do not verify. Returns the package's sha256 (hex) and size.
 *
 * @example
 * const { sha256 } = await writeWacz('/tmp/item.wacz', {
 *   title: 'Item 0190…', created: Date.now(), software: 'Vigil 0.1.0',
 *   warcs: [await captureToWarcRecords(capture)], manifest, screenshots: [{ name: 'capture-1', png }],
 *   sign: { keyId: 'agency-2025', publicKeyPem, sign: (m) => crypto.sign(null, m, privateKey) },
 * });
 */
export async function writeWacz(out: string, pkg: WaczInput): Promise<{ sha256: string; bytes: number }> {
  if (!Number.isSafeInteger(pkg.created) || pkg.created < 0) throw new RangeError(`created must be epoch milliseconds, got ${pkg.created}`);
  if (!KEY_ID.test(pkg.sign.keyId)) throw new TypeError('keyId must be 1-256 printable ASCII characters without spaces');
  const publicKey = ed25519PublicKey(pkg.sign.publicKeyPem);
  if (!publicKey) throw new TypeError('publicKeyPem is not an Ed25519 public key');
  const screenshotNames = new Set<string>();
  for (const s of pkg.screenshots) {
    if (!SCREENSHOT_NAME.test(s.name)) throw new TypeError(`screenshot name ${JSON.stringify(s.name)} must match ${SCREENSHOT_NAME}`);
    if (screenshotNames.has(s.name)) throw new TypeError(`screenshot name ${s.name} is used twice`);
    screenshotNames.add(s.name);
  }
  if (pkg.warcs.length === 0) throw new TypeError('a package needs at least one WARC');
  for (const w of pkg.warcs) if (w[0] !== 0x1f || w[1] !== 0x8b) throw new TypeError('WARC input must be gzip-compressed records');

  const warc = Buffer.concat(pkg.warcs);
  const records = await scanWarc([warc]);
  const warcProblems = warcRecordProblems(records);
  if (warcProblems.length > 0) throw new Error(`refusing to package a WARC that does not verify: ${warcProblems.join('; ')}`);

  const files: { path: string; bytes: Uint8Array }[] = [
    { path: WARC_PATH, bytes: warc },
    { path: CDX_PATH, bytes: Buffer.from(cdxjFor(records), 'utf8') },
    { path: PAGES_PATH, bytes: Buffer.from(pagesJsonlFor(records), 'utf8') },
    { path: MANIFEST_PATH, bytes: jsonBytes(pkg.manifest) },
    ...pkg.screenshots.map((s) => ({ path: `${SCREENSHOT_DIR}${s.name}.png`, bytes: s.png })),
  ];
  const mainPage = records.find(isPage);
  const datapackage = jsonBytes({
    profile: 'data-package',
    wacz_version: WACZ_VERSION,
    title: pkg.title,
    ...(pkg.description === undefined ? {} : { description: pkg.description }),
    created: new Date(pkg.created).toISOString(),
    software: pkg.software,
    ...(mainPage ? { mainPageUrl: mainPage.targetUri, mainPageDate: mainPage.date } : {}),
    resources: files.map((f) => ({ name: basename(f.path), path: f.path, hash: `sha256:${sha256Hex(f.bytes)}`, bytes: f.bytes.length })),
  });
  const hash = `sha256:${sha256Hex(datapackage)}`;
  const message = signedMessage(pkg.sign.keyId, hash);
  const signature = await pkg.sign.sign(message);
  if (!verifyEd25519(null, message, publicKey, signature)) throw new Error('the signature does not verify with the signer’s public key');
  const digest = jsonBytes({
    path: DATAPACKAGE_PATH,
    hash,
    signedData: {
      scheme: WACZ_SIGNATURE_SCHEME,
      algorithm: 'ed25519',
      keyId: pkg.sign.keyId,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      signature: Buffer.from(signature).toString('base64'),
    },
  });
  files.push({ path: DATAPACKAGE_PATH, bytes: datapackage }, { path: DIGEST_PATH, bytes: digest });

  for (const f of files) if (f.bytes.length > MAX_WACZ_FILE_BYTES) throw new RangeError(`${f.path} is larger than ${MAX_WACZ_FILE_BYTES} bytes`);
  if (zipSize(files) > MAX_WACZ_BYTES) throw new RangeError(`the package would exceed ${MAX_WACZ_BYTES} bytes`);

  const zip = new yazl.ZipFile();
  const mtime = new Date(pkg.created);
  for (const f of files) {
    zip.addBuffer(Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength), f.path, { mtime, mode: ZIP_ENTRY_MODE, compress: false });
  }
  zip.end();

  const tmp = join(dirname(out), `.${basename(out)}.${randomUUID()}.tmp`);
  const outputHash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      outputHash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await pipeline(zip.outputStream, meter, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
    await rename(tmp, out);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return { sha256: outputHash.digest('hex'), bytes };
}

/**
 * Checks a package offline (what is checked is in the file comment). Never throws for a damaged
 * or tampered file: every finding is a problem, and `ok` is true only when there are none.
 * `publicKeyPem`, when given, is the key the signature must verify with (`keyTrusted`); otherwise
 * the embedded key is used, which proves integrity but not who signed.
 *
 * @example
 * const result = await verifyWacz('item.wacz', { publicKeyPem: agencyKeyPem });
 * if (!result.ok) for (const p of result.problems) console.error(`${p.path}: ${p.problem}`);
 */
export async function verifyWacz(path: string, options: { publicKeyPem?: string } = {}): Promise<WaczVerification> {
  const problems: WaczProblem[] = [];
  const seen = new Set<string>();
  const report = (where: string, problem: string) => {
    const key = `${where}\0${problem}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ path: where, problem });
  };
  const result: Pick<WaczVerification, 'manifest' | 'signature'> = { manifest: null, signature: { keyId: null, valid: false, keyTrusted: false } };
  try {
    await verifyInto(path, options, report, result);
  } catch (err) {
    report(ZIP, `unreadable: ${errorText(err)}`);
  }
  return { ok: problems.length === 0, problems, ...result };
}

async function verifyInto(
  path: string,
  options: { publicKeyPem?: string },
  report: (where: string, problem: string) => void,
  result: Pick<WaczVerification, 'manifest' | 'signature'>,
): Promise<void> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true });
  try {
    const entries: yauzl.Entry[] = [];
    for await (const entry of zip.eachEntry()) {
      if (entries.length === MAX_WACZ_ENTRIES) throw new Error(`more than ${MAX_WACZ_ENTRIES} entries`);
      entries.push(entry);
    }

    const contents = new Map<string, EntryContent>();
    for (const entry of entries) {
      if (contents.has(entry.fileName)) {
        report(entry.fileName, 'appears more than once in the zip');
        continue;
      }
      try {
        contents.set(entry.fileName, await readEntry(zip, entry, IN_MEMORY_PATHS.has(entry.fileName)));
      } catch (err) {
        report(entry.fileName, `unreadable: ${errorText(err)}`);
      }
    }
    for (const required of REQUIRED_PATHS) if (!contents.has(required)) report(required, 'missing');

    const createdMs = checkDatapackage(contents, report);
    checkSignature(contents, options, report, result);

    const warcEntry = entries.find((e) => e.fileName === WARC_PATH);
    if (warcEntry && contents.has(WARC_PATH)) {
      try {
        const records = await scanWarc((await zip.openReadStreamPromise(warcEntry)) as AsyncIterable<Buffer>);
        for (const problem of warcRecordProblems(records)) report(WARC_PATH, problem);
        if (!contents.get(CDX_PATH)?.bytes?.equals(Buffer.from(cdxjFor(records), 'utf8'))) report(CDX_PATH, `does not index the records of ${WARC_PATH}`);
        if (!contents.get(PAGES_PATH)?.bytes?.equals(Buffer.from(pagesJsonlFor(records), 'utf8'))) report(PAGES_PATH, `does not list the pages of ${WARC_PATH}`);
      } catch (err) {
        report(WARC_PATH, `unreadable WARC: ${errorText(err)}`);
      }
    }

    const manifest = parseJson(contents.get(MANIFEST_PATH)?.bytes);
    if (manifest) result.manifest = manifest.value;
    else if (contents.has(MANIFEST_PATH)) report(MANIFEST_PATH, 'is not JSON');

    for (const problem of await zipStructureProblems(path, entries, contents, createdMs)) report(ZIP, problem);
  } finally {
    zip.close();
  }
}

/** Checks datapackage.json and every file against it; returns `created` in epoch ms, if readable. */
function checkDatapackage(contents: ReadonlyMap<string, EntryContent>, report: (where: string, problem: string) => void): number | null {
  const parsed = parseJson(contents.get(DATAPACKAGE_PATH)?.bytes);
  if (!parsed || !isRecord(parsed.value)) {
    if (contents.has(DATAPACKAGE_PATH)) report(DATAPACKAGE_PATH, 'is not a JSON object');
    for (const name of contents.keys()) if (name !== DATAPACKAGE_PATH && name !== DIGEST_PATH) report(name, 'cannot be checked without datapackage.json');
    return null;
  }
  const dp = parsed.value;
  if (dp['profile'] !== 'data-package') report(DATAPACKAGE_PATH, 'profile is not "data-package"');
  if (dp['wacz_version'] !== WACZ_VERSION) report(DATAPACKAGE_PATH, `wacz_version is not "${WACZ_VERSION}"`);
  const createdMs = typeof dp['created'] === 'string' ? Date.parse(dp['created']) : Number.NaN;
  if (Number.isNaN(createdMs)) report(DATAPACKAGE_PATH, 'created is not an RFC 3339 date');

  const listed = new Set<string>();
  const resources = Array.isArray(dp['resources']) ? (dp['resources'] as unknown[]) : [];
  if (!Array.isArray(dp['resources'])) report(DATAPACKAGE_PATH, 'resources is not a list');
  for (const [i, resource] of resources.entries()) {
    if (
      !isRecord(resource) ||
      typeof resource['path'] !== 'string' ||
      typeof resource['hash'] !== 'string' ||
      !SHA256_REF.test(resource['hash']) ||
      !Number.isSafeInteger(resource['bytes'])
    ) {
      report(DATAPACKAGE_PATH, `resources[${i}] is not {path, hash: "sha256:<hex>", bytes}`);
      continue;
    }
    const resourcePath = resource['path'];
    if (resourcePath === DATAPACKAGE_PATH || resourcePath === DIGEST_PATH || listed.has(resourcePath)) {
      report(DATAPACKAGE_PATH, `resources[${i}] lists ${resourcePath} again`);
      continue;
    }
    listed.add(resourcePath);
    const content = contents.get(resourcePath);
    if (!content) {
      report(resourcePath, 'listed in datapackage.json but missing');
      continue;
    }
    if (`sha256:${content.sha256}` !== resource['hash']) report(resourcePath, `sha256:${content.sha256} differs from ${resource['hash']} in datapackage.json`);
    if (content.size !== resource['bytes']) report(resourcePath, `${content.size} bytes; datapackage.json says ${String(resource['bytes'])}`);
  }
  for (const name of contents.keys()) {
    if (name !== DATAPACKAGE_PATH && name !== DIGEST_PATH && !listed.has(name)) report(name, 'not listed in datapackage.json');
  }
  return Number.isNaN(createdMs) ? null : createdMs;
}

function checkSignature(
  contents: ReadonlyMap<string, EntryContent>,
  options: { publicKeyPem?: string },
  report: (where: string, problem: string) => void,
  result: Pick<WaczVerification, 'signature'>,
): void {
  const raw = contents.get(DIGEST_PATH)?.bytes;
  const parsed = parseJson(raw);
  if (!raw || !parsed || !isRecord(parsed.value)) {
    if (raw) report(DIGEST_PATH, 'is not a JSON object');
    return;
  }
  const digest = parsed.value;
  if (!jsonBytes(digest).equals(raw)) report(DIGEST_PATH, 'is not in canonical form');
  if (digest['path'] !== DATAPACKAGE_PATH) report(DIGEST_PATH, `path is not "${DATAPACKAGE_PATH}"`);
  const datapackage = contents.get(DATAPACKAGE_PATH);
  const hash = digest['hash'];
  if (typeof hash !== 'string' || !SHA256_REF.test(hash)) report(DIGEST_PATH, 'hash is not "sha256:<hex>"');
  else if (datapackage && hash !== `sha256:${datapackage.sha256}`) report(DIGEST_PATH, `hash ${hash} does not match datapackage.json (sha256:${datapackage.sha256})`);

  const signed = digest['signedData'];
  if (!isRecord(signed)) {
    report(DIGEST_PATH, 'has no signedData');
    return;
  }
  const { scheme, algorithm, keyId, publicKeyPem, signature } = signed;
  if (scheme !== WACZ_SIGNATURE_SCHEME) report(DIGEST_PATH, `signedData.scheme is not "${WACZ_SIGNATURE_SCHEME}"`);
  if (algorithm !== 'ed25519') report(DIGEST_PATH, 'signedData.algorithm is not "ed25519"');
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) {
    report(DIGEST_PATH, 'signedData.keyId is missing or malformed');
    return;
  }
  result.signature.keyId = keyId;
  const embedded = typeof publicKeyPem === 'string' ? ed25519PublicKey(publicKeyPem) : null;
  if (!embedded) report(DIGEST_PATH, 'signedData.publicKeyPem is not an Ed25519 public key');
  let supplied: KeyObject | null = null;
  if (options.publicKeyPem !== undefined) {
    supplied = ed25519PublicKey(options.publicKeyPem);
    if (!supplied) report(DIGEST_PATH, 'the supplied public key is not an Ed25519 public key');
    else if (embedded && !supplied.equals(embedded)) report(DIGEST_PATH, 'the embedded public key differs from the supplied one');
  }
  const key = options.publicKeyPem !== undefined ? supplied : embedded;
  const signatureBytes = typeof signature === 'string' ? Buffer.from(signature, 'base64') : null;
  // Buffer's base64 decoder skips characters outside the alphabet; only the canonical encoding counts.
  if (!signatureBytes || signatureBytes.toString('base64') !== signature) {
    report(DIGEST_PATH, 'signedData.signature is not base64');
    return;
  }
  if (!key || typeof hash !== 'string') return;
  try {
    result.signature.valid = verifyEd25519(null, signedMessage(keyId, hash), key, signatureBytes);
  } catch {
    result.signature.valid = false;
  }
  result.signature.keyTrusted = result.signature.valid && supplied !== null;
  if (!result.signature.valid) report(DIGEST_PATH, `the signature does not verify with the ${supplied ? 'supplied' : 'embedded'} public key`);
}
