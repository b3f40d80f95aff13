import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vectorsDir } from '../../../test/vectors.ts';
import { pdqDistance, pdqFromHex, pdqToHex } from '../pdq/pdq.ts';
import {
  dedupeFrames,
  filterByQuality,
  formatPythonFloat3,
  formatVpdqLines,
  formatVpdqTimestamp,
  fromHmaJson,
  matchHashFilesByLine,
  matchVpdq,
  parseVpdqLines,
  toHmaJson,
  VpdqError,
  vpdqFrameStep,
  vpdqTimestamp,
} from './vpdq.ts';
import type { VpdqFeature, VpdqFrame } from './vpdq.ts';

const HASHES_DIR = join(vectorsDir(), 'vpdq', 'sample-hashes');
const SAMPLE_FILES = readdirSync(HASHES_DIR).filter((f) => f.endsWith('.txt'));

function readSample(name: string): string {
  return readFileSync(join(HASHES_DIR, `${name}.txt`), 'utf8');
}

function sample(name: string): VpdqFrame[] {
  return parseVpdqLines(readSample(name));
}

function expectVpdqError(fn: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(VpdqError);
  expect((error as VpdqError).code).toBe('VIGIL_VPDQ_INVALID');
  expect((error as VpdqError).message).toMatch(message);
}

const BASE_HEX = 'e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c';

/** A hash `bits` bits away from `base` (flipping bits from the start, or from `offset`). */
function flipped(base: Uint8Array, bits: number, offset = 0): Uint8Array {
  const out = new Uint8Array(base);
  for (let k = offset; k < offset + bits; k++) out[k >> 3]! ^= 0x80 >> (k & 7);
  return out;
}

