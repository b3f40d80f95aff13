/**
 * Hash-list exchange formats: reading them row by row, and writing them. Pure: bytes in, per-line
 * results out; no database, no file system.
 *
 * Formats (`shared/reference/pdq-hma.md` §3, python-threatexchange):
 * - `tcap`: Tech Against Terrorism's hash list JSON, `{count, next, previous, checkpoint, results}`
 *   (one page, an array of pages, or one page per line). `deleted: true` is a tombstone.
 * - `te-text`: python-threatexchange's `local_file`, one `<signal_type> <value>` a line, or a bare
 *   value when the kind is given.
 * - `te-csv`: `threatexchange dataset -P --csv`, columns `signal_type,signal_str,collab,category,tags`.
 * - `csv`: Vigil's own, with a header naming any of `CSV_COLUMNS`.
 *
 * A hostile file is bounded before it costs anything: bytes, rows, line length and JSON nesting
 * have named limits. A problem with one row is that row's outcome; only a file that cannot be read
 * at all (binary, no header, not JSON, past a limit) is refused as a whole.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { VigilError } from '../../errors/vigil-error.ts';
import { parseVpdqLines, toHmaJson } from '../../algorithms/vpdq/vpdq.ts';
import {
  applyLabels,
  isEntryActive,
  isSignalKind,
  LABEL_KEYS,
  NO_LABELS,
  parseSignal,
  provenanceProblem,
  type BankEntry,
  type BankKind,
  type EntryLabels,
  type LabelsInput,
  type SignalKind,
} from '../bank/bank.model.ts';

export const EXCHANGE_FORMATS = ['tcap', 'te-text', 'te-csv', 'csv'] as const;
export type ExchangeFormat = (typeof EXCHANGE_FORMATS)[number];

// Limits (README, limits table).
/** Largest hash-list file, in bytes. A TCAP file is read whole (JSON), so this also bounds its memory. */
export const EXCHANGE_MAX_BYTES = 64 * 1024 * 1024;
/** Hash rows in one file (TCAP records, text lines, CSV rows); more and the file is refused. */
export const EXCHANGE_MAX_ROWS = 200_000;
/** Longest line or CSV record, in characters: room for a vPDQ signal of about an hour at one frame a second. */
export const EXCHANGE_MAX_LINE_LENGTH = 256 * 1024;
/** Physical lines one quoted CSV field may span before its row is given up as unclosed. */
export const EXCHANGE_CSV_MAX_RECORD_LINES = 64;
/** Deepest JSON nesting in a TCAP file: array of pages, page, results, record, value, with room to spare. */
export const EXCHANGE_MAX_JSON_DEPTH = 8;
/** Bytes looked at for a NUL, the mark of a binary file. */
export const EXCHANGE_BINARY_SNIFF_BYTES = 8192;
/** Longest TCAP checkpoint, `<unix_ts>,<id>`. */
export const EXCHANGE_CHECKPOINT_MAX = 100;

/** TCAP file types whose MD5 is a video MD5 (python-threatexchange `techagainstterrorism_api.py`). */
export const TCAP_VIDEO_FILE_TYPES = ['mov', 'm4v', 'mp4', 'webm'] as const;

/** Vigil's CSV columns; `value` is required, `kind` too unless the import names one. */
export const CSV_COLUMNS = ['kind', 'value', 'external_id', 'outlet', 'group', 'ideology', 'tier', 'content_type'] as const;
/** python-threatexchange `dataset --csv` columns. */
export const TE_CSV_COLUMNS = ['signal_type', 'signal_str', 'collab', 'category', 'tags'] as const;

/** Per-line codes of an import report (documented in docs/errors.md). */
export type ExchangeOutcomeCode =
  | 'VIGIL_EXCHANGE_ROW_INVALID'
  | 'VIGIL_EXCHANGE_LINE_TOO_LONG'
  | 'VIGIL_EXCHANGE_UNSUPPORTED'
  | 'VIGIL_EXCHANGE_OPINION_MISMATCH'
  | 'VIGIL_EXCHANGE_TOMBSTONE_UNKNOWN'
  | 'VIGIL_EXCHANGE_ALREADY_REMOVED';
export type ExchangeLineCode = ExchangeOutcomeCode | 'VIGIL_SIGNAL_INVALID' | 'VIGIL_ENTRY_INVALID' | 'VIGIL_BANK_ENTRY_DUPLICATE';

