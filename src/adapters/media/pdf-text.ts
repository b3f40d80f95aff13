/**
 * PDF bytes -> plain text for the text SimHash, with PDF.js (through `unpdf`,
 * its maintained Node packaging), behind explicit limits.
 *
 * Isolation. PDFs from the sources we watch are hostile input, and PDF.js
 * parses in JavaScript on the thread that calls it: a parser loop on a crafted
 * file would block the event loop, where a timer can never fire. So each
 * extraction runs in its own `worker_threads` Worker (this same module, started
 * with a tag in `workerData`), with a heap cap (`PDF_MAX_HEAP_MB`) and a
 * wall-clock limit (`PDF_TIMEOUT_MS`) after which the worker is terminated,
 * whatever it is doing. Starting a worker and loading PDF.js costs about 0.1 s,
 * small next to a document's intake.
 *
 * No external resources. PDF.js is given the bytes and nothing else: no
 * `cMapUrl`, `standardFontDataUrl`, `wasmUrl` or `docBaseUrl`, worker fetch
 * and WebAssembly off, XFA off, and `fetch` is replaced in the worker by a
 * function that refuses. (PDF.js 5 no longer compiles anything with `eval` /
 * `new Function`, the class of CVE-2024-4367, so there is no switch for it.) Consequences: text in fonts that rely on a predefined Adobe
 * CJK CMap other than Identity-H/V may be missing, and the standard 14 fonts
 * use PDF.js' built-in metrics. Text with a ToUnicode map (what word
 * processors write for Arabic, Cyrillic, Urdu…) is unaffected.
 *
 * Order of work, so that nothing expensive happens before the limits say yes:
 * 1. empty, over `PDF_MAX_BYTES`, or no `%PDF-` header in the first 1024
 *    bytes (where PDF.js looks for it) is refused without starting a worker;
 * 2. the worker opens the document; a password-protected file (one that the
 *    empty user password does not open) is `VIGIL_PDF_ENCRYPTED`;
 * 3. pages are read one at a time, at most `PDF_MAX_PAGES`, and reading stops
 *    at `PDF_MAX_TEXT_CHARS`; either cut sets `truncated`.
 *
 * Text layout: a text item followed by a line end gives a newline; pages are
 * separated by a blank line. Right-to-left runs come out in logical order
 * (PDF.js reorders the visual order in which PDFs draw Arabic glyphs).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { getResolvedPDFJS } from 'unpdf';

/** Largest PDF we open, in bytes: 200 MiB (image-heavy magazines run to tens of MiB). */
export const PDF_MAX_BYTES = 200 * 1024 * 1024;

/** Most pages whose text we read; later pages are skipped and the result is `truncated`. */
export const PDF_MAX_PAGES = 2_000;

/** Most characters of text we return (about 2,500 dense pages); the result is then `truncated`. */
export const PDF_MAX_TEXT_CHARS = 5_000_000;

/** Wall-clock limit for one extraction, worker start included: 2 minutes. */
export const PDF_TIMEOUT_MS = 2 * 60 * 1000;

/** Heap cap of the extraction worker (V8 old generation), in MiB. */
export const PDF_MAX_HEAP_MB = 1_024;

/**
 * Smallest heap cap accepted. Below a few MiB V8 cannot even create the
 * worker's isolate and aborts the whole process (measured: 1–2 MiB abort,
 * 4 MiB fails cleanly); 64 MiB leaves a wide margin and still reads ordinary PDFs.
 */
export const PDF_MIN_HEAP_MB = 64;

/** How far into the file the `%PDF-` header may start (PDF.js searches the first 1024 bytes). */
const PDF_HEADER_SEARCH_BYTES = 1024;

export interface PdfLimits {
  maxBytes: number;
  maxPages: number;
  maxTextChars: number;
  timeoutMs: number;
  maxHeapMb: number;
}

export const DEFAULT_PDF_LIMITS: Readonly<PdfLimits> = Object.freeze({
  maxBytes: PDF_MAX_BYTES,
  maxPages: PDF_MAX_PAGES,
  maxTextChars: PDF_MAX_TEXT_CHARS,
  timeoutMs: PDF_TIMEOUT_MS,
  maxHeapMb: PDF_MAX_HEAP_MB,
});

