import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computePdq, computePdqDihedral, PDQ_MATCH_DISTANCE, pdqDistance } from '../pdq/pdq.ts';
import {
  HammingIndex,
  HammingIndexError,
  hammingBruteForce,
  hammingSlotCount,
  hammingSlotRadii,
  type HammingBits,
  type HammingIndexTuning,
  type HammingMatch,
} from './hamming-index.ts';

/** Thresholds from the issue: below, at and above the PDQ slot guarantee (31). */
const PDQ_THRESHOLDS = [0, 1, 8, 15, 16, 31, 32, 40, 63];
const SIMHASH_THRESHOLDS = [0, 1, 3, 5, 6, 7, 8, 16, 40];

/**
 * Small indexes use small buckets and merge thresholds, so that a few hundred
 * entries exercise residual filtering, delta lists, merges and compaction.
 */
const SMALL: Partial<HammingIndexTuning> = {
  targetBucketSize: 2,
  minDeltaRows: 8,
  deltaFraction: 1 / 8,
  compactMinTombstones: 4,
  compactFraction: 0.25,
};
/** Merges every couple of adds, so merges that insert one or two rows (the smallest shifts) are common. */
const EVERY_FEW: Partial<HammingIndexTuning> = { ...SMALL, targetBucketSize: 1, minDeltaRows: 1, deltaFraction: 0 };

// ---------------------------------------------------------------------------
// Oracle: bit by bit, sharing no code with the index.

function naiveDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length === 32) return pdqDistance(a, b);
  let d = 0;
  for (let i = 0; i < a.length * 8; i++) d += ((a[i >> 3]! ^ b[i >> 3]!) >> (i & 7)) & 1;
  return d;
}

function oracle(model: Map<number, Uint8Array>, query: Uint8Array, maxDistance: number): HammingMatch[] {
  const out: HammingMatch[] = [];
  for (const [id, hash] of model) {
    const distance = naiveDistance(hash, query);
    if (distance <= maxDistance) out.push({ id, distance });
  }
  return out.sort((a, b) => a.distance - b.distance || a.id - b.id);
}

// ---------------------------------------------------------------------------
// Generators.

const hashOf = (bits: HammingBits): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: bits / 8, maxLength: bits / 8 });

/** Flips the listed bit positions (repeats cancel, so the distance is at most positions.length). */
function flip(hash: Uint8Array, positions: readonly number[]): Uint8Array {
  const out = hash.slice();
  for (const p of positions) out[p >> 3]! ^= 1 << (p & 7);
  return out;
}

/** A hash at distance 0..maxFlips from `centre`. */
const nearOf = (bits: HammingBits, maxFlips: number) =>
  fc.array(fc.integer({ min: 0, max: bits - 1 }), { maxLength: maxFlips });

/**
 * Clustered data, the hard case for MIH: a few centres, each with many
 * neighbours at distances 0..40 (many share whole slots with their centre),
 * plus unrelated hashes; queries near the centres and the neighbours.
 */
const clustered = (bits: HammingBits, maxFlips: number) =>
  fc
    .record({
      centres: fc.array(hashOf(bits), { minLength: 1, maxLength: 4 }),
      members: fc.array(fc.tuple(fc.nat(), nearOf(bits, maxFlips)), { maxLength: 150 }),
      noise: fc.array(hashOf(bits), { maxLength: 40 }),
      queries: fc.array(fc.tuple(fc.nat(), nearOf(bits, maxFlips)), { minLength: 1, maxLength: 4 }),
    })
    .map(({ centres, members, noise, queries }) => {
      const hashes = [
        ...centres,
        ...members.map(([c, flips]) => flip(centres[c % centres.length]!, flips)),
        ...noise,
      ];
      return {
        hashes,
        queries: [
          centres[0]!,
          ...queries.map(([i, flips]) => flip(hashes[i % hashes.length]!, flips)),
        ],
      };
    });

type Loading = 'add' | 'addMany' | 'addMany+flush' | 'mixed';
const loadings: Loading[] = ['add', 'addMany', 'addMany+flush', 'mixed'];

