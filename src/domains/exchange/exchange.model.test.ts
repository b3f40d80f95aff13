import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { isVigilError } from '../../errors/vigil-error.ts';
import { NO_LABELS, type EntryLabels } from '../bank/bank.model.ts';
import {
  createExporter,
  csvCell,
  EXCHANGE_MAX_JSON_DEPTH,
  EXCHANGE_MAX_LINE_LENGTH,
  exportFilename,
  formatCheckpoint,
  parseCheckpoint,
  parseExchange,
  type ExchangeFormat,
  type ExchangeLine,
  type ExchangeParseOptions,
  type ExportEntry,
} from './exchange.model.ts';

// Synthetic hashes: none is of real content.
const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const PDQ2 = '0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const MD5B = '0123456789abcdef0123456789abcdef';
const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The file in chunks of `size` bytes, so rows and characters straddle chunk boundaries. */
async function* chunks(text: string | Buffer, size = 7): AsyncGenerator<Buffer> {
  const b = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function read(text: string | Buffer, format: ExchangeFormat, options: ExchangeParseOptions = {}) {
  const p = parseExchange(chunks(text), format, options);
  const lines: ExchangeLine[] = [];
  for await (const l of p.lines) lines.push(l);
  return { lines, checkpoint: p.checkpoint() };
}

/** Each line as [line, kind:value | outcome code]. */
const brief = (lines: ExchangeLine[]) => lines.map((l) => (l.ok ? [l.line, `${l.deleted ? 'deleted ' : ''}${l.signal.kind}:${l.signal.value}`] : [l.line, `${l.skipped ? 'skipped' : 'rejected'} ${l.code}`]));

async function refusal(text: string | Buffer, format: ExchangeFormat, options: ExchangeParseOptions = {}) {
  try {
    await read(text, format, options);
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
  throw new Error('expected the file to be refused');
}

const labels = (l: Partial<EntryLabels>): EntryLabels => ({ ...NO_LABELS, ...l });

describe('te-text (python-threatexchange local_file)', () => {
  it('reads typed lines and bare values, skips blanks and comments, and numbers lines as in the file', async () => {
    const file = ['# synthetic list', `pdq ${PDQ}`, '', `video_md5 ${MD5.toUpperCase()}`, `  ${PDQ2.toUpperCase()}  `, `photodna ${'ab'.repeat(20)}`].join('\r\n');
    const { lines } = await read(file, 'te-text', { kind: 'pdq' });
    expect(brief(lines)).toEqual([
      [2, `pdq:${PDQ}`],
      [4, 'rejected VIGIL_SIGNAL_INVALID'],
      [5, `pdq:${PDQ2}`],
      [6, 'skipped VIGIL_EXCHANGE_UNSUPPORTED'],
    ]);
    expect(lines[1]).toMatchObject({ reason: "The line is a video_md5 signal but the import's kind is pdq." });
  });

  it('rejects malformed hashes line by line with a reason', async () => {
    const file = [`pdq ${PDQ.slice(0, 63)}`, `pdq ${PDQ.slice(0, 63)}x`, `md5 ${PDQ}`, `pdq ${'0'.repeat(64)}`, MD5, `sha256:${SHA256}`].join('\n');
    const { lines } = await read(file, 'te-text');
    expect(lines.map((l) => (l.ok ? 'ok' : l.reason))).toEqual([
      'A pdq hash is 64 hex digits, got 63.',
      "A pdq hash is hexadecimal; character 64 ('x') is not a hex digit.",
      'A md5 hash is 32 hex digits, got 64 (the length of sha256 or pdq).',
      'The all-zero pdq hash is what unhashable input produces; it cannot be banked.',
      expect.stringMatching(/^Say which kind of signal this is/),
      'ok',
    ]);
  });

  it('reports a line past the length limit and reads on after it', async () => {
    const file = `pdq ${PDQ}\n${'a'.repeat(EXCHANGE_MAX_LINE_LENGTH + 10)}\npdq ${PDQ2}\n`;
    const p = parseExchange(chunks(file, 4096), 'te-text');
    const lines: ExchangeLine[] = [];
    for await (const l of p.lines) lines.push(l);
    expect(brief(lines)).toEqual([
      [1, `pdq:${PDQ}`],
      [2, 'rejected VIGIL_EXCHANGE_LINE_TOO_LONG'],
      [3, `pdq:${PDQ2}`],
    ]);
  });
});

describe('te-csv (threatexchange dataset --csv)', () => {
  it('maps signal types, collaborations, categories and label tags', async () => {
    const file = [
      'signal_type,signal_str,collab,category,tags',
      `pdq,${PDQ},Synthetic Collab,POSITIVE_CLASS,outlet:Synthetic%20Outlet tier:crisis other`,
      `video_md5,${MD5},Synthetic Collab,FALSE_POSITIVE,`,
      `url,https://example.test/,Synthetic Collab,POSITIVE_CLASS,`,
      `pdq,${PDQ2},Synthetic Collab,MAYBE,`,
    ].join('\n');
    const { lines } = await read(file, 'te-csv');
    expect(lines[0]).toEqual({ line: 2, ok: true, signal: { kind: 'pdq', value: PDQ }, externalId: null, labels: labels({ outlet: 'Synthetic Outlet', tier: 'crisis' }), deleted: false, source: 'Synthetic Collab', opinion: 'positive' });
    expect(lines[1]).toMatchObject({ line: 3, ok: true, opinion: 'negative' });
    expect(brief(lines.slice(2))).toEqual([
      [4, 'skipped VIGIL_EXCHANGE_UNSUPPORTED'],
      [5, 'rejected VIGIL_EXCHANGE_ROW_INVALID'],
    ]);
  });

  it('refuses a file without a signal_str column', async () => {
    expect(await refusal('type,value\npdq,abc\n', 'te-csv')).toMatchObject({ code: 'VIGIL_EXCHANGE_INVALID', message: expect.stringContaining('signal_str') });
  });
});

describe('csv (Vigil)', () => {
  it('reads labels and external ids in any column order, and a kind for the whole file', async () => {
    const file = ['value,outlet,tier,external_id', `${PDQ},"Outlet, synthetic",promotional,ext-1`, `${PDQ2},,,`].join('\n');
    const { lines } = await read(file, 'csv', { kind: 'pdq' });
    expect(lines[0]).toMatchObject({ line: 2, ok: true, signal: { kind: 'pdq', value: PDQ }, externalId: 'ext-1', labels: labels({ outlet: 'Outlet, synthetic', tier: 'promotional' }) });
    expect(lines[1]).toMatchObject({ line: 3, ok: true, externalId: null, labels: NO_LABELS });
  });

  it('keeps good rows around broken ones: a stray quote costs one row, not the rest', async () => {
    const file = ['kind,value,tier', `pdq,${PDQ},crisis`, `md5,"${MD5},crisis`, `md5,${MD5B},crisis`, `pdq,${PDQ2}`, `pdq,${PDQ2},not-a-tier`, `simhash,0123456789abcdef,`].join('\n');
    const { lines } = await read(file, 'csv');
    expect(brief(lines)).toEqual([
      [2, `pdq:${PDQ}`],
      [3, 'rejected VIGIL_EXCHANGE_ROW_INVALID'],
      [4, `md5:${MD5B}`],
      [5, 'rejected VIGIL_EXCHANGE_ROW_INVALID'],
      [6, 'rejected VIGIL_ENTRY_INVALID'],
      [7, 'simhash:0123456789abcdef'],
    ]);
    expect(lines[3]).toMatchObject({ reason: 'the row has 2 fields; the header has 3' });
  });

  it('refuses an unknown column, and a file with neither a kind column nor a kind', async () => {
    expect(await refusal(`kind,value,outet\npdq,${PDQ},x\n`, 'csv')).toMatchObject({ code: 'VIGIL_EXCHANGE_INVALID', message: expect.stringContaining('"outet"') });
    expect(await refusal(`value\n${PDQ}\n`, 'csv')).toMatchObject({ code: 'VIGIL_EXCHANGE_INVALID', message: expect.stringContaining('kind') });
    expect(await refusal('', 'csv')).toMatchObject({ code: 'VIGIL_EXCHANGE_INVALID' });
  });
});

const tcapRecord = (r: Record<string, unknown>) => ({ ideology: 'islamist', file_type: 'png', deleted: false, created_on: '2026-01-01T00:00:00Z', updated_on: '2026-01-02T00:00:00Z', ...r });
const tcapPage = (results: unknown[], checkpoint: string) => ({ count: results.length, next: null, previous: null, checkpoint, results });

describe('tcap (Tech Against Terrorism hash list)', () => {
  it('maps PDQ, MD5 and video MD5, tombstones and labels, and keeps the last checkpoint', async () => {
    const page = tcapPage(
      [
        tcapRecord({ id: 1, hash_digest: PDQ, algorithm: 'PDQ' }),
        tcapRecord({ id: 2, hash_digest: MD5, algorithm: 'MD5', file_type: 'mp4', ideology: 'far-right' }),
        tcapRecord({ id: 3, hash_digest: MD5B, algorithm: 'MD5', file_type: 'pdf' }),
        tcapRecord({ id: 4, hash_digest: PDQ2, algorithm: 'PDQ', deleted: true }),
        tcapRecord({ id: 5, hash_digest: 'ab', algorithm: 'TMK' }),
      ],
      '1767225600,5',
    );
    const { lines, checkpoint } = await read(JSON.stringify(page), 'tcap');
    expect(checkpoint).toBe('1767225600,5');
    expect(lines[0]).toEqual({ line: 1, ok: true, signal: { kind: 'pdq', value: PDQ }, externalId: '1', labels: labels({ ideology: 'islamist', contentType: 'png' }), deleted: false, source: null, opinion: null });
    expect(lines[1]).toMatchObject({ signal: { kind: 'video_md5', value: MD5 }, labels: labels({ ideology: 'far-right', contentType: 'mp4' }) });
    expect(brief(lines.slice(2))).toEqual([
      [1, `md5:${MD5B}`],
      [1, `deleted pdq:${PDQ2}`],
      [1, 'skipped VIGIL_EXCHANGE_UNSUPPORTED'],
    ]);
  });

  it('reads an array of pages and JSON lines of pages, with each record’s line in pretty-printed files', async () => {
    const pages = [tcapPage([tcapRecord({ id: 1, hash_digest: PDQ, algorithm: 'PDQ' })], '1767225600,1'), tcapPage([tcapRecord({ id: 2, hash_digest: 'zz', algorithm: 'PDQ' })], '1767225601,2')];
    const pretty = await read(JSON.stringify(pages, null, 2), 'tcap');
    expect(brief(pretty.lines)).toEqual([
      [8, `pdq:${PDQ}`],
      [26, 'rejected VIGIL_SIGNAL_INVALID'],
    ]);
    expect(pretty.lines[1]).toMatchObject({ reason: "record 2 (id 2): A pdq hash is hexadecimal; character 1 ('z') is not a hex digit." });
    expect(pretty.checkpoint).toBe('1767225601,2');
    const jsonLines = await read(`${pages.map((p) => JSON.stringify(p)).join('\n')}\n{"broken": \n`, 'tcap');
    expect(brief(jsonLines.lines)).toEqual([
      [1, `pdq:${PDQ}`],
      [2, 'rejected VIGIL_SIGNAL_INVALID'],
      [3, 'rejected VIGIL_EXCHANGE_ROW_INVALID'],
    ]);
  });

  it('rejects records of the wrong shape one by one', async () => {
    const page = tcapPage([tcapRecord({ id: { x: 1 }, hash_digest: PDQ, algorithm: 'PDQ' }), tcapRecord({ id: 7, hash_digest: 12, algorithm: 'PDQ' }), tcapRecord({ id: 8, hash_digest: PDQ, algorithm: 'PDQ', deleted: 'yes' }), 'not a record'], 'bad checkpoint');
    const { lines, checkpoint } = await read(JSON.stringify(page), 'tcap');
    expect(checkpoint).toBeNull();
    expect(lines.map((l) => (l.ok ? 'ok' : l.reason))).toEqual([
      `the page's checkpoint "bad checkpoint" is not <unix_ts>,<id>; it was ignored`,
      'record 1: id is neither an integer nor text',
      'record 2 (id 7): hash_digest must be text',
      'record 3 (id 8): deleted must be true or false',
      'record 4 is not an object',
    ]);
  });

  it('ignores __proto__ and constructor keys: nothing reaches a prototype', async () => {
    const file = `{"__proto__":{"polluted":"yes"},"checkpoint":"1767225600,1","results":[{"__proto__":{"deleted":true,"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"id":1,"hash_digest":"${PDQ}","algorithm":"PDQ"}]}`;
    const { lines } = await read(file, 'tcap');
    expect(brief(lines)).toEqual([[1, `pdq:${PDQ}`]]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).deleted).toBeUndefined();
  });

  it('refuses deeply nested JSON before parsing it, and anything that is not JSON', async () => {
    const deep = `{"results":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`;
    expect(await refusal(deep, 'tcap')).toEqual({ code: 'VIGIL_EXCHANGE_INVALID', message: `The JSON is nested deeper than ${EXCHANGE_MAX_JSON_DEPTH} levels (line 1); a TCAP page is not.` });
    expect(await refusal(`pdq ${PDQ}\n`, 'tcap')).toMatchObject({ code: 'VIGIL_EXCHANGE_INVALID' });
  });

  it('reports a page with broken JSON (a bad escape in a key) as one rejected row', async () => {
    const { lines } = await read(`{"results":[{"\\x":1}]}\n${JSON.stringify(tcapPage([tcapRecord({ id: 1, hash_digest: PDQ, algorithm: 'PDQ' })], '1767225600,1'))}\n`, 'tcap');
    expect(brief(lines)).toEqual([
      [1, 'rejected VIGIL_EXCHANGE_ROW_INVALID'],
      [2, `pdq:${PDQ}`],
    ]);
  });
});

describe('hostile files', () => {
  it('refuses binary garbage in every format', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    for (const format of ['tcap', 'te-text', 'te-csv', 'csv'] as const) expect(await refusal(garbage, format)).toMatchObject({ code: 'VIGIL_EXCHANGE_INVALID', message: expect.stringContaining('binary') });
  });

  it('refuses a file past the row or byte limit', async () => {
    const file = Array.from({ length: 6 }, () => `pdq ${PDQ}`).join('\n');
    expect(await refusal(file, 'te-text', { maxRows: 5 })).toMatchObject({ code: 'VIGIL_EXCHANGE_TOO_LARGE', message: expect.stringContaining('line 6') });
    expect(await refusal(file, 'te-text', { maxBytes: 100 })).toMatchObject({ code: 'VIGIL_EXCHANGE_TOO_LARGE' });
  });

  it('never fails any other way than a refusal, whatever the text', async () => {
    // Structure-heavy alphabets reach the CSV and JSON scanners' corners more often than random bytes.
    const alphabet = fc.constantFrom(...'{}[]",:\\\n\r ab0f-=\'#'.split(''), 'pdq ', '"results":', '"__proto__":', `${PDQ}`, 'kind,value\n');
    await fc.assert(
      fc.asyncProperty(fc.array(alphabet, { maxLength: 60 }), fc.constantFrom(...(['tcap', 'te-text', 'te-csv', 'csv'] as const)), async (parts, format) => {
        try {
          const { lines } = await read(parts.join(''), format, { kind: 'pdq' });
          for (const l of lines) expect(l.line).toBeGreaterThan(0);
        } catch (e) {
          if (!isVigilError(e)) throw e;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('turns invalid UTF-8 into a rejected row, not a crash', async () => {
    const file = Buffer.concat([Buffer.from(`pdq ${PDQ}\npdq `), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(`\npdq ${PDQ2}\n`)]);
    expect(brief((await read(file, 'te-text')).lines)).toEqual([
      [1, `pdq:${PDQ}`],
      [2, 'rejected VIGIL_SIGNAL_INVALID'],
      [3, `pdq:${PDQ2}`],
    ]);
  });
});

describe('export', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const entry = (e: Partial<ExportEntry> & Pick<ExportEntry, 'id' | 'kind' | 'value'>): ExportEntry => ({
    externalId: null,
    labels: NO_LABELS,
    enabled: true,
    disabledUntil: null,
    quarantinedAt: null,
    addedAt: at,
    updatedAt: at,
    ...e,
  });
  const entries: ExportEntry[] = [
    entry({ id: '0190a000-0000-7000-8000-000000000001', kind: 'pdq', value: PDQ, externalId: 'ext-1', labels: labels({ outlet: '=HYPERLINK("x")', group: 'Group, synthetic', ideology: 'islamist', tier: 'crisis', contentType: 'jpg' }) }),
    entry({ id: '0190a000-0000-7000-8000-000000000002', kind: 'video_md5', value: MD5, labels: labels({ contentType: 'mp4', outlet: '-minus "quoted"' }) }),
    entry({ id: '0190a000-0000-7000-8000-000000000003', kind: 'md5', value: MD5B, labels: labels({ contentType: 'pdf' }) }),
  ];
  const bank = { name: 'Synthetic bank', kind: 'positive' as const };
  const write = (format: ExchangeFormat, list: ExportEntry[], after: string | null = null) => {
    const x = createExporter(format, bank, after);
    return x.head() + list.map((e) => x.entry(e, at)).join('') + x.tail();
  };

  it.each(['tcap', 'te-text', 'te-csv', 'csv'] as const)('%s round-trips signals (and what the format carries)', async (format) => {
    const withSha = [...entries, entry({ id: '0190a000-0000-7000-8000-000000000004', kind: 'sha256', value: SHA256, labels: labels({ tier: 'promotional' }) })];
    const { lines } = await read(write(format, withSha), format);
    const rows = lines.map((l) => {
      if (!l.ok) throw new Error(`line ${l.line}: ${l.reason}`);
      return l;
    });
    // TCAP carries PDQ and MD5 only.
    const expected = format === 'tcap' ? entries : withSha;
    expect(rows.map((r) => r.signal)).toEqual(expected.map((e) => ({ kind: e.kind, value: e.value })));
    if (format === 'csv' || format === 'te-csv') expect(rows.map((r) => r.labels)).toEqual(expected.map((e) => e.labels));
    if (format === 'csv') expect(rows.map((r) => r.externalId)).toEqual(expected.map((e) => e.externalId));
    if (format === 'tcap') {
      expect(rows.map((r) => r.externalId)).toEqual(expected.map((e) => e.id));
      expect(rows.map((r) => [r.labels.ideology, r.labels.contentType])).toEqual(expected.map((e) => [e.labels.ideology, e.labels.contentType]));
    }
  });

  it('defuses formula cells in CSV', () => {
    const csv = write('csv', entries);
    expect(csv.split('\r\n')[1]).toBe(`pdq,${PDQ},ext-1,"'=HYPERLINK(""x"")","Group, synthetic",islamist,crisis,jpg`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell(' padded')).toBe('" padded"');
    expect(csvCell('plain')).toBe('plain');
  });

  it('writes a TCAP page with tombstones for inactive entries and the checkpoint of its last record', () => {
    const disabled = entry({ id: '0190a000-0000-7000-8000-000000000009', kind: 'pdq', value: PDQ2, enabled: false, updatedAt: at + 1000 });
    const page = JSON.parse(write('tcap', [entries[0]!, disabled]));
    expect(page).toMatchObject({ count: 2, next: null, previous: null, checkpoint: `${((at + 1000) / 1000).toFixed(3)},${disabled.id}` });
    expect(page.results.map((r: { deleted: boolean }) => r.deleted)).toEqual([false, true]);
    expect(JSON.parse(write('tcap', [], '1767225600.000,abc'))).toEqual({ results: [], count: 0, next: null, previous: null, checkpoint: '1767225600.000,abc' });
  });

  it('parses checkpoints and names files safely', () => {
    expect(parseCheckpoint(formatCheckpoint(at, 'abc-1'))).toEqual({ at, id: 'abc-1' });
    expect(parseCheckpoint('1704085200,124')).toEqual({ at: 1704085200000, id: '124' });
    for (const bad of ['', '1704085200', 'x,1', '1704085200,', '1704085200,a b', `1,${'a'.repeat(200)}`]) expect(parseCheckpoint(bad)).toBeNull();
    expect(exportFilename('Bank "A"/../é', 'tcap')).toBe('Bank-A-e.tcap.json');
    expect(exportFilename('***', 'csv')).toBe('bank.csv');
  });
});
