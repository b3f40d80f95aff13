import { describe, expect, it } from 'vitest';
import { BULK_FORMATS, BULK_MAX_LINE_LENGTH, BULK_MAX_LINES, BULK_RAW_PREVIEW_LENGTH, parseBulkList, type BulkFormat, type BulkLine, type BulkListOptions } from './bulk-list.ts';

async function* chunksOf(...parts: (string | Buffer)[]): AsyncGenerator<Buffer | string> {
  for (const p of parts) yield p;
}

/** The text as UTF-8 Buffers of `size` bytes, so chunk edges fall inside lines, CRLFs and characters. */
async function* bytesOf(text: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(input: AsyncIterable<Buffer | string> | string, format: BulkFormat, options?: BulkListOptions): Promise<BulkLine[]> {
  const out: BulkLine[] = [];
  for await (const l of parseBulkList(typeof input === 'string' ? chunksOf(input) : input, format, options)) out.push(l);
  return out;
}

const ok = (line: number, url: string, raw: string = url): BulkLine => ({ line, raw, url, error: null });
const summary = (lines: BulkLine[]) => lines.map((l) => [l.line, l.url ?? l.error?.code ?? '?']);

describe('parseBulkList: text', () => {
  it('reads one URL a line, skipping blank lines and # comments but counting them', async () => {
    const lines = await collect('# list of 3 March\nhttps://a.example/1\n\n   \n  b.example/2  \n# done\nhttps://c.example/3', 'text');
    expect(lines).toEqual([ok(2, 'https://a.example/1'), ok(5, 'b.example/2', '  b.example/2  '), ok(7, 'https://c.example/3')]);
  });

  it('handles CRLF, lone CR and a UTF-8 byte-order mark, at any chunk boundary', async () => {
    const text = '\uFEFFhttps://a.example/ü\r\nhttps://b.example/\r\rhttps://c.example/\r\n';
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const lines = await collect(bytesOf(text, size), 'text');
      expect(lines, `chunk size ${size}`).toEqual([ok(1, 'https://a.example/ü'), ok(2, 'https://b.example/'), ok(4, 'https://c.example/')]);
    }
  });

  it('reads UTF-16 with a byte-order mark (Excel "Unicode text")', async () => {
    const le = Buffer.from('\uFEFFhttps://a.example/ü\r\nhttps://b.example/\r\n', 'utf16le');
    expect(await collect(bytesOf(le, 3), 'text')).toEqual([ok(1, 'https://a.example/ü'), ok(2, 'https://b.example/')]);
    const be = Buffer.from(le).swap16();
    expect(await collect(bytesOf(be, 5), 'text')).toEqual([ok(1, 'https://a.example/ü'), ok(2, 'https://b.example/')]);
  });

  it('reports an over-long line with a short preview and reads on', async () => {
    const long = 'https://a.example/' + 'x'.repeat(500);
    const lines = await collect(bytesOf(`https://first.example/\n${long}\nhttps://last.example/\n`, 7), 'text', { maxLineLength: 100 });
    expect(summary(lines)).toEqual([[1, 'https://first.example/'], [2, 'VIGIL_BULK_LINE_TOO_LONG'], [3, 'https://last.example/']]);
    expect(lines[1]!.raw.length).toBeLessThanOrEqual(BULK_RAW_PREVIEW_LENGTH + 1);
    expect(lines[1]!.raw.startsWith('https://a.example/xxx')).toBe(true);
  });

  it('gives nothing for an empty or blank file', async () => {
    for (const format of BULK_FORMATS) {
      expect(await collect(chunksOf(), format), format).toEqual([]);
      expect(await collect('', format), format).toEqual([]);
      expect(await collect(' \r\n\n', format), format).toEqual([]);
      expect(await collect(chunksOf(Buffer.from([0xef, 0xbb, 0xbf])), format), format).toEqual([]);
    }
  });
});