/** Loads hashes (ids = positions) in one of the ways an index is filled: run, delta, unindexed tail, or all three. */
function load(index: HammingIndex, hashes: Uint8Array[], loading: Loading): Map<number, Uint8Array> {
  const model = new Map<number, Uint8Array>();
  const bytes = index.bits / 8;
  const bulk = (from: number, to: number): void => {
    const flat = new Uint8Array((to - from) * bytes);
    for (let i = from; i < to; i++) flat.set(hashes[i]!, (i - from) * bytes);
    index.addMany(
      Array.from({ length: to - from }, (_, k) => from + k),
      flat,
    );
  };
  const third = Math.floor(hashes.length / 3);
  if (loading === 'add') hashes.forEach((h, i) => index.add(i, h));
  if (loading === 'addMany' || loading === 'addMany+flush') bulk(0, hashes.length);
  if (loading === 'addMany+flush') index.flush();
  if (loading === 'mixed') {
    bulk(0, third);
    index.flush();
    for (let i = third; i < 2 * third; i++) index.add(i, hashes[i]!);
    bulk(2 * third, hashes.length);
  }
  hashes.forEach((h, i) => model.set(i, h));
  expect(index.checkIntegrity()).toEqual([]);
  return model;
}

function expectExact(index: HammingIndex, model: Map<number, Uint8Array>, query: Uint8Array, d: number): void {
  const want = oracle(model, query, d);
  expect(index.query(query, d), `query at d=${d}`).toEqual(want);
  expect(index.bruteForce(query, d), `bruteForce at d=${d}`).toEqual(want);
}

// ---------------------------------------------------------------------------

