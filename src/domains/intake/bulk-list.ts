/**
 * Reading a bulk list of URLs: plain text, CSV with a `url` column, or JSON. Streamed: at most one
 * entry (bounded by `maxLineLength`) and one input chunk are held at a time, so a 100,000-line list
 * costs no more memory than a short one. Every entry gets a `BulkLine`; a broken entry is reported
 * on its own and the rest of the list is still read. URLs are not normalised here: the intake
 * service runs `normaliseUrl` on each `url`.
 *
 * @example
 * for await (const l of parseBulkList(request.file, 'auto')) {
 *   if (l.error) report(l.line, l.error.code, l.error.reason);
 *   else take(l.url);
 * }
 */
import { TextDecoder } from 'node:util';
import { VigilError } from '../../errors/vigil-error.ts';

/** Entries read from one list; the next one is reported as `VIGIL_BULK_TOO_MANY_LINES`. */
export const BULK_MAX_LINES = 100_000;
/**
 * Longest line, CSV record or JSON array element, in characters: four times `URL_MAX_LENGTH`, room
 * for other CSV columns. It bounds the memory held for one entry, whatever the file looks like.
 */
export const BULK_MAX_LINE_LENGTH = 16_384;
/**
 * Largest bulk list, in bytes (64 MiB: 100,000 entries at up to ~670 bytes each, CSV notes
 * included). Enforced where the bytes arrive (the upload route's body limit): the parser streams
 * and needs no cap of its own.
 */
export const BULK_MAX_BYTES = 64 * 1024 * 1024;
/** How much of an over-long or broken entry is echoed back in `raw`. */
export const BULK_RAW_PREVIEW_LENGTH = 200;

export const BULK_FORMATS = ['text', 'csv', 'json', 'auto'] as const;
export type BulkFormat = (typeof BULK_FORMATS)[number];

export type BulkErrorCode = 'VIGIL_BULK_ROW_INVALID' | 'VIGIL_BULK_LINE_TOO_LONG' | 'VIGIL_BULK_TOO_MANY_LINES';

export interface BulkLine {
  /**
   * Where the entry is, 1-based: its (first) line in the file, counting blank and comment lines;
   * for a JSON array, its position in the array, because machine-written arrays are often on one line.
   */
  line: number;
  /**
   * What was submitted for this entry: the line (text), the url field (CSV), the string or `url`
   * value (JSON); for a broken entry, the start of its source text.
   */
  raw: string;
  /** The URL as written (trimmed), or null when the entry is broken. */
  url: string | null;
  error: { code: BulkErrorCode; reason: string } | null;
}

export interface BulkListOptions {
  maxLines?: number;
  maxLineLength?: number;
}

/**
 * The entries of a bulk list, in file order. `auto` decides by the start of the file: `[` or `{`
 * is JSON; a first line with a `url` field (split on `,`, `;` or tab) is CSV; anything else is text.
 * Throws `VIGIL_BULK_INVALID` only when the file as a whole cannot be read (a CSV header without a
 * `url` column); everything else is a per-entry error.
 */
export async function* parseBulkList(input: AsyncIterable<Buffer | string>, format: BulkFormat, options: BulkListOptions = {}): AsyncGenerator<BulkLine> {
  const maxLines = options.maxLines ?? BULK_MAX_LINES;
  const maxLength = options.maxLineLength ?? BULK_MAX_LINE_LENGTH;
  const { head, rest } = await peekFirstLine(decodeText(input), maxLength);
  const kind = format === 'auto' ? detectFormat(head) : format;
  const text = replay(head, rest);
  const isArray = firstNonSpace(head) === '[';
  const entries = kind === 'text' ? textEntries(splitLines(text, maxLength)) : kind === 'csv' ? csvEntries(splitLines(text, maxLength), maxLength) : isArray ? jsonArrayEntries(text, maxLength) : jsonLinesEntries(splitLines(text, maxLength));
  let count = 0;
  for await (const entry of entries) {
    if (++count > maxLines) {
      yield { line: entry.line, raw: '', url: null, error: { code: 'VIGIL_BULK_TOO_MANY_LINES', reason: `the list has more than ${maxLines} entries; this one and the rest were not read` } };
      return;
    }
    yield entry;
  }
}

// ---- bytes to text ----

/**
 * UTF-8, or UTF-16 when the file starts with its byte-order mark (Excel's "Unicode text" export).
 * Invalid bytes become U+FFFD rather than failing the list; the normaliser then refuses that URL.
 */
