import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fnv1a64Hex,
  formatSimhash,
  MIN_TEXT_TOKENS,
  SIMHASH_BYTES,
  SIMHASH_NEAR_DUPLICATE_DISTANCE,
  simhash64,
  simhash64FromTokens,
  simhashDistance,
  SimhashError,
  simhashFeatureHashHex,
  simhashFromHex,
  simhashToHex,
} from './simhash.ts';
import { normaliseText, tokeniseText } from './text-normalise.ts';

// ---------------------------------------------------------------------------
// Synthetic, harmless texts from small word lists, with a seeded generator.

const WORDS = {
  en: 'the rain wind sun cloud bread oven soup team match goal coach garden market morning evening forecast storm warm cold river bridge bakery flour butter season stadium referee town library bicycle tomato'.split(' '),
  fr: 'le la pluie vent soleil nuage pain four soupe équipe match but entraîneur jardin marché matin soir prévision orage chaud froid rivière pont boulangerie farine beurre saison stade arbitre ville'.split(' '),
  ar: 'المطر الرياح الشمس الغيوم الخبز الفرن الحساء الفريق المباراة الهدف المدرب الحديقة السوق الصباح المساء العاصفة دافئ بارد النهر الجسر المخبز الدقيق الزبدة الموسم الملعب الحكم المدينة المكتبة'.split(' '),
  ru: 'дождь ветер солнце облако хлеб печь суп команда матч гол тренер сад рынок утро вечер прогноз гроза тёплый холодный река мост пекарня мука масло сезон стадион судья город'.split(' '),
  ur: 'بارش ہوا دھوپ بادل روٹی تندور سوپ ٹیم میچ گول کوچ باغ بازار صبح شام پیشگوئی طوفان گرم ٹھنڈا دریا پل بیکری آٹا مکھن موسم اسٹیڈیم ریفری شہر'.split(' '),
} as const;
type Lang = keyof typeof WORDS;