/** One hash row, read and checked. */
export interface ExchangeRow {
  /** 1-based physical line where the row starts, counting blank and comment lines. */
  line: number;
  ok: true;
  signal: { kind: SignalKind; value: string };
  externalId: string | null;
  labels: EntryLabels;
  /** A tombstone: the partner removed this signal. */
  deleted: boolean;
  /** The row's own origin (a te-csv collaboration); null: the import's source. */
  source: string | null;
  /** A te-csv category's polarity; null when the row does not say. */
  opinion: BankKind | null;
}

/** A row that is not taken: rejected (broken) or skipped (valid, but nothing Vigil keeps). */
export interface ExchangeProblem {
  line: number;
  ok: false;
  skipped: boolean;
  code: ExchangeLineCode;
  reason: string;
}

export type ExchangeLine = ExchangeRow | ExchangeProblem;

export interface ExchangeParseOptions {
  /** The kind of bare values (te-text, te-csv and csv rows that do not name one). */
  kind?: SignalKind | null;
  maxBytes?: number;
  maxRows?: number;
  maxLineLength?: number;
}

export interface ExchangeParse {
  lines: AsyncGenerator<ExchangeLine>;
  /** The checkpoint of the last TCAP page read (`<unix_ts>,<id>`), once `lines` is done; null for other formats. */
  checkpoint(): string | null;
}

/**
 * Reads a hash-list file. Throws `VIGIL_EXCHANGE_INVALID` (the file cannot be read as `format`) or
 * `VIGIL_EXCHANGE_TOO_LARGE` (a byte or row limit), from `lines`, before or while yielding; callers
 * that must change nothing on a refused file read every line before writing any.
 *
 * @example
 * const p = parseExchange(stream, 'te-text', { kind: 'pdq' });
 * for await (const l of p.lines) if (!l.ok) report(l.line, l.code, l.reason);
 */
export function parseExchange(input: AsyncIterable<Uint8Array | string>, format: ExchangeFormat, options: ExchangeParseOptions = {}): ExchangeParse {
  const limits = { maxBytes: options.maxBytes ?? EXCHANGE_MAX_BYTES, maxRows: options.maxRows ?? EXCHANGE_MAX_ROWS, maxLineLength: options.maxLineLength ?? EXCHANGE_MAX_LINE_LENGTH };
  const kind = options.kind ?? null;
  const state = { checkpoint: null as string | null };
  async function* rows(): AsyncGenerator<ExchangeLine> {
    const text = decode(input, limits.maxBytes);
    const source =
      format === 'tcap'
        ? tcapRows(text, state)
        : format === 'te-text'
          ? teTextRows(splitLines(text, limits.maxLineLength), kind)
          : csvRows(csvRecords(splitLines(text, limits.maxLineLength), limits.maxLineLength), format, kind);
    let count = 0;
    for await (const l of source) {
      if (++count > limits.maxRows) throw new VigilError('VIGIL_EXCHANGE_TOO_LARGE', `The file has more than ${limits.maxRows} hash rows (line ${l.line}); split it.`);
      yield l;
    }
  }
  return { lines: rows(), checkpoint: () => state.checkpoint };
}

// ---------------------------------------------------------------------------
// Bytes to lines.

/** UTF-8 text; a NUL near the start means a binary file, refused rather than read as garbage rows. */
async function* decode(input: AsyncIterable<Uint8Array | string>, maxBytes: number): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: false });
  let bytes = 0;
  let sniffed = 0;
  for await (const chunk of input) {
    const size = typeof chunk === 'string' ? chunk.length : chunk.byteLength;
    bytes += size;
    if (bytes > maxBytes) throw new VigilError('VIGIL_EXCHANGE_TOO_LARGE', `The file is larger than ${maxBytes} bytes.`);
    if (sniffed < EXCHANGE_BINARY_SNIFF_BYTES) {
      const head = typeof chunk === 'string' ? chunk.slice(0, EXCHANGE_BINARY_SNIFF_BYTES - sniffed) : chunk.subarray(0, EXCHANGE_BINARY_SNIFF_BYTES - sniffed);
      const nul = typeof head === 'string' ? head.includes('\0') : head.includes(0);
      // UTF-16 (a spreadsheet's "Unicode text") is full of NULs too: say what to do about it.
      if (nul) throw new VigilError('VIGIL_EXCHANGE_INVALID', 'The file is binary (it contains NUL bytes), not a hash list; a UTF-16 export must be saved as UTF-8.');
      sniffed += head.length;
    }
    yield typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  }
  const rest = decoder.decode();
  if (rest !== '') yield rest;
}

interface SourceLine {
  n: number;
  text: string;
  /** Longer than the limit; `text` is empty, the line was dropped unread. */
  tooLong: boolean;
}

