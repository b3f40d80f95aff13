/**
 * Text SimHash: precision and recall of near-duplicate detection on a synthetic
 * corpus, hashing throughput, and the two design checks of `simhash.ts`
 * (uint32 halves vs BigInt; FNV-1a with and without the fmix64 finaliser).
 *
 *   node bench/text-simhash.ts [bases] [unrelated] [shingle]     (defaults 2000, 2000, 3)
 *
 * Corpus, from a fixed seed, in English, French, Arabic, Russian and Urdu
 * (synthetic and harmless: a few real function words and weather / cooking /
 * sport words per language, plus a few thousand made-up words in the
 * language's script, drawn with Zipf frequencies, in sentences of 6–20 words):
 *
 * - `bases` base texts of 150–600 words; each has 8 variants:
 *   edit-5%, edit-10%, edit-15% (that share of words substituted),
 *   reorder (sentences shuffled), boilerplate (an outlet's header and footer
 *   added, 20–50 words), truncate-20% (last fifth of the sentences cut),
 *   retyped (same words, other encoding: case, punctuation, zero-width
 *   characters and look-alike letters; Arabic/Urdu harakat, tatweel, letter
 *   variants and Arabic-Indic digits; French accents dropped), and mixed
 *   (edit-5% + two sentences swapped + boilerplate);
 * - `unrelated` further texts of 150–600 words with no variant; a third of
 *   them carry one of the same outlets' boilerplate (hard negatives).
 *
 * A pair of texts from the same base (the base and its variants, and two
 * variants) is a positive; every other pair is a negative. All pairs are
 * compared by brute force.
 */
import {
  MIN_TEXT_TOKENS,
  SIMHASH_DEFAULT_SHINGLE,
  SIMHASH_NEAR_DUPLICATE_DISTANCE,
  simhash64,
  simhash64FromTokens,
  simhashFeatureHashHex,
} from '../src/algorithms/simhash/simhash.ts';
import { tokeniseText } from '../src/algorithms/simhash/text-normalise.ts';

const BASES = Number(process.argv[2] ?? 2000);
const UNRELATED = Number(process.argv[3] ?? 2000);
const SHINGLE = Number(process.argv[4] ?? SIMHASH_DEFAULT_SHINGLE);
const THRESHOLDS = Array.from({ length: 14 }, (_, i) => i + 3); // 3..16
/**
 * Recommended threshold: the largest whose false-positive rate per unrelated
 * pair stays at or below this. 5e-8 is 0.05 false hits per query against a
 * bank of a million texts. (Pair precision depends on how many unrelated pairs
 * the corpus happens to hold, so it is printed but not used for the choice.)
 */
const FP_RATE_BUDGET = 5e-8;

// ---------------------------------------------------------------------------
// Seeded randomness (mulberry32).

let state = 0x5eed_2026;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function int(n: number): number {
  return Math.floor(random() * n);
}
function between(lo: number, hi: number): number {
  return lo + int(hi - lo + 1);
}
function pick<T>(xs: readonly T[]): T {
  return xs[int(xs.length)]!;
}
function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

// ---------------------------------------------------------------------------
// Languages.

type Lang = 'en' | 'fr' | 'ar' | 'ru' | 'ur';
const LANGS: readonly Lang[] = ['en', 'fr', 'ar', 'ru', 'ur'];

interface LangSpec {
  function: string[];
  topic: string[];
  syllables: string[];
  fullStop: string;
  boilerplate: string[];
}