/** A deterministic pseudo-random hash; two of them are about 128 bits apart (checked below). */
function farHash(seed: number): Uint8Array {
  const out = new Uint8Array(32);
  let state = (seed + 1) * 2654435761;
  for (let i = 0; i < 32; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

function feature(hash: Uint8Array, quality = 100, timestamp = 0): VpdqFeature {
  return { hash, quality, timestamp };
}

describe('frame sampling and timestamps (filehasher.cpp, hasher.h)', () => {
  it('hashes every trunc(seconds * fps)-th frame, at least every frame', () => {
    expect(vpdqFrameStep(1, 30)).toBe(30);
    expect(vpdqFrameStep(1, 30000 / 1001)).toBe(29); // 29.97 fps truncates, it does not round
    expect(vpdqFrameStep(0, 25)).toBe(1);
    expect(vpdqFrameStep(1, 0.5)).toBe(1); // the reference's "frameMod == 0" corner case
    expect(vpdqFrameStep(2.5, 24)).toBe(60);
    expect(vpdqFrameStep(0.1, 30)).toBe(3);
  });

  it('refuses a negative or non-finite step and a zero frame rate', () => {
    expectVpdqError(() => vpdqFrameStep(-1, 30), /seconds per hash/);
    expectVpdqError(() => vpdqFrameStep(Number.NaN, 30), /seconds per hash/);
    expectVpdqError(() => vpdqFrameStep(1, 0), /frame rate/);
    expectVpdqError(() => vpdqFrameStep(1, Number.POSITIVE_INFINITY), /frame rate/);
  });

  it.each(SAMPLE_FILES)('reproduces every timestamp of %s as float32 frameNumber / 30 fps', (file) => {
    // All shared videos are 30/1 fps (ffprobe avg_frame_rate).
    for (const line of readFileSync(join(HASHES_DIR, file), 'utf8').trim().split('\n')) {
      const [frame, , , time] = line.split(',');
      expect(formatVpdqTimestamp(vpdqTimestamp(Number(frame), 30))).toBe(time);
    }
  });

  it('prints timestamps as printf "%.3f": exact binary value, ties to even', () => {
    expect(formatVpdqTimestamp(0)).toBe('0.000');
    expect(formatVpdqTimestamp(1 / 30)).toBe('0.033');
    expect(formatVpdqTimestamp(0.0625)).toBe('0.062'); // JavaScript's toFixed(3) says 0.063
    expect(formatVpdqTimestamp(0.1875)).toBe('0.188');
    expect(formatVpdqTimestamp(1.0005)).toBe('1.000'); // 1.0005 is stored just below
    expect(formatVpdqTimestamp(12345.6789)).toBe('12345.679');
    expect(formatVpdqTimestamp(vpdqTimestamp(2999, 30000 / 1001))).toBe('100.067');
  });

  it.each([
    // [value, Python format(value, ".3")], produced with CPython 3
    [0.0, '0.0'],
    [1.0, '1.0'],
    [0.033, '0.033'],
    [0.03333333507180214, '0.0333'],
    [0.0625, '0.0625'],
    [0.5, '0.5'],
    [1.125, '1.12'],
    [1.135, '1.14'],
    [9.995, '9.99'],
    [9.9951, '10.0'],
    [12.25, '12.2'],
    [22.433333, '22.4'],
    [33.36666, '33.4'],
    [99.94, '99.9'],
    [99.95, '1e+02'],
    [100.0, '1e+02'],
    [100.06663513183594, '1e+02'],
    [123.456, '1.23e+02'],
    [411.9114990234375, '4.12e+02'],
    [999.5, '1e+03'],
    [1234.5, '1.23e+03'],
    [3600.0, '3.6e+03'],
    [4813.26, '4.81e+03'],
    [7896.0, '7.9e+03'],
    [0.0001, '0.0001'],
    [0.00012345, '0.000123'],
    [1e-5, '1e-05'],
    [5e-5, '5e-05'],
    [1e16, '1e+16'],
  ])('formats %s like Python format(x, ".3") -> %s', (value, expected) => {
    expect(formatPythonFloat3(value)).toBe(expected);
  });
});

describe('reference line format (vpdqio.cpp)', () => {
  it.each(SAMPLE_FILES)('parses and re-formats %s byte for byte', (file) => {
    const text = readFileSync(join(HASHES_DIR, file), 'utf8');
    const frames = parseVpdqLines(text);
    expect(frames.length).toBe(text.trim().split('\n').length);
    expect(formatVpdqLines(frames)).toBe(text);
  });

  it('reads the fields of a line', () => {
    const [first, second] = sample('chair-19-sd-bar');
    expect(first).toEqual({ frameNumber: 0, quality: 100, hash: pdqFromHex(BASE_HEX), timestamp: 0 });
    expect(second!.frameNumber).toBe(1);
    expect(second!.timestamp).toBe(0.033);
  });

  it('round-trips any frames (property)', () => {
    const frameArb = fc.record({
      gap: fc.integer({ min: 1, max: 1000 }),
      quality: fc.integer({ min: 0, max: 100 }),
      hash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fps: fc.constantFrom(24, 25, 30, 30000 / 1001, 60, 12.5),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 30 }), (specs) => {
        let frameNumber = -1;
        const frames: VpdqFrame[] = specs.map((s) => {
          frameNumber += s.gap;
          return { frameNumber, quality: s.quality, hash: s.hash, timestamp: vpdqTimestamp(frameNumber, s.fps) };
        });
        const text = formatVpdqLines(frames);
        const back = parseVpdqLines(text);
        expect(back.map((f) => [f.frameNumber, f.quality, pdqToHex(f.hash), formatVpdqTimestamp(f.timestamp)])).toEqual(
          frames.map((f) => [f.frameNumber, f.quality, pdqToHex(f.hash), formatVpdqTimestamp(f.timestamp)]),
        );
        expect(formatVpdqLines(back)).toBe(text);
      }),
    );
  });

  it('accepts CRLF line ends, upper-case hex and a missing final newline', () => {
    const frames = parseVpdqLines(`0,100,${BASE_HEX.toUpperCase()},0.000\r\n1,99,${BASE_HEX},0.033`);
    expect(frames.map((f) => [f.frameNumber, f.quality, pdqToHex(f.hash)])).toEqual([
      [0, 100, BASE_HEX],
      [1, 99, BASE_HEX],
    ]);
  });

  it.each([
    ['', /empty/],
    ['\n', /line 1: expected 4/],
    [`0,100,${BASE_HEX}`, /line 1: expected 4 comma-separated fields, got 3/],
    [`0,100,${BASE_HEX},0.000,extra`, /got 5/],
    [`0,100,${BASE_HEX},0.000\n\n1,100,${BASE_HEX},0.033\n`, /line 2: expected 4/],
    [`-1,100,${BASE_HEX},0.000`, /line 1: frame number '-1'/],
    [`x,100,${BASE_HEX},0.000`, /frame number 'x'/],
    [`0,101,${BASE_HEX},0.000`, /quality '101'/],
    [`0,-5,${BASE_HEX},0.000`, /quality '-5'/],
    [`0,100,${BASE_HEX.slice(1)},0.000`, /hash .* is not 64 hex digits/],
    [`0,100,${BASE_HEX.slice(1)}g,0.000`, /not 64 hex digits/],
    [`0,100,${BASE_HEX},-0.5`, /timestamp '-0.5'/],
    [`0,100,${BASE_HEX},nan`, /timestamp 'nan'/],
    [`0,100,${BASE_HEX},`, /timestamp ''/],
    [`5,100,${BASE_HEX},0.000\n5,100,${BASE_HEX},0.000`, /line 2: frame number 5 does not follow 5/],
    [`5,100,${BASE_HEX},0.000\n4,100,${BASE_HEX},0.000`, /does not follow/],
  ])('refuses %j', (text, message) => {
    expectVpdqError(() => parseVpdqLines(text), message);
  });

  it('refuses to format an invalid frame', () => {
    const good: VpdqFrame = { frameNumber: 0, quality: 100, hash: pdqFromHex(BASE_HEX), timestamp: 0 };
    expectVpdqError(() => formatVpdqLines([{ ...good, quality: 101 }]), /quality/);
    expectVpdqError(() => formatVpdqLines([{ ...good, hash: new Uint8Array(31) }]), /32 bytes/);
    expectVpdqError(() => formatVpdqLines([{ ...good, timestamp: -1 }]), /timestamp/);
    expectVpdqError(() => formatVpdqLines([{ ...good, frameNumber: 1.5 }]), /frame number/);
  });
});