async function* decodeText(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let decoder: TextDecoder | null = null;
  let pending: Buffer | null = null;
  let started = false;
  const emit = (s: string): string => {
    if (started || s === '') return s;
    started = true;
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  };
  for await (const chunk of input) {
    if (typeof chunk === 'string') {
      const flushed = decoder?.decode() ?? '';
      yield emit(flushed + chunk);
      continue;
    }
    if (!decoder) {
      pending = pending ? Buffer.concat([pending, chunk]) : chunk;
      // The byte-order mark decides the encoding; a first chunk of one byte cannot show it yet.
      if (pending.length < 2) continue;
      decoder = new TextDecoder(pending[0] === 0xff && pending[1] === 0xfe ? 'utf-16le' : pending[0] === 0xfe && pending[1] === 0xff ? 'utf-16be' : 'utf-8', { ignoreBOM: true });
      yield emit(decoder.decode(pending, { stream: true }));
      pending = null;
      continue;
    }
    yield emit(decoder.decode(chunk, { stream: true }));
  }
  if (pending) decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  if (decoder) yield emit(decoder.decode(pending ?? undefined));
}

/** Reads until the first line with content is complete (or the limit), to decide the format. */
async function peekFirstLine(text: AsyncGenerator<string>, maxLength: number): Promise<{ head: string; rest: AsyncGenerator<string> }> {
  let head = '';
  let content = -1;
  while (head.length <= maxLength) {
    const next = await text.next();
    if (next.done) break;
    const from = head.length;
    head += next.value;
    if (content < 0) {
      const i = next.value.search(/\S/);
      if (i >= 0) content = from + i;
    }
    if (content >= 0 && head.indexOf('\n', Math.max(content, from)) >= 0) break;
  }
  return { head, rest: text };
}

async function* replay(head: string, rest: AsyncGenerator<string>): AsyncGenerator<string> {
  try {
    if (head !== '') yield head;
    yield* rest;
  } finally {
    await rest.return(undefined);
  }
}

function firstNonSpace(s: string): string {
  return /\S/.exec(s)?.[0] ?? '';
}

const CSV_DELIMITERS = [',', ';', '\t'] as const;

function detectFormat(head: string): 'text' | 'csv' | 'json' {
  const first = firstNonSpace(head);
  if (first === '[' || first === '{') return 'json';
  const firstLine = head.trimStart().split(/\r?\n|\r/, 1)[0] ?? '';
  const hasUrlField = CSV_DELIMITERS.some((d) => firstLine.split(d).some((f) => unquote(f.trim()).toLowerCase() === 'url'));
  return hasUrlField ? 'csv' : 'text';
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replaceAll('""', '"') : s;
}

// ---- lines ----

interface SourceLine {
  n: number;
  text: string;
  /** The line was longer than the limit; `text` is its start. */
  tooLong: boolean;
}

function preview(s: string): string {
  return s.length > BULK_RAW_PREVIEW_LENGTH ? `${s.slice(0, BULK_RAW_PREVIEW_LENGTH)}…` : s;
}

/** Lines ending in LF, CRLF or a lone CR (old Mac exports). A line over the limit is not kept whole. */
async function* splitLines(text: AsyncIterable<string>, maxLength: number): AsyncGenerator<SourceLine> {
  // One regex per call: `lastIndex` is state, and generators interleave.
  const eol = /\r\n?|\n/g;
  let buf = '';
  let n = 0;
  let overlong: string | null = null;
  const line = (s: string): SourceLine => {
    n++;
    if (overlong !== null) {
      const l = { n, text: overlong, tooLong: true };
      overlong = null;
      return l;
    }
    return s.length > maxLength ? { n, text: preview(s), tooLong: true } : { n, text: s, tooLong: false };
  };
  for await (const chunk of text) {
    buf += chunk;
    let start = 0;
    eol.lastIndex = 0;
    for (let m = eol.exec(buf); m; m = eol.exec(buf)) {
      // A CR at the end of a chunk may be the first half of CRLF.
      if (m[0] === '\r' && m.index === buf.length - 1) break;
      const l = line(buf.slice(start, m.index));
      start = eol.lastIndex;
      yield l;
    }
    buf = buf.slice(start);
    if (buf.length > maxLength + 1) {
      overlong ??= preview(buf);
      buf = buf.endsWith('\r') ? '\r' : '';
    }
  }
  if (buf !== '' || overlong !== null) yield line(buf.endsWith('\r') ? buf.slice(0, -1) : buf);
}

function tooLong(l: SourceLine, what: string): BulkLine {
  return { line: l.n, raw: l.text, url: null, error: { code: 'VIGIL_BULK_LINE_TOO_LONG', reason: `the ${what} is longer than the limit; it was not read` } };
}

function invalid(line: number, raw: string, reason: string): BulkLine {
  return { line, raw: preview(raw), url: null, error: { code: 'VIGIL_BULK_ROW_INVALID', reason } };
}

// ---- text ----