const SPECS: Record<Lang, LangSpec> = {
  en: {
    function: 'the of and to in a is that for on with as it by at from this be are was'.split(' '),
    topic: 'rain wind sunny cloudy forecast storm bread oven flour butter recipe soup match team goal referee season stadium coach morning evening weekend temperature degrees market garden'.split(' '),
    syllables: 'ba be bi bo ka ke ko ra re ro ta te to la le lo ma me mo na ne no sa se so pa pe po da de do ga ge go'.split(' '),
    fullStop: '.',
    boilerplate: [
      'Subscribe to our weekly weather bulletin for more forecasts.',
      'Share this recipe with your friends and family.',
      'All rights reserved by the local sports club newsletter.',
      'Read more stories on our website every morning.',
      'Send your photos of the garden to the editors.',
      'This bulletin is published by volunteers of the town library.',
    ],
  },
  fr: {
    function: 'le la les de des et à un une est que pour dans sur avec par au du ce il'.split(' '),
    topic: 'pluie vent soleil nuageux prévisions orage pain four farine beurre recette soupe match équipe but arbitre saison stade entraîneur matin soir semaine température degrés marché jardin'.split(' '),
    syllables: 'ba bé ri lo qué mou ta té ni no ça ge je la lé ma mé pa pé ro ru sa sé ti vo vé'.split(' '),
    fullStop: '.',
    boilerplate: [
      'Abonnez-vous à notre bulletin météo hebdomadaire pour plus de prévisions.',
      'Partagez cette recette avec vos amis et votre famille.',
      'Tous droits réservés au journal du club sportif local.',
      'Lisez plus d’articles sur notre site chaque matin.',
      'Envoyez vos photos du jardin à la rédaction.',
      'Ce bulletin est publié par les bénévoles de la bibliothèque.',
    ],
  },
  ar: {
    function: 'في من على إلى عن مع هذا هذه التي الذي كان و أن لا ما ثم قد'.split(' '),
    topic: 'مطر رياح مشمس غائم توقعات عاصفة خبز فرن دقيق زبدة وصفة حساء مباراة فريق هدف حكم موسم ملعب مدرب صباح مساء أسبوع حرارة درجات سوق حديقة'.split(' '),
    syllables: 'با بي تو تا سا سي را ري لو لا ما مي نو نا كا كي ها هي فا في قو دا دي جو'.split(' '),
    fullStop: '.',
    boilerplate: [
      'اشترك في نشرتنا الأسبوعية عن الطقس لمزيد من التوقعات.',
      'شارك هذه الوصفة مع أصدقائك وعائلتك.',
      'جميع الحقوق محفوظة لنشرة النادي الرياضي المحلي.',
      'اقرأ المزيد من المقالات على موقعنا كل صباح.',
      'أرسل صور حديقتك إلى فريق التحرير.',
      'تصدر هذه النشرة عن متطوعي مكتبة المدينة.',
    ],
  },
  ru: {
    function: 'и в не на что с по как из за от это к для о у же но'.split(' '),
    topic: 'дождь ветер солнечно облачно прогноз гроза хлеб печь мука масло рецепт суп матч команда гол судья сезон стадион тренер утро вечер неделя температура градусы рынок сад'.split(' '),
    syllables: 'ба ве го да же зи ка ло ми но пе ра со ту фи ха це чу ша ёл ню ря'.split(' '),
    fullStop: '.',
    boilerplate: [
      'Подпишитесь на наш еженедельный бюллетень погоды.',
      'Поделитесь этим рецептом с друзьями и семьёй.',
      'Все права защищены, газета местного спортивного клуба.',
      'Читайте больше статей на нашем сайте каждое утро.',
      'Присылайте фотографии вашего сада в редакцию.',
      'Этот бюллетень выпускают волонтёры городской библиотеки.',
    ],
  },
  ur: {
    function: 'کے کی کا میں سے ہے اور کو پر نے یہ وہ تھا ہیں بھی تو'.split(' '),
    topic: 'بارش ہوا دھوپ بادل پیشگوئی طوفان روٹی تندور آٹا مکھن ترکیب سوپ میچ ٹیم گول ریفری موسم اسٹیڈیم کوچ صبح شام ہفتہ درجہ حرارت بازار باغ'.split(' '),
    syllables: 'با بی تو تا سا سی را ری لو لا ما می نو نا کا کی ہا ہی فا فی دا دی جو'.split(' '),
    fullStop: '۔',
    boilerplate: [
      'موسم کی ہفتہ وار خبروں کے لیے ہمارا چینل سبسکرائب کریں۔',
      'یہ ترکیب اپنے دوستوں اور گھر والوں کے ساتھ شیئر کریں۔',
      'جملہ حقوق مقامی کھیل کلب کے رسالے کے نام محفوظ ہیں۔',
      'ہماری ویب سائٹ پر ہر صبح مزید مضامین پڑھیں۔',
      'اپنے باغ کی تصاویر ادارتی ٹیم کو بھیجیں۔',
      'یہ رسالہ شہر کی لائبریری کے رضاکار شائع کرتے ہیں۔',
    ],
  },
};