describe('HMA signal string (python-threatexchange vpdq_to_json / json_to_vpdq)', () => {
  const hash = pdqFromHex(BASE_HEX);

  it("writes exactly what Python's json.dumps writes", () => {
    // Python: json.dumps([str(VpdqCompactFeature(...)) ...]) for these three features.
    const features = [feature(hash, 100, 0), feature(hash, 49, vpdqTimestamp(1, 30)), feature(hash, 7, vpdqTimestamp(3005, 30))];
    expect(toHmaJson(features)).toBe(
      `["${BASE_HEX},100,0.0", "${BASE_HEX},49,0.0333", "${BASE_HEX},7,1e+02"]`,
    );
    expect(toHmaJson([])).toBe('[]');
  });

  it('round-trips hashes and qualities, and timestamps to 3 significant digits', () => {
    const frames = sample('chair-19-sd-bar');
    const back = fromHmaJson(toHmaJson(frames));
    expect(back.length).toBe(frames.length);
    back.forEach((f, i) => {
      expect(pdqToHex(f.hash)).toBe(pdqToHex(frames[i]!.hash));
      expect(f.quality).toBe(frames[i]!.quality);
      expect(Math.abs(f.timestamp - frames[i]!.timestamp)).toBeLessThanOrEqual(frames[i]!.timestamp * 0.005 + 1e-12);
    });
    expect(toHmaJson(back)).toBe(toHmaJson(frames));
  });

  it('reads an empty string as no frames, as upstream', () => {
    expect(fromHmaJson('')).toEqual([]);
    expect(fromHmaJson('[]')).toEqual([]);
  });

  it('reads upstream-style values (exponent timestamps, upper-case hex)', () => {
    const [f] = fromHmaJson(`["${BASE_HEX.toUpperCase()},100,1.23e+02"]`);
    expect(f).toEqual({ hash, quality: 100, timestamp: 123 });
  });

  it.each([
    ['{', /not JSON/],
    ['{"0": 1}', /JSON array/],
    ['[1]', /item 0: expected a string/],
    [`["${BASE_HEX},100"]`, /item 0: expected "hex,quality,timestamp", got 2/],
    [`["${BASE_HEX},100,0.0,1"]`, /got 4/],
    [`["${BASE_HEX.slice(2)},100,0.0"]`, /not 64 hex digits/],
    [`["0x${BASE_HEX.slice(2)},100,0.0"]`, /not 64 hex digits/],
    [`["${BASE_HEX},101,0.0"]`, /quality '101'/],
    [`["${BASE_HEX},1.5,0.0"]`, /quality '1.5'/],
    [`["${BASE_HEX},100,-1.0"]`, /timestamp '-1.0'/],
    [`["${BASE_HEX},100,nan"]`, /timestamp 'nan'/],
    [`["${BASE_HEX},100,inf"]`, /timestamp 'inf'/],
    [`["${BASE_HEX},100,0.0", "${BASE_HEX},100"]`, /item 1/],
  ])('refuses %s', (text, message) => {
    expectVpdqError(() => fromHmaJson(text), message);
  });
});

