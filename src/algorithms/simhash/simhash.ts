/**
 * 64-bit SimHash of normalised text, for near-duplicate detection of statements,
 * articles and PDF text that were re-published with small edits.
 *
 * Why hand-written: it is about forty lines of arithmetic, and it is a product
 * core whose output is stored in banks and exchanged, so every detail must be
 * pinned and stable: the normalisation (Arabic harakat and letter variants,
 * Urdu/Persian typing variants, zero-width characters, look-alike letters —
 * `text-normalise.ts`), the features, the feature hash and the tie rule. The npm
 * SimHash packages fix none of these for non-Latin text, hash with 32-bit or
 * string-dependent functions, and are unmaintained.
 *
 * Method (Charikar, "Similarity estimation techniques from rounding
 * algorithms", STOC 2002; Manku, Jain & Das Sarma, "Detecting near-duplicates
 * for web crawling", WWW 2007, who use 64-bit SimHash with a threshold of 3 on
 * web pages — we accept more, see `SIMHASH_NEAR_DUPLICATE_DISTANCE`):
 *
 * 1. tokens = `tokeniseText(text)`; fewer than `MIN_TEXT_TOKENS` → no hash;
 * 2. features = every run of k consecutive tokens (k = 3 by default), written
 *    as the tokens joined by one space; a feature occurring n times has weight
 *    n (each occurrence is simply added again);
 * 3. feature hash = FNV-1a 64 of the feature's UTF-8 bytes, then the
 *    MurmurHash3 `fmix64` finaliser. FNV-1a alone mixes poorly downwards: its
 *    last step is a multiply, so bit i of the hash depends only on bits 0..i of
 *    the input bytes and the low bits take few values (the low 8 bits are an
 *    8-bit state machine). With a small feature alphabet (character trigrams
 *    of Chinese text) plain FNV-1a leaves some SimHash bits set in only ~12%
 *    of texts; `fmix64` spreads every input bit over all 64 output bits and
 *    brings them back to ~50% (measured in `bench/text-simhash.ts`);
 * 4. for each bit position, sum +weight where the feature hash has a 1 and
 *    −weight where it has a 0; the SimHash bit is 1 where the sum is > 0
 *    (a tie gives 0).
 *
 * Byte order: bit 63 (the most significant) is the top bit of byte 0, so the
 * hex string is the bytes in order, and the Hamming index's big-endian words
 * read the same value.
 *
 * 64-bit arithmetic is done on two unsigned 32-bit halves; the same
 * computation with BigInt was 11× slower in `bench/text-simhash.ts`.
 *
 * Pure module: strings in, bytes out.
 */
import { tokeniseText, type TextNormaliseOptions } from './text-normalise.ts';

/** Hash length in bytes. */
export const SIMHASH_BYTES = 8;

/** Default shingle size, in tokens. */
export const SIMHASH_DEFAULT_SHINGLE = 3;

/** Largest shingle size accepted. */
export const SIMHASH_MAX_SHINGLE = 8;

/**
 * Texts with fewer tokens than this get no SimHash (`simhash64` returns null).
 * Below about two sentences the hash is dominated by a handful of shingles:
 * one changed word moves a large share of the bits, and short stock phrases
 * ("subscribe to our channel for more news…") would match across unrelated
 * pages. Headlines and captions are left to exact hashes.
 */
export const MIN_TEXT_TOKENS = 30;

/**
 * Default near-duplicate threshold: SimHashes at most this many bits apart (of 64)
 * count as the same text. Chosen with `bench/text-simhash.ts`: unrelated texts
 * behave like random 64-bit strings (distance 32 ± 4, Binomial(64, ½)), so the
 * false-positive rate per unrelated pair is fixed by the threshold alone —
 * measured 2e-8 at 10, 8e-8 at 11, 3e-7 at 12, 1.2e-6 at 13. 10 is the largest
 * threshold that stays under 5e-8, i.e. about 0.02–0.05 false hits per lookup
 * in a bank of a million texts. What it catches (base ↔ variant recall at 10):
 * retyped copies 100%, boilerplate added 81%, last 20% cut 70%, 5% of words
 * changed 48%, sentences shuffled 46%, 10% changed 10%. 64-bit SimHash is a
 * detector of close copies: a 5% word edit moves ~11 bits on average
 * (3-word shingles: each changed word changes three features).
 */