interface Vocabulary {
  words: string[];
  /** Cumulative Zipf weights over `words`. */
  cumulative: Float64Array;
}

function buildVocabulary(spec: LangSpec): Vocabulary {
  const made = new Set<string>();
  while (made.size < 4000) {
    let w = '';
    for (let s = between(2, 4); s > 0; s--) w += pick(spec.syllables);
    made.add(w);
  }
  const words = [...spec.function, ...shuffle([...spec.topic, ...made])];
  const cumulative = new Float64Array(words.length);
  let sum = 0;
  for (let r = 0; r < words.length; r++) cumulative[r] = sum += 1 / (r + 1); // Zipf, s = 1
  return { words, cumulative };
}

function zipfWord(v: Vocabulary): string {
  const x = random() * v.cumulative[v.cumulative.length - 1]!;
  let lo = 0;
  let hi = v.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v.cumulative[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return v.words[lo]!;
}

const VOCAB = Object.fromEntries(LANGS.map((l) => [l, buildVocabulary(SPECS[l])])) as Record<Lang, Vocabulary>;

/** A document as sentences of words, rendered to text at the end. */
interface Doc {
  lang: Lang;
  sentences: string[][];
  header: string;
  footer: string;
}

function makeSentence(lang: Lang): string[] {
  const words: string[] = [];
  for (let n = between(6, 20); n > 0; n--) words.push(random() < 0.03 ? String(between(1, 2030)) : zipfWord(VOCAB[lang]));
  return words;
}

function makeDoc(lang: Lang): Doc {
  const target = between(150, 600);
  const sentences: string[][] = [];
  for (let words = 0; words < target; ) {
    const s = makeSentence(lang);
    sentences.push(s);
    words += s.length;
  }
  return { lang, sentences, header: '', footer: '' };
}

function render(doc: Doc): string {
  const stop = SPECS[doc.lang].fullStop;
  const body = doc.sentences.map((s) => capitalise(s.join(' ')) + stop).join(' ');
  return [doc.header, body, doc.footer].filter((p) => p !== '').join('\n\n');
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Four outlets per language, each with a fixed header and footer. */
const OUTLETS: Record<Lang, { header: string; footer: string }[]> = Object.fromEntries(
  LANGS.map((lang) => {
    const bp = SPECS[lang].boilerplate;
    return [
      lang,
      Array.from({ length: 4 }, (_, i) => ({
        header: `${shuffle([...bp]).slice(0, 2).join(' ')} https://example.org/outlet-${i} ${between(1, 28)}.${between(1, 12)}.2026`,
        footer: `${shuffle([...bp]).slice(0, 3).join(' ')} outlet${i}@example.org`,
      })),
    ];
  }),
) as Record<Lang, { header: string; footer: string }[]>;

// ---------------------------------------------------------------------------
// Variants.

const VARIANTS = ['edit-5%', 'edit-10%', 'edit-15%', 'reorder', 'boilerplate', 'truncate-20%', 'retyped', 'mixed'] as const;
type Variant = (typeof VARIANTS)[number];

function clone(doc: Doc): Doc {
  return { ...doc, sentences: doc.sentences.map((s) => [...s]) };
}

function editWords(doc: Doc, share: number): Doc {
  const out = clone(doc);
  for (const s of out.sentences) for (let i = 0; i < s.length; i++) if (random() < share) s[i] = zipfWord(VOCAB[doc.lang]);
  return out;
}

function addBoilerplate(doc: Doc): Doc {
  const outlet = pick(OUTLETS[doc.lang]);
  return { ...clone(doc), header: outlet.header, footer: outlet.footer };
}

function swapTwoSentences(doc: Doc): Doc {
  const out = clone(doc);
  const i = int(out.sentences.length);
  const j = int(out.sentences.length);
  [out.sentences[i], out.sentences[j]] = [out.sentences[j]!, out.sentences[i]!];
  return out;
}

const ZERO_WIDTH = ['\u200b', '\u200c', '\u200d', '\u00ad', '\u2060'];
const HARAKAT = ['\u064e', '\u064f', '\u0650', '\u0651', '\u0652', '\u064b', '\u064d'];
const HOMOGLYPHS: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с' }; // Latin → Cyrillic

/** Same words, different bytes: what normalisation should undo. */
function retype(text: string, lang: Lang): string {
  let out = '';
  for (const word of text.split(/(\s+)/)) {
    if (/^\s+$/.test(word)) {
      out += random() < 0.2 ? pick(['  ', '\n', '\u00a0', ' \t']) : word;
      continue;
    }
    let w = word;
    if (lang === 'ar' || lang === 'ur') {
      w = [...w]
        // eslint-disable-next-line no-misleading-character-class -- Arabic letters; the range happens to contain marks
        .map((ch) => (/[\u0621-\u064a\u0670-\u06d3]/.test(ch) && random() < 0.35 ? ch + pick(HARAKAT) : ch))
        .join('');
      if (random() < 0.05 && w.length > 2) w = w.slice(0, 1) + '\u0640\u0640' + w.slice(1);
      if (w.startsWith('ا') && random() < 0.5) w = pick(['أ', 'إ', 'آ']) + w.slice(1);
      if (lang === 'ar') w = w.replace(/ي$/u, 'ى').replace(/ه$/u, 'ة');
      else w = w.replace(/ی/gu, 'ي').replace(/ک/gu, 'ك');
      w = w.replace(/[0-9]/g, (d) => String.fromCharCode((lang === 'ar' ? 0x0660 : 0x06f0) + Number(d)));
    } else {
      if (random() < 0.1) w = w.toUpperCase();
      if (lang === 'fr') w = w.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      if (lang === 'ru') w = w.replace(/е/g, () => (random() < 0.3 ? 'ё' : 'е'));
      if (lang === 'en' && random() < 0.1) w = w.replace(/[aeopc]/, (ch) => HOMOGLYPHS[ch]!);
    }
    if (random() < 0.05 && w.length > 3) w = w.slice(0, 2) + pick(ZERO_WIDTH) + w.slice(2);
    if (random() < 0.05) w = w.replace(/[.۔]$/u, '!');
    out += w;
  }
  return out;
}

function variantText(base: Doc, variant: Variant): string {
  switch (variant) {
    case 'edit-5%':
      return render(editWords(base, 0.05));
    case 'edit-10%':
      return render(editWords(base, 0.1));
    case 'edit-15%':
      return render(editWords(base, 0.15));
    case 'reorder':
      return render({ ...clone(base), sentences: shuffle(clone(base).sentences) });
    case 'boilerplate':
      return render(addBoilerplate(base));
    case 'truncate-20%':
      return render({ ...clone(base), sentences: base.sentences.slice(0, Math.ceil(base.sentences.length * 0.8)) });
    case 'retyped':
      return retype(render(base), base.lang);
    case 'mixed':
      return render(addBoilerplate(swapTwoSentences(swapTwoSentences(editWords(base, 0.05)))));
  }
}

// ---------------------------------------------------------------------------
// Build the corpus.

interface Entry {
  family: number; // -1 for unrelated texts
  variant: Variant | 'base' | 'unrelated';
  text: string;
}

const corpus: Entry[] = [];
for (let b = 0; b < BASES; b++) {
  const base = makeDoc(LANGS[b % LANGS.length]!);
  corpus.push({ family: b, variant: 'base', text: render(base) });
  for (const v of VARIANTS) corpus.push({ family: b, variant: v, text: variantText(base, v) });
}
for (let u = 0; u < UNRELATED; u++) {
  const doc = makeDoc(LANGS[u % LANGS.length]!);
  corpus.push({ family: -1, variant: 'unrelated', text: render(random() < 1 / 3 ? addBoilerplate(doc) : doc) });
}
const totalChars = corpus.reduce((n, e) => n + e.text.length, 0);
const tokenCounts = corpus.map((e) => tokeniseText(e.text).length);
console.log(
  `corpus: ${BASES} bases × (1 + ${VARIANTS.length} variants) + ${UNRELATED} unrelated = ${corpus.length} texts, ` +
    `${(totalChars / 1e6).toFixed(1)} M characters, ${Math.min(...tokenCounts)}–${Math.max(...tokenCounts)} tokens per text ` +
    `(MIN_TEXT_TOKENS ${MIN_TEXT_TOKENS}), shingles of ${SHINGLE} tokens`,
);

// ---------------------------------------------------------------------------
// Throughput.

function time<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

time(() => corpus.slice(0, 500).map((e) => simhash64(e.text))); // warm-up
const runs: number[] = [];
let hashes: (Uint8Array | null)[] = [];
for (let r = 0; r < 3; r++) {
  const { ms, value } = time(() => corpus.map((e) => simhash64(e.text, { shingle: SHINGLE })));
  runs.push(ms);
  hashes = value;
}
const hashMs = median(runs);
const tokens = corpus.map((e) => tokeniseText(e.text));
const tokenMs = median([0, 1, 2].map(() => time(() => corpus.map((e) => tokeniseText(e.text))).ms));
const fromTokensMs = median([0, 1, 2].map(() => time(() => tokens.map((t) => simhash64FromTokens(t, { shingle: SHINGLE }))).ms));
console.log(
  `\nthroughput (median of 3): simhash64 ${fmt(corpus.length / (hashMs / 1000))} texts/s, ` +
    `${((totalChars / 1e6) / (hashMs / 1000)).toFixed(1)} M chars/s ` +
    `(normalise + tokenise ${tokenMs.toFixed(0)} ms, shingle + hash ${fromTokensMs.toFixed(0)} ms, total ${hashMs.toFixed(0)} ms)`,
);

// BigInt variant of the same computation, for the "two uint32 halves" choice.
const M64 = (1n << 64n) - 1n;
const encoder = new TextEncoder();
function featureHashBigInt(bytes: Uint8Array, from: number, to: number): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = from; i < to; i++) h = ((h ^ BigInt(bytes[i]!)) * 0x100000001b3n) & M64;
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & M64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & M64;
  return h ^ (h >> 33n);
}
function simhashBigInt(toks: readonly string[], k = 3): bigint {
  const bytes = encoder.encode(toks.join(' '));
  const starts = [0];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x20) starts.push(i + 1);
  starts.push(bytes.length + 1);
  const counts = new Int32Array(64);
  const features = Math.max(1, toks.length - k + 1);
  for (let f = 0; f < features; f++) {
    const h = featureHashBigInt(bytes, starts[f]!, starts[Math.min(f + k, toks.length)]! - 1);
    for (let b = 0; b < 64; b++) counts[b]! += Number((h >> BigInt(b)) & 1n);
  }
  let v = 0n;
  for (let b = 0; b < 64; b++) if (2 * counts[b]! > features) v |= 1n << BigInt(b);
  return v;
}
const sample = tokens.slice(0, 1000);
const bigintMs = time(() => sample.map((t) => simhashBigInt(t))).ms;
const halvesMs = time(() => sample.map((t) => simhash64FromTokens(t))).ms;
const agree = sample.every((t) => {
  const h = simhash64FromTokens(t)!;
  return simhashBigInt(t) === BigInt('0x' + Buffer.from(h).toString('hex'));
});
console.log(
  `feature hash arithmetic, shingle + hash of 1000 texts: uint32 halves ${halvesMs.toFixed(0)} ms, ` +
    `BigInt ${bigintMs.toFixed(0)} ms (${(bigintMs / halvesMs).toFixed(1)}× slower); results identical: ${agree}`,
);