describe('HammingIndex (PDQ, 256 bits)', () => {
  it('uses 10 slots of 25–26 bits with radii summing to 32 at d ≤ 31', () => {
    const index = new HammingIndex({ bits: 256, maxDistance: PDQ_MATCH_DISTANCE });
    const { slotWidths, slotRadii } = index.stats();
    expect(slotWidths).toEqual([26, 26, 26, 26, 26, 26, 25, 25, 25, 25]);
    expect(slotRadii).toEqual([3, 3, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(slotWidths.reduce((a, b) => a + b)).toBe(256);
    expect(slotRadii.reduce((a, r) => a + r + 1, 0)).toBe(32);
  });

  it('finds an entry added one call earlier, and forgets one removed', () => {
    const index = new HammingIndex({ bits: 256, maxDistance: 31 });
    const h = new Uint8Array(32).fill(0xa5);
    index.add(7, h);
    expect(index.has(7)).toBe(true);
    expect(index.size).toBe(1);
    expect(index.query(flip(h, [0, 100, 255]), 31)).toEqual([{ id: 7, distance: 3 }]);
    expect(index.remove(7)).toBe(true);
    expect(index.remove(7)).toBe(false);
    expect(index.has(7)).toBe(false);
    expect(index.query(h, 31)).toEqual([]);
    expect(index.size).toBe(0);
  });

  it('replaces the hash when an id is added again', () => {
    const index = new HammingIndex({ bits: 256, maxDistance: 31 });
    const a = new Uint8Array(32);
    const b = new Uint8Array(32).fill(0xff);
    index.add(1, a);
    index.add(1, b);
    expect(index.size).toBe(1);
    expect(index.query(a, 31)).toEqual([]);
    expect(index.query(b, 0)).toEqual([{ id: 1, distance: 0 }]);
  });

  it('rejects malformed input with a stable code', () => {
    const index = new HammingIndex({ bits: 256, maxDistance: 31 });
    const bad = (f: () => unknown): void => {
      expect(f).toThrow(HammingIndexError);
      try {
        f();
      } catch (error) {
        expect((error as HammingIndexError).code).toBe('VIGIL_HAMMING_INPUT_INVALID');
      }
    };
    bad(() => index.add(1, new Uint8Array(8)));
    bad(() => index.add(-1, new Uint8Array(32)));
    bad(() => index.add(1.5, new Uint8Array(32)));
    bad(() => index.add(2 ** 32, new Uint8Array(32)));
    bad(() => index.query(new Uint8Array(32), -1));
    bad(() => index.query(new Uint8Array(32), 2.5));
    bad(() => index.addMany([1, 2], new Uint8Array(32)));
    bad(() => new HammingIndex({ bits: 128 as HammingBits, maxDistance: 31 }));
    bad(() => new HammingIndex({ bits: 256, maxDistance: 256 }));
    bad(() => new HammingIndex({ bits: 256, maxDistance: 31, slotCount: 33 }));
    expect(index.size).toBe(0);
  });

  it('equals brute force on random hashes at every threshold', () => {
    fc.assert(
      fc.property(
        fc.array(hashOf(256), { maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(), nearOf(256, 40)), { minLength: 1, maxLength: 3 }),
        hashOf(256),
        fc.constantFrom(...loadings),
        (hashes, near, unrelated, loading) => {
          const index = new HammingIndex({ bits: 256, maxDistance: 31, tuning: SMALL });
          const model = load(index, hashes, loading);
          const queries = [unrelated, ...near.map(([i, f]) => (hashes.length ? flip(hashes[i % hashes.length]!, f) : unrelated))];
          for (const q of queries) for (const d of PDQ_THRESHOLDS) expectExact(index, model, q, d);
        },
      ),
    );
  });

  it('equals brute force on clustered hashes (neighbours at 0–40 bits) at every threshold', () => {
    fc.assert(
      fc.property(clustered(256, 40), fc.constantFrom(...loadings), ({ hashes, queries }, loading) => {
        const index = new HammingIndex({ bits: 256, maxDistance: 31, tuning: SMALL });
        const model = load(index, hashes, loading);
        for (const q of queries) for (const d of PDQ_THRESHOLDS) expectExact(index, model, q, d);
      }),
    );
  });

  it('equals brute force with default tuning (one bucket per prefix bit, no merges)', () => {
    fc.assert(
      fc.property(clustered(256, 40), fc.constantFrom(...loadings), ({ hashes, queries }, loading) => {
        const index = new HammingIndex({ bits: 256, maxDistance: 31 });
        const model = load(index, hashes, loading);
        for (const q of queries) for (const d of PDQ_THRESHOLDS) expectExact(index, model, q, d);
      }),
      { numRuns: 40 },
    );
  });

  it('equals brute force with other layouts: 8, 11, 16 (the reference) and 32 slots', () => {
    fc.assert(
      fc.property(clustered(256, 40), fc.constantFrom(8, 11, 16, 32), ({ hashes, queries }, slotCount) => {
        const index = new HammingIndex({ bits: 256, maxDistance: 31, slotCount, tuning: SMALL });
        const model = load(index, hashes, 'mixed');
        expect(index.stats().slotWidths).toHaveLength(slotCount);
        for (const q of queries) for (const d of PDQ_THRESHOLDS) expectExact(index, model, q, d);
      }),
      { numRuns: 40 },
    );
  });

  it('stays exact through interleaved adds, removes, merges and compactions', () => {
    type Op =
      | { kind: 'add'; id: number; centre: number; flips: number[] }
      | { kind: 'addMany'; ids: number[]; centre: number; flips: number[] }
      | { kind: 'remove'; id: number }
      | { kind: 'query'; centre: number; flips: number[]; d: number }
      | { kind: 'maintain' | 'flush' | 'compact' };
    const id = fc.integer({ min: 0, max: 60 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), id, centre: fc.nat(2), flips: nearOf(256, 40) }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('addMany' as const),
          ids: fc.array(id, { maxLength: 12 }),
          centre: fc.nat(2),
          flips: nearOf(256, 40),
        }),
      },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('remove' as const), id }) },
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('query' as const),
          centre: fc.nat(2),
          flips: nearOf(256, 40),
          d: fc.constantFrom(...PDQ_THRESHOLDS),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('maintain' as const, 'flush' as const, 'compact' as const) }) },
    );
    fc.assert(
      fc.property(
        fc.array(hashOf(256), { minLength: 3, maxLength: 3 }),
        fc.array(op, { maxLength: 120 }),
        fc.constantFrom(SMALL, EVERY_FEW),
        (centres, ops, tuning) => {
          const index = new HammingIndex({ bits: 256, maxDistance: 31, tuning });
          const model = new Map<number, Uint8Array>();
          for (const o of ops) {
            switch (o.kind) {
              case 'add': {
                const h = flip(centres[o.centre]!, o.flips);
                index.add(o.id, h);
                model.set(o.id, h);
                // Visible to the very next lookup.
                expect(index.query(h, 0).some((m) => m.id === o.id)).toBe(true);
                break;
              }
              case 'addMany': {
                const flat = new Uint8Array(32 * o.ids.length);
                o.ids.forEach((i, k) => {
                  const h = flip(centres[o.centre]!, [...o.flips, k]);
                  flat.set(h, 32 * k);
                  model.set(i, h);
                });
                index.addMany(o.ids, flat);
                break;
              }
              case 'remove': {
                const h = model.get(o.id);
                expect(index.remove(o.id)).toBe(model.delete(o.id));
                // Gone from the very next lookup, at any distance.
                if (h) expect(index.query(h, 63).some((m) => m.id === o.id)).toBe(false);
                break;
              }
              case 'query':
                expectExact(index, model, flip(centres[o.centre]!, o.flips), o.d);
                break;
              default:
                index[o.kind]();
            }
            expect(index.size).toBe(model.size);
            expect(index.checkIntegrity()).toEqual([]);
          }
          for (const c of centres) for (const d of PDQ_THRESHOLDS) expectExact(index, model, c, d);
          // Every live entry is still reachable through the slots.
          for (const [id, h] of model) expect(index.query(h, 0).some((m) => m.id === id)).toBe(true);
        },
      ),
    );
  });

  it('keeps the id table consistent through colliding adds and removes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 300 }),
        fc.constantFrom(0, 1, 0xffffffff - 40),
        (ops, offset) => {
          const index = new HammingIndex({ bits: 64, maxDistance: 3, tuning: { compactMinTombstones: 1_000_000 } });
          const live = new Set<number>();
          const hash = new Uint8Array(8);
          for (const [adding, k] of ops) {
            const id = offset + k;
            if (adding) {
              index.add(id, hash);
              live.add(id);
            } else {
              expect(index.remove(id)).toBe(live.delete(id));
            }
            for (let j = 0; j <= 40; j++) expect(index.has(offset + j)).toBe(live.has(offset + j));
          }
          expect(index.query(hash, 0).map((m) => m.id)).toEqual([...live].sort((a, b) => a - b));
        },
      ),
    );
  });

  it('queryMany returns each entry once, with its smallest distance and the first query reaching it', () => {
    fc.assert(
      fc.property(
        clustered(256, 40),
        fc.array(fc.tuple(fc.nat(), nearOf(256, 40)), { minLength: 7, maxLength: 7 }),
        fc.constantFrom(0, 8, 31, 40),
        ({ hashes }, near, d) => {
          const index = new HammingIndex({ bits: 256, maxDistance: 31, tuning: SMALL });
          const model = load(index, hashes, 'mixed');
          // 8 queries, as the 8 dihedrals: some near stored hashes, some not.
          const queries = [hashes[0]!, ...near.map(([i, f]) => flip(hashes[i % hashes.length]!, f))];
          const want = new Map<number, { distance: number; queryIndex: number }>();
          queries.forEach((q, queryIndex) => {
            for (const m of oracle(model, q, d)) {
              const seen = want.get(m.id);
              if (!seen || m.distance < seen.distance) want.set(m.id, { distance: m.distance, queryIndex });
            }
          });
          const expected = [...want]
            .map(([id, v]) => ({ id, ...v }))
            .sort((a, b) => a.distance - b.distance || a.id - b.id);
          expect(index.queryMany(queries, d)).toEqual(expected);
        },
      ),
    );
  });

  it('finds a rotated image through its dihedral hashes', () => {
    const W = 96;
    const H = 80;
    const image = new Uint8Array(W * H);
    let seed = 7;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        const disc = (x - 30) ** 2 + (y - 20) ** 2 < 200 ? 80 : 0;
        image[y * W + x] = (2 * x + (y > 40 ? 90 : 0) + disc + (seed >>> 28)) & 255;
      }
    }
    const rotated = new Uint8Array(W * H); // 90° clockwise: H wide, W high
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rotated[x * H + (H - 1 - y)] = image[y * W + x]!;

    const index = new HammingIndex({ bits: 256, maxDistance: PDQ_MATCH_DISTANCE });
    index.add(42, computePdq(image, W, H, 1).hash);
    expect(index.query(computePdq(rotated, H, W, 1).hash, PDQ_MATCH_DISTANCE)).toEqual([]);
    const dihedrals = Object.values(computePdqDihedral(rotated, H, W, 1).hashes);
    const [match, ...rest] = index.queryMany(dihedrals, PDQ_MATCH_DISTANCE);
    expect(rest).toEqual([]);
    expect(match?.id).toBe(42);
    expect(match!.distance).toBeLessThanOrEqual(10);
    expect(match!.queryIndex).toBeGreaterThan(0);
  });

  it('stays exact at 20,000 clustered entries through default merges, removals and a compaction', () => {
    let seed = 1;
    const next = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed;
    };
    const random = (): Uint8Array => Uint8Array.from({ length: 32 }, () => next() >>> 24);
    const centres = Array.from({ length: 20 }, random);
    const nearCentre = (k: number): Uint8Array =>
      flip(
        centres[next() % centres.length]!,
        Array.from({ length: k }, () => next() & 255),
      );
    const index = new HammingIndex({ bits: 256, maxDistance: 31 });
    const model = new Map<number, Uint8Array>();
    const queries = Array.from({ length: 30 }, () => nearCentre(next() % 25));
    // Serving: adds between lookups, so rows go through deltas and merges.
    for (let i = 0; i < 20_000; i++) {
      const h = i % 4 === 0 ? nearCentre(next() % 41) : random();
      index.add(i, h);
      model.set(i, h);
      if (i % 50 === 0) index.query(queries[i % queries.length]!, 31);
    }
    expect(index.stats()).toMatchObject({ unindexedRows: 0, prefixBits: Array(10).fill(10) });
    for (let i = 0; i < 20_000; i += 3) {
      index.remove(i);
      model.delete(i);
    }
    expect(index.stats().tombstones).toBe(6667);
    const everyLiveEntryFindsItself = (): void => {
      expect(index.checkIntegrity()).toEqual([]);
      for (const [id, h] of model) if (id % 5 === 1) expect(index.query(h, 0).some((m) => m.id === id)).toBe(true);
    };
    everyLiveEntryFindsItself();
    for (const query of queries) for (const d of [8, 31, 40]) expectExact(index, model, query, d);
    index.maintain(); // a third are tombstones: compaction is due
    expect(index.stats()).toMatchObject({ tombstones: 0, rows: model.size, deltaRows: 0, unindexedRows: 0 });
    for (const query of queries) for (const d of [8, 31, 40]) expectExact(index, model, query, d);
    everyLiveEntryFindsItself();
    // A burst of adds with no lookup in between (a bulk load) goes to the
    // unindexed tail, exact by flat scan, and maintenance folds it in.
    for (let i = 20_000; i < 30_000; i++) {
      const h = nearCentre(next() % 41);
      index.add(i, h);
      model.set(i, h);
    }
    expect(index.stats().unindexedRows).toBe(10_000 - 4096);
    for (const query of queries) for (const d of [8, 31, 40]) expectExact(index, model, query, d);
    everyLiveEntryFindsItself();
    while (index.maintain()) {
      // one slot per step
    }
    expect(index.stats()).toMatchObject({ unindexedRows: 0, deltaRows: 0 });
    for (const query of queries) for (const d of [8, 31, 40]) expectExact(index, model, query, d);
    everyLiveEntryFindsItself();
  });
});

