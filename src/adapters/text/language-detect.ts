/**
 * Language of a text, with Google's CLD3 (the neural detector Chromium uses) compiled to
 * WebAssembly by `cld3-asm`. It covers every language an IRU triages in: Arabic, Pashto,
 * Dari/Persian (`fa`: CLD3 does not tell Dari from Iranian Persian), Tajik, Uzbek, Urdu, Bengali,
 * Malay, Indonesian, Tagalog, Russian, Turkish, French, German and English, among 107.
 *
 * The WASM module is loaded once per process, at the first call, so processes that never detect a
 * language never pay for it. Input is bounded (`LANGUAGE_DETECT_MAX_CHARS`); CLD3's answer on a
 * few words is a guess (a lone "hello" comes back as Serbian, "reliably"), so texts with fewer
 * than `LANGUAGE_DETECT_MIN_LETTERS` letters, and answers CLD3 itself marks unreliable or gives
 * less than `LANGUAGE_DETECT_MIN_PROBABILITY`, give null rather than a wrong label.
 */
import type { LanguageIdentifier } from 'cld3-asm';

/** Characters of the text looked at: the opening of a page or document says its language. */
export const LANGUAGE_DETECT_MAX_CHARS = 4_000;

/** Fewest letters (any script; digits, punctuation and spaces do not count) for an answer. */
export const LANGUAGE_DETECT_MIN_LETTERS = 40;

/** Lowest CLD3 probability kept. Malay and Indonesian, close kin, score ~0.9 on one plain sentence. */
export const LANGUAGE_DETECT_MIN_PROBABILITY = 0.7;

export interface DetectedLanguage {
  /** BCP-47 primary language subtag: `ar`, `ps`, `fa`, `tl`, `ms`, `id`… */
  language: string;
  /** CLD3's probability, 0..1. */
  probability: number;
}

/**
 * CLD3 codes that are not the BCP-47 primary subtag people expect: `fil` becomes `tl` (the
 * requirement names Tagalog, and `tl` is the ISO 639-1 code DSA statements of reasons take), and
 * the retired `iw` becomes `he`. Script variants (`ru-Latn`, `hi-Latn`) keep their language only.
 */
const CODE_MAP: Readonly<Record<string, string>> = { fil: 'tl', iw: 'he' };

let identifier: Promise<LanguageIdentifier> | null = null;

function loadIdentifier(): Promise<LanguageIdentifier> {
  // Imported here, not at the top: the CLI and the API server load this module with the capture
  // pipeline, and most of their processes never detect a language.
  identifier ??= import('cld3-asm')
    .then(({ loadModule }) => loadModule())
    // minBytes 0: the letter count below is the length rule, in characters rather than UTF-8 bytes
    // (an Arabic letter is two bytes, a Latin one one). maxBytes covers the bounded input in any script.
    .then((factory) => factory.create(0, LANGUAGE_DETECT_MAX_CHARS * 4))
    .catch((e: unknown) => {
      identifier = null;
      throw e;
    });
  return identifier;
}

/** The bounded opening of a text, without splitting a surrogate pair, whitespace collapsed. */
function boundedText(text: string): string {
  let head = text.slice(0, LANGUAGE_DETECT_MAX_CHARS);
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  return head.replace(/\s+/gu, ' ').trim();
}

/**
 * The language of `text`, or null when the text is too short or CLD3 is not sure.
 *
 * @example
 * await detectLanguage('Maaraw at mainit ang panahon ngayong araw sa karamihan ng mga lugar.'); // { language: 'tl', probability: 0.99… }
 */
export async function detectLanguage(text: string): Promise<DetectedLanguage | null> {
  const input = boundedText(text);
  if ((input.match(/\p{L}/gu)?.length ?? 0) < LANGUAGE_DETECT_MIN_LETTERS) return null;
  const result = (await loadIdentifier()).findLanguage(input);
  const code = String(result.language);
  if (code === 'und' || !result.is_reliable || result.probability < LANGUAGE_DETECT_MIN_PROBABILITY) return null;
  const primary = code.split('-')[0]!;
  return { language: CODE_MAP[primary] ?? primary, probability: result.probability };
}

/** Pages of a PDF read for its language: the opening says it, and a long magazine need not be parsed whole. */
export const LANGUAGE_PDF_MAX_PAGES = 20;

/** The language of a PDF's text layer; null for a PDF without one (a scan), or one PDF.js cannot read. */
export async function detectPdfLanguage(bytes: Uint8Array): Promise<DetectedLanguage | null> {
  const { extractPdfText, PdfTextError } = await import('../media/pdf-text.ts');
  try {
    const { text } = await extractPdfText(bytes, { maxPages: LANGUAGE_PDF_MAX_PAGES, maxTextChars: LANGUAGE_DETECT_MAX_CHARS });
    return await detectLanguage(text);
  } catch (e) {
    if (e instanceof PdfTextError) return null;
    throw e;
  }
}

export interface CaptureLanguage {
  language: string | null;
  /** Probability in percent. */
  languageConfidence: number | null;
}

/**
 * A capture's detected language: from the page text extracted from HTML, else from a PDF body's
 * text layer; both null when neither says enough.
 */
export async function captureLanguage(capture: { text: string | null; body: Uint8Array; mediaType: string | null }): Promise<CaptureLanguage> {
  const found = capture.text !== null ? await detectLanguage(capture.text) : capture.mediaType === 'application/pdf' ? await detectPdfLanguage(capture.body) : null;
  return { language: found?.language ?? null, languageConfidence: found ? Math.round(found.probability * 100) : null };
}
