/**
 * vPDQ (video PDQ, Meta ThreatExchange): the pure half. A video hash is a
 * list of per-frame PDQ hashes; this module owns their formats, the frame
 * sampling arithmetic and the matching rules. Decoding lives in
 * `adapters/media/video-frames.ts`, hashing a file in `adapters/media/vpdq-hasher.ts`.
 *
 * References (ThreatExchange):
 * - sampling and timestamps: `vpdq/cpp/vpdq/cpp/hashing/filehasher.cpp`, `hasher.h`;
 * - the line format: `vpdq/cpp/vpdq/cpp/io/vpdqio.cpp`;
 * - the by-line regression check: `vpdq/cpp/apps/match-hashes-byline.cpp`;
 * - the HMA signal string, dedupe and matching: python-threatexchange
 *   `threatexchange/extensions/vpdq/{vpdq_util,vpdq_index,vpdq_brute_matcher}.py`.
 *
 * Pure module: no I/O.
 */
import { PDQ_HASH_BYTES, pdqFromHex, pdqToHex } from '../pdq/pdq.ts';

/** python-threatexchange `VPDQ_DISTANCE_THRESHOLD`: frames at or below this distance match (`<=`). */
export const VPDQ_DISTANCE_THRESHOLD = 31;

/** python-threatexchange `VPDQ_QUALITY_THRESHOLD`: frames below this quality are ignored when matching. */
export const VPDQ_QUALITY_THRESHOLD = 50;

/** python-threatexchange `VPDQ_QUERY_MATCH_THRESHOLD_PERCENT`. */
export const VPDQ_QUERY_MATCH_PERCENT = 80;

/** python-threatexchange `VPDQ_INDEX_MATCH_THRESHOLD_PERCENT` (the compared, i.e. banked, video). */
export const VPDQ_COMPARED_MATCH_PERCENT = 0;

/** `VPDQSignal.hash_from_file` default: one hashed frame per second. */
export const VPDQ_SECONDS_PER_HASH = 1;

/** One hashed frame without its frame number: what an HMA signal string carries. */
export interface VpdqFeature {
  /** PDQ quality, 0..100. */
  quality: number;
  /** 32-byte PDQ hash (hex = bytes in order, as `pdqToHex`). */
  hash: Uint8Array;
  /** Seconds from the start of the video (frame number / frame rate). */
  timestamp: number;
}

/** One hashed frame as the C++ reference writes it. */
export interface VpdqFrame extends VpdqFeature {
  /** 0-based decoder frame index (the codec's frame counter minus one). */
  frameNumber: number;
}

export type VpdqErrorCode = 'VIGIL_VPDQ_INVALID';

export class VpdqError extends Error {
  readonly code: VpdqErrorCode;

  constructor(code: VpdqErrorCode, message: string) {
    super(message);
    this.name = 'VpdqError';
    this.code = code;
  }
}

// ---------------------------------------------------------------------------
// Frame sampling and timestamps.

/**
 * Hash every n-th decoded frame: `filehasher.cpp` computes
 * `frameMod = (int)(secondsPerHash * frameRate)` (truncation, in double) and
 * raises 0 to 1, so 0 seconds means every frame and 1 s at 29.97 fps means
 * every 29th frame (not 30th). A frame is hashed iff `frameNumber % n == 0`.
 *
 * @example
 * vpdqFrameStep(1, 30); // 30
 * vpdqFrameStep(1, 30000 / 1001); // 29
 * vpdqFrameStep(0, 25); // 1 (every frame)
 */
export function vpdqFrameStep(secondsPerHash: number, frameRate: number): number {
  if (!(secondsPerHash >= 0) || !Number.isFinite(secondsPerHash)) {
    throw new VpdqError('VIGIL_VPDQ_INVALID', `seconds per hash must be a finite number >= 0, got ${secondsPerHash}`);
  }
  if (!(frameRate > 0) || !Number.isFinite(frameRate)) {
    throw new VpdqError('VIGIL_VPDQ_INVALID', `frame rate must be a finite number > 0, got ${frameRate}`);
  }
  const step = Math.trunc(secondsPerHash * frameRate);
  if (step > 0x7fffffff) throw new VpdqError('VIGIL_VPDQ_INVALID', `frame step ${step} is out of range`);
  return Math.max(1, step);
}

/**
 * The reference's timestamp: `(float)frameNumber / framerate` where the frame
 * rate was stored as a float (`VideoMetadata::framerate`), i.e. a float32
 * division, later widened to double. Printed with 3 decimals this equals
 * frameNumber / fps except where float rounding crosses a rounding boundary,
 * so we reproduce the float arithmetic to print the same digits.
 */