/** mulberry32: unlike a bare LCG, nearby seeds do not give shifted copies of one stream. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function makeText(lang: Lang, words: number, seed: number): string {
  const r = rng(seed);
  const vocab = WORDS[lang];
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(vocab[r(vocab.length)]! + (i % 11 === 10 ? '.' : ''));
  return out.join(' ');
}

function replaceWord(text: string, index: number, word: string): string {
  const words = text.split(' ');
  words[index] = word;
  return words.join(' ');
}

// ---------------------------------------------------------------------------
// BigInt reference: the method as written in simhash.ts, with strings and
// BigInt instead of byte ranges and uint32 halves.

const M64 = (1n << 64n) - 1n;

function referenceFeatureHash(feature: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(feature)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & M64;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & M64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & M64;
  return h ^ (h >> 33n);
}

function referenceSimhash(tokens: string[], k: number): string | null {
  if (tokens.length < MIN_TEXT_TOKENS) return null;
  const sums = new Array<number>(64).fill(0);
  const features = Math.max(1, tokens.length - k + 1);
  for (let f = 0; f < features; f++) {
    const h = referenceFeatureHash(tokens.slice(f, f + k).join(' '));
    for (let b = 0; b < 64; b++) sums[b]! += (h >> BigInt(b)) & 1n ? 1 : -1;
  }
  let v = 0n;
  for (let b = 0; b < 64; b++) if (sums[b]! > 0) v |= 1n << BigInt(b);
  return v.toString(16).padStart(16, '0');
}

const hashArb = fc.uint8Array({ minLength: SIMHASH_BYTES, maxLength: SIMHASH_BYTES });
const tokenArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }).filter((t) => !t.includes(' '));

function expectSimhashError(fn: () => unknown, code: SimhashError['code']): void {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(SimhashError);
  expect((error as SimhashError).code).toBe(code);
}

// ---------------------------------------------------------------------------

describe('normaliseText', () => {
  it.each([
    ['Latin case, accents and punctuation', 'Le CAFÉ   est fermé! Très   bien…', 'le cafe est ferme tres bien'],
    ['whitespace collapsed, trimmed', '  one\n\ttwo\u00a0\u2003three  ', 'one two three'],
    ['digits kept', 'Rain: 12 mm on 3 May 2026.', 'rain 12 mm on 3 may 2026'],
    ['full case folding', 'STRASSE Straße ΟΔΟΣ οδός', 'strasse strasse οδοσ οδοσ'],
    ['full-width and ligatures (NFKC)', 'Ｆｕｌｌ ｗｉｄｔｈ ﬁne ﬂour', 'full width fine flour'],
    ['zero-width characters and soft hyphens removed, word kept whole', 'bre\u200bad ov\u00aden to\u200dma\u200cto', 'bread oven tomato'],
    ['Cyrillic ё and й folded', 'Ёлка, йогурт и тёплый чай', 'елка иогурт и теплыи чаи'],
    ['Arabic harakat removed', 'الْعَرَبِيَّةُ', 'العربيه'],
    ['Arabic tatweel removed', 'مـــــدرسـة', 'مدرسه'],
    ['Arabic alef forms unified', 'أحمد إلى آخر ٱلمدينة', 'احمد الي اخر المدينه'],
    ['Arabic alef maksura and teh marbuta', 'على مدرسة', 'علي مدرسه'],
    ['Arabic presentation forms', 'ﺍﻟﺴﻼﻡ ﻻ', 'السلام لا'],
    ['Arabic-Indic and Persian digits', '٢٠٢٤ ۱۲ १२', '2024 12 12'],
    ['Urdu keheh, Farsi yeh, heh goal', 'کتاب یہ ہے', 'كتاب يه هے'],
    ['Urdu heh doachashmee and yeh barree kept', 'اچھا ہے', 'اچھا هے'],
    ['Devanagari vowel signs kept', 'मौसम आज अच्छा है।', 'मौसम आज अच्छा है'],
    ['Latin word with Cyrillic look-alikes', 'hеllо wоrld', 'hello world'],
    ['Cyrillic word with Latin look-alikes', 'пpивeт мир', 'привет мир'],
    ['a word of look-alikes only follows the text: Latin', 'brown сор, а fox', 'brown cop a fox'],
    ['a word of look-alikes only follows the text: Cyrillic', 'бурый cop a лис', 'бурыи сор а лис'],
    ['a real Russian word in an English text stays Cyrillic', 'the word привет means hello', 'the word привет means hello'],
    ['texts in one script untouched', 'сор рос', 'сор рос'],
  ])('%s', (_name, input, expected) => {
    expect(normaliseText(input)).toBe(expected);
  });

  it('removes URLs and e-mail addresses by default, and keeps them when asked', () => {
    const text = 'Visit https://example.com/a?b=1, www.example.org and t.me/some_channel or write to team@example.org today';
    expect(normaliseText(text)).toBe('visit and or write to today');
    expect(normaliseText('rain and/or wind, i.e. weather')).toBe('rain and or wind i e weather');
    expect(normaliseText(text, { removeUrls: false, removeEmails: false })).toBe(
      'visit https example com a b 1 www example org and t me some channel or write to team example org today',
    );
  });

  it('does not take quadratic time on long runs without separators', () => {
    // 200,000 characters without '/', '@' or spaces next to one of each:
    // the look-behinds in the URL and e-mail patterns keep this linear.
    const run = 'a'.repeat(200_000);
    const out = normaliseText(`${run} x.yz/path ${run}@`);
    expect(out.length).toBe(2 * run.length + 1);
    expect(out === `${run} ${run}`).toBe(true);
  });

  it('is idempotent on texts that mix look-alike scripts', () => {
    const letters = [...'aeopcxbgmtаеорсхбгмтαορνκλ '];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...letters), { maxLength: 40 }), (chars) => {
        const once = normaliseText(chars.join(''));
        expect(normaliseText(once)).toBe(once);
      }),
      { numRuns: 3000 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const once = normaliseText(s);
        expect(normaliseText(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('tokeniseText', () => {
  it('splits on anything that is not a letter, number or mark', () => {
    expect(tokeniseText("Today's forecast: rain, 12 mm.")).toEqual(['today', 's', 'forecast', 'rain', '12', 'mm']);
    expect(tokeniseText('الطقسُ، جميلٌ اليومَ!')).toEqual(['الطقس', 'جميل', 'اليوم']);
    expect(tokeniseText('')).toEqual([]);
    expect(tokeniseText(' .,;! ')).toEqual([]);
  });

  it('gives one token per character for scripts written without spaces', () => {
    expect(tokeniseText('今天天气很好 ok')).toEqual(['今', '天', '天', '气', '很', '好', 'ok']);
    // Thai: the vowel sign U+0E35 (a combining mark) stays with its consonant.
    expect(tokeniseText('อากาศดี')).toEqual(['อ', 'า', 'ก', 'า', 'ศ', 'ดี']);
  });

  it('never yields an empty token or one with a space', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        for (const t of tokeniseText(s)) {
          expect(t.length).toBeGreaterThan(0);
          expect(t).not.toMatch(/\s/u);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('feature hash', () => {
  it('FNV-1a 64 matches the published test vectors', () => {
    // Fowler/Noll/Vo test suite (fnv_test.c, FNV1A_64).
    expect(fnv1a64Hex('')).toBe('cbf29ce484222325');
    expect(fnv1a64Hex('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64Hex('foobar')).toBe('85944171f73967e8');
  });

  it('FNV-1a 64 + fmix64 in uint32 halves equals the BigInt computation', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(simhashFeatureHashHex(s)).toBe(referenceFeatureHash(s).toString(16).padStart(16, '0'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('simhash64', () => {
  it('equals the BigInt reference, for any tokens and shingle size', () => {
    fc.assert(
      fc.property(fc.array(tokenArb, { minLength: MIN_TEXT_TOKENS, maxLength: 80 }), fc.integer({ min: 1, max: 8 }), (tokens, k) => {
        const hash = simhash64FromTokens(tokens, { shingle: k });
        expect(hash && simhashToHex(hash)).toBe(referenceSimhash(tokens, k));
      }),
      { numRuns: 300 },
    );
    const text = makeText('ar', 200, 1);
    expect(simhashToHex(simhash64(text)!)).toBe(referenceSimhash(tokeniseText(text), 3));
  });

  it('returns null below MIN_TEXT_TOKENS tokens', () => {
    const words = (n: number): string => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
    expect(simhash64('')).toBeNull();
    expect(simhash64('Light rain tomorrow.')).toBeNull();
    expect(simhash64(words(MIN_TEXT_TOKENS - 1))).toBeNull();
    expect(simhash64(words(MIN_TEXT_TOKENS))).toBeInstanceOf(Uint8Array);
    // punctuation and URLs do not count as tokens
    expect(simhash64(`${words(MIN_TEXT_TOKENS - 1)} https://example.org/a/b ... !!!`)).toBeNull();
  });

  it('gives distance 0 for the same text, and for a retyped copy', () => {
    for (const lang of Object.keys(WORDS) as Lang[]) {
      const text = makeText(lang, 250, 7);
      expect(simhashDistance(simhash64(text)!, simhash64(text)!)).toBe(0);
    }
    const arabic = makeText('ar', 250, 8);
    const retyped = arabic
      .replace(/ا/g, (ch, at: number) => (at % 3 === 0 ? 'أ' : ch))
      .replace(/ل/g, 'لَ')
      .replace(/ /g, (sp, at: number) => (at % 5 === 0 ? ' \u200c' : sp));
    expect(retyped).not.toBe(arabic);
    expect(simhashDistance(simhash64(arabic)!, simhash64(retyped)!)).toBe(0);
    const french = makeText('fr', 250, 9);
    const shouted = french.toUpperCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    expect(simhashDistance(simhash64(french)!, simhash64(shouted)!)).toBe(0);
  });

  it('gives a small distance for a one-word edit', () => {
    const distances: number[] = [];
    for (let seed = 0; seed < 20; seed++) {
      const lang = (Object.keys(WORDS) as Lang[])[seed % 5]!;
      const text = makeText(lang, 300, 100 + seed);
      const edited = replaceWord(text, 150, 'zzzz');
      distances.push(simhashDistance(simhash64(text)!, simhash64(edited)!));
    }
    // A one-word edit changes 3 of ~300 shingles; expected ~64·acos(0.99)/π ≈ 3 bits.
    for (const d of distances) expect(d).toBeLessThanOrEqual(SIMHASH_NEAR_DUPLICATE_DISTANCE);
    expect(distances.reduce((a, b) => a + b, 0) / distances.length).toBeLessThan(5);
  });

  it('gives about 32 bits for unrelated texts', () => {
    const hashes = Array.from({ length: 40 }, (_, i) => simhash64(makeText((Object.keys(WORDS) as Lang[])[i % 5]!, 250, 1000 + i))!);
    const distances: number[] = [];
    for (let i = 0; i < hashes.length; i++) for (let j = i + 1; j < hashes.length; j++) distances.push(simhashDistance(hashes[i]!, hashes[j]!));
    const mean = distances.reduce((a, b) => a + b, 0) / distances.length;
    expect(mean).toBeGreaterThan(29);
    expect(mean).toBeLessThan(35);
    expect(Math.min(...distances)).toBeGreaterThan(SIMHASH_NEAR_DUPLICATE_DISTANCE);
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...WORDS.en, ...WORDS.ru, ...WORDS.ar), { minLength: 0, maxLength: 120 }), (words) => {
        const text = words.join(' ');
        const a = simhash64(text);
        const b = simhash64(text);
        expect(a === null ? null : simhashToHex(a)).toBe(b === null ? null : simhashToHex(b));
      }),
      { numRuns: 200 },
    );
  });

  it('validates its options and tokens', () => {
    const text = makeText('en', 100, 3);
    expectSimhashError(() => simhash64(text, { shingle: 0 }), 'VIGIL_SIMHASH_INPUT_INVALID');
    expectSimhashError(() => simhash64(text, { shingle: 9 }), 'VIGIL_SIMHASH_INPUT_INVALID');
    expectSimhashError(() => simhash64(text, { shingle: 2.5 }), 'VIGIL_SIMHASH_INPUT_INVALID');
    expectSimhashError(() => simhash64(text, { hash: 'md5' as 'fnv1a64' }), 'VIGIL_SIMHASH_INPUT_INVALID');
    expectSimhashError(() => simhash64(42 as unknown as string), 'VIGIL_SIMHASH_INPUT_INVALID');
    const tokens = tokeniseText(text);
    expectSimhashError(() => simhash64FromTokens(['two words', ...tokens]), 'VIGIL_SIMHASH_INPUT_INVALID');
    expectSimhashError(() => simhash64FromTokens(['', ...tokens]), 'VIGIL_SIMHASH_INPUT_INVALID');
    expect(simhash64(text, { shingle: 1 })).toBeInstanceOf(Uint8Array);
  });
});

describe('simhashDistance', () => {
  it('is a metric on 64-bit hashes: 0 on itself, symmetric, triangle inequality', () => {
    fc.assert(
      fc.property(hashArb, hashArb, hashArb, (a, b, c) => {
        expect(simhashDistance(a, a)).toBe(0);
        expect(simhashDistance(a, b)).toBe(simhashDistance(b, a));
        expect(simhashDistance(a, c)).toBeLessThanOrEqual(simhashDistance(a, b) + simhashDistance(b, c));
      }),
    );
  });

  it('counts differing bits', () => {
    fc.assert(
      fc.property(hashArb, hashArb, (a, b) => {
        const x = BigInt(`0x${simhashToHex(a)}`) ^ BigInt(`0x${simhashToHex(b)}`);
        expect(simhashDistance(a, b)).toBe([...x.toString(2)].filter((c) => c === '1').length);
      }),
    );
    expect(simhashDistance(simhashFromHex('0000000000000000'), simhashFromHex('ffffffffffffffff'))).toBe(64);
    expect(simhashDistance(simhashFromHex('8000000000000001'), simhashFromHex('0000000000000000'))).toBe(2);
  });

  it('refuses anything that is not 8 bytes', () => {
    expectSimhashError(() => simhashDistance(new Uint8Array(7), new Uint8Array(8)), 'VIGIL_SIMHASH_INPUT_INVALID');
    expectSimhashError(() => simhashDistance(new Uint8Array(8), new Uint8Array(32)), 'VIGIL_SIMHASH_INPUT_INVALID');
  });
});

describe('hex form', () => {
  it('round-trips bare hex and the simhash: form', () => {
    fc.assert(
      fc.property(hashArb, (hash) => {
        const hex = simhashToHex(hash);
        expect(hex).toMatch(/^[0-9a-f]{16}$/);
        expect(simhashFromHex(hex)).toEqual(hash);
        expect(formatSimhash(hash)).toBe(`simhash:${hex}`);
        expect(simhashFromHex(formatSimhash(hash))).toEqual(hash);
        expect(simhashFromHex(hex.toUpperCase())).toEqual(hash);
        expect(simhashFromHex(`SIMHASH:${hex}`)).toEqual(hash);
      }),
    );
  });

  it('writes the most significant bit first', () => {
    const hash = new Uint8Array([0x80, 0, 0, 0, 0, 0, 0, 0x01]);
    expect(simhashToHex(hash)).toBe('8000000000000001');
  });

  it('refuses other lengths, characters and prefixes', () => {
    for (const bad of ['', '0123456789abcde', '0123456789abcdef0', '0123456789abcdeg', 'pdq:0123456789abcdef', 'simhash:', ' 0123456789abcdef', '0x23456789abcdef']) {
      expectSimhashError(() => simhashFromHex(bad), 'VIGIL_SIMHASH_HEX_INVALID');
    }
    expectSimhashError(() => simhashFromHex(null as unknown as string), 'VIGIL_SIMHASH_HEX_INVALID');
    expectSimhashError(() => simhashToHex(new Uint8Array(4)), 'VIGIL_SIMHASH_INPUT_INVALID');
  });
});