export const SIMHASH_NEAR_DUPLICATE_DISTANCE = 10;

export type SimhashFeatureHash = 'fnv1a64';

export interface SimhashOptions {
  /** Tokens per shingle (feature), 1..`SIMHASH_MAX_SHINGLE`. Default 3. */
  shingle?: number;
  /** Feature hash. Only 'fnv1a64' (FNV-1a 64 + fmix64) exists; named so stored hashes say how they were made. */
  hash?: SimhashFeatureHash;
  /** Passed to `tokeniseText`. */
  normalise?: TextNormaliseOptions;
}

export type SimhashErrorCode = 'VIGIL_SIMHASH_HEX_INVALID' | 'VIGIL_SIMHASH_INPUT_INVALID';

export class SimhashError extends Error {
  readonly code: SimhashErrorCode;

  constructor(code: SimhashErrorCode, message: string) {
    super(message);
    this.name = 'SimhashError';
    this.code = code;
  }
}

/**
 * 64-bit SimHash of `text` (normalised and tokenised with `tokeniseText`), or
 * null when the text has fewer than `MIN_TEXT_TOKENS` tokens.
 *
 * @example
 * const a = simhash64(article)!;
 * const b = simhash64(editedArticle)!;
 * simhashDistance(a, b) <= SIMHASH_NEAR_DUPLICATE_DISTANCE; // true for a near-duplicate
 * formatSimhash(a); // 'simhash:3f09a1c27d4e5b60'
 */
export function simhash64(text: string, options: SimhashOptions = {}): Uint8Array | null {
  if (typeof text !== 'string') throw new SimhashError('VIGIL_SIMHASH_INPUT_INVALID', 'text must be a string');
  return simhash64FromTokens(tokeniseText(text, options.normalise), options);
}

/**
 * SimHash of tokens that are already normalised (as `tokeniseText` returns them:
 * non-empty, no spaces), or null when there are fewer than `MIN_TEXT_TOKENS`.
 */
export function simhash64FromTokens(tokens: readonly string[], options: SimhashOptions = {}): Uint8Array | null {
  const k = options.shingle ?? SIMHASH_DEFAULT_SHINGLE;
  if (!Number.isInteger(k) || k < 1 || k > SIMHASH_MAX_SHINGLE) {
    throw new SimhashError('VIGIL_SIMHASH_INPUT_INVALID', `shingle must be an integer 1..${SIMHASH_MAX_SHINGLE}, got ${k}`);
  }
  const hashName = options.hash ?? 'fnv1a64';
  if (hashName !== 'fnv1a64') {
    throw new SimhashError('VIGIL_SIMHASH_INPUT_INVALID', `unknown feature hash '${String(hashName)}'`);
  }
  if (tokens.length < MIN_TEXT_TOKENS) return null;

  // One UTF-8 buffer of the tokens joined by single spaces: a shingle is then
  // a contiguous byte range, so no per-shingle string is built.
  const bytes = utf8(tokens.join(' '));
  const starts = new Int32Array(tokens.length + 1);
  let n = 1;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x20) continue;
    // one space too many, or two in a row (an empty token)
    if (n >= tokens.length || i === starts[n - 1]) throw invalidTokens();
    starts[n++] = i + 1;
  }
  if (n !== tokens.length || bytes.length === starts[n - 1]) throw invalidTokens();
  starts[tokens.length] = bytes.length + 1; // as if followed by a space

  // counts[b] = how many features have bit b set (b = 0 is the least significant).
  const counts = new Int32Array(64);
  const features = Math.max(1, tokens.length - k + 1);
  const out = HASH_OUT;
  for (let f = 0; f < features; f++) {
    const from = starts[f]!;
    const to = starts[Math.min(f + k, tokens.length)]! - 1;
    featureHash(bytes, from, to, out);
    const hi = out[0]!;
    const lo = out[1]!;
    for (let b = 0; b < 32; b++) {
      counts[b]! += (lo >>> b) & 1;
      counts[b + 32]! += (hi >>> b) & 1;
    }
  }

  // Bit set iff more features have it set than not (sum of ±1 > 0).
  let hi = 0;
  let lo = 0;
  for (let b = 0; b < 32; b++) {
    if (2 * counts[b]! > features) lo |= 1 << b;
    if (2 * counts[b + 32]! > features) hi |= 1 << b;
  }
  return fromHalves(hi >>> 0, lo >>> 0);
}