/** One URL a line; blank lines and `#` comments are skipped (and still counted as lines). */
async function* textEntries(lines: AsyncIterable<SourceLine>): AsyncGenerator<BulkLine> {
  for await (const l of lines) {
    if (l.tooLong) {
      yield tooLong(l, 'line');
      continue;
    }
    const url = l.text.trim();
    if (url === '' || url.startsWith('#')) continue;
    yield { line: l.n, raw: l.text, url, error: null };
  }
}

// ---- JSON ----

/** A string, or an object with a string `url` (any case), as in a JSON array or JSON lines. */
function jsonEntry(line: number, text: string): BulkLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return invalid(line, text, `not valid JSON: ${preview((e as Error).message)}`);
  }
  const url = typeof value === 'string' ? value : typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value).find(([k]) => k.toLowerCase() === 'url')?.[1] : undefined;
  if (typeof url !== 'string') return invalid(line, text, 'the entry is neither a string nor an object with a string "url"');
  if (url.trim() === '') return invalid(line, text, 'the URL is empty');
  return { line, raw: url, url: url.trim(), error: null };
}

async function* jsonLinesEntries(lines: AsyncIterable<SourceLine>): AsyncGenerator<BulkLine> {
  for await (const l of lines) {
    if (l.tooLong) yield tooLong(l, 'line');
    else if (l.text.trim() !== '') yield jsonEntry(l.n, l.text);
  }
}

/**
 * The elements of a top-level JSON array, found by tracking strings and nesting, so the array is
 * never held whole and a broken element fails alone. A string left open swallows the rest of the
 * file, as in any JSON reader; the element cap stops it from swallowing memory too.
 */
async function* jsonArrayEntries(text: AsyncIterable<string>, maxLength: number): AsyncGenerator<BulkLine> {
  let state: 'before' | 'inside' | 'after' = 'before';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  let overlong = false;
  let index = 0;
  const append = (s: string) => {
    if (overlong) return;
    if (element.length + s.length > maxLength) {
      overlong = true;
      element = preview(element + s.slice(0, BULK_RAW_PREVIEW_LENGTH));
    } else {
      element += s;
    }
  };
  const take = (closing: boolean): BulkLine | null => {
    const body = element.trim();
    const wasOverlong = overlong;
    element = '';
    overlong = false;
    // `[]` and a trailing comma (`["a",]`) leave nothing before `]`: no entry there.
    if (body === '' && closing) return null;
    index++;
    if (wasOverlong) return { line: index, raw: body, url: null, error: { code: 'VIGIL_BULK_LINE_TOO_LONG', reason: 'the array element is longer than the limit; it was not read' } };
    if (body === '') return invalid(index, body, 'the array element is empty');
    return jsonEntry(index, body);
  };

  for await (const chunk of text) {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (state !== 'inside') {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        if (state === 'before' && c === 0x5b /* [ */) {
          state = 'inside';
          start = i + 1;
          continue;
        }
        yield invalid(index + 1, chunk.slice(i), state === 'after' ? 'unexpected text after the closing ]' : 'the JSON list is not an array');
        return;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c /* \ */) escaped = true;
        else if (c === 0x22 /* " */) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x5b || c === 0x7b /* { */) depth++;
      else if ((c === 0x5d /* ] */ || c === 0x7d) /* } */ && depth > 0) depth--;
      else if (depth === 0 && (c === 0x2c /* , */ || c === 0x5d)) {
        append(chunk.slice(start, i));
        start = i + 1;
        const entry = take(c === 0x5d);
        if (entry) yield entry;
        if (c === 0x5d) state = 'after';
      }
    }
    if (state === 'inside') append(chunk.slice(start));
  }
  if (state === 'inside') {
    const entry = take(true);
    if (entry) yield entry;
    yield invalid(index + 1, '', 'the JSON array ends without ]; the file may be cut off');
  }
}

// ---- CSV ----

/**
 * Written here rather than with csv-parse: csv-parse stops at the first unclosed quote or
 * over-long record and drops every row after it, and one bad row must never cost the rest. A row
 * that cannot be read is reported on its first line, and reading starts again on the next line.
 * RFC 4180, with two leniencies seen in hand-made files: a quote inside an unquoted field is a
 * character, and spaces around a quoted field are ignored.
 */