describe('dedupe and quality filter (vpdq_util.py)', () => {
  it('keeps the first feature of each hash, in order', () => {
    const a = farHash(0);
    const b = farHash(1);
    const c = farHash(2);
    const list = [feature(a, 90, 0), feature(b, 80, 1), feature(new Uint8Array(a), 10, 2), feature(c, 70, 3), feature(b, 60, 4)];
    expect(dedupeFrames(list)).toEqual([list[0], list[1], list[3]]);
    expect(dedupeFrames([])).toEqual([]);
  });

  it('keeps quality >= threshold', () => {
    const list = [feature(farHash(0), 49), feature(farHash(1), 50), feature(farHash(2), 100)];
    expect(filterByQuality(list, 50)).toEqual([list[1], list[2]]);
  });
});

/** python-threatexchange's matcher, written out literally (vpdq_util.prepare_vpdq_feature + match_VPDQ_in_another). */
function naiveMatch(query: VpdqFeature[], compared: VpdqFeature[], distance: number, quality: number): [number, number] {
  const prepare = (fs: VpdqFeature[]): string[] => {
    const hexes = fs.filter((f) => f.quality >= quality).map((f) => pdqToHex(f.hash));
    return hexes.filter((h, i) => hexes.indexOf(h) === i);
  };
  const q = prepare(query);
  const c = prepare(compared);
  const count = (from: string[], to: string[]): number =>
    from.filter((h1) => to.some((h2) => pdqDistance(pdqFromHex(h1), pdqFromHex(h2)) <= distance)).length;
  return [(count(q, c) * 100) / q.length, (count(c, q) * 100) / c.length];
}