// fmix64 or not: bit balance on character trigrams of a small alphabet (CJK text).
{
  const hanChars = [...'天气很好今日我们的是不了人在有这中大来上国个到说为子和你地出道也时年雨风晴云雪热冷饭菜汤面茶球队赛场'];
  const texts = Array.from({ length: 400 }, () => Array.from({ length: 300 }, () => pick(hanChars)).join(''));
  const plain = (text: string): bigint => {
    const toks = tokeniseText(text);
    const counts = new Int32Array(64);
    const features = toks.length - 2;
    for (let f = 0; f < features; f++) {
      const bytes = encoder.encode(toks.slice(f, f + 3).join(' '));
      let h = 0xcbf29ce484222325n;
      for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & M64;
      for (let b = 0; b < 64; b++) counts[b]! += Number((h >> BigInt(b)) & 1n);
    }
    let v = 0n;
    for (let b = 0; b < 64; b++) if (2 * counts[b]! > features) v |= 1n << BigInt(b);
    return v;
  };
  const withFmix = (text: string): bigint => BigInt('0x' + Buffer.from(simhash64(text)!).toString('hex'));
  // sanity: the exported feature hash is the BigInt reference
  const feature = '天 气 很';
  const ref = featureHashBigInt(encoder.encode(feature), 0, encoder.encode(feature).length);
  if (BigInt('0x' + simhashFeatureHashHex(feature)) !== ref) throw new Error('feature hash mismatch');
  for (const [name, fn] of [['FNV-1a + fmix64', withFmix], ['FNV-1a alone   ', plain]] as const) {
    const hs = texts.map(fn);
    const ones = new Array<number>(64).fill(0);
    for (const h of hs) for (let b = 0; b < 64; b++) ones[b]! += Number((h >> BigInt(b)) & 1n);
    let sum = 0;
    let pairs = 0;
    for (let i = 0; i < hs.length; i++) {
      for (let j = i + 1; j < hs.length; j++) {
        let x = hs[i]! ^ hs[j]!;
        let d = 0;
        for (; x; x &= x - 1n) d++;
        sum += d;
        pairs++;
      }
    }
    const pct = ones.map((n) => (100 * n) / hs.length);
    console.log(
      `${name} on unrelated Chinese texts (char trigrams, 60-character alphabet): share of texts with a bit set ` +
        `${Math.min(...pct).toFixed(0)}–${Math.max(...pct).toFixed(0)}%, mean distance ${(sum / pairs).toFixed(2)} (ideal 32)`,
    );
  }
}

