/**
 * PDQ perceptual image hash (Meta ThreatExchange), hand-written.
 *
 * Why hand-written: no maintained npm package is bit-exact with the C++
 * reference (`pdq/cpp/hashing/pdqhashing.cpp`) and therefore with HMA
 * (python-threatexchange / pip `pdqhash`), whose hashes we exchange. PDQ is a
 * product core, so we own it and pin it to golden vectors
 * (`shared/vectors/pdq/expected/pdq-fullres-noresize*.csv`).
 *
 * This is the full-resolution variant HMA computes: no 512x512 pre-resize (the
 * reference CLI's I/O layer adds that, HMA does not). Every step mirrors the
 * reference's float32 arithmetic, one rounding per C++ float operation, so
 * the 256 bits come out identical:
 *
 * 1. luma Y = 0.299f·R + 0.587f·G + 0.114f·B in float32 (grey input as is);
 * 2. two passes of (horizontal box, vertical box) — the Jarosz tent filter —
 *    with window ceil(dim/128), edge windows divided by their true length,
 *    as float32 running sums;
 * 3. decimate to 64x64 by sampling pixel centres;
 * 4. quality from quantised neighbour gradients;
 * 5. 16x16 block of a 64-point DCT-II (rows 1..16, DC skipped), float32;
 * 6. bit (16i + j) set iff coefficient (i, j) > Torben's (lower) median.
 *
 * The filter is streamed a few rows at a time (ring buffers of window + 4
 * rows) rather than run over two full-frame float buffers as the reference
 * does, and the horizontal passes interleave 4 rows to overlap their serial
 * float32 add chains. Each running sum still sees exactly the same additions,
 * subtractions and divisions in the same order, so results are identical (a
 * literal port in pdq.test.ts checks this on random sizes). Memory is
 * O(width · window) instead of O(width · height), and the last two passes
 * produce only the 64 sampled columns.
 *
 * Tiny images: the reference gives an all-zero hash and quality 0 when either
 * side is under 5 px (`MIN_HASHABLE_DIM`); 5..63 px sides are upsampled by the
 * same centre sampling. The plain hash skips the filter for exactly 64x64
 * input; the dihedral path does not (also as the reference).
 *
 * Pure module: no I/O, no decoders. Pixels come from `adapters/media`.
 */

/** Hash length in bytes (256 bits). */
export const PDQ_HASH_BYTES = 32;

/** Reference `MIN_HASHABLE_DIM`: narrower or shorter images hash to all zeros with quality 0. */
export const PDQ_MIN_HASHABLE_DIM = 5;

/** `pdq/README.md`: distances at or below this count as a match. */
export const PDQ_MATCH_DISTANCE = 31;

/** HMA (`signal.py` `QUALITY_THRESHOLD`): hashes below this quality are not banked or looked up. */
export const PDQ_MIN_QUALITY = 50;

/** Order of the dihedral hashes, as the reference's `--pdqdih-across` prints them. */
export const PDQ_DIHEDRAL_ORDER = [
  'orig',
  'rot90',
  'rot180',
  'rot270',
  'flipX',
  'flipY',
  'flipPlus1',
  'flipMinus1',
] as const;

export type PdqDihedralName = (typeof PDQ_DIHEDRAL_ORDER)[number];

export interface PdqResult {
  /** 32 bytes, in the order of the reference's hex string (hex = bytes in order). */
  hash: Uint8Array;
  /** 0..100. */
  quality: number;
}

export interface PdqDihedralResult {
  hashes: Record<PdqDihedralName, Uint8Array>;
  quality: number;
}

export type PdqErrorCode = 'VIGIL_PDQ_HEX_INVALID' | 'VIGIL_PDQ_INPUT_INVALID';

export class PdqError extends Error {
  readonly code: PdqErrorCode;

  constructor(code: PdqErrorCode, message: string) {
    super(message);
    this.name = 'PdqError';
    this.code = code;
  }
}

// ---------------------------------------------------------------------------
// Constants with the reference's float32 rounding.

const fround = Math.fround;