/** Lines ending in LF, CRLF or a lone CR; a line past the limit is never held whole. */
async function* splitLines(text: AsyncIterable<string>, maxLength: number): AsyncGenerator<SourceLine> {
  let buf = '';
  let n = 0;
  let overlong = false;
  let first = true;
  const eol = /\r\n?|\n/g;
  for await (let chunk of text) {
    if (first && chunk !== '') {
      first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    buf += chunk;
    let start = 0;
    eol.lastIndex = 0;
    for (let m = eol.exec(buf); m; m = eol.exec(buf)) {
      // A CR at the end of a chunk may be the first half of a CRLF.
      if (m[0] === '\r' && m.index === buf.length - 1) break;
      const line = buf.slice(start, m.index);
      start = eol.lastIndex;
      n++;
      yield overlong || line.length > maxLength ? { n, text: '', tooLong: true } : { n, text: line, tooLong: false };
      overlong = false;
    }
    buf = buf.slice(start);
    if (buf.length > maxLength + 1) {
      overlong = true;
      buf = buf.endsWith('\r') ? '\r' : '';
    }
  }
  if (buf.endsWith('\r')) buf = buf.slice(0, -1);
  if (buf !== '' || overlong) {
    n++;
    yield overlong || buf.length > maxLength ? { n, text: '', tooLong: true } : { n, text: buf, tooLong: false };
  }
}

// ---------------------------------------------------------------------------
// Rows.

function rejected(line: number, code: ExchangeLineCode, reason: string): ExchangeProblem {
  return { line, ok: false, skipped: false, code, reason };
}

function skipped(line: number, code: ExchangeLineCode, reason: string): ExchangeProblem {
  return { line, ok: false, skipped: true, code, reason };
}

function tooLong(line: number): ExchangeProblem {
  return rejected(line, 'VIGIL_EXCHANGE_LINE_TOO_LONG', `the line is longer than ${EXCHANGE_MAX_LINE_LENGTH} characters; it was not read`);
}

const clip = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n)}…` : s);

interface RowInput {
  line: number;
  kind: SignalKind | null;
  value: string;
  externalId?: string | null;
  labels?: LabelsInput;
  deleted?: boolean;
  source?: string | null;
  opinion?: BankKind | null;
  /** Prefix for a problem's reason, naming the record (TCAP: its position and id). */
  where?: string;
}

/** Checks one row's signal, external id and labels. */
function row(r: RowInput): ExchangeLine {
  const where = r.where ? `${r.where}: ` : '';
  const parsed = parseSignal(r.kind, r.value);
  if (!parsed.ok) return rejected(r.line, 'VIGIL_SIGNAL_INVALID', `${where}${parsed.reason}`);
  const externalId = r.externalId?.trim() || null;
  const idProblem = provenanceProblem('external id', externalId);
  if (idProblem) return rejected(r.line, 'VIGIL_ENTRY_INVALID', `${where}the ${idProblem}`);
  const labels = applyLabels(NO_LABELS, r.labels);
  if (!labels.ok) return rejected(r.line, 'VIGIL_ENTRY_INVALID', `${where}${labels.reason}`);
  const source = r.source?.trim() || null;
  const sourceProblem = provenanceProblem('source', source);
  if (sourceProblem) return rejected(r.line, 'VIGIL_ENTRY_INVALID', `${where}the ${sourceProblem}`);
  return { line: r.line, ok: true, signal: { kind: parsed.kind, value: parsed.value }, externalId, labels: labels.labels, deleted: r.deleted ?? false, source, opinion: r.opinion ?? null };
}

const SIGNAL_TYPE_RE = /^[a-z][a-z0-9_]{0,31}$/;

/**
 * `local_file`: `<signal_type> <value>`, or the bare value with a kind. python-threatexchange
 * splits at the first space; blank lines and `#` comments are skipped here as hand-kept lists have them.
 */
async function* teTextRows(lines: AsyncIterable<SourceLine>, kind: SignalKind | null): AsyncGenerator<ExchangeLine> {
  for await (const l of lines) {
    if (l.tooLong) {
      yield tooLong(l.n);
      continue;
    }
    const text = l.text.trim();
    if (text === '' || text.startsWith('#')) continue;
    const space = text.search(/\s/);
    const head = space < 0 ? text : text.slice(0, space);
    const rest = space < 0 ? '' : text.slice(space).trim();
    const named = head.toLowerCase();
    if (rest !== '' && SIGNAL_TYPE_RE.test(named)) {
      if (!isSignalKind(named)) {
        yield skipped(l.n, 'VIGIL_EXCHANGE_UNSUPPORTED', `signal type '${clip(head, 32)}' is not one Vigil keeps`);
        continue;
      }
      if (kind !== null && named !== kind) {
        yield rejected(l.n, 'VIGIL_SIGNAL_INVALID', `The line is a ${named} signal but the import's kind is ${kind}.`);
        continue;
      }
      yield row({ line: l.n, kind: named, value: rest });
      continue;
    }
    yield row({ line: l.n, kind, value: text });
  }
}