// ---------------------------------------------------------------------------
// All pairs, by brute force.

const n = corpus.length;
const hi = new Uint32Array(n);
const lo = new Uint32Array(n);
const valid = new Uint8Array(n);
for (let i = 0; i < n; i++) {
  const h = hashes[i];
  if (!h) continue;
  valid[i] = 1;
  hi[i] = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
  lo[i] = ((h[4]! << 24) | (h[5]! << 16) | (h[6]! << 8) | h[7]!) >>> 0;
}
function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

const posHist = new Float64Array(65);
const negHist = new Float64Array(65);
/** Per variant: distance histogram of (base, variant). */
const variantHist = new Map<string, Float64Array>(VARIANTS.map((v) => [v, new Float64Array(65)]));
const families = corpus.map((e) => e.family);
const bruteMs = time(() => {
  for (let i = 0; i < n; i++) {
    if (!valid[i]) continue;
    const hi1 = hi[i]!;
    const lo1 = lo[i]!;
    const fam = families[i]!;
    for (let j = i + 1; j < n; j++) {
      if (!valid[j]) continue;
      const d = popcount32(hi1 ^ hi[j]!) + popcount32(lo1 ^ lo[j]!);
      if (fam >= 0 && families[j] === fam) {
        posHist[d]!++;
        if (corpus[i]!.variant === 'base') variantHist.get(corpus[j]!.variant)![d]!++;
      } else {
        negHist[d]!++;
      }
    }
  }
}).ms;
const missing = n - valid.reduce((a, b) => a + b, 0);
const positives = posHist.reduce((a, b) => a + b, 0);
const negatives = negHist.reduce((a, b) => a + b, 0);
console.log(
  `\npairs: ${fmt(positives)} positive, ${fmt(negatives)} negative (brute force ${(bruteMs / 1000).toFixed(1)} s); texts without a hash: ${missing}`,
);