describe('matchVpdq (python-threatexchange)', () => {
  const base = pdqFromHex(BASE_HEX);

  it('test helper: the pseudo-random hashes are far apart', () => {
    for (let i = 0; i < 10; i++) {
      for (let j = i + 1; j < 10; j++) expect(pdqDistance(farHash(i), farHash(j))).toBeGreaterThan(80);
    }
  });

  it('computes both percentages over unique, good-quality frames', () => {
    const a = farHash(0);
    const b = farHash(1);
    const c = farHash(2);
    const d = farHash(3);
    const e = farHash(4);
    const query = [a, b, c, d, e, a, a].map((h) => feature(h)); // 5 unique
    const compared = [
      feature(flipped(a, 5)),
      feature(flipped(b, 31)),
      feature(flipped(c, 1)),
      feature(farHash(7)),
      feature(flipped(d, 0), 49), // would match, but quality 49 is dropped
    ];
    const result = matchVpdq(query, compared);
    expect(result.queryMatchPercent).toBe(60); // a, b, c of 5
    expect(result.comparedMatchPercent).toBe(75); // 3 of 4
    expect(result.match).toBe(false); // 60 < 80
    expect(matchVpdq(query, compared, { queryMatchPercent: 60 }).match).toBe(true);
    expect(matchVpdq(query, compared, { queryMatchPercent: 60, comparedMatchPercent: 75 }).match).toBe(true);
    expect(matchVpdq(query, compared, { queryMatchPercent: 60, comparedMatchPercent: 75.1 }).match).toBe(false);
    expect(matchVpdq(query, compared, { quality: 49 }).queryMatchPercent).toBe(80);
    expect(matchVpdq(query, compared, { quality: 49 }).match).toBe(true);
  });

  it('matches at distance <= 31, not 32', () => {
    expect(matchVpdq([feature(base)], [feature(flipped(base, 31))]).match).toBe(true);
    expect(matchVpdq([feature(base)], [feature(flipped(base, 32))])).toEqual({
      queryMatchPercent: 0,
      comparedMatchPercent: 0,
      match: false,
    });
    expect(matchVpdq([feature(base)], [feature(flipped(base, 32))], { distance: 32 }).match).toBe(true);
  });

  it('drops quality < 50, keeps 50', () => {
    expect(matchVpdq([feature(base, 50)], [feature(base, 50)]).match).toBe(true);
    expect(matchVpdq([feature(base, 49)], [feature(base, 100)])).toEqual({
      queryMatchPercent: 0,
      comparedMatchPercent: 0,
      match: false,
    });
  });

  it('counts duplicate frames once', () => {
    const query = [feature(base), feature(base), feature(base), feature(base), feature(farHash(5))];
    const result = matchVpdq(query, [feature(base)]);
    expect(result.queryMatchPercent).toBe(50); // 1 of 2 unique, not 4 of 5
    expect(result.comparedMatchPercent).toBe(100);
  });

  it('returns 0 % and no match when a side has no good frame', () => {
    expect(matchVpdq([], [feature(base)])).toEqual({ queryMatchPercent: 0, comparedMatchPercent: 0, match: false });
    expect(matchVpdq([feature(base)], [])).toEqual({ queryMatchPercent: 0, comparedMatchPercent: 0, match: false });
    expect(matchVpdq([feature(base)], [feature(base)], { queryMatchPercent: 0 }).match).toBe(true);
  });

  it('agrees with a literal port of the Python matcher (property)', () => {
    // Hashes near a few centres, so that matches and non-matches both happen.
    const centres = [0, 1, 2, 3].map(farHash);
    const featureArb = fc
      .record({
        centre: fc.integer({ min: 0, max: 3 }),
        bits: fc.integer({ min: 0, max: 40 }),
        offset: fc.integer({ min: 0, max: 200 }),
        quality: fc.integer({ min: 40, max: 100 }),
      })
      .map(({ centre, bits, offset, quality }) => feature(flipped(centres[centre]!, bits, offset), quality));
    fc.assert(
      fc.property(
        fc.array(featureArb, { minLength: 1, maxLength: 25 }),
        fc.array(featureArb, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 0, max: 40 }),
        (query, compared, distance) => {
          const [q, c] = naiveMatch(query, compared, distance, 50);
          const result = matchVpdq(query, compared, { distance });
          if (Number.isNaN(q) || Number.isNaN(c)) {
            expect(result).toEqual({ queryMatchPercent: 0, comparedMatchPercent: 0, match: false });
          } else {
            expect([result.queryMatchPercent, result.comparedMatchPercent]).toEqual([q, c]);
            expect(result.match).toBe(q >= 80 && c >= 0);
          }
          const swapped = matchVpdq(compared, query, { distance });
          expect([swapped.queryMatchPercent, swapped.comparedMatchPercent]).toEqual([
            result.comparedMatchPercent,
            result.queryMatchPercent,
          ]);
        },
      ),
    );
  });

  describe('on the shared sample hashes', () => {
    it('chair-19-sd-bar (a 19 s cut) matches chair-orig-22-sd-bar at the default 80 %', () => {
      const result = matchVpdq(sample('chair-19-sd-bar'), sample('chair-orig-22-sd-bar'));
      expect(result.queryMatchPercent).toBe(100);
      expect(result.comparedMatchPercent).toBeGreaterThan(80);
      expect(result.comparedMatchPercent).toBeLessThan(90); // the original has 3 s the cut lacks
      expect(result.match).toBe(true);
      // The other way round: the longer original still has > 80 % of its frames in the cut.
      expect(matchVpdq(sample('chair-orig-22-sd-bar'), sample('chair-19-sd-bar')).match).toBe(true);
    });

    it.each(['chair-22-sd-sepia-bar', 'chair-22-sd-grey-bar', 'chair-22-with-small-logo-bar', 'chair-20-sd-bar'])(
      '%s matches chair-orig-22-sd-bar',
      (name) => {
        const result = matchVpdq(sample(name), sample('chair-orig-22-sd-bar'));
        expect(result.queryMatchPercent).toBeGreaterThanOrEqual(90);
        expect(result.match).toBe(true);
      },
    );

    it('pattern and chair videos do not match each other', () => {
      for (const pattern of ['pattern-hd-no-bar', 'pattern-sd-grey-bar', 'pattern-longer-no-bar']) {
        for (const chair of ['chair-19-sd-bar', 'chair-orig-22-sd-bar', 'chair-orig-22-hd-no-bar']) {
          const result = matchVpdq(sample(pattern), sample(chair));
          expect(result.match).toBe(false);
          expect(result.queryMatchPercent).toBe(0);
        }
      }
    });

    it('a large logo over the chair drops it under the threshold; letterbox bars separate SD from HD', () => {
      expect(matchVpdq(sample('chair-22-with-large-logo-bar'), sample('chair-orig-22-sd-bar')).queryMatchPercent).toBeLessThan(20);
      expect(matchVpdq(sample('chair-orig-22-hd-no-bar'), sample('chair-orig-22-sd-bar')).match).toBe(false);
      expect(matchVpdq(sample('chair-orig-22-hd-no-bar'), sample('chair-orig-22-fhd-no-bar')).match).toBe(true);
    });

    it("the 1 hash/s subset of chair-20-sd-bar equals python-threatexchange's expected 1 hash/s signal", () => {
      // python-threatexchange/threatexchange/extensions/vpdq/tests/test_vpdq_hash_and_match.py
      // expects these 21 hashes (quality 100, timestamps 0.0, 1.0, ...) from VPDQSignal.hash_from_file.
      const expected = [
        'e42926b9cb58d261383b699f0ff2e1076fe6183dff4986d82ca36da48034fc54',
        '4ce949b11f1035e2f2eb0a5e76f68716870e70f97bd91d1049a3dbe1d164b454',
        '643c8f9e5f0eb6866886355a4a4bdbe38343a4e924b969b41d321ba33a85f55e',
        '02b456d6bd4b6d695aa51772cdb8fa1df0ced12ea64b82f106e53d1b7e0b8050',
        'e64c35684e8d8926cc96324b66b9c999d92c37566669999b9bb166e464cbdd11',
        '46d86a5cc1ac1787f2b5cb895833c6a59e07b37ca60524ccaf1b69af9b2d9053',
        'c5f2ada74d0649858d6f1d26adace8fcd4b98d1938d131fca75a9611b41332d2',
        '093455b85518971cb48dad0f2b464a7552b3049345a905e904db2fde6ff66ff9',
        'e25339b25ecca73c5b1c84650a4b17a6afd21eac3d12fa14f00ff81bf03ce178',
        '8834b4ce2ca75b4d964e2526096f02cc27a63fa7be42fc16f83f486b487e4b78',
        'b26d60de1b62b499e0bc83680f8c3b25f0fae3b6c72b6e397c3414710e634d4e',
        'b506c921960c6d24e70705071c3b64e6e1a7ced61cf639ea199e1e345b726f6e',
        '93457d84eb67a4c33a63f4ca9307361b7161e709cc1578c129c93cbc94b0df5e',
        '419d81cc6926e1c6cfe67ae6e1e6c25b9af03349e7057641acc98c1c96196f5e',
        '64368799091de307e9855b6ee1e6c3e61ff633618701c64378c91c9d9499d75a',
        '256393c7dbcc7cb93665831385dae732586338abf439c89683c6a3e1d129b552',
        'cad9719334499e3dcb3361233744e9cc519b2a89d7e8a21734f679696921d556',
        'e0d8834b1f0bebf1e362e4ad0bac1b5efc9a81cb6ee97c34812793a19285e554',
        '9d4a35397761e5511559f178e5660f06dd4ec1b97f99b952122326e9e269d114',
        '792efd6e85e31b812a5162f95ea63a5622d60bb99d70a2564aab5de99549a154',
        'efc4c1861a3326f148d9de093bb9c1b65d46acab80dcdf42895e223d7f61c554',
      ].map((hex, i) => feature(pdqFromHex(hex), 100, i));
      const step = vpdqFrameStep(1, 30);
      const subset = sample('chair-20-sd-bar').filter((f) => f.frameNumber % step === 0);
      expect(subset.map((f) => formatVpdqTimestamp(f.timestamp))).toEqual(expected.map((f) => formatVpdqTimestamp(f.timestamp)));
      expect(matchVpdq(subset, expected)).toEqual({ queryMatchPercent: 100, comparedMatchPercent: 100, match: true });
      const byline = matchHashFilesByLine(expected, subset);
      expect(byline.match).toBe(true);
      expect(byline.maxDistance).toBeLessThanOrEqual(2);
    });
  });
});

