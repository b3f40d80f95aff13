import { describe, expect, it } from 'vitest';
import { simhash64, simhashDistance } from '../../algorithms/simhash/simhash.ts';
import { normaliseText } from '../../algorithms/simhash/text-normalise.ts';
import { DEFAULT_PDF_LIMITS, extractPdfText, PDF_MAX_BYTES, PDF_MIN_HEAP_MB, PdfTextError } from './pdf-text.ts';
import type { PdfLimits, PdfTextErrorCode } from './pdf-text.ts';

// ---------------------------------------------------------------------------
// A minimal PDF writer: numbered objects, an xref table with the byte offset of
// each, and a trailer. Enough for PDF.js to open without repairing anything.

function writePdf(objects: string[], trailerExtra = ''): Uint8Array {
  let out = '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length); // latin1: one character per byte
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}

function stream(content: string): string {
  return `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;
}

/** Escapes a PDF literal string. */
function literal(text: string): string {
  return `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

interface PdfSpec {
  /** Lines of text per page. */
  pages: string[][];
  /** 'latin': Helvetica, WinAnsi text only. 'unicode': a Type0 font whose ToUnicode map covers any text. */
  font?: 'latin' | 'unicode';
  /** With 'unicode': map Arabic letters to their isolated presentation forms, as some producers do. */
  presentationForms?: boolean;
  trailerExtra?: string;
  extraObjects?: string[];
}

const RTL = /[\u0590-\u08ff]/;

/**
 * Builds a PDF with one text line per `Tj`. Objects: 1 catalog, 2 page tree,
 * 3 font, then (unicode) 4 CID font, 5 ToUnicode, 6 descriptor, then per page
 * a page object and its content stream.
 */
function makePdf(spec: PdfSpec): Uint8Array {
  const unicode = spec.font === 'unicode';
  const chars = [...new Set(spec.pages.flat().join(''))];
  const cid = (ch: string): string => (chars.indexOf(ch) + 1).toString(16).padStart(4, '0');
  const encode = (line: string): string => {
    if (!unicode) return literal(line);
    // PDFs draw right-to-left text in visual order; PDF.js turns it back into logical order.
    const glyphs = RTL.test(line) ? [...line].reverse() : [...line];
    return `<${glyphs.map(cid).join('')}>`;
  };

  const objects: string[] = ['<< /Type /Catalog /Pages 2 0 R >>', '', ''];
  if (unicode) {
    objects[2] = '<< /Type /Font /Subtype /Type0 /BaseFont /VigilTest /Encoding /Identity-H /DescendantFonts [4 0 R] /ToUnicode 5 0 R >>';
    const target = (ch: string): string => {
      const cp = spec.presentationForms ? (ISOLATED_FORM.get(ch) ?? ch.codePointAt(0)!) : ch.codePointAt(0)!;
      return cp.toString(16).padStart(4, '0');
    };
    const cmap =
      '/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n' +
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n' +
      '/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n' +
      '1 begincodespacerange <0000> <FFFF> endcodespacerange\n' +
      chunks(chars, 100)
        .map((group) => `${group.length} beginbfchar\n${group.map((c) => `<${cid(c)}> <${target(c)}>`).join('\n')}\nendbfchar\n`)
        .join('') +
      'endcmap CMapName currentdict /CMap defineresource pop end end';
    objects.push(
      '<< /Type /Font /Subtype /CIDFontType2 /BaseFont /VigilTest /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 6 0 R /DW 500 /CIDToGIDMap /Identity >>',
      stream(cmap),
      '<< /Type /FontDescriptor /FontName /VigilTest /Flags 4 /FontBBox [0 -200 1000 800] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>',
    );
  } else {
    objects[2] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  }
  const kids: string[] = [];
  for (const lines of spec.pages) {
    const pageNumber = objects.length + 1;
    kids.push(`${pageNumber} 0 R`);
    const content = `BT /F1 11 Tf 14 TL 56 780 Td\n${lines.map((l) => `${encode(l)} Tj T*`).join('\n')}\nET`;
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents ${pageNumber + 1} 0 R /Resources << /Font << /F1 3 0 R >> >> >>`,
      stream(content),
    );
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${kids.length} >>`;
  objects.push(...(spec.extraObjects ?? []));
  return writePdf(objects, spec.trailerExtra);
}

function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Arabic letter -> its isolated presentation form (the first form NFKC maps back to it). */
const ISOLATED_FORM = new Map<string, number>();
for (let cp = 0xfe70; cp <= 0xfefc; cp++) {
  const base = String.fromCodePoint(cp).normalize('NFKC');
  if (base.length === 1 && !ISOLATED_FORM.has(base)) ISOLATED_FORM.set(base, cp);
}

async function expectPdfError(bytes: Uint8Array, code: PdfTextErrorCode, limits?: Partial<PdfLimits>): Promise<PdfTextError> {
  let error: unknown;
  try {
    await extractPdfText(bytes, limits);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(PdfTextError);
  expect((error as PdfTextError).code).toBe(code);
  return error as PdfTextError;
}

/** Lines of the extracted text, trimmed, without empty ones. */
function linesOf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

// Synthetic, harmless sample text.
const ENGLISH_PAGE_1 = ['Light rain is expected in the morning.', 'The bakery sells fresh bread (rye and wheat).'];
const ENGLISH_PAGE_2 = ['The home team won the match by two goals.', 'Evening temperatures fall to 12 degrees.'];
const MULTILINGUAL = [
  'Il pleut à Lyon, le marché reste ouvert.',
  'Погода сегодня хорошая, матч начнётся вечером.',
  'الطقس جميل اليوم والسوق مفتوح',
  'آج موسم اچھا ہے اور بازار کھلا ہے',
];
const ARABIC_ARTICLE = [
  'يتوقع خبراء الطقس أمطارا خفيفة صباح الغد في المدينة',
  'وتبقى درجات الحرارة معتدلة حتى نهاية الأسبوع',
  'ويقدم المطعم الجديد حساء العدس والخبز الطازج كل يوم',
  'وفاز فريق الحي بالمباراة بعد شوط ثان ممتع',
  'وينصح المدرب اللاعبين بالراحة والنوم المبكر قبل الموسم',
];

describe('extractPdfText', () => {
  it('extracts the lines of each page, pages separated by a blank line', async () => {
    const result = await extractPdfText(makePdf({ pages: [ENGLISH_PAGE_1, ENGLISH_PAGE_2] }));
    expect(result.pages).toBe(2);
    expect(result.truncated).toBe(false);
    expect(linesOf(result.text)).toEqual([...ENGLISH_PAGE_1, ...ENGLISH_PAGE_2]);
    const [first, second] = result.text.split('\n\n');
    expect(linesOf(first!)).toEqual(ENGLISH_PAGE_1);
    expect(linesOf(second!)).toEqual(ENGLISH_PAGE_2);
  });

  it('extracts French, Russian, Arabic and Urdu through a ToUnicode map, right-to-left lines in logical order', async () => {
    const result = await extractPdfText(makePdf({ pages: [MULTILINGUAL], font: 'unicode' }));
    expect(linesOf(result.text)).toEqual(MULTILINGUAL);
  });

  it('Arabic presentation forms from the PDF hash like the source text', async () => {
    const bytes = makePdf({ pages: [ARABIC_ARTICLE], font: 'unicode', presentationForms: true });
    const { text } = await extractPdfText(bytes);
    expect(text).toMatch(/[\ufe70-\ufefc]/); // the PDF really gave presentation forms
    const source = ARABIC_ARTICLE.join('\n');
    expect(normaliseText(text)).toBe(normaliseText(source));
    const a = simhash64(text);
    const b = simhash64(source);
    expect(a).not.toBeNull();
    expect(simhashDistance(a!, b!)).toBe(0);
  });

  it('leaves the caller buffer intact', async () => {
    const bytes = makePdf({ pages: [ENGLISH_PAGE_1] });
    const copy = bytes.slice();
    await extractPdfText(bytes);
    expect(bytes.byteLength).toBe(copy.byteLength);
    expect(Buffer.from(bytes).equals(Buffer.from(copy))).toBe(true);
  });

  it('a page without text gives empty text, not an error', async () => {
    const result = await extractPdfText(makePdf({ pages: [[]] }));
    expect(result).toEqual({ text: '', pages: 1, truncated: false });
  });

  it('reads at most maxPages pages and says the text is truncated', async () => {
    const pages = Array.from({ length: 5 }, (_, i) => [`Weather report number ${i + 1}.`]);
    const result = await extractPdfText(makePdf({ pages }), { maxPages: 2 });
    expect(result.pages).toBe(5);
    expect(result.truncated).toBe(true);
    expect(linesOf(result.text)).toEqual(['Weather report number 1.', 'Weather report number 2.']);
  });

  it('stops at maxTextChars and says the text is truncated', async () => {
    const pages = Array.from({ length: 3 }, () => ENGLISH_PAGE_1);
    const full = await extractPdfText(makePdf({ pages }));
    const cut = await extractPdfText(makePdf({ pages }), { maxTextChars: 50 });
    expect(cut.truncated).toBe(true);
    expect(cut.text.length).toBe(50);
    expect(full.text.startsWith(cut.text)).toBe(true);
    expect(full.truncated).toBe(false);
  });

  it('refuses empty input and input without a PDF header as VIGIL_PDF_UNREADABLE', async () => {
    await expectPdfError(new Uint8Array(0), 'VIGIL_PDF_UNREADABLE');
    await expectPdfError(new Uint8Array(Buffer.from('<html><body>not a pdf</body></html>')), 'VIGIL_PDF_UNREADABLE');
  });

  it('refuses corrupt bytes after a PDF header as VIGIL_PDF_UNREADABLE', async () => {
    const junk = new Uint8Array(4096);
    let s = 12345;
    for (let i = 0; i < junk.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      junk[i] = s >>> 24;
    }
    junk.set(Buffer.from('%PDF-1.7\n'), 0);
    const error = await expectPdfError(junk, 'VIGIL_PDF_UNREADABLE');
    expect(error.message).toMatch(/PDF/);
  });

  it('refuses a file over maxBytes as VIGIL_PDF_TOO_LARGE before parsing it', async () => {
    const bytes = makePdf({ pages: [ENGLISH_PAGE_1] });
    await expectPdfError(bytes, 'VIGIL_PDF_TOO_LARGE', { maxBytes: bytes.byteLength - 1 });
    expect(DEFAULT_PDF_LIMITS.maxBytes).toBe(PDF_MAX_BYTES);
  });

  it('reports a password-protected PDF as VIGIL_PDF_ENCRYPTED', async () => {
    // Standard security handler, revision 2; /U does not match the empty user
    // password, so a password is required before anything can be read.
    const u = 'ab'.repeat(32);
    const o = 'cd'.repeat(32);
    const bytes = makePdf({
      pages: [ENGLISH_PAGE_1],
      extraObjects: [`<< /Filter /Standard /V 1 /R 2 /O <${o}> /U <${u}> /P -44 >>`],
      trailerExtra: '/Encrypt 6 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] ',
    });
    await expectPdfError(bytes, 'VIGIL_PDF_ENCRYPTED');
  });

  it('reports a document that outgrows the worker heap as VIGIL_PDF_TOO_LARGE, and the process survives', async () => {
    // 400,000 text items on one page: PDF.js needs well over 64 MiB for them.
    const content = `BT /F1 11 Tf 56 780 Td\n${Array.from({ length: 400_000 }, (_, i) => `(w${i}) Tj 1 0 Td`).join('\n')}\nET`;
    const bytes = writePdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
      stream(content),
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ]);
    const error = await expectPdfError(bytes, 'VIGIL_PDF_TOO_LARGE', { maxHeapMb: PDF_MIN_HEAP_MB });
    expect(error.message).toMatch(/heap/);
    // the next extraction works as usual
    expect(linesOf((await extractPdfText(makePdf({ pages: [ENGLISH_PAGE_1] }))).text)).toEqual(ENGLISH_PAGE_1);
  });

  it('refuses limits that are not positive integers, or a heap cap under the floor', async () => {
    const bytes = makePdf({ pages: [ENGLISH_PAGE_1] });
    await expect(extractPdfText(bytes, { maxPages: 0 })).rejects.toThrow(RangeError);
    await expect(extractPdfText(bytes, { timeoutMs: Number.NaN })).rejects.toThrow(RangeError);
    await expect(extractPdfText(bytes, { maxHeapMb: PDF_MIN_HEAP_MB - 1 })).rejects.toThrow(RangeError);
  });

  it('gives up after timeoutMs with VIGIL_PDF_TIMEOUT', async () => {
    await expectPdfError(makePdf({ pages: [ENGLISH_PAGE_1] }), 'VIGIL_PDF_TIMEOUT', { timeoutMs: 1 });
  });
});