const HEX_DIGITS = '0123456789abcdef';
const PREFIX = 'simhash:';

/** 16 lower-case hex digits, the bytes in order (most significant bit first). */
export function simhashToHex(hash: Uint8Array): string {
  checkHash(hash);
  let out = '';
  for (let i = 0; i < SIMHASH_BYTES; i++) {
    const v = hash[i]!;
    out += HEX_DIGITS[v >> 4]! + HEX_DIGITS[v & 15]!;
  }
  return out;
}

/** The self-describing form used in APIs: `simhash:<16 lower-case hex>`. */
export function formatSimhash(hash: Uint8Array): string {
  return PREFIX + simhashToHex(hash);
}

/**
 * Parses 16 hex digits, bare or as `simhash:<16 hex>` (either case). Throws
 * `SimhashError` (`VIGIL_SIMHASH_HEX_INVALID`) on anything else.
 */
export function simhashFromHex(text: string): Uint8Array {
  if (typeof text !== 'string') throw new SimhashError('VIGIL_SIMHASH_HEX_INVALID', 'SimHash must be a string');
  const hex = text.length > PREFIX.length && text.slice(0, PREFIX.length).toLowerCase() === PREFIX ? text.slice(PREFIX.length) : text;
  if (hex.length !== 2 * SIMHASH_BYTES) {
    throw new SimhashError('VIGIL_SIMHASH_HEX_INVALID', `SimHash must be 16 hex digits, got ${hex.length} characters`);
  }
  const out = new Uint8Array(SIMHASH_BYTES);
  for (let i = 0; i < SIMHASH_BYTES; i++) {
    const hi = hexValue(hex.charCodeAt(2 * i));
    const lo = hexValue(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new SimhashError('VIGIL_SIMHASH_HEX_INVALID', `SimHash has a non-hex character near offset ${2 * i}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Hamming distance (0..64) between two SimHashes. */
export function simhashDistance(a: Uint8Array, b: Uint8Array): number {
  checkHash(a);
  checkHash(b);
  const hi = ((a[0]! ^ b[0]!) << 24) | ((a[1]! ^ b[1]!) << 16) | ((a[2]! ^ b[2]!) << 8) | (a[3]! ^ b[3]!);
  const lo = ((a[4]! ^ b[4]!) << 24) | ((a[5]! ^ b[5]!) << 16) | ((a[6]! ^ b[6]!) << 8) | (a[7]! ^ b[7]!);
  return popcount32(hi) + popcount32(lo);
}

/**
 * FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) of the
 * UTF-8 bytes of `text`, as 16 hex digits — without the finaliser, so it can be
 * checked against the published test vectors.
 */
export function fnv1a64Hex(text: string): string {
  const bytes = utf8(text);
  const out = new Uint32Array(2);
  fnv1a64(bytes, 0, bytes.length, out);
  return hex32(out[0]!) + hex32(out[1]!);
}

/**
 * The feature hash of one feature string (FNV-1a 64 of its UTF-8, then fmix64),
 * as 16 hex digits: what step 3 computes for each shingle. For cross-checks
 * and other implementations; `simhash64` does not go through strings.
 */
export function simhashFeatureHashHex(feature: string): string {
  const bytes = utf8(feature);
  const out = new Uint32Array(2);
  featureHash(bytes, 0, bytes.length, out);
  return hex32(out[0]!) + hex32(out[1]!);
}

// ---------------------------------------------------------------------------
// 64-bit arithmetic on [hi, lo] uint32 halves.

const HASH_OUT = new Uint32Array(2);
const encoder = new TextEncoder();

function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** FNV-1a 64 of bytes[from, to) into out = [hi, lo]. */
function fnv1a64(bytes: Uint8Array, from: number, to: number, out: Uint32Array): void {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = from; i < to; i++) {
    lo ^= bytes[i]!;
    // (hi·2^32 + lo) · (0x100·2^32 + 0x1b3) mod 2^64. lo·0x1b3 < 2^41 is
    // exact in a double, so its high word is a division away.
    const p = (lo >>> 0) * 0x1b3;
    hi = (Math.imul(hi, 0x1b3) + ((lo << 8) >>> 0) + Math.floor(p / 0x1_0000_0000)) >>> 0;
    lo = p >>> 0;
  }
  out[0] = hi;
  out[1] = lo >>> 0;
}

/** FNV-1a 64 then fmix64. */
function featureHash(bytes: Uint8Array, from: number, to: number, out: Uint32Array): void {
  fnv1a64(bytes, from, to, out);
  fmix64(out);
}

// fmix64 multipliers (MurmurHash3, Appleby), as halves.
const C1_HI = 0xff51afd7;
const C1_LO = 0xed558ccd;
const C2_HI = 0xc4ceb9fe;
const C2_LO = 0x1a85ec53;

/**
 * MurmurHash3 fmix64: k ^= k >> 33; k *= C1; k ^= k >> 33; k *= C2; k ^= k >> 33.
 */
function fmix64(h: Uint32Array): void {
  let hi = h[0]!;
  let lo = h[1]!;
  lo = (lo ^ (hi >>> 1)) >>> 0; // k >> 33 = hi >> 1, in the low word only
  mul64(hi, lo, C1_HI, C1_LO, h);
  hi = h[0]!;
  lo = (h[1]! ^ (hi >>> 1)) >>> 0;
  mul64(hi, lo, C2_HI, C2_LO, h);
  hi = h[0]!;
  lo = (h[1]! ^ (hi >>> 1)) >>> 0;
  h[0] = hi;
  h[1] = lo;
}

/** (ah·2^32 + al) · (bh·2^32 + bl) mod 2^64 into out = [hi, lo]. */
function mul64(ah: number, al: number, bh: number, bl: number, out: Uint32Array): void {
  // al·bl in full: split bl into 16-bit halves so each partial product is < 2^48.
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p0 = al * b0; // < 2^48
  const p1 = al * b1; // < 2^48
  const t = p0 + (p1 % 0x1_0000) * 0x1_0000; // < 2^49
  const lo = t >>> 0;
  const carry = Math.floor(t / 0x1_0000_0000) + Math.floor(p1 / 0x1_0000);
  out[0] = (carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
  out[1] = lo;
}

function fromHalves(hi: number, lo: number): Uint8Array {
  const out = new Uint8Array(SIMHASH_BYTES);
  out[0] = hi >>> 24;
  out[1] = (hi >>> 16) & 0xff;
  out[2] = (hi >>> 8) & 0xff;
  out[3] = hi & 0xff;
  out[4] = lo >>> 24;
  out[5] = (lo >>> 16) & 0xff;
  out[6] = (lo >>> 8) & 0xff;
  out[7] = lo & 0xff;
  return out;
}

function hex32(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function invalidTokens(): SimhashError {
  return new SimhashError('VIGIL_SIMHASH_INPUT_INVALID', 'tokens must be non-empty and contain no spaces');
}

function checkHash(hash: Uint8Array): void {
  if (!(hash instanceof Uint8Array) || hash.length !== SIMHASH_BYTES) {
    throw new SimhashError('VIGIL_SIMHASH_INPUT_INVALID', `a SimHash is ${SIMHASH_BYTES} bytes`);
  }
}