export function vpdqTimestamp(frameNumber: number, frameRate: number): number {
  return Math.fround(Math.fround(frameNumber) / Math.fround(frameRate));
}

// ---------------------------------------------------------------------------
// Exact decimal formatting (printf "%.3f" and Python format(x, ".3")).

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

/** A finite double as mantissa * 2^exponent, exactly. */
function decomposeDouble(x: number): { mantissa: bigint; exponent: number } {
  F64[0] = x;
  const bits = U64[0]!;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | 0x10000000000000n, exponent: biased - 1075 };
}

/**
 * round(x * 10^digits) to an integer, ties to even, on the exact binary value
 * of x (x >= 0, finite). This is what glibc's printf and Python's float
 * formatting do; JavaScript's toFixed/toPrecision break exact ties upwards.
 */
function scaleAndRoundHalfEven(x: number, digits: number): bigint {
  const { mantissa, exponent } = decomposeDouble(x);
  let num = mantissa;
  let den = 1n;
  if (exponent >= 0) num <<= BigInt(exponent);
  else den <<= BigInt(-exponent);
  if (digits >= 0) num *= 10n ** BigInt(digits);
  else den *= 10n ** BigInt(-digits);
  const q = num / den;
  const twiceRest = (num % den) * 2n;
  if (twiceRest > den || (twiceRest === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

function checkFormattable(x: number): void {
  if (!Number.isFinite(x) || x < 0) {
    throw new VpdqError('VIGIL_VPDQ_INVALID', `timestamp must be a finite number >= 0, got ${x}`);
  }
}

/**
 * A timestamp as `vpdqio.cpp` writes it (`std::fixed`, precision 3, i.e.
 * printf "%.3f": exact value, ties to even).
 *
 * @example
 * formatVpdqTimestamp(1 / 30); // '0.033'
 * formatVpdqTimestamp(0.0625); // '0.062' (a tie; JavaScript's toFixed gives '0.063')
 */
export function formatVpdqTimestamp(seconds: number): string {
  checkFormattable(seconds);
  const digits = scaleAndRoundHalfEven(seconds, 3).toString().padStart(4, '0');
  return `${digits.slice(0, -3)}.${digits.slice(-3)}`;
}

/**
 * Python's `format(x, ".3")`, which python-threatexchange uses for the
 * timestamp in HMA signal strings (`VpdqCompactFeature.__str__`): three
 * significant digits, at least one digit after the point in fixed notation,
 * and exponent notation from 100 s on ('1e+02', '1.23e+03') and below 1e-4.
 * The exponent switch is `decpt <= -4 || decpt > precision - 1`
 * (CPython `format_float_short` with `Py_DTSF_ADD_DOT_0`).
 */
export function formatPythonFloat3(x: number): string {
  checkFormattable(x);
  const precision = 3;
  if (x === 0) return '0.0';
  let exp10 = Math.floor(Math.log10(x));
  let n = scaleAndRoundHalfEven(x, precision - 1 - exp10);
  const upper = 10n ** BigInt(precision);
  const lower = 10n ** BigInt(precision - 1);
  // log10 can be off by one near powers of ten, and rounding can carry into
  // a new digit (99.95 -> 100): settle the exponent on the rounded value.
  for (let guard = 0; guard < 4 && (n >= upper || n < lower); guard++) {
    exp10 += n >= upper ? 1 : -1;
    n = scaleAndRoundHalfEven(x, precision - 1 - exp10);
  }
  const digits = n.toString().replace(/0+$/, '') || '0';
  const decpt = exp10 + 1;
  if (decpt <= -4 || decpt > precision - 1) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = decpt - 1;
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (decpt <= 0) return `0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

// ---------------------------------------------------------------------------
// The reference line format.

/**
 * The C++ reference's hash file: one line per frame,
 * `frameNumber,quality,pdqHex,timestamp` with a 3-decimal timestamp, each
 * line ending in '\n' (`vpdqio.cpp` `outputVPDQFeatureToFile`).
 *
 * @example
 * formatVpdqLines(frames);
 * // '0,100,e271017837246aac…055c,0.000\n1,100,…,0.033\n'
 */
export function formatVpdqLines(frames: readonly VpdqFrame[]): string {
  let out = '';
  for (const f of frames) {
    checkFrame(f);
    out += `${f.frameNumber},${f.quality},${pdqToHex(f.hash)},${formatVpdqTimestamp(f.timestamp)}\n`;
  }
  return out;
}

const UINT_RE = /^\d{1,10}$/;
const DECIMAL_RE = /^\d+(?:\.\d*)?(?:[eE][+-]?\d+)?$/;

/**
 * Parses the reference's hash file format, validating every field:
 * exactly four comma-separated fields per line, a non-negative integer frame
 * number (strictly increasing, as the reference writes them), quality 0..100,
 * a 64-hex-digit hash (upper case accepted, like the reference's `sscanf`),
 * and a finite timestamp >= 0. One final newline is allowed, CRLF too.
 *
 * Throws `VpdqError` (`VIGIL_VPDQ_INVALID`) naming the line. An empty text is
 * an error, as in the reference (`loadHashesFromFileOrDie`: "Empty hash file").
 */
export function parseVpdqLines(text: string): VpdqFrame[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new VpdqError('VIGIL_VPDQ_INVALID', 'vPDQ hash text is empty');
  const frames: VpdqFrame[] = [];
  let previous = -1;
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const where = `vPDQ line ${i + 1}`;
    const fields = line.split(',');
    if (fields.length !== 4) {
      throw new VpdqError('VIGIL_VPDQ_INVALID', `${where}: expected 4 comma-separated fields, got ${fields.length}`);
    }
    const [frameText, qualityText, hex, timeText] = fields as [string, string, string, string];
    if (!UINT_RE.test(frameText)) {
      throw new VpdqError('VIGIL_VPDQ_INVALID', `${where}: frame number '${frameText}' is not a non-negative integer`);
    }
    const frameNumber = Number(frameText);
    if (frameNumber <= previous) {
      throw new VpdqError('VIGIL_VPDQ_INVALID', `${where}: frame number ${frameNumber} does not follow ${previous}`);
    }
    previous = frameNumber;
    const quality = parseQuality(qualityText, where);
    const hash = parseHex(hex, where);
    const timestamp = parseTimestamp(timeText, where);
    frames.push({ frameNumber, quality, hash, timestamp });
  });
  return frames;
}

// ---------------------------------------------------------------------------
// The HMA / python-threatexchange signal string.

/**
 * python-threatexchange's vPDQ signal string (`vpdq_to_json`): a JSON array
 * of `"hex,quality,timestamp"` strings, serialised as Python's `json.dumps`
 * does (items separated by ", "), with the timestamp in Python's `.3` format
 * (`formatPythonFloat3`: '0.0333', '12.2', '1e+02'). Byte-identical to what
 * HMA stores, so signal strings can be compared and exchanged as text.
 * Frame numbers are not part of the format.
 *
 * @example
 * toHmaJson([{ hash, quality: 100, timestamp: 0 }]); // '["e271…055c,100,0.0"]'
 */
export function toHmaJson(features: readonly VpdqFeature[]): string {
  const items = features.map((f) => {
    checkFeature(f);
    return JSON.stringify(`${pdqToHex(f.hash)},${f.quality},${formatPythonFloat3(f.timestamp)}`);
  });
  return `[${items.join(', ')}]`;
}

/**
 * Parses an HMA vPDQ signal string (`json_to_vpdq`): a JSON array of
 * `"hex,quality,timestamp"`. An empty string is an empty list, as upstream.
 * Stricter than upstream where upstream is lax by accident: NaN or infinite
 * timestamps, '0x' prefixes and stray whitespace are refused.
 * Throws `VpdqError` (`VIGIL_VPDQ_INVALID`) naming the item.
 */
export function fromHmaJson(signal: string): VpdqFeature[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(signal === '' ? '[]' : signal);
  } catch (err) {
    throw new VpdqError('VIGIL_VPDQ_INVALID', `vPDQ signal is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(parsed)) throw new VpdqError('VIGIL_VPDQ_INVALID', 'vPDQ signal must be a JSON array');
  return parsed.map((item: unknown, i) => {
    const where = `vPDQ signal item ${i}`;
    if (typeof item !== 'string') throw new VpdqError('VIGIL_VPDQ_INVALID', `${where}: expected a string`);
    const fields = item.split(',');
    if (fields.length !== 3) {
      throw new VpdqError('VIGIL_VPDQ_INVALID', `${where}: expected "hex,quality,timestamp", got ${fields.length} fields`);
    }
    const [hex, qualityText, timeText] = fields as [string, string, string];
    return {
      hash: parseHex(hex, where),
      quality: parseQuality(qualityText, where),
      timestamp: parseTimestamp(timeText, where),
    };
  });
}

// ---------------------------------------------------------------------------
// Matching.

/**
 * Keeps the first feature of each distinct hash, in order
 * (python-threatexchange `dedupe`).
 */
export function dedupeFrames<T extends VpdqFeature>(features: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const f of features) {
    const key = pdqToHex(f.hash);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(f);
    }
  }
  return out;
}