// `const float luma_from_R_coeff = 0.299;` etc.: the coefficients are floats,
// and `coeff * uint8` is a float product. Tabulating the 256 products per
// channel gives exactly the same float values without a multiply per pixel.
const LUMA_R = new Float32Array(256);
const LUMA_G = new Float32Array(256);
const LUMA_B = new Float32Array(256);
{
  const r = fround(0.299);
  const g = fround(0.587);
  const b = fround(0.114);
  for (let v = 0; v < 256; v++) {
    LUMA_R[v] = r * v;
    LUMA_G[v] = g * v;
    LUMA_B[v] = b * v;
  }
}

// D[i][j] = float(sqrt(2/64)) * cos(pi/128 * (i+1) * (2j+1)), the product in
// double and then stored as float, as the reference's initialiser does.
const DCT_16x64 = new Float32Array(16 * 64);
{
  const scale = fround(Math.sqrt(2 / 64));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      DCT_16x64[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
    }
  }
}

// ---------------------------------------------------------------------------
// Public API.

/**
 * PDQ hash and quality of an 8-bit image at full resolution.
 *
 * `pixels` is row-major, `channels` interleaved samples per pixel: 3 = RGB,
 * 1 = grey (used as luma directly, as the reference does for one-channel
 * images). Images with a side below 5 px give an all-zero hash and quality 0,
 * like the reference. A 64x64 input skips the filter, also like the reference.
 *
 * @example
 * const { hash, quality } = computePdq(rgb, 1600, 1004, 3);
 * pdqToHex(hash); // 'f8f8f0ce…9b22'
 */
export function computePdq(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): PdqResult {
  const { dct, quality } = computePdqDct(pixels, width, height, channels);
  return { hash: dctToHash(dct), quality };
}

/**
 * The stage before thresholding (reference `pdqFloat256FromFloatLuma`): the
 * 16x16 DCT coefficients, row-major (coefficient (i, j) becomes bit 16i + j),
 * and the quality. All zeros with quality 0 below the minimum size.
 */
export function computePdqDct(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
): { dct: Float32Array; quality: number } {
  // Reference `pdqFloat256FromFloatLuma`: an input that is already 64x64
  // (e.g. a pre-scaled video frame) is used without blur or decimation.
  return dctAndQuality(pixels, width, height, channels, true);
}

function dctAndQuality(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  skipFilterAt64: boolean,
): { dct: Float32Array; quality: number } {
  checkInput(pixels, width, height, channels);
  if (width < PDQ_MIN_HASHABLE_DIM || height < PDQ_MIN_HASHABLE_DIM) {
    return { dct: new Float32Array(256), quality: 0 };
  }
  const buffer64 = new Float32Array(64 * 64);
  if (skipFilterAt64 && width === 64 && height === 64) {
    fillLuma64(pixels, channels, buffer64);
  } else {
    downscaleTo64(pixels, width, height, channels, buffer64);
  }
  return { dct: dct64To16(buffer64), quality: computeQuality(buffer64) };
}

/**
 * The 8 dihedral hashes (original, 3 rotations, 4 flips) from one DCT, as the
 * reference's `pdqDihedralHash256esFromFloatLuma` (`--pdqdih-across`).
 * They are close to, but not always identical with, the hash of a really
 * rotated or flipped file. Unlike `computePdq`, the reference always filters
 * here, even for 64x64 input; so do we.
 */
export function computePdqDihedral(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
): PdqDihedralResult {
  const { dct: a, quality } = dctAndQuality(pixels, width, height, channels, false);
  const b = new Float32Array(256);

  // Sign and transpose patterns from the reference's dct16OriginalTo* family:
  // a dihedral transform of the 64x64 image maps DCT coefficient (i, j) to
  // (i, j) or (j, i), negated when the basis function is odd along a flipped axis.
  const hashes = {} as Record<PdqDihedralName, Uint8Array>;
  hashes.orig = dctToHash(a);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) b[j * 16 + i] = j & 1 ? a[i * 16 + j]! : -a[i * 16 + j]!;
  }
  hashes.rot90 = dctToHash(b);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) b[i * 16 + j] = (i + j) & 1 ? -a[i * 16 + j]! : a[i * 16 + j]!;
  }
  hashes.rot180 = dctToHash(b);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) b[j * 16 + i] = i & 1 ? a[i * 16 + j]! : -a[i * 16 + j]!;
  }
  hashes.rot270 = dctToHash(b);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) b[i * 16 + j] = i & 1 ? a[i * 16 + j]! : -a[i * 16 + j]!;
  }
  hashes.flipX = dctToHash(b);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) b[i * 16 + j] = j & 1 ? a[i * 16 + j]! : -a[i * 16 + j]!;
  }
  hashes.flipY = dctToHash(b);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) b[j * 16 + i] = a[i * 16 + j]!;
  }
  hashes.flipPlus1 = dctToHash(b);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) b[j * 16 + i] = (i + j) & 1 ? -a[i * 16 + j]! : a[i * 16 + j]!;
  }
  hashes.flipMinus1 = dctToHash(b);
  return { hashes, quality };
}