// ---- CSV ----

type CsvRecord = { line: number; fields: string[] } | ExchangeProblem;

const countQuotes = (s: string) => {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
};

/**
 * CSV records, each parsed by csv-parse. Records are cut by counting quotes (RFC 4180 escapes a
 * quote by doubling it, so a record ends where its quotes pair up); a record whose quote never
 * closes within the limits is reported on its first line and reading starts again on the next, so
 * one stray quote costs one row, not the rest of the file.
 */
async function* csvRecords(lines: AsyncGenerator<SourceLine>, maxLength: number): AsyncGenerator<CsvRecord> {
  const queue: SourceLine[] = [];
  let exhausted = false;
  const fill = async (n: number) => {
    while (queue.length < n && !exhausted) {
      const next = await lines.next();
      if (next.done) exhausted = true;
      else queue.push(next.value);
    }
  };
  for (;;) {
    await fill(1);
    const first = queue[0];
    if (!first) return;
    if (first.tooLong) {
      queue.shift();
      yield tooLong(first.n);
      continue;
    }
    if (first.text.trim() === '') {
      queue.shift();
      continue;
    }
    let text = first.text;
    let quotes = countQuotes(text);
    let used = 1;
    let broken: string | null = null;
    while (quotes % 2 === 1) {
      await fill(used + 1);
      const next = queue[used];
      if (!next) broken = 'a quoted field is not closed before the end of the file';
      else if (next.tooLong || text.length + next.text.length + 1 > maxLength || used >= EXCHANGE_CSV_MAX_RECORD_LINES) broken = 'a quoted field is not closed within the length limit';
      if (broken || !next) break;
      text += `\n${next.text}`;
      quotes += countQuotes(next.text);
      used++;
    }
    if (broken) {
      queue.shift();
      yield rejected(first.n, 'VIGIL_EXCHANGE_ROW_INVALID', broken);
      continue;
    }
    queue.splice(0, used);
    try {
      const records = parseCsv(text, { relax_column_count: true, trim: true, bom: false, skip_empty_lines: true }) as string[][];
      if (records.length !== 1) yield rejected(first.n, 'VIGIL_EXCHANGE_ROW_INVALID', `expected one CSV record, found ${records.length}`);
      else yield { line: first.n, fields: records[0]! };
    } catch (e) {
      yield rejected(first.n, 'VIGIL_EXCHANGE_ROW_INVALID', `the row is not valid CSV: ${clip((e as Error).message.replace(/ at line \d+/, ''), 160)}`);
    }
  }
}