async function* csvEntries(lines: AsyncGenerator<SourceLine>, maxLength: number): AsyncGenerator<BulkLine> {
  const queue: SourceLine[] = [];
  let exhausted = false;
  const pull = async (): Promise<void> => {
    const next = await lines.next();
    if (next.done) exhausted = true;
    else queue.push(next.value);
  };
  // A record starting at queue[0], reading more lines while a quoted field spans them.
  const record = async (delimiter: string): Promise<CsvRecord> => {
    for (;;) {
      const r = readCsvRecord(queue, delimiter, maxLength, exhausted);
      if (r !== NEED_MORE_LINES) return r;
      await pull();
    }
  };
  let header: CsvHeader | null = null;

  try {
    for (;;) {
      if (queue.length === 0) await pull();
      const first = queue[0];
      if (!first) return;
      if (!first.tooLong && first.text.trim() === '') {
        queue.shift();
        continue;
      }
      if (!header) {
        header = await readCsvHeader(first, record);
        queue.splice(0, header.lines);
        continue;
      }
      if (first.tooLong) {
        queue.shift();
        yield tooLong(first, 'row');
        continue;
      }
      const r = await record(header.delimiter);
      if ('error' in r) {
        queue.shift();
        yield invalid(first.n, first.text, r.error);
        continue;
      }
      queue.splice(0, r.lines);
      if (r.fields.length !== header.width) {
        yield invalid(first.n, first.text, `the row has ${fieldCount(r.fields.length)}; the header has ${fieldCount(header.width)}`);
        continue;
      }
      const raw = r.fields[header.urlIndex] ?? '';
      const url = raw.trim();
      yield url === '' ? invalid(first.n, first.text, 'the url field is empty') : { line: first.n, raw, url, error: null };
    }
  } finally {
    await lines.return(undefined);
  }
}

function fieldCount(n: number): string {
  return n === 1 ? '1 field' : `${n} fields`;
}

interface CsvHeader {
  delimiter: string;
  urlIndex: number;
  width: number;
  lines: number;
}

/** The header decides the delimiter too: `,` or, from spreadsheets in many locales, `;` or tab. */
async function readCsvHeader(first: SourceLine, record: (delimiter: string) => Promise<CsvRecord>): Promise<CsvHeader> {
  if (first.tooLong) throw new VigilError('VIGIL_BULK_INVALID', 'The CSV header line is longer than the limit.');
  let found: string[] = [];
  for (const delimiter of CSV_DELIMITERS) {
    const r = await record(delimiter);
    if ('error' in r) throw new VigilError('VIGIL_BULK_INVALID', `The CSV header cannot be read: ${r.error}.`);
    const names = r.fields.map((f) => f.trim().toLowerCase());
    const urlIndex = names.indexOf('url');
    if (urlIndex >= 0) return { delimiter, urlIndex, width: names.length, lines: r.lines };
    if (found.length === 0) found = r.fields;
  }
  const columns = found.slice(0, 20).map((f) => JSON.stringify(preview(f.trim()).slice(0, 60)));
  throw new VigilError('VIGIL_BULK_INVALID', `The CSV header has no "url" column; columns found: ${columns.join(', ')}${found.length > 20 ? ', …' : ''}.`);
}

const NEED_MORE_LINES = Symbol('need more lines');
type CsvRecord = { fields: string[]; lines: number } | { error: string };

/**
 * Parses the record that starts at `queue[0]` without consuming it. Returns NEED_MORE_LINES when a
 * quoted field runs past the last queued line and more may come.
 */
function readCsvRecord(queue: SourceLine[], delimiter: string, maxLength: number, exhausted: boolean): CsvRecord | typeof NEED_MORE_LINES {
  const fields: string[] = [];
  let li = 0;
  let text = queue[0]!.text;
  let length = text.length;
  // Fast path: most rows of a URL list have no quotes at all.
  if (!text.includes('"')) return { fields: text.split(delimiter), lines: 1 };
  let pos = 0;
  for (;;) {
    let q = pos;
    while (text[q] === ' ') q++;
    if (text[q] !== '"') {
      const end = text.indexOf(delimiter, pos);
      if (end < 0) {
        fields.push(text.slice(pos));
        break;
      }
      fields.push(text.slice(pos, end));
      pos = end + delimiter.length;
      continue;
    }
    let field = '';
    pos = q + 1;
    for (;;) {
      const close = text.indexOf('"', pos);
      if (close < 0) {
        field += `${text.slice(pos)}\n`;
        li++;
        const next = queue[li];
        if (!next) return exhausted ? { error: 'a quoted field is not closed' } : NEED_MORE_LINES;
        length += next.text.length + 1;
        if (next.tooLong || length > maxLength) return { error: 'a quoted field is not closed within the line length limit' };
        text = next.text;
        pos = 0;
        continue;
      }
      field += text.slice(pos, close);
      if (text[close + 1] === '"') {
        field += '"';
        pos = close + 2;
        continue;
      }
      pos = close + 1;
      break;
    }
    fields.push(field);
    while (text[pos] === ' ') pos++;
    if (pos === text.length) break;
    if (!text.startsWith(delimiter, pos)) {
      // Past the first line, the quote that "closed" the field was most likely meant to open one on a later row.
      return { error: li > 0 ? `a quoted field is not closed on this line (it runs into line ${queue[li]!.n})` : `unexpected text after a closing quote: ${JSON.stringify(text.slice(pos, pos + 20))}` };
    }
    pos += delimiter.length;
  }
  return { fields, lines: li + 1 };
}