/** Features with quality >= `minQuality` (python-threatexchange `quality_filter`). */
export function filterByQuality<T extends VpdqFeature>(features: readonly T[], minQuality: number): T[] {
  return features.filter((f) => f.quality >= minQuality);
}

export interface VpdqMatchOptions {
  /** Frames match at Hamming distance <= this. Default 31. */
  distance?: number;
  /** Frames below this quality are dropped from both sides first. Default 50. */
  quality?: number;
  /** Match needs queryMatchPercent >= this. Default 80. */
  queryMatchPercent?: number;
  /** Match needs comparedMatchPercent >= this. Default 0. */
  comparedMatchPercent?: number;
}

export interface VpdqMatchResult {
  /** Share (0..100) of the query's unique good frames that have a compared frame within the distance. */
  queryMatchPercent: number;
  /** Share (0..100) of the compared video's unique good frames that have a query frame within the distance. */
  comparedMatchPercent: number;
  match: boolean;
}

/**
 * Compares two videos the way python-threatexchange does: each side is
 * quality-filtered then deduplicated (`prepare_vpdq_feature`, the path HMA's
 * `VPDQIndex` lookups take); a frame counts if any frame of the other side is
 * within `distance` (<=); the percentages are count * 100 / unique frames.
 * Frames are an unordered bag, time plays no part. The videos match iff
 * query% >= queryMatchPercent and compared% >= comparedMatchPercent.
 *
 * Differences from upstream, deliberate: if either side has no frame left
 * after filtering, both percentages are 0 and there is no match (the index
 * returns no match there; the brute matcher divides by zero). The brute
 * matcher (`compare_hash`) dedupes before filtering, which differs only when
 * one hash occurs with different qualities.
 *
 * @example
 * matchVpdq(queryFrames, bankedFrames); // { queryMatchPercent: 95.2, comparedMatchPercent: 88.1, match: true }
 */