export type PdfTextErrorCode = 'VIGIL_PDF_UNREADABLE' | 'VIGIL_PDF_TOO_LARGE' | 'VIGIL_PDF_ENCRYPTED' | 'VIGIL_PDF_TIMEOUT';

export class PdfTextError extends Error {
  readonly code: PdfTextErrorCode;

  constructor(code: PdfTextErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PdfTextError';
    this.code = code;
  }
}

export interface PdfText {
  /** The text of the pages read, pages separated by a blank line. */
  text: string;
  /** Pages in the document (not only those read). */
  pages: number;
  /** True when pages were skipped (`maxPages`) or the text was cut (`maxTextChars`). */
  truncated: boolean;
}

/**
 * Extracts the text of a PDF, for fingerprinting (see the top of this file for
 * the isolation and the limits).
 *
 * Throws `PdfTextError`: `VIGIL_PDF_UNREADABLE` (empty, not a PDF, or too
 * damaged for PDF.js), `VIGIL_PDF_TOO_LARGE` (over `maxBytes`, or the worker
 * ran out of its `maxHeapMb` heap), `VIGIL_PDF_ENCRYPTED` (needs a password),
 * `VIGIL_PDF_TIMEOUT` (over `timeoutMs`); `RangeError` for a limit that is
 * not a positive integer, or `maxHeapMb` under `PDF_MIN_HEAP_MB`.
 *
 * @example
 * const { text, pages, truncated } = await extractPdfText(bytes);
 * const hash = simhash64(text); // null for a scanned PDF without a text layer
 */
export async function extractPdfText(bytes: Uint8Array, limits: Partial<PdfLimits> = {}): Promise<PdfText> {
  const lim: PdfLimits = { ...DEFAULT_PDF_LIMITS, ...limits };
  checkLimits(lim);
  if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) {
    throw new PdfTextError('VIGIL_PDF_UNREADABLE', 'PDF is empty (0 bytes)');
  }
  if (bytes.byteLength > lim.maxBytes) {
    throw new PdfTextError('VIGIL_PDF_TOO_LARGE', `PDF is ${bytes.byteLength} bytes, the limit is ${lim.maxBytes}`);
  }
  if (!hasPdfHeader(bytes)) {
    throw new PdfTextError('VIGIL_PDF_UNREADABLE', `no %PDF- header in the first ${PDF_HEADER_SEARCH_BYTES} bytes`);
  }

  const request: WorkerRequest = {
    [WORKER_TAG]: true,
    bytes, // structured clone: the worker gets a copy, the caller's buffer stays usable
    maxPages: lim.maxPages,
    maxTextChars: lim.maxTextChars,
  };
  const worker = new Worker(new URL(import.meta.url), {
    workerData: request,
    resourceLimits: { maxOldGenerationSizeMb: lim.maxHeapMb },
  });

  return await new Promise<PdfText>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: { ok: PdfText } | { error: PdfTextError }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if ('ok' in outcome) resolve(outcome.ok);
      else reject(outcome.error);
    };
    const timer = setTimeout(() => {
      finish({ error: new PdfTextError('VIGIL_PDF_TIMEOUT', `PDF text extraction took longer than ${lim.timeoutMs} ms`) });
    }, lim.timeoutMs);

    worker.once('message', (reply: WorkerReply) => {
      if (reply.ok) finish({ ok: { text: reply.text, pages: reply.pages, truncated: reply.truncated } });
      else finish({ error: new PdfTextError(reply.code, reply.message) });
    });
    worker.once('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        finish({
          error: new PdfTextError('VIGIL_PDF_TOO_LARGE', `PDF needs more than the ${lim.maxHeapMb} MiB heap limit`, { cause: err }),
        });
      } else {
        finish({ error: new PdfTextError('VIGIL_PDF_UNREADABLE', `PDF worker failed: ${err.message}`, { cause: err }) });
      }
    });
    worker.once('exit', (code) => {
      finish({ error: new PdfTextError('VIGIL_PDF_UNREADABLE', `PDF worker exited (code ${code}) without a result`) });
    });
  });
}