describe('matchHashFilesByLine (match-hashes-byline.cpp)', () => {
  const base = pdqFromHex(BASE_HEX);

  it('passes a file against itself and against its sepia variant; a logo overlay fails', () => {
    const native = sample('chair-orig-22-sd-bar');
    expect(matchHashFilesByLine(native, native)).toEqual({
      match: true,
      percent: 100,
      compared: native.length,
      matched: native.length,
      skipped: 0,
      maxDistance: 0,
      lengthsDiffer: false,
    });
    expect(matchHashFilesByLine(native, sample('chair-22-sd-sepia-bar'))).toMatchObject({ match: true, percent: 100 });
    const logo = matchHashFilesByLine(native, sample('chair-22-with-small-logo-bar'));
    expect(logo).toMatchObject({ match: false, compared: 673, matched: 634 });
    expect(logo.percent).toBe(Math.fround(Math.fround(634 * 100) / 673)); // 94.205, float32 as the C++ tool
  });

  it('uses distance < 31 (strict) and skips pairs with a quality < 50', () => {
    const expected = [feature(base, 100), feature(base, 100), feature(base, 49), feature(base, 100)];
    const actual = [feature(flipped(base, 30), 100), feature(base, 100), feature(flipped(base, 200), 100), feature(base, 50)];
    expect(matchHashFilesByLine(expected, actual)).toMatchObject({ match: true, compared: 3, matched: 3, skipped: 1, maxDistance: 30 });
    actual[0] = feature(flipped(base, 31), 100);
    const failing = matchHashFilesByLine(expected, actual);
    expect(failing).toMatchObject({ match: false, compared: 3, matched: 2, maxDistance: 31 });
    expect(failing.percent).toBe(Math.fround(Math.fround(200) / 3));
  });

  it('fails lists of different lengths and lists with nothing to compare', () => {
    expect(matchHashFilesByLine([feature(base)], [])).toMatchObject({ match: false, lengthsDiffer: true });
    expect(matchHashFilesByLine([feature(base, 0)], [feature(base, 0)])).toMatchObject({ match: false, compared: 0, skipped: 1 });
  });
});