describe('parseBulkList: CSV', () => {
  it('reads the url column, found case-insensitively, and ignores the others', async () => {
    const csv = 'Source,URL,Note\r\nforum,https://a.example/1,first\r\n"chan, 2","https://b.example/2","said ""hi"""\r\n';
    expect(await collect(csv, 'csv')).toEqual([ok(2, 'https://a.example/1'), ok(3, 'https://b.example/2')]);
  });

  it('numbers rows by their first line, through quoted line breaks and blank lines', async () => {
    const csv = 'url,note\n\nhttps://a.example/1,"two\nlines"\nhttps://b.example/2,x\n';
    expect(summary(await collect(csv, 'csv'))).toEqual([[3, 'https://a.example/1'], [5, 'https://b.example/2']]);
  });

  it('reports broken rows one by one and reads every row after them', async () => {
    const csv = [
      'url,note',
      'https://a.example/1,ok',
      'https://b.example/2,"never closed',
      'https://c.example/3,ok',
      '"https://d.example/4"junk,ok',
      'https://e.example/5',
      'https://f.example/6,ok,extra',
      ',no url here',
      'https://g.example/7,"ok"',
    ].join('\n');
    const lines = await collect(bytesOf(csv, 4), 'csv');
    expect(summary(lines)).toEqual([
      [2, 'https://a.example/1'],
      [3, 'VIGIL_BULK_ROW_INVALID'],
      [4, 'https://c.example/3'],
      [5, 'VIGIL_BULK_ROW_INVALID'],
      [6, 'VIGIL_BULK_ROW_INVALID'],
      [7, 'VIGIL_BULK_ROW_INVALID'],
      [8, 'VIGIL_BULK_ROW_INVALID'],
      [9, 'https://g.example/7'],
    ]);
    expect(lines[1]!.error?.reason).toBe('a quoted field is not closed on this line (it runs into line 5)');
    expect(lines[1]!.raw).toBe('https://b.example/2,"never closed');
    expect(lines[3]!.error?.reason).toMatch(/after a closing quote/);
    expect(lines[4]!.error?.reason).toBe('the row has 1 field; the header has 2 fields');
    expect(lines[5]!.error?.reason).toBe('the row has 3 fields; the header has 2 fields');
    expect(lines[6]!.error?.reason).toBe('the url field is empty');
  });

  it('gives up on an unclosed quote after maxLineLength characters, not at the end of the file', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `https://r.example/${i},ok`);
    const csv = ['url,note', 'https://a.example/,"open', ...rows].join('\n');
    const lines = await collect(csv, 'csv', { maxLineLength: 200 });
    expect(lines[0]).toMatchObject({ line: 2, error: { code: 'VIGIL_BULK_ROW_INVALID' } });
    expect(lines.slice(1)).toEqual(rows.map((r, i) => ok(i + 3, r.split(',')[0]!)));
  });

  it('takes a quote inside an unquoted field as a character, and spaces around quoted fields', async () => {
    expect(await collect('url,note\nhttps://a.example/?q="x",5"2\n  "https://b.example/"  ,x\n', 'csv')).toEqual([ok(2, 'https://a.example/?q="x"'), ok(3, 'https://b.example/')]);
  });

  it('reads semicolon- and tab-separated files', async () => {
    expect(await collect('Hinweis;URL\r\nerster;https://a.example/1\r\n', 'csv')).toEqual([ok(2, 'https://a.example/1')]);
    expect(await collect('url\tnote\nhttps://a.example/1\tx\n', 'csv')).toEqual([ok(2, 'https://a.example/1')]);
  });

  it('refuses a file whose header has no url column, naming the columns found', async () => {
    await expect(collect('link,note\nhttps://a.example/,x\n', 'csv')).rejects.toMatchObject({ code: 'VIGIL_BULK_INVALID', message: expect.stringContaining('"link", "note"') });
    await expect(collect('"url,note\nx\n', 'csv')).rejects.toMatchObject({ code: 'VIGIL_BULK_INVALID' });
  });

  it('reads a header alone, with a BOM, as an empty list', async () => {
    expect(await collect(bytesOf('\uFEFFurl\r\n', 1), 'csv')).toEqual([]);
  });

  it('reports an over-long row and reads on', async () => {
    const lines = await collect(`url,note\nhttps://a.example/,${'n'.repeat(300)}\nhttps://b.example/,x\n`, 'csv', { maxLineLength: 100 });
    expect(summary(lines)).toEqual([[2, 'VIGIL_BULK_LINE_TOO_LONG'], [3, 'https://b.example/']]);
  });
});

