/**
 * Text normalisation and tokenisation for the text SimHash (`simhash.ts`).
 *
 * The goal is that two copies of one statement — retyped, re-encoded, copied out
 * of a PDF or an HTML page, in another Arabic keyboard layout — give the same
 * tokens, while different words stay different. Every step is deterministic and
 * applied to both sides of a comparison, so a step only has to be consistent,
 * not linguistically perfect. In order:
 *
 * 1. Unicode NFKD: compatibility forms to their plain letters (full-width Latin,
 *    ligatures such as ﬁ, and the Arabic presentation forms U+FB50–U+FDFF and
 *    U+FE70–U+FEFF that PDF text extraction often yields, ﻻ → لا), and
 *    precomposed letters split into base + combining marks for step 5.
 * 2. Format characters (\p{Cf}) removed, joining what they separated: zero-width
 *    space / joiner / non-joiner, soft hyphen, BOM, bidi controls. Inserting
 *    them inside words is a cheap way to change a text's bytes but not its
 *    look; removing them also keeps Persian/Urdu words written with a ZWNJ in one
 *    piece whether or not the copy kept the ZWNJ.
 * 3. URLs (scheme://…, www.…, host.tld/path such as t.me/channel) and e-mail
 *    addresses removed, unless turned off: re-publishers swap in their own
 *    channel links, and a link is many tokens of noise.
 * 4. Case folding: `toLowerCase()` plus ß → ss and final ς → σ, which is Unicode
 *    full case folding (CaseFolding.txt, C+F) for the scripts we expect.
 * 5. Diacritics removed: the combining marks that are accents in Latin, Greek
 *    and Cyrillic (U+0300–U+036F and the other combining-diacritic blocks), Hebrew
 *    points, and Arabic harakat/tashkeel (U+064B–U+065F, superscript alef
 *    U+0670, Quranic annotation marks U+0610–U+061A, U+06D6–U+06ED,
 *    U+08D3–U+08FF) plus tatweel U+0640. Because step 1 decomposed the letters,
 *    this also unifies the hamza/madda alef forms آ أ إ → ا, and ؤ → و, ئ → ي.
 *    Marks of Indic scripts (Devanagari vowel signs, virama, nukta) are kept:
 *    there they are letters, not accents. Cyrillic й → и and ё → е also follow
 *    (ё/е is written either way in Russian).
 * 6. Arabic-script letter variants unified (the usual Arabic IR normalisation,
 *    extended to Urdu/Persian typing variants):
 *    ٱ (alef wasla) → ا; ى (alef maksura), ی (Farsi yeh, Urdu's yeh) → ي;
 *    ة (teh marbuta), ۃ (Urdu teh marbuta goal), ہ (Urdu heh goal) → ه;
 *    ک (keheh) → ك. ھ (heh doachashmee, Urdu aspiration) and ے (yeh barree)
 *    are distinct letters and kept.
 * 7. Digits: kept (dates, issue numbers and counts are content), with the
 *    Arabic-Indic ٠–٩, Eastern Arabic-Indic (Persian/Urdu) ۰–۹, Devanagari
 *    ०–९ and Bengali ০–৯ digits written as ASCII 0–9.
 * 8. NFC, so that the output is in the usual composed form.
 * 9. Look-alike letters, in texts that mix Latin with Cyrillic or Greek
 *    (table: Cyrillic а е о р с у х і ј ѕ ԁ һ ԛ ԝ ӏ, Greek α ο ν ρ ι κ υ χ,
 *    each with its Latin twin). Only letters without a twin (Latin b f g…,
 *    Cyrillic б в г д ж и п т…) say which script something is written in:
 *    the document's script is the one with most of them, a word's script is
 *    the one with most of them in the word, or the document's if the word has
 *    none. Every letter with a twin in the word's script is replaced by it:
 *    "hеllo" (Cyrillic е) and a lone Cyrillic "а" in an English text become
 *    "hello" and "a"; "пpивeт" (Latin p, e) becomes "привет" (п, и, в, т
 *    are Cyrillic). Folding never changes a twin-less letter, so a second pass
 *    decides the same way. Texts in a single script are never touched.
 * 10. Everything that is not a letter, number or combining mark (punctuation,
 *    symbols, emoji, whitespace) becomes a single space; the result is trimmed.
 *
 * Tokens are the space-separated words of that result. Scripts written without
 * spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar,
 * Tibetan) give one token per character (with its combining marks), so the
 * k-word shingles of `simhash.ts` become character k-grams there — a simple,
 * dictionary-free fallback that is good enough for near-duplicate detection.
 *
 * Pure module: strings in, strings out.
 */