const HEX_DIGITS = '0123456789abcdef';

/** 64 lower-case hex characters, identical to the reference's `Hash256::format()`. */
export function pdqToHex(hash: Uint8Array): string {
  checkHashBytes(hash);
  let out = '';
  for (let i = 0; i < PDQ_HASH_BYTES; i++) {
    const v = hash[i]!;
    out += HEX_DIGITS[v >> 4]! + HEX_DIGITS[v & 15]!;
  }
  return out;
}

/**
 * Parses a 64-hex-character PDQ hash. Upper-case digits are accepted (the
 * reference's `sscanf("%04hx")` accepts them); use `pdqToHex` to get HMA's
 * canonical lower-case form. Throws `PdqError` (`VIGIL_PDQ_HEX_INVALID`)
 * on any other length or character.
 */
export function pdqFromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length !== 64) {
    throw new PdqError(
      'VIGIL_PDQ_HEX_INVALID',
      `PDQ hash must be 64 hex characters, got ${typeof hex === 'string' ? hex.length : typeof hex}`,
    );
  }
  const out = new Uint8Array(PDQ_HASH_BYTES);
  for (let i = 0; i < PDQ_HASH_BYTES; i++) {
    const hi = hexValue(hex.charCodeAt(2 * i));
    const lo = hexValue(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      throw new PdqError('VIGIL_PDQ_HEX_INVALID', `PDQ hash has a non-hex character near offset ${2 * i}`);
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Hamming distance (0..256) between two PDQ hashes. */
export function pdqDistance(a: Uint8Array, b: Uint8Array): number {
  checkHashBytes(a);
  checkHashBytes(b);
  let d = 0;
  for (let i = 0; i < PDQ_HASH_BYTES; i += 4) {
    const x =
      ((a[i]! ^ b[i]!) << 24) |
      ((a[i + 1]! ^ b[i + 1]!) << 16) |
      ((a[i + 2]! ^ b[i + 2]!) << 8) |
      (a[i + 3]! ^ b[i + 3]!);
    d += popcount32(x);
  }
  return d;
}

// ---------------------------------------------------------------------------
// Helpers.

function checkInput(pixels: Uint8Array, width: number, height: number, channels: number): void {
  if (!(pixels instanceof Uint8Array)) {
    throw new PdqError('VIGIL_PDQ_INPUT_INVALID', 'pixels must be a Uint8Array');
  }
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 0 || height < 0) {
    throw new PdqError('VIGIL_PDQ_INPUT_INVALID', `invalid dimensions ${width}x${height}`);
  }
  if (channels !== 1 && channels !== 3) {
    throw new PdqError('VIGIL_PDQ_INPUT_INVALID', `channels must be 1 or 3, got ${channels}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new PdqError(
      'VIGIL_PDQ_INPUT_INVALID',
      `pixel buffer has ${pixels.length} bytes, expected ${width}x${height}x${channels}`,
    );
  }
}

function checkHashBytes(hash: Uint8Array): void {
  if (!(hash instanceof Uint8Array) || hash.length !== PDQ_HASH_BYTES) {
    throw new PdqError('VIGIL_PDQ_INPUT_INVALID', 'a PDQ hash is a 32-byte Uint8Array');
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Luma of one image row into out[outOff..] (float32, reference `fillFloatLumaFrom{RGB,Grey}`). */
function lumaRow(
  pixels: Uint8Array,
  offset: number,
  width: number,
  channels: number,
  out: Float32Array,
  outOff: number,
): void {
  if (channels === 3) {
    for (let j = outOff, p = offset, end = outOff + width; j < end; j++, p += 3) {
      // (R + G) is rounded to float before B is added, as in the C++ expression.
      out[j] = fround(LUMA_R[pixels[p]!]! + LUMA_G[pixels[p + 1]!]!) + LUMA_B[pixels[p + 2]!]!;
    }
  } else {
    for (let j = outOff, p = offset, end = outOff + width; j < end; j++, p++) out[j] = pixels[p]!;
  }
}

function fillLuma64(pixels: Uint8Array, channels: number, out: Float32Array): void {
  for (let i = 0; i < 64; i++) lumaRow(pixels, i * 64 * channels, 64, channels, out, i * 64);
}

/**
 * Reference `box1DFloat` along one contiguous row: output i is the mean of
 * in[i - (w - half) .. i + half - 1] clipped to the row, with half = (w+2)/2,
 * kept as a float32 running sum (add the entering sample, then subtract the
 * leaving one) and divided by the number of samples actually in the window.
 */
function boxRow(inp: Float32Array, inOff: number, n: number, w: number, out: Float32Array, outOff: number): void {
  const half = (w + 2) >> 1;
  let sum = 0;
  let ri = inOff;
  let li = inOff;
  let oi = outOff;
  for (let t = 0; t < half - 1; t++) sum = fround(sum + inp[ri++]!);
  let count = half - 1;
  for (let t = 0, reps = w - half + 1; t < reps; t++) {
    sum = fround(sum + inp[ri++]!);
    count++;
    out[oi++] = sum / count;
  }
  for (let t = 0, reps = n - w; t < reps; t++) {
    sum = fround(fround(sum + inp[ri++]!) - inp[li++]!);
    out[oi++] = sum / w;
  }
  for (let t = 0; t < half - 1; t++) {
    sum = fround(sum - inp[li++]!);
    count--;
    out[oi++] = sum / count;
  }
}

/**
 * `boxRow` on four rows at once (rows `stride` apart in both `inp` and `out`).
 * Each running sum is a serial chain of float32 additions, so a single row is
 * bound by add latency; four independent chains in one loop overlap.
 * Arithmetic per row is unchanged.
 */
function boxRows4(
  inp: Float32Array,
  inOff: number,
  out: Float32Array,
  outOff: number,
  stride: number,
  n: number,
  w: number,
): void {
  const half = (w + 2) >> 1;
  const s1 = stride;
  const s2 = 2 * stride;
  const s3 = 3 * stride;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let ri = inOff;
  let li = inOff;
  let oi = outOff;
  for (let t = 0; t < half - 1; t++, ri++) {
    a = fround(a + inp[ri]!);
    b = fround(b + inp[ri + s1]!);
    c = fround(c + inp[ri + s2]!);
    d = fround(d + inp[ri + s3]!);
  }
  let count = half - 1;
  for (let t = 0, reps = w - half + 1; t < reps; t++, ri++, oi++) {
    a = fround(a + inp[ri]!);
    b = fround(b + inp[ri + s1]!);
    c = fround(c + inp[ri + s2]!);
    d = fround(d + inp[ri + s3]!);
    count++;
    out[oi] = a / count;
    out[oi + s1] = b / count;
    out[oi + s2] = c / count;
    out[oi + s3] = d / count;
  }
  for (let t = 0, reps = n - w; t < reps; t++, ri++, li++, oi++) {
    a = fround(fround(a + inp[ri]!) - inp[li]!);
    b = fround(fround(b + inp[ri + s1]!) - inp[li + s1]!);
    c = fround(fround(c + inp[ri + s2]!) - inp[li + s2]!);
    d = fround(fround(d + inp[ri + s3]!) - inp[li + s3]!);
    out[oi] = a / w;
    out[oi + s1] = b / w;
    out[oi + s2] = c / w;
    out[oi + s3] = d / w;
  }
  for (let t = 0; t < half - 1; t++, li++, oi++) {
    a = fround(a - inp[li]!);
    b = fround(b - inp[li + s1]!);
    c = fround(c - inp[li + s2]!);
    d = fround(d - inp[li + s3]!);
    count--;
    out[oi] = a / count;
    out[oi + s1] = b / count;
    out[oi + s2] = c / count;
    out[oi + s3] = d / count;
  }
}

/**
 * `boxRow` on four rows at once, producing only the outputs at `cols`
 * (ascending). Row r's output j goes to out[outOff + r*64 + j]. The running
 * sums still take every addition and subtraction up to the last sampled
 * column, in the reference's order; only the unused divisions are skipped.
 * Output o is final once input o + half - 1 has been added (or, past the end,
 * once the trailing samples have been subtracted).
 */
function boxRows4Sampled(
  inp: Float32Array,
  stride: number,
  n: number,
  w: number,
  cols: Int32Array,
  out: Float32Array,
): void {
  const half = (w + 2) >> 1;
  const s1 = stride;
  const s2 = 2 * stride;
  const s3 = 3 * stride;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let k = 0; // next input index to take
  for (let idx = 0; idx < cols.length; idx++) {
    const last = cols[idx]! + half - 1;
    // Adds only: the window has not yet reached full width.
    for (const end = Math.min(last, w - 1); k <= end; k++) {
      a = fround(a + inp[k]!);
      b = fround(b + inp[k + s1]!);
      c = fround(c + inp[k + s2]!);
      d = fround(d + inp[k + s3]!);
    }
    // Full window: add the entering sample, then subtract the leaving one.
    for (const end = Math.min(last, n - 1); k <= end; k++) {
      const l = k - w;
      a = fround(fround(a + inp[k]!) - inp[l]!);
      b = fround(fround(b + inp[k + s1]!) - inp[l + s1]!);
      c = fround(fround(c + inp[k + s2]!) - inp[l + s2]!);
      d = fround(fround(d + inp[k + s3]!) - inp[l + s3]!);
    }
    // Past the end of the row: subtract only.
    for (; k <= last; k++) {
      const l = k - w;
      a = fround(a - inp[l]!);
      b = fround(b - inp[l + s1]!);
      c = fround(c - inp[l + s2]!);
      d = fround(d - inp[l + s3]!);
    }
    const count = Math.min(last, n - 1) - Math.max(0, last - w + 1) + 1;
    out[idx] = a / count;
    out[64 + idx] = b / count;
    out[128 + idx] = c / count;
    out[192 + idx] = d / count;
  }
}

/**
 * The reference's `box1DFloat` down every column at once, fed one row at a
 * time. Each column's running sum receives exactly the additions,
 * subtractions and divisions the column-wise reference loop performs, in the
 * same order; only the interleaving between independent columns differs.
 */
interface ColumnBox {
  readonly width: number;
  readonly length: number; // number of rows
  readonly window: number;
  readonly half: number;
  readonly slots: number; // ring buffer rows: window + 1, plus rows written ahead
  readonly ring: Float32Array; // slots x width
  readonly sums: Float32Array; // width
  next: number; // index of the next input row
  count: number; // samples in the current window
  drained: number; // trailing (subtract-only) outputs already produced
}

/** `ahead`: how many rows the caller may write beyond the next one to push. */
function newColumnBox(width: number, length: number, window: number, ahead: number): ColumnBox {
  const slots = window + 1 + ahead;
  return {
    width,
    length,
    window,
    half: (window + 2) >> 1,
    slots,
    ring: new Float32Array(slots * width),
    sums: new Float32Array(width),
    next: 0,
    count: 0,
    drained: 0,
  };
}

/** Offset in `box.ring` where input row `row` is to be written. */
function columnBoxSlot(box: ColumnBox, row: number): number {
  return (row % box.slots) * box.width;
}

/**
 * Consumes the next input row (already written at its slot). Writes an
 * output row to out[outOff..] and returns its index, or returns -1 while the
 * window fills.
 */
function columnBoxPush(box: ColumnBox, out: Float32Array, outOff: number): number {
  const { width, window, half, ring, sums } = box;
  const k = box.next++;
  const inOff = (k % box.slots) * width;
  if (k < half - 1) {
    for (let j = 0; j < width; j++) sums[j] = sums[j]! + ring[inOff + j]!;
    box.count++;
    return -1;
  }
  if (k < window) {
    const count = ++box.count;
    for (let j = 0; j < width; j++) {
      const s = fround(sums[j]! + ring[inOff + j]!);
      sums[j] = s;
      out[outOff + j] = s / count;
    }
    return k - half + 1;
  }
  const oldOff = ((k - window) % box.slots) * width;
  for (let j = 0; j < width; j++) {
    const s = fround(fround(sums[j]! + ring[inOff + j]!) - ring[oldOff + j]!);
    sums[j] = s;
    out[outOff + j] = s / window;
  }
  return k - half + 1;
}

/** After the last row: the trailing outputs (window shrinking). Returns -1 when done. */
function columnBoxDrain(box: ColumnBox, out: Float32Array, outOff: number): number {
  const { width, length, window, half, ring, sums } = box;
  const t = box.drained;
  if (t >= half - 1) return -1;
  box.drained++;
  const oldOff = ((length - window + t) % box.slots) * width;
  const count = --box.count;
  for (let j = 0; j < width; j++) {
    const s = fround(sums[j]! - ring[oldOff + j]!);
    sums[j] = s;
    out[outOff + j] = s / count;
  }
  return length - half + 1 + t;
}

/** Rows processed together by the interleaved horizontal passes. */
const ROW_BATCH = 4;

/**
 * Reference `jaroszFilterFloat` (2 passes of a horizontal then a vertical box
 * filter) followed by `decimateFloat` to 64x64, streamed in batches of rows:
 *
 *   pass 1  horizontal, every column      luma rows -> pass 2's ring buffer
 *   pass 2  vertical, every column        one row out per row in
 *   pass 3  horizontal, sampled columns   batches of 4 pass-2 rows
 *   pass 4  vertical, 64 sampled columns  rows kept where decimation samples
 */
function downscaleTo64(pixels: Uint8Array, width: number, height: number, channels: number, out64: Float32Array): void {
  // Reference computeJaroszFilterWindowSize(old, 64) = (old + 127) / 128.
  const windowAlongRows = Math.trunc((width + 127) / 128);
  const windowAlongCols = Math.trunc((height + 127) / 128);

  // Sample centres, computed in double and truncated, as decimateFloat does.
  const sampleRows = new Int32Array(64);
  const sampleCols = new Int32Array(64);
  for (let i = 0; i < 64; i++) {
    sampleRows[i] = Math.trunc(((i + 0.5) * height) / 64);
    sampleCols[i] = Math.trunc(((i + 0.5) * width) / 64);
  }

  const luma = new Float32Array(ROW_BATCH * width);
  const pass2Rows = new Float32Array(ROW_BATCH * width);
  const pass3Rows = new Float32Array(ROW_BATCH * 64);
  const pass4Row = new Float32Array(64);
  const vertical1 = newColumnBox(width, height, windowAlongCols, ROW_BATCH - 1);
  const vertical2 = newColumnBox(64, height, windowAlongCols, 0);
  let pending = 0; // pass-2 rows waiting in pass2Rows
  let nextSample = 0;

  const emitPass4 = (row: number): void => {
    while (nextSample < 64 && sampleRows[nextSample] === row) {
      out64.set(pass4Row, nextSample * 64);
      nextSample++;
    }
  };
  // Rows beyond `pending` hold stale values; their results are never pushed.
  const flushPass3 = (): void => {
    boxRows4Sampled(pass2Rows, width, width, windowAlongRows, sampleCols, pass3Rows);
    for (let r = 0; r < pending; r++) {
      vertical2.ring.set(pass3Rows.subarray(r * 64, r * 64 + 64), columnBoxSlot(vertical2, vertical2.next));
      const row = columnBoxPush(vertical2, pass4Row, 0);
      if (row >= 0) emitPass4(row);
    }
    pending = 0;
  };
  const pushPass1 = (): void => {
    if (columnBoxPush(vertical1, pass2Rows, pending * width) >= 0 && ++pending === ROW_BATCH) flushPass3();
  };

  const rowBytes = width * channels;
  let r = 0;
  for (; r + ROW_BATCH <= height; r += ROW_BATCH) {
    for (let i = 0; i < ROW_BATCH; i++) lumaRow(pixels, (r + i) * rowBytes, width, channels, luma, i * width);
    // The ring's slots for rows r..r+3 are consecutive unless they wrap.
    const slot = columnBoxSlot(vertical1, r);
    if (slot + ROW_BATCH * width <= vertical1.ring.length) {
      boxRows4(luma, 0, vertical1.ring, slot, width, width, windowAlongRows);
    } else {
      for (let i = 0; i < ROW_BATCH; i++) {
        boxRow(luma, i * width, width, windowAlongRows, vertical1.ring, columnBoxSlot(vertical1, r + i));
      }
    }
    for (let i = 0; i < ROW_BATCH; i++) pushPass1();
  }
  for (; r < height; r++) {
    lumaRow(pixels, r * rowBytes, width, channels, luma, 0);
    boxRow(luma, 0, width, windowAlongRows, vertical1.ring, columnBoxSlot(vertical1, r));
    pushPass1();
  }
  while (columnBoxDrain(vertical1, pass2Rows, pending * width) >= 0) {
    if (++pending === ROW_BATCH) flushPass3();
  }
  if (pending > 0) flushPass3();
  for (let row = columnBoxDrain(vertical2, pass4Row, 0); row >= 0; row = columnBoxDrain(vertical2, pass4Row, 0)) {
    emitPass4(row);
  }
}

/**
 * Reference `pdqImageDomainQualityMetric`: sum of |trunc((u - v) * 100 / 255)|
 * (float arithmetic) over vertical then horizontal neighbour pairs, / 90, capped at 100.
 */
function computeQuality(b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      sum += Math.abs(Math.trunc(fround(fround(fround(b[i * 64 + j]! - b[(i + 1) * 64 + j]!) * 100) / 255)));
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      sum += Math.abs(Math.trunc(fround(fround(fround(b[i * 64 + j]! - b[i * 64 + j + 1]!) * 100) / 255)));
    }
  }
  return Math.min(100, Math.trunc(sum / 90));
}

/**
 * Reference `dct64To16`: B = D·A·Dᵀ as T = D·A then B = T·Dᵀ, each dot
 * product a float32 accumulator summed over k = 0..63 in order.
 */
function dct64To16(a: Float32Array): Float32Array {
  const t = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    const d = i * 64;
    for (let j = 0; j < 64; j++) {
      let s = 0;
      for (let k = 0; k < 64; k++) s = fround(s + fround(DCT_16x64[d + k]! * a[k * 64 + j]!));
      t[i * 64 + j] = s;
    }
  }
  const b = new Float32Array(16 * 16);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let s = 0;
      for (let k = 0; k < 64; k++) s = fround(s + fround(t[i * 64 + k]! * DCT_16x64[j * 64 + k]!));
      b[i * 16 + j] = s;
    }
  }
  return b;
}

/**
 * Torben Mogensen's median (reference `torben.cpp`), float32 throughout.
 * For 256 values it returns the 128th smallest (the lower median).
 */
function torbenMedian(m: Float32Array): number {
  const n = m.length;
  let min = m[0]!;
  let max = m[0]!;
  for (let i = 1; i < n; i++) {
    const v = m[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const halfCount = (n + 1) >> 1;
  for (;;) {
    const guess = fround(fround(min + max) / 2);
    let less = 0;
    let greater = 0;
    let equal = 0;
    let maxLtGuess = min;
    let minGtGuess = max;
    for (let i = 0; i < n; i++) {
      const v = m[i]!;
      if (v < guess) {
        less++;
        if (v > maxLtGuess) maxLtGuess = v;
      } else if (v > guess) {
        greater++;
        if (v < minGtGuess) minGtGuess = v;
      } else {
        equal++;
      }
    }
    if (less <= halfCount && greater <= halfCount) {
      if (less >= halfCount) return maxLtGuess;
      if (less + equal >= halfCount) return guess;
      return minGtGuess;
    }
    if (less > greater) max = maxLtGuess;
    else min = minGtGuess;
  }
}

/**
 * Threshold the 16x16 coefficients at their median. The reference stores bit
 * k = 16i + j in 16-bit word i (bit j) and prints words 15..0 as %04hx, so
 * word i is bytes 30 - 2i (bits 8..15) and 31 - 2i (bits 0..7).
 */
function dctToHash(dct: Float32Array): Uint8Array {
  const median = torbenMedian(dct);
  const hash = new Uint8Array(PDQ_HASH_BYTES);
  for (let i = 0; i < 16; i++) {
    let word = 0;
    for (let j = 0; j < 16; j++) {
      if (dct[i * 16 + j]! > median) word |= 1 << j;
    }
    hash[30 - 2 * i] = word >> 8;
    hash[31 - 2 * i] = word & 0xff;
  }
  return hash;
}