describe('parseBulkList: JSON', () => {
  it('reads an array of strings and objects with url, numbering entries by position', async () => {
    const json = '[ "https://a.example/1", {"url": "https://b.example/2", "note": "x"}, {"URL": "https://c.example/3"} ]';
    expect(await collect(json, 'json')).toEqual([ok(1, 'https://a.example/1'), ok(2, 'https://b.example/2'), ok(3, 'https://c.example/3')]);
  });

  it('reports bad elements alone and reads on', async () => {
    const json = '[\n  "https://a.example/1",\n  42,\n  {"link": "x"},\n  ["nested"],\n  "",\n  ,\n  {"url": "https://b.example/\\"]},{["}\n]\n';
    for (const size of [1, 3, 1000]) {
      expect(summary(await collect(bytesOf(json, size), 'json')), `chunk size ${size}`).toEqual([
        [1, 'https://a.example/1'],
        [2, 'VIGIL_BULK_ROW_INVALID'],
        [3, 'VIGIL_BULK_ROW_INVALID'],
        [4, 'VIGIL_BULK_ROW_INVALID'],
        [5, 'VIGIL_BULK_ROW_INVALID'],
        [6, 'VIGIL_BULK_ROW_INVALID'],
        [7, 'https://b.example/"]},{['],
      ]);
    }
  });

  it('accepts a trailing comma and an empty array', async () => {
    expect(await collect('["https://a.example/",]', 'json')).toEqual([ok(1, 'https://a.example/')]);
    expect(await collect('  [ ]  ', 'json')).toEqual([]);
  });

  it('reports an array cut off and text after it', async () => {
    expect(summary(await collect('["https://a.example/", "https://b.exa', 'json'))).toEqual([[1, 'https://a.example/'], [2, 'VIGIL_BULK_ROW_INVALID'], [3, 'VIGIL_BULK_ROW_INVALID']]);
    const trailing = await collect('["https://a.example/"] ["https://b.example/"]', 'json');
    expect(summary(trailing)).toEqual([[1, 'https://a.example/'], [2, 'VIGIL_BULK_ROW_INVALID']]);
    expect(trailing[1]!.error?.reason).toMatch(/after the closing \]/);
  });

  it('reports an over-long element and reads on', async () => {
    const lines = await collect(`["${'x'.repeat(500)}", "https://b.example/"]`, 'json', { maxLineLength: 100 });
    expect(summary(lines)).toEqual([[1, 'VIGIL_BULK_LINE_TOO_LONG'], [2, 'https://b.example/']]);
  });

  it('reads JSON lines, by line number', async () => {
    const jsonl = '{"url": "https://a.example/1"}\r\n"https://b.example/2"\r\n\r\n{"url": 5}\r\nnot json\r\n{"url": "https://c.example/3"}';
    expect(summary(await collect(jsonl, 'json'))).toEqual([
      [1, 'https://a.example/1'],
      [2, 'https://b.example/2'],
      [4, 'VIGIL_BULK_ROW_INVALID'],
      [5, 'VIGIL_BULK_ROW_INVALID'],
      [6, 'https://c.example/3'],
    ]);
  });
});

describe('parseBulkList: auto', () => {
  it('detects JSON, CSV and text from the start of the file', async () => {
    expect(await collect('\n  ["https://a.example/"]', 'auto')).toEqual([ok(1, 'https://a.example/')]);
    expect(await collect('{"url": "https://a.example/"}\n{"url": "https://b.example/"}\n', 'auto')).toEqual([ok(1, 'https://a.example/'), ok(2, 'https://b.example/')]);
    expect(await collect('\uFEFF"URL","note"\r\n"https://a.example/",x\r\n', 'auto')).toEqual([ok(2, 'https://a.example/')]);
    expect(await collect('url\nhttps://a.example/\n', 'auto')).toEqual([ok(2, 'https://a.example/')]);
    expect(await collect('note;url\nx;https://a.example/\n', 'auto')).toEqual([ok(2, 'https://a.example/')]);
    expect(await collect('https://a.example/?a=1,2\nhttps://b.example/\n', 'auto')).toEqual([ok(1, 'https://a.example/?a=1,2'), ok(2, 'https://b.example/')]);
    expect(await collect('# my list\nhttps://a.example/\n', 'auto')).toEqual([ok(2, 'https://a.example/')]);
  });

  it('detects across chunk boundaries', async () => {
    expect(await collect(bytesOf('  \n\nurl,note\nhttps://a.example/,x\n', 1), 'auto')).toEqual([ok(4, 'https://a.example/')]);
    expect(await collect(bytesOf(' \n [ "https://a.example/" ]', 1), 'auto')).toEqual([ok(1, 'https://a.example/')]);
  });
});