export function matchVpdq(
  query: readonly VpdqFeature[],
  compared: readonly VpdqFeature[],
  options: VpdqMatchOptions = {},
): VpdqMatchResult {
  const {
    distance = VPDQ_DISTANCE_THRESHOLD,
    quality = VPDQ_QUALITY_THRESHOLD,
    queryMatchPercent = VPDQ_QUERY_MATCH_PERCENT,
    comparedMatchPercent = VPDQ_COMPARED_MATCH_PERCENT,
  } = options;
  const q = toWords(dedupeFrames(filterByQuality(query, quality)));
  const c = toWords(dedupeFrames(filterByQuality(compared, quality)));
  if (q.length === 0 || c.length === 0) {
    return { queryMatchPercent: 0, comparedMatchPercent: 0, match: false };
  }
  const qPercent = (countWithNeighbour(q, c, distance) * 100) / q.length;
  const cPercent = (countWithNeighbour(c, q, distance) * 100) / c.length;
  return {
    queryMatchPercent: qPercent,
    comparedMatchPercent: cPercent,
    match: qPercent >= queryMatchPercent && cPercent >= comparedMatchPercent,
  };
}

export interface VpdqBylineResult {
  /** True iff both lists have the same length and every compared line matched (100%). */
  match: boolean;
  /** matched * 100 / compared, as float32 like the reference; 0 when nothing was compared. */
  percent: number;
  /** Line pairs where both qualities reached the threshold. */
  compared: number;
  /** Compared pairs at distance < the tolerance (strict, as the C++ tool). */
  matched: number;
  /** Pairs skipped for low quality. */
  skipped: number;
  /** Largest distance among the compared pairs (0 if none). */
  maxDistance: number;
  /** The two lists differ in length (the reference refuses to compare them). */
  lengthsDiffer: boolean;
}

/**
 * The upstream regression check `match-hashes-byline expected actual 31 50`:
 * line i of one list against line i of the other; pairs where either quality
 * is below `quality` are skipped; the rest match at distance < `distance`
 * (strict). The check passes only at 100%. Frame numbers and timestamps are
 * not compared here; compare them separately.
 */