describe('HammingIndex (SimHash, 64 bits)', () => {
  it('uses 32-bit slots at d ≤ 3 and stays exact', () => {
    expect(new HammingIndex({ bits: 64, maxDistance: 3 }).stats().slotWidths).toEqual([32, 32]);
    expect(new HammingIndex({ bits: 64, maxDistance: 7 }).stats().slotWidths).toEqual([22, 21, 21]);
  });

  it('equals brute force on clustered hashes at every threshold', () => {
    fc.assert(
      fc.property(
        clustered(64, 12),
        fc.constantFrom(3, 7, 10),
        fc.constantFrom(...loadings),
        ({ hashes, queries }, maxDistance, loading) => {
          const index = new HammingIndex({ bits: 64, maxDistance, tuning: SMALL });
          const model = load(index, hashes, loading);
          for (const q of queries) for (const d of SIMHASH_THRESHOLDS) expectExact(index, model, q, d);
        },
      ),
    );
  });
});

describe('slot layout', () => {
  it('covers d + 1 by pigeonhole at every distance', () => {
    fc.assert(
      fc.property(fc.constantFrom<HammingBits>(64, 256), fc.nat(255), (bits, raw) => {
        const maxDistance = raw % bits;
        const m = hammingSlotCount(bits, maxDistance);
        expect(m).toBeGreaterThanOrEqual(1);
        expect(m).toBeLessThanOrEqual(maxDistance + 1);
        for (let d = 0; d <= maxDistance; d++) {
          const radii = hammingSlotRadii(m, d);
          expect(radii.reduce((a, r) => a + r + 1, 0)).toBe(d + 1);
          expect(Math.max(...radii) - Math.min(...radii)).toBeLessThanOrEqual(1);
        }
        const index = new HammingIndex({ bits, maxDistance });
        expect(index.stats().slotWidths.every((w) => w >= 1 && w <= 32)).toBe(true);
      }),
    );
  });

  it('brute-force helper agrees with the oracle', () => {
    fc.assert(
      fc.property(fc.array(hashOf(256), { maxLength: 30 }), hashOf(256), fc.nat(256), (hashes, q, d) => {
        const entries = hashes.map((hash, id) => ({ id, hash }));
        expect(hammingBruteForce(entries, q, d)).toEqual(oracle(new Map(hashes.map((h, i) => [i, h])), q, d));
      }),
    );
  });
});