/** A cell Vigil wrote with a leading `'` against formula injection reads back without it. */
function unguard(cell: string): string {
  return cell.length > 1 && cell[0] === "'" && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/** python-threatexchange `SignalOpinionCategory` names, by polarity. */
const TE_CATEGORIES: Record<string, BankKind> = { POSITIVE_CLASS: 'positive', INVESTIGATION_SEED: 'positive', NEGATIVE_CLASS: 'negative', FALSE_POSITIVE: 'negative' };
const TAG_LABELS: Record<string, (typeof LABEL_KEYS)[number]> = { outlet: 'outlet', group: 'group', ideology: 'ideology', tier: 'tier', content_type: 'contentType' };

function tagLabels(tags: string): LabelsInput | string {
  const labels: LabelsInput = {};
  for (const tag of tags.split(/\s+/).filter(Boolean)) {
    const colon = tag.indexOf(':');
    const key = colon > 0 ? TAG_LABELS[tag.slice(0, colon)] : undefined;
    if (!key || !Object.hasOwn(TAG_LABELS, tag.slice(0, colon))) continue;
    try {
      labels[key] = decodeURIComponent(tag.slice(colon + 1));
    } catch {
      return `tag '${clip(tag, 40)}' is not percent-encoded correctly`;
    }
  }
  return labels;
}

async function* csvRows(records: AsyncGenerator<CsvRecord>, format: 'te-csv' | 'csv', kind: SignalKind | null): AsyncGenerator<ExchangeLine> {
  let header: Map<string, number> | null = null;
  let width = 0;
  for await (const r of records) {
    if (!('fields' in r)) {
      if (!header) throw new VigilError('VIGIL_EXCHANGE_INVALID', `The CSV header cannot be read: ${r.reason}.`);
      yield r;
      continue;
    }
    if (!header) {
      header = csvHeader(r.fields, format, kind);
      width = r.fields.length;
      continue;
    }
    if (r.fields.length !== width) {
      yield rejected(r.line, 'VIGIL_EXCHANGE_ROW_INVALID', `the row has ${r.fields.length} fields; the header has ${width}`);
      continue;
    }
    const h = header;
    const cell = (name: string): string | null => {
      const i = h.get(name);
      return i === undefined ? null : unguard(r.fields[i]!).trim();
    };
    if (format === 'csv') {
      const rowKind = cell('kind') || null;
      if (rowKind !== null && !isSignalKind(rowKind.toLowerCase())) {
        yield rejected(r.line, 'VIGIL_SIGNAL_INVALID', `'${clip(rowKind, 32)}' is not a signal kind.`);
        continue;
      }
      if (rowKind !== null && kind !== null && rowKind.toLowerCase() !== kind) {
        yield rejected(r.line, 'VIGIL_SIGNAL_INVALID', `The row is a ${rowKind.toLowerCase()} signal but the import's kind is ${kind}.`);
        continue;
      }
      const labels: LabelsInput = { outlet: cell('outlet'), group: cell('group'), ideology: cell('ideology'), tier: cell('tier'), contentType: cell('content_type') };
      yield row({ line: r.line, kind: (rowKind?.toLowerCase() as SignalKind | undefined) ?? kind, value: cell('value') ?? '', externalId: cell('external_id'), labels });
      continue;
    }
    const type = (cell('signal_type') ?? '').toLowerCase();
    const category = (cell('category') ?? '').toUpperCase();
    if (type !== '' && !isSignalKind(type)) {
      yield skipped(r.line, 'VIGIL_EXCHANGE_UNSUPPORTED', `signal type '${clip(type, 32)}' is not one Vigil keeps`);
      continue;
    }
    if (category !== '' && !Object.hasOwn(TE_CATEGORIES, category)) {
      yield rejected(r.line, 'VIGIL_EXCHANGE_ROW_INVALID', `category '${clip(category, 40)}' is not one of ${Object.keys(TE_CATEGORIES).join(', ')}`);
      continue;
    }
    const labels = tagLabels(cell('tags') ?? '');
    if (typeof labels === 'string') {
      yield rejected(r.line, 'VIGIL_ENTRY_INVALID', labels);
      continue;
    }
    if (type !== '' && kind !== null && type !== kind) {
      yield rejected(r.line, 'VIGIL_SIGNAL_INVALID', `The row is a ${type} signal but the import's kind is ${kind}.`);
      continue;
    }
    yield row({ line: r.line, kind: type === '' ? kind : (type as SignalKind), value: cell('signal_str') ?? '', labels, source: cell('collab'), opinion: category ? TE_CATEGORIES[category]! : null });
  }
  if (!header) throw new VigilError('VIGIL_EXCHANGE_INVALID', `The file is empty; a ${format} file starts with a header line.`);
}

function csvHeader(fields: string[], format: 'te-csv' | 'csv', kind: SignalKind | null): Map<string, number> {
  const names = fields.map((f) => f.trim().toLowerCase());
  const known: readonly string[] = format === 'csv' ? CSV_COLUMNS : TE_CSV_COLUMNS;
  const found = names.slice(0, 10).map((n) => JSON.stringify(clip(n, 40))).join(', ');
  // Vigil's own format refuses a misspelt column rather than drop its values; a foreign one may grow columns.
  const unknown = names.find((n) => !known.includes(n));
  if (format === 'csv' && unknown !== undefined) throw new VigilError('VIGIL_EXCHANGE_INVALID', `The CSV header has a column "${clip(unknown, 40)}" that is not one of ${CSV_COLUMNS.join(', ')}.`);
  const map = new Map<string, number>();
  names.forEach((n, i) => {
    if (known.includes(n) && !map.has(n)) map.set(n, i);
  });
  const required = format === 'csv' ? ['value', ...(kind === null ? ['kind'] : [])] : ['signal_str', ...(kind === null ? ['signal_type'] : [])];
  const missing = required.filter((c) => !map.has(c));
  if (missing.length) throw new VigilError('VIGIL_EXCHANGE_INVALID', `The ${format} header needs the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}${kind === null && missing.some((m) => m === 'kind' || m === 'signal_type') ? ' (or give the kind of the import)' : ''}; columns found: ${found}.`);
  return map;
}

// ---- TCAP JSON ----

interface JsonPage {
  start: number;
  end: number;
  /** Nesting depth the page starts at: 0 (one page, or a page a line), 1 (an element of an array of pages). */
  depth: number;
  line: number;
  /** Physical line of each object in the page's `results`, in order. */
  recordLines: number[];
}

/** Keys that could reach an object's prototype if a consumer ever merged parsed objects. */
const POISON_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const safeReviver = (key: string, value: unknown) => (POISON_KEYS.has(key) ? undefined : value);

/** A JSON string literal's value; null when it is not valid JSON (the page's own parse reports that). */
function jsonString(literal: string): string | null {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return null;
  }
}