export function matchHashFilesByLine(
  expected: readonly VpdqFeature[],
  actual: readonly VpdqFeature[],
  distance: number = VPDQ_DISTANCE_THRESHOLD,
  quality: number = VPDQ_QUALITY_THRESHOLD,
): VpdqBylineResult {
  if (expected.length !== actual.length) {
    return { match: false, percent: 0, compared: 0, matched: 0, skipped: 0, maxDistance: 0, lengthsDiffer: true };
  }
  let compared = 0;
  let matched = 0;
  let skipped = 0;
  let maxDistance = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = expected[i]!;
    const b = actual[i]!;
    if (a.quality < quality || b.quality < quality) {
      skipped++;
      continue;
    }
    compared++;
    const d = hammingWords(wordsOf(a.hash), wordsOf(b.hash));
    if (d > maxDistance) maxDistance = d;
    if (d < distance) matched++;
  }
  const percent = compared === 0 ? 0 : Math.fround(Math.fround(matched) * 100) / compared;
  return {
    match: compared > 0 && matched === compared,
    percent: Math.fround(percent),
    compared,
    matched,
    skipped,
    maxDistance,
    lengthsDiffer: false,
  };
}

// ---------------------------------------------------------------------------
// Helpers.

function checkHash(hash: unknown, where: string): void {
  if (!(hash instanceof Uint8Array) || hash.length !== PDQ_HASH_BYTES) {
    throw new VpdqError('VIGIL_VPDQ_INVALID', `${where}: hash must be ${PDQ_HASH_BYTES} bytes`);
  }
}

function checkFeature(f: VpdqFeature): void {
  checkHash(f.hash, 'vPDQ feature');
  if (!Number.isInteger(f.quality) || f.quality < 0 || f.quality > 100) {
    throw new VpdqError('VIGIL_VPDQ_INVALID', `vPDQ feature: quality must be an integer 0..100, got ${f.quality}`);
  }
  checkFormattable(f.timestamp);
}

function checkFrame(f: VpdqFrame): void {
  checkFeature(f);
  if (!Number.isSafeInteger(f.frameNumber) || f.frameNumber < 0) {
    throw new VpdqError('VIGIL_VPDQ_INVALID', `vPDQ frame: frame number must be an integer >= 0, got ${f.frameNumber}`);
  }
}

function parseQuality(text: string, where: string): number {
  if (!/^\d{1,3}$/.test(text) || Number(text) > 100) {
    throw new VpdqError('VIGIL_VPDQ_INVALID', `${where}: quality '${text}' is not an integer 0..100`);
  }
  return Number(text);
}

function parseHex(text: string, where: string): Uint8Array {
  try {
    return pdqFromHex(text);
  } catch {
    throw new VpdqError('VIGIL_VPDQ_INVALID', `${where}: hash '${text.slice(0, 80)}' is not 64 hex digits`);
  }
}

function parseTimestamp(text: string, where: string): number {
  const value = Number(text);
  if (!DECIMAL_RE.test(text) || !Number.isFinite(value)) {
    throw new VpdqError('VIGIL_VPDQ_INVALID', `${where}: timestamp '${text.slice(0, 40)}' is not a finite number >= 0`);
  }
  return value;
}

/** A hash as 8 big-endian 32-bit words, for fast distances. */
function wordsOf(hash: Uint8Array): Uint32Array {
  const w = new Uint32Array(8);
  for (let i = 0; i < 8; i++) {
    w[i] = ((hash[4 * i]! << 24) | (hash[4 * i + 1]! << 16) | (hash[4 * i + 2]! << 8) | hash[4 * i + 3]!) >>> 0;
  }
  return w;
}

function toWords(features: readonly VpdqFeature[]): Uint32Array[] {
  return features.map((f) => {
    checkHash(f.hash, 'vPDQ feature');
    return wordsOf(f.hash);
  });
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function hammingWords(a: Uint32Array, b: Uint32Array): number {
  let d = 0;
  for (let i = 0; i < 8; i++) d += popcount32(a[i]! ^ b[i]!);
  return d;
}

/** How many of `from` have at least one of `to` within `distance` (<=), python-threatexchange `match_VPDQ_in_another`. */
function countWithNeighbour(from: readonly Uint32Array[], to: readonly Uint32Array[], distance: number): number {
  let count = 0;
  for (const a of from) {
    for (const b of to) {
      if (hammingWords(a, b) <= distance) {
        count++;
        break;
      }
    }
  }
  return count;
}