/** 100,000 lines, generated as they are read; `produced` counts the lines handed out so far. */
function generatedList(lines: number, render: (i: number) => string, header = '', footer = '', linesPerChunk = 50) {
  const state = { produced: 0, closed: false };
  async function* source(): AsyncGenerator<Buffer> {
    try {
      if (header) yield Buffer.from(header);
      for (let i = 0; i < lines; i += linesPerChunk) {
        let chunk = '';
        for (let j = i; j < Math.min(lines, i + linesPerChunk); j++) chunk += render(j);
        state.produced = Math.min(lines, i + linesPerChunk);
        yield Buffer.from(chunk);
      }
      if (footer) yield Buffer.from(footer);
    } finally {
      state.closed = true;
    }
  }
  return { state, source: source() };
}

describe('parseBulkList: limits and streaming', () => {
  it('exports the limits', () => {
    expect(BULK_MAX_LINES).toBe(100_000);
    expect(BULK_MAX_LINE_LENGTH).toBeGreaterThanOrEqual(4096);
  });

  it('stops after maxLines entries with one final error, without reading the rest', async () => {
    const { state, source } = generatedList(10_000, (i) => `https://a.example/${i}\n`);
    const lines = await collect(source, 'text', { maxLines: 100 });
    expect(lines).toHaveLength(101);
    expect(lines[100]).toMatchObject({ line: 101, url: null, error: { code: 'VIGIL_BULK_TOO_MANY_LINES' } });
    expect(state.produced).toBeLessThan(1_000);
    expect(state.closed).toBe(true);
  });

  it('counts entries, not blank or comment lines, towards maxLines', async () => {
    expect(summary(await collect('# a\n\na.example\n# b\nb.example\n', 'text', { maxLines: 2 }))).toEqual([[3, 'a.example'], [5, 'b.example']]);
    expect(summary(await collect('["a.example", "b.example", "c.example"]', 'json', { maxLines: 2 }))).toEqual([[1, 'a.example'], [2, 'b.example'], [3, 'VIGIL_BULK_TOO_MANY_LINES']]);
  });

  it('closes the input when the reader stops early', async () => {
    for (const [format, header] of [['text', ''], ['csv', 'url\n'], ['json', '[\n']] as const) {
      const { state, source } = generatedList(100_000, (i) => (format === 'json' ? `"https://a.example/${i}",\n` : `https://a.example/${i}\n`), header);
      for await (const l of parseBulkList(source, 'auto')) {
        if (l.line >= 10) break;
      }
      expect(state.closed, format).toBe(true);
      expect(state.produced, format).toBeLessThan(1_000);
    }
  });

  it('streams 100,000 lines in every format, never reading far ahead of the reader', async () => {
    const cases = [
      { format: 'text', header: '', render: (i: number) => `https://host${i % 97}.example/post/${i}?utm_source=x\n` },
      { format: 'csv', header: 'id,url,note\r\n', render: (i: number) => `${i},"https://host${i % 97}.example/post/${i}","row ${i}"\r\n` },
      { format: 'json', header: '[\n', footer: ']\n', render: (i: number) => `  {"url": "https://host${i % 97}.example/post/${i}"}${i < 99_999 ? ',' : ''}\n` },
      { format: 'json', header: '', render: (i: number) => `"https://host${i % 97}.example/post/${i}"\n` },
    ] as const;
    for (const { format, header, render, ...rest } of cases) {
      const { state, source } = generatedList(100_000, render, header, 'footer' in rest ? rest.footer : '');
      let count = 0;
      let errors = 0;
      let outOfOrder = 0;
      let maxAhead = 0;
      let lastLine = 0;
      for await (const l of parseBulkList(source, format)) {
        if (l.error || !l.url) errors++;
        if (l.line <= lastLine) outOfOrder++;
        lastLine = l.line;
        count++;
        maxAhead = Math.max(maxAhead, state.produced - count);
      }
      expect([count, errors, outOfOrder], format).toEqual([100_000, 0, 0]);
      // At most a chunk or two of 50 lines is read before its entries are handed out.
      expect(maxAhead, format).toBeLessThanOrEqual(200);
    }
  });

  it('keeps memory bounded on a large list', async () => {
    // 100,000 lines of ~1 KiB: 100 MB of text, far more than the heap may grow by.
    const padding = 'p'.repeat(1000);
    const { source } = generatedList(100_000, (i) => `https://a.example/${i}?pad=${padding}\n`, '', '', 100);
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let count = 0;
    for await (const l of parseBulkList(source, 'text')) {
      if (l.url) count++;
      if (count % 5_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(count).toBe(100_000);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });
});