/**
 * Finds the pages of a TCAP file without parsing it: one object, an array of objects, or objects
 * one after another (JSON lines). Tracks strings and nesting only, so it refuses nesting past the
 * limit before `JSON.parse` could recurse into it, and notes the line of each record.
 */
function scanJsonPages(text: string): { pages: JsonPage[]; stray: { line: number; reason: string }[] } {
  const pages: JsonPage[] = [];
  const stray: { line: number; reason: string }[] = [];
  const stack: { type: '{' | '['; key: string | null }[] = [];
  let arrayOfPages: boolean | null = null;
  let page: JsonPage | null = null;
  let skippingElement = false;
  let line = 1;
  let stringStart = -1;
  let lastString: [number, number] | null = null;
  let pendingKey: string | null = null;
  const first = /\S/.exec(text);
  if (!first || (first[0] !== '{' && first[0] !== '[')) throw new VigilError('VIGIL_EXCHANGE_INVALID', 'A TCAP file is JSON: a hash-list page object, an array of pages, or one page a line.');
  const found = (i: number) => {
    const end = text.indexOf('\n', i);
    return JSON.stringify(clip(text.slice(i, end < 0 ? undefined : end).trim(), 40));
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    if (stringStart >= 0) {
      if (c === 0x5c) {
        if (text.charCodeAt(i + 1) === 0x0a) line++;
        i++;
      } else if (c === 0x22) {
        lastString = [stringStart, i + 1];
        stringStart = -1;
      }
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    const depth = stack.length;
    if (skippingElement) {
      if (depth === 1 && (c === 0x2c || c === 0x5d)) skippingElement = false;
      else {
        if (c === 0x22) stringStart = i;
        continue;
      }
    }
    if (page === null && depth === 0) {
      if (arrayOfPages === null) {
        arrayOfPages = c === 0x5b;
        if (arrayOfPages) {
          stack.push({ type: '[', key: null });
          continue;
        }
      }
      if (c !== 0x7b && c !== 0x5b) {
        stray.push({ line, reason: `expected a page object, found ${found(i)}` });
        const end = text.indexOf('\n', i);
        if (end < 0) break;
        i = end - 1;
        continue;
      }
      page = { start: i, end: -1, depth: 0, line, recordLines: [] };
    } else if (page === null && depth === 1 && arrayOfPages && c !== 0x2c && c !== 0x5d) {
      if (c !== 0x7b && c !== 0x5b) {
        stray.push({ line, reason: `expected a page object, found ${found(i)}` });
        skippingElement = true;
        if (c === 0x22) stringStart = i;
        continue;
      }
      page = { start: i, end: -1, depth: 1, line, recordLines: [] };
    }
    if (c === 0x22) {
      stringStart = i;
    } else if (c === 0x3a /* : */) {
      pendingKey = lastString && lastString[1] - lastString[0] <= 64 ? jsonString(text.slice(lastString[0], lastString[1])) : null;
    } else if (c === 0x2c) {
      pendingKey = null;
    } else if (c === 0x7b || c === 0x5b) {
      const parent = stack.at(-1);
      if (c === 0x7b && page && parent?.type === '[' && parent.key === 'results' && depth === page.depth + 2) page.recordLines.push(line);
      stack.push({ type: c === 0x7b ? '{' : '[', key: parent?.type === '{' ? pendingKey : null });
      pendingKey = null;
      if (stack.length > EXCHANGE_MAX_JSON_DEPTH) throw new VigilError('VIGIL_EXCHANGE_INVALID', `The JSON is nested deeper than ${EXCHANGE_MAX_JSON_DEPTH} levels (line ${line}); a TCAP page is not.`);
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      if (page && stack.length === page.depth) {
        page.end = i + 1;
        pages.push(page);
        page = null;
      }
    }
  }
  if (page) {
    page.end = text.length;
    pages.push(page);
  }
  return { pages, stray };
}

const CHECKPOINT_RE = /^\d{1,13}(\.\d{1,6})?,[A-Za-z0-9_-]{1,64}$/;

/** A TCAP checkpoint: `<unix_ts>,<id>`, the time (seconds, perhaps with a fraction) and id of a page's last record. */
export function parseCheckpoint(s: string): { at: number; id: string } | null {
  if (s.length > EXCHANGE_CHECKPOINT_MAX || !CHECKPOINT_RE.test(s)) return null;
  const [ts, id] = s.split(',') as [string, string];
  return { at: Math.round(Number(ts) * 1000), id };
}

export function formatCheckpoint(at: number, id: string): string {
  return `${(at / 1000).toFixed(3)},${id}`;
}

async function* tcapRows(text: AsyncIterable<string>, state: { checkpoint: string | null }): AsyncGenerator<ExchangeLine> {
  let all = '';
  for await (const chunk of text) all += chunk;
  if (all.charCodeAt(0) === 0xfeff) all = all.slice(1);
  const { pages, stray } = scanJsonPages(all);
  for (const s of stray) yield rejected(s.line, 'VIGIL_EXCHANGE_ROW_INVALID', s.reason);
  let recordNo = 0;
  for (const p of pages) {
    let page: unknown;
    try {
      page = JSON.parse(all.slice(p.start, p.end), safeReviver);
    } catch (e) {
      yield rejected(p.line, 'VIGIL_EXCHANGE_ROW_INVALID', `the page is not valid JSON: ${clip((e as Error).message, 160)}`);
      continue;
    }
    const results = (page as { results?: unknown }).results;
    if (!Array.isArray(results)) {
      yield rejected(p.line, 'VIGIL_EXCHANGE_ROW_INVALID', 'the page has no "results" array');
      continue;
    }
    const checkpoint = (page as { checkpoint?: unknown }).checkpoint;
    if (typeof checkpoint === 'string' && parseCheckpoint(checkpoint)) state.checkpoint = checkpoint;
    else if (checkpoint !== undefined && checkpoint !== null && checkpoint !== '') yield rejected(p.line, 'VIGIL_EXCHANGE_ROW_INVALID', `the page's checkpoint ${JSON.stringify(clip(String(checkpoint), 40))} is not <unix_ts>,<id>; it was ignored`);
    // Lines are known for object records; a page with other elements in `results` reports the page's line.
    const lines = p.recordLines.length === results.length ? p.recordLines : null;
    for (const [i, record] of results.entries()) yield tcapRecord(record, lines?.[i] ?? p.line, ++recordNo);
  }
}

const textOrNull = (v: unknown): string | null | undefined => (v === undefined || v === null ? null : typeof v === 'string' ? v : undefined);

/** One TCAP record: PDQ, and MD5 (a video MD5 for video file types, as python-threatexchange reads it). */
function tcapRecord(record: unknown, line: number, n: number): ExchangeLine {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return rejected(line, 'VIGIL_EXCHANGE_ROW_INVALID', `record ${n} is not an object`);
  const r = record as Record<string, unknown>;
  const id = typeof r.id === 'number' && Number.isSafeInteger(r.id) ? String(r.id) : textOrNull(r.id);
  const where = `record ${n}${typeof id === 'string' ? ` (id ${clip(id, 40)})` : ''}`;
  if (id === undefined) return rejected(line, 'VIGIL_EXCHANGE_ROW_INVALID', `${where}: id is neither an integer nor text`);
  const fileType = textOrNull(r.file_type);
  const ideology = textOrNull(r.ideology);
  if (fileType === undefined || ideology === undefined) return rejected(line, 'VIGIL_EXCHANGE_ROW_INVALID', `${where}: file_type and ideology must be text`);
  if (r.deleted !== undefined && r.deleted !== null && typeof r.deleted !== 'boolean') return rejected(line, 'VIGIL_EXCHANGE_ROW_INVALID', `${where}: deleted must be true or false`);
  if (typeof r.hash_digest !== 'string') return rejected(line, 'VIGIL_EXCHANGE_ROW_INVALID', `${where}: hash_digest must be text`);
  const algorithm = typeof r.algorithm === 'string' ? r.algorithm.toUpperCase() : '';
  let kind: SignalKind;
  if (algorithm === 'PDQ') kind = 'pdq';
  else if (algorithm === 'MD5') kind = (TCAP_VIDEO_FILE_TYPES as readonly string[]).includes((fileType ?? '').toLowerCase()) ? 'video_md5' : 'md5';
  else return skipped(line, 'VIGIL_EXCHANGE_UNSUPPORTED', `${where}: algorithm ${JSON.stringify(clip(String(r.algorithm), 32))} is not one Vigil keeps (PDQ, MD5)`);
  return row({ line, kind, value: r.hash_digest, externalId: id, labels: { ideology, contentType: fileType }, deleted: r.deleted === true, where });
}

// ---------------------------------------------------------------------------
// Export.

/** The entry fields an export reads. */
export type ExportEntry = Pick<BankEntry, 'id' | 'kind' | 'value' | 'externalId' | 'labels' | 'enabled' | 'disabledUntil' | 'quarantinedAt' | 'addedAt' | 'updatedAt'>;

export interface ExportBank {
  name: string;
  kind: BankKind;
}

export const EXPORT_CONTENT_TYPES: Record<ExchangeFormat, string> = {
  tcap: 'application/json; charset=utf-8',
  'te-text': 'text/plain; charset=utf-8',
  'te-csv': 'text/csv; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

const EXPORT_EXTENSIONS: Record<ExchangeFormat, string> = { tcap: 'tcap.json', 'te-text': 'te.txt', 'te-csv': 'te.csv', csv: 'csv' };

/** A download name from the bank's name: letters, digits, `-` and `_` only, so it is safe in a header. */
export function exportFilename(bankName: string, format: ExchangeFormat): string {
  const base = bankName.normalize('NFKD').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'bank';
  return `${base}.${EXPORT_EXTENSIONS[format]}`;
}

/** Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: quoted when it must be, and a leading formula character defused with `'`. */
export function csvCell(value: string): string {
  const v = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** A signal on one line: vPDQ travels as HMA's signal string (a JSON array), everything else as hex. */
function oneLineValue(kind: SignalKind, value: string): string {
  return kind === 'vpdq' ? toHmaJson(parseVpdqLines(value)) : value;
}

const TAG_OF: Record<(typeof LABEL_KEYS)[number], string> = { outlet: 'outlet', group: 'group', ideology: 'ideology', tier: 'tier', contentType: 'content_type' };

function labelTags(labels: EntryLabels): string {
  return LABEL_KEYS.filter((k) => labels[k] !== null)
    .map((k) => `${TAG_OF[k]}:${encodeURIComponent(labels[k]!)}`)
    .join(' ');
}

const TCAP_ALGORITHM: Partial<Record<SignalKind, string>> = { pdq: 'PDQ', md5: 'MD5', video_md5: 'MD5' };

export interface Exporter {
  head(): string;
  /** The entry's text, or '' when the format cannot carry its kind (TCAP: PDQ and MD5 only). */
  entry(e: ExportEntry, now: number): string;
  tail(): string;
  /** Entries written so far. */
  count(): number;
}

/**
 * Writes one format, an entry at a time. Only TCAP carries tombstones: an inactive entry there is
 * `deleted: true`; callers leave inactive entries out of the other formats. The TCAP page ends with
 * the checkpoint of its last record (`formatCheckpoint`), the cursor a partner passes back as `after`.
 */
export function createExporter(format: ExchangeFormat, bank: ExportBank, after: string | null = null): Exporter {
  let n = 0;
  let checkpoint: string | null = after;
  const csvLine = (cells: string[]) => `${cells.map(csvCell).join(',')}\r\n`;
  return {
    head() {
      if (format === 'tcap') return '{"results":[';
      if (format === 'te-csv') return csvLine([...TE_CSV_COLUMNS]);
      if (format === 'csv') return csvLine([...CSV_COLUMNS]);
      return '';
    },
    entry(e, now) {
      if (format === 'tcap') {
        const algorithm = TCAP_ALGORITHM[e.kind];
        checkpoint = formatCheckpoint(e.updatedAt, e.id);
        if (!algorithm) return '';
        const record = {
          id: e.id,
          hash_digest: e.value,
          algorithm,
          ideology: e.labels.ideology,
          file_type: e.labels.contentType,
          deleted: !isEntryActive(e, now),
          created_on: new Date(e.addedAt).toISOString(),
          updated_on: new Date(e.updatedAt).toISOString(),
        };
        return `${n++ === 0 ? '' : ','}\n${JSON.stringify(record)}`;
      }
      n++;
      const value = oneLineValue(e.kind, e.value);
      if (format === 'te-text') return `${e.kind} ${value}\n`;
      if (format === 'te-csv') return csvLine([e.kind, value, bank.name, bank.kind === 'negative' ? 'NEGATIVE_CLASS' : 'POSITIVE_CLASS', labelTags(e.labels)]);
      const l = e.labels;
      return csvLine([e.kind, value, e.externalId ?? '', l.outlet ?? '', l.group ?? '', l.ideology ?? '', l.tier ?? '', l.contentType ?? '']);
    },
    tail() {
      if (format !== 'tcap') return '';
      return `${n ? '\n' : ''}],"count":${n},"next":null,"previous":null,"checkpoint":${JSON.stringify(checkpoint)}}\n`;
    },
    count: () => n,
  };
}