function cumulative(h: Float64Array, t: number): number {
  let s = 0;
  for (let d = 0; d <= t; d++) s += h[d]!;
  return s;
}
function stats(h: Float64Array): string {
  let total = 0;
  let sum = 0;
  for (let d = 0; d <= 64; d++) {
    total += h[d]!;
    sum += d * h[d]!;
  }
  const mean = sum / total;
  let sq = 0;
  let min = -1;
  let max = 0;
  for (let d = 0; d <= 64; d++) {
    sq += h[d]! * (d - mean) ** 2;
    if (h[d]! > 0) {
      if (min < 0) min = d;
      max = d;
    }
  }
  return `mean ${mean.toFixed(1)}, sd ${Math.sqrt(sq / total).toFixed(1)}, min ${min}, max ${max}`;
}
console.log(`negative distances: ${stats(negHist)}`);
console.log(`positive distances: ${stats(posHist)}`);
for (const v of VARIANTS) console.log(`  base ↔ ${v.padEnd(12)} ${stats(variantHist.get(v)!)}`);

/** P(Binomial(64, 1/2) ≤ t): the FP rate if unrelated texts' hashes were independent random bits. */
function binomialTail(t: number): number {
  let c = 1;
  let sum = 0;
  for (let i = 0; i <= t; i++) {
    sum += c;
    c = (c * (64 - i)) / (i + 1);
  }
  return sum / 2 ** 64;
}