export interface TextNormaliseOptions {
  /** Remove URLs (scheme://…, www.…, host.tld/path). Default true. */
  removeUrls?: boolean;
  /** Remove e-mail addresses. Default true. */
  removeEmails?: boolean;
}

const FORMAT_CHARS = /\p{Cf}+/gu;

// Step 3. Applied after NFKD and format removal, so full-width or zero-width
// tricks inside a link do not keep it alive. The look-behinds let a match
// start only at the beginning of a run of word characters: without them a
// long run with no '@' or '/' (100,000 Han characters, a base64 blob) would be
// rescanned from every position, in quadratic time.
const URL_RE =
  /(?<![\p{L}\p{N}_.+-])(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s<>"']*|(?<![\p{L}\p{N}_.-])[\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)*\.\p{L}{2,}\/[^\s<>"']*/giu;
const EMAIL_RE = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;

// Step 4: where toLowerCase and full case folding differ for our scripts.
const FOLD_RE = /[ßς]/g;
const FOLD: Readonly<Record<string, string>> = { ß: 'ss', ς: 'σ' };

// Step 5. Ranges are documented at the top of the file.
const DIACRITICS_RE =
  // eslint-disable-next-line no-misleading-character-class -- the class lists combining marks on purpose, to delete each one
  /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed\u08d3-\u08ff]+/g;

// Step 6.
const ARABIC_VARIANTS_RE = /[\u0671\u0649\u06cc\u0629\u06c3\u06c1\u06a9]/g;
const ARABIC_VARIANTS: Readonly<Record<string, string>> = {
  '\u0671': '\u0627', // ٱ alef wasla → ا
  '\u0649': '\u064a', // ى alef maksura → ي
  '\u06cc': '\u064a', // ی Farsi yeh → ي
  '\u0629': '\u0647', // ة teh marbuta → ه
  '\u06c3': '\u0647', // ۃ teh marbuta goal → ه
  '\u06c1': '\u0647', // ہ heh goal → ه
  '\u06a9': '\u0643', // ک keheh → ك
};

// Step 7: the first code point of each run of ten decimal digits we rewrite.
const DIGIT_ZEROS = [0x0660, 0x06f0, 0x0966, 0x09e6] as const;
const DIGITS_RE = /[\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\u09e6-\u09ef]/g;

// Step 9: look-alike letters, each with its Latin twin.
const CYRILLIC_TO_LATIN: Readonly<Record<string, string>> = {
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', һ: 'h', ԛ: 'q', ԝ: 'w', ӏ: 'l',
};
const GREEK_TO_LATIN: Readonly<Record<string, string>> = {
  α: 'a', ο: 'o', ν: 'v', ρ: 'p', ι: 'i', κ: 'k', υ: 'u', χ: 'x',
};
const LATIN_TO_CYRILLIC = invert(CYRILLIC_TO_LATIN);
const LATIN_TO_GREEK = invert(GREEK_TO_LATIN);
const HAS_TWIN = new Set([...Object.keys(CYRILLIC_TO_LATIN), ...Object.keys(GREEK_TO_LATIN), ...Object.keys(LATIN_TO_CYRILLIC), ...Object.keys(LATIN_TO_GREEK)]);
const HAS_LATIN = /\p{Script=Latin}/u;
const HAS_CYRILLIC_OR_GREEK = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;
const WORD_RE = /[\p{L}\p{M}\p{N}]+/gu;

// Step 10.
const NON_WORD_RE = /[^\p{L}\p{M}\p{N}]+/gu;
const NON_ASCII = /[\u0080-\u{10ffff}]/u;

// Tokenisation of scripts without word spaces.
const UNSPACED_SCRIPT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]/u;
const UNSPACED_SPLIT_RE =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]\p{M}*|(?:(?![\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}])[\p{L}\p{M}\p{N}])+/gu;

/**
 * The normalised form of `text`: words of letters, numbers and combining marks
 * separated by single spaces, following the steps at the top of this file.
 *
 * @example
 * normaliseText('Le CAFÉ   est fermé!'); // 'le cafe est ferme'
 * normaliseText('الْعَرَبِيَّةُ'); // 'العربيه'
 * normaliseText('أمطار إلى'); // 'امطار الي'
 */