/** Limits come from code, not from users: a bad one is a programming error. */
function checkLimits(lim: PdfLimits): void {
  for (const [name, value] of Object.entries(lim)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`PDF limit ${name} must be a positive integer, got ${value}`);
  }
  if (lim.maxHeapMb < PDF_MIN_HEAP_MB) {
    throw new RangeError(`PDF limit maxHeapMb must be at least ${PDF_MIN_HEAP_MB}, got ${lim.maxHeapMb}`);
  }
}

function hasPdfHeader(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, PDF_HEADER_SEARCH_BYTES) - 5;
  for (let i = 0; i <= end; i++) {
    // '%PDF-'
    if (bytes[i] === 0x25 && bytes[i + 1] === 0x50 && bytes[i + 2] === 0x44 && bytes[i + 3] === 0x46 && bytes[i + 4] === 0x2d) {
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// The worker side: runs when this module is a Worker's entry point.

const WORKER_TAG = 'vigilPdfTextWorker';

interface WorkerRequest {
  [WORKER_TAG]: true;
  bytes: Uint8Array;
  maxPages: number;
  maxTextChars: number;
}

type WorkerReply =
  | { ok: true; text: string; pages: number; truncated: boolean }
  | { ok: false; code: PdfTextErrorCode; message: string };

/** PDF.js `VerbosityLevel.ERRORS`: no warnings on stdout for every damaged font. */
const PDFJS_VERBOSITY_ERRORS = 0;

async function extractInWorker(request: WorkerRequest): Promise<WorkerReply> {
  // Nothing in here may reach the network; PDF.js is not given any URL either.
  globalThis.fetch = () => Promise.reject(new Error('network access is disabled in the PDF worker'));

  const { getDocument } = await getResolvedPDFJS();
  const task = getDocument({
    data: request.bytes,
    enableXfa: false,
    useSystemFonts: false,
    disableFontFace: true,
    useWorkerFetch: false,
    useWasm: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    disableRange: true,
    disableStream: true,
    disableAutoFetch: true,
    stopAtErrors: false,
    verbosity: PDFJS_VERBOSITY_ERRORS,
  });
  let doc;
  try {
    doc = await task.promise;
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (name === 'PasswordException') return { ok: false, code: 'VIGIL_PDF_ENCRYPTED', message: 'PDF is password-protected' };
    return { ok: false, code: 'VIGIL_PDF_UNREADABLE', message: `cannot open PDF: ${errorMessage(err)}` };
  }

  const pages = doc.numPages;
  const pagesToRead = Math.min(pages, request.maxPages);
  let truncated = pagesToRead < pages;
  const parts: string[] = [];
  let chars = 0;
  try {
    for (let p = 1; p <= pagesToRead; p++) {
      const page = await doc.getPage(p);
      const content = await page.getTextContent();
      let pageText = '';
      for (const item of content.items) {
        if ('str' in item) pageText += item.str + (item.hasEOL ? '\n' : '');
      }
      page.cleanup();
      const separator = parts.length > 0 ? 2 : 0;
      if (chars + separator + pageText.length > request.maxTextChars) {
        const room = request.maxTextChars - chars - separator;
        if (room > 0) parts.push(cutAt(pageText, room));
        truncated = true;
        break;
      }
      parts.push(pageText);
      chars += separator + pageText.length;
    }
  } catch (err) {
    return { ok: false, code: 'VIGIL_PDF_UNREADABLE', message: `cannot read PDF page text: ${errorMessage(err)}` };
  } finally {
    await task.destroy();
  }
  return { ok: true, text: parts.join('\n\n'), pages, truncated };
}

/** The first `length` UTF-16 units, one fewer if the cut would split a surrogate pair. */
function cutAt(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isWorkerRequest(data: unknown): data is WorkerRequest {
  return typeof data === 'object' && data !== null && (data as Record<string, unknown>)[WORKER_TAG] === true;
}

if (!isMainThread && parentPort && isWorkerRequest(workerData)) {
  const port = parentPort;
  const reply = await extractInWorker(workerData).catch(
    (err: unknown): WorkerReply => ({ ok: false, code: 'VIGIL_PDF_UNREADABLE', message: `PDF extraction failed: ${errorMessage(err)}` }),
  );
  port.postMessage(reply);
}