console.log('\n| threshold | TP | FP | precision | recall | F1 | FP rate per negative pair | same for random bits |');
console.log('|---|---|---|---|---|---|---|---|');
let recommended = THRESHOLDS[0]!;
for (const t of THRESHOLDS) {
  const tp = cumulative(posHist, t);
  const fp = cumulative(negHist, t);
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp / positives;
  const f1 = (2 * precision * recall) / (precision + recall);
  if (fp / negatives <= FP_RATE_BUDGET) recommended = t;
  console.log(
    `| ${t} | ${fmt(tp)} | ${fmt(fp)} | ${precision.toFixed(4)} | ${recall.toFixed(4)} | ${f1.toFixed(4)} | ` +
      `${(fp / negatives).toExponential(1)} | ${binomialTail(t).toExponential(1)} |`,
  );
}

console.log(`\nrecall of base ↔ variant pairs:\n\n| threshold | ${VARIANTS.join(' | ')} |`);
console.log(`|---|${VARIANTS.map(() => '---').join('|')}|`);
for (const t of THRESHOLDS) {
  const cells = VARIANTS.map((v) => {
    const h = variantHist.get(v)!;
    return (cumulative(h, t) / h.reduce((a, b) => a + b, 0)).toFixed(3);
  });
  console.log(`| ${t} | ${cells.join(' | ')} |`);
}

console.log(
  `\nrecommended threshold (largest with FP rate per negative pair ≤ ${FP_RATE_BUDGET}): ${recommended}; ` +
    `SIMHASH_NEAR_DUPLICATE_DISTANCE is ${SIMHASH_NEAR_DUPLICATE_DISTANCE}`,
);

function fmt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}