export function normaliseText(text: string, options: TextNormaliseOptions = {}): string {
  const removeUrls = options.removeUrls ?? true;
  const removeEmails = options.removeEmails ?? true;
  const nonAscii = NON_ASCII.test(text);

  let s = nonAscii ? text.normalize('NFKD').replace(FORMAT_CHARS, '') : text;
  if (removeEmails && s.includes('@')) s = s.replace(EMAIL_RE, ' ');
  if (removeUrls && (s.includes('/') || /www\./i.test(s))) s = s.replace(URL_RE, ' ');
  s = s.toLowerCase();
  if (nonAscii) {
    s = s
      .replace(FOLD_RE, (ch) => FOLD[ch]!)
      .replace(DIACRITICS_RE, '')
      .replace(ARABIC_VARIANTS_RE, (ch) => ARABIC_VARIANTS[ch]!)
      .replace(DIGITS_RE, asciiDigit)
      .normalize('NFC');
    if (HAS_LATIN.test(s) && HAS_CYRILLIC_OR_GREEK.test(s)) {
      const documentScript = majorityScript(countTwinless(s)) ?? 'latin';
      s = s.replace(WORD_RE, (word) => foldLookAlikes(word, documentScript));
    }
  }
  return s.replace(NON_WORD_RE, ' ').trim();
}

/**
 * The tokens SimHash shingles: the words of `normaliseText(text, options)`, with
 * each character of a script written without spaces (Chinese, Japanese, Thai…)
 * as its own token.
 *
 * @example
 * tokeniseText("Today's forecast: rain, 12 mm."); // ['today', 's', 'forecast', 'rain', '12', 'mm']
 */
export function tokeniseText(text: string, options: TextNormaliseOptions = {}): string[] {
  const normalised = normaliseText(text, options);
  if (normalised === '') return [];
  const words = normalised.split(' ');
  if (!UNSPACED_SCRIPT.test(normalised)) return words;
  const tokens: string[] = [];
  for (const word of words) {
    if (UNSPACED_SCRIPT.test(word)) {
      for (const m of word.matchAll(UNSPACED_SPLIT_RE)) tokens.push(m[0]);
    } else {
      tokens.push(word);
    }
  }
  return tokens;
}

// ---------------------------------------------------------------------------

function asciiDigit(ch: string): string {
  const cp = ch.charCodeAt(0);
  for (const zero of DIGIT_ZEROS) {
    if (cp >= zero && cp <= zero + 9) return String(cp - zero);
  }
  return ch;
}

type LookAlikeScript = 'latin' | 'cyrillic' | 'greek';

function scriptOf(ch: string): LookAlikeScript | null {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0xdf && cp <= 0x24f)) return 'latin';
  if (cp >= 0x400 && cp <= 0x52f) return 'cyrillic';
  if (cp >= 0x370 && cp <= 0x3ff) return 'greek';
  return null;
}

interface ScriptCounts {
  latin: number;
  cyrillic: number;
  greek: number;
}

/** Letters per script, counting only letters without a look-alike twin (they are never folded). */
function countTwinless(text: string): ScriptCounts {
  const counts: ScriptCounts = { latin: 0, cyrillic: 0, greek: 0 };
  for (const ch of text) {
    const script = scriptOf(ch);
    if (script !== null && !HAS_TWIN.has(ch)) counts[script]++;
  }
  return counts;
}

/** The script with most letters; null when there are none. Ties go to Latin, then Cyrillic. */
function majorityScript(c: ScriptCounts): LookAlikeScript | null {
  if (c.latin + c.cyrillic + c.greek === 0) return null;
  if (c.latin >= c.cyrillic && c.latin >= c.greek) return 'latin';
  return c.cyrillic >= c.greek ? 'cyrillic' : 'greek';
}

/** The twin of `ch` (in `from`) in script `to`, if there is one. */
function twin(ch: string, from: LookAlikeScript, to: LookAlikeScript): string | undefined {
  const asLatin = from === 'latin' ? ch : from === 'cyrillic' ? CYRILLIC_TO_LATIN[ch] : GREEK_TO_LATIN[ch];
  if (asLatin === undefined) return undefined;
  return to === 'latin' ? asLatin : to === 'cyrillic' ? LATIN_TO_CYRILLIC[asLatin] : LATIN_TO_GREEK[asLatin];
}

/** Step 9 for one word of a text whose script is `documentScript`. */
function foldLookAlikes(word: string, documentScript: LookAlikeScript): string {
  const target = majorityScript(countTwinless(word)) ?? documentScript;
  let out = '';
  for (const ch of word) {
    const script = scriptOf(ch);
    out += script === null || script === target ? ch : (twin(ch, script, target) ?? ch);
  }
  return out;
}

function invert(table: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(table)) out[v] = k;
  return out;
}
