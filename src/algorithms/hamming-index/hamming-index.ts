/**
 * Exact in-memory Hamming-range index for fixed-length binary hashes: PDQ and
 * vPDQ frames (256 bits), SimHash (64 bits). Hand-written.
 *
 * Why hand-written: no maintained JS package does exact Hamming-range search
 * at 10M-hash scale in compact memory with immediate inserts and deletes.
 * `faiss-node` (a native addon, "very early stage") binds only FAISS's float
 * indexes, not the IndexBinary / MultiHash ones HMA uses; npm's Hamming
 * packages compute a distance, and its BK-trees keep an object per entry.
 * The index decides whether a re-upload is caught, a product core, so we own
 * it and test it against brute force (hamming-index.test.ts).
 *
 * Method: multi-index hashing (Norouzi, Punjani & Fleet, "Fast search in
 * Hamming space with multi-index hashing", CVPR 2012), as in the PDQ C++
 * index (`pdq/cpp/index/mih.h`, `pdq/README-MIH.md`) and HMA's FAISS
 * `IndexBinaryMultiHash`, with a different slot layout.
 *
 * - The hash is cut into m disjoint slots of ≤ 32 bits. Probe slot s with
 *   radius r_s where Σ (r_s + 1) = d + 1: two hashes within d bits then agree
 *   to within r_s bits in at least one slot (generalised pigeonhole: otherwise
 *   they would differ in ≥ d + 1 bits). Every candidate is checked on all
 *   bits, so the result is exact: all matches, no false positives.
 * - PDQ at d ≤ 31 uses 10 slots of 25–26 bits, radius 3 on two and 2 on the
 *   rest (`hammingSlotCount`), not the reference's 16 × 16 bits at radius 1
 *   or 32 × 8 bits at radius 0. At 10M hashes a 16-bit slot value is shared by
 *   ~150 hashes, so 16 × 17 probes fetch ~40,000 candidates from random memory
 *   per lookup (the reference MIH does 114 lookups/s at 10M, issue #1810).
 *   Measured here at 10M (`bench/hamming-index.ts --slots`): 16 × 16 bits
 *   ~540 lookups/s and 1,108 MiB RSS; 11 slots at radius ≤ 2 ~3,300/s and
 *   934 MiB (980 MiB peak); 10 slots ~2,400/s and 903 MiB (940 MiB peak);
 *   32 × 8 bits manages ~240/s already at 1M. Each slot costs 4 B per hash,
 *   and 10 slots is the layout that stays under 1 GB (10^9 B) with margin.
 * - A smaller query distance lowers the radii (d = 8 probes 9 slots at radius
 *   0); above the `maxDistance` the index was built for, `query` falls back to
 *   a flat popcount scan, which is exact at any distance.
 *
 * Storage, all typed arrays (no object per entry):
 * - Hashes (bits/32 big-endian words per row) and ids in pages of 2^16 rows,
 *   so growth never copies or briefly doubles hundreds of MB; a tombstone
 *   bitset; id → row in 256 open-addressing segments resized one at a time.
 * - Per slot, a run in CSR form: entries grouped by the top P bits of the
 *   slot value (the prefix), each packing row << R | the other R bits (the
 *   residual) into a Uint32, with a directory of bucket starts; P is chosen
 *   for ~32 entries per bucket. A probe lists the prefixes within the radius
 *   and scans each bucket once, filtering on the residual: Σ_{i≤r} C(P, i)
 *   bucket scans per slot instead of Σ_{i≤r} C(w, i) hash-table probes.
 * - Lookups run in passes (bucket bounds, bucket scans, candidate checks),
 *   each touching its memory in a tight loop first, so cache misses overlap
 *   (a software prefetch; it doubles lookups/s at 10M).
 * - Per slot, a delta: rows added since the run was built, as linked lists
 *   keyed by a shorter prefix. `add` links the row into every slot's delta,
 *   O(m), and the next lookup sees it: no rebuild. When a delta exceeds
 *   max(minDeltaRows, deltaFraction × run) it is merged into its run in
 *   place (the run keeps room for it), one slot per `add`, ~30–60 ms at 10M.
 * - `addMany` appends without touching the slots (bulk loading), and so does
 *   a burst of more than `minDeltaRows` adds with no lookup in between (a bulk
 *   load through `add`, which would otherwise merge every few thousand rows:
 *   O(N²)). Rows not yet in every slot are covered by a flat scan, so lookups
 *   stay exact until `flush()` or `maintain()` folds them in.
 * - `remove` sets a tombstone, checked on every match. `maintain()` (for an
 *   idle timer) compacts when tombstones exceed `compactFraction` of the rows:
 *   rows renumbered, runs remapped in place (~1.3 s at 10M).
 *
 * Each live row sits exactly once in each slot (run or delta), and a match is
 * reported only from the first slot whose probe reaches it, so results need no
 * deduplication set. `checkIntegrity()` verifies that structure in tests.
 *
 * Pure module: typed arrays and arithmetic only.
 */

/** Supported hash lengths: 256 for PDQ and vPDQ frames, 64 for SimHash. */
export type HammingBits = 64 | 256;

/** Rows (live + tombstoned, before compaction) one index can hold. */
export const HAMMING_INDEX_MAX_ROWS = 2 ** 28;

/** Largest slot width: slot values are handled as unsigned 32-bit integers. */
const MAX_SLOT_BITS = 32;
/**
 * The automatic layout gives each slot a budget of (r + 1) = 3.2 on average,
 * i.e. radius 2, and radius 3 on a fifth of the slots (see hammingSlotCount).
 */
const MEAN_SLOT_BUDGET = 3.2;
/** Directory size cap (2^24 buckets = 64 MiB per slot). */
const MAX_PREFIX_BITS = 24;
/** id → row table: segments, their largest load factor and smallest size. */
const ID_SEGMENTS = 256;
const ID_TABLE_LOAD = 0.8;
const ID_SEGMENT_MIN = 8;
/** Rows per storage page (2 MiB of PDQ hashes). */
const PAGE_SHIFT = 16;
const PAGE_ROWS = 2 ** PAGE_SHIFT;
const PAGE_MASK = PAGE_ROWS - 1;
/** The delta's list heads use this many fewer prefix bits than the run's directory. */
const DELTA_PREFIX_SHIFT = 3;
/** Candidates collected before they are checked on all bits. */
const CANDIDATE_BATCH = 4096;

export interface HammingIndexTuning {
  /** Entries per run bucket the prefix length aims at. */
  targetBucketSize: number;
  /** A slot's delta is merged into its run once it holds more rows than this… */
  minDeltaRows: number;
  /** …and more than this fraction of the run. */
  deltaFraction: number;
  /** Compaction needs at least this many tombstones… */
  compactMinTombstones: number;
  /** …and more than this fraction of all rows. */
  compactFraction: number;
}

export const DEFAULT_HAMMING_INDEX_TUNING: Readonly<HammingIndexTuning> = Object.freeze({
  targetBucketSize: 32,
  minDeltaRows: 4096,
  deltaFraction: 1 / 256,
  compactMinTombstones: 1024,
  compactFraction: 0.25,
});

export interface HammingIndexOptions {
  bits: HammingBits;
  /**
   * Largest threshold ever queried through the slots (31 for PDQ). Sets the
   * slot layout; `query` with a larger distance is still exact, by flat scan.
   */
  maxDistance: number;
  /** Rows to allocate up front (e.g. the bank size on load). */
  initialCapacity?: number;
  /** Override the number of slots (benchmarks compare layouts); the radii follow by pigeonhole. */
  slotCount?: number;
  tuning?: Partial<HammingIndexTuning>;
}

export interface HammingMatch {
  id: number;
  distance: number;
}

export interface HammingMultiMatch {
  id: number;
  /** Smallest distance over the queries. */
  distance: number;
  /** First query (index into the `hashes` argument) at that distance. */
  queryIndex: number;
}

export interface HammingIndexStats {
  bits: HammingBits;
  maxDistance: number;
  /** Live entries. */
  size: number;
  /** Rows in storage, tombstones included. */
  rows: number;
  tombstones: number;
  slotWidths: number[];
  /** Per-slot radii used for a query at `maxDistance`. */
  slotRadii: number[];
  /** Per-slot prefix bits of the current run. */
  prefixBits: number[];
  /** Rows in slot deltas (summed over slots). */
  deltaRows: number;
  /** Rows not yet in every slot (covered by a flat scan until `flush`). */
  unindexedRows: number;
  /** Bytes held in typed arrays (allocated capacity). */
  bytes: number;
}

export type HammingIndexErrorCode = 'VIGIL_HAMMING_INPUT_INVALID' | 'VIGIL_HAMMING_INDEX_FULL';

export class HammingIndexError extends Error {
  readonly code: HammingIndexErrorCode;

  constructor(code: HammingIndexErrorCode, message: string) {
    super(message);
    this.name = 'HammingIndexError';
    this.code = code;
  }
}

interface Slot {
  /** First word of the slot in a row, bit shift inside it, width in bits. */
  readonly word: number;
  readonly shift: number;
  readonly width: number;
  prefixBits: number;
  residualBits: number;
  residualMask: number;
  /** 2^P + 1 words: [p] start of bucket p in `entries`, [2^P] = run length. */
  dir: Uint32Array;
  /** Run entries, row << R | residual, grouped by prefix. */
  entries: Uint32Array;
  /** Rows below this were considered when the run was built (the live ones are in it). */
  runEnd: number;
  /** Delta list heads (node + 1, 0 = none) by the top `deltaPrefixBits` bits; empty while the delta is. */
  deltaHeads: Uint32Array;
  deltaPrefixBits: number;
  /** Delta nodes, 3 words each: next node + 1, row, slot value. */
  delta: Uint32Array;
  deltaNodes: number;
  /** Rows in [runEnd, deltaEnd) are in the delta; rows from deltaEnd on are in neither. */
  deltaEnd: number;
}

/** Set bits in a 32-bit integer (SWAR; JS has no popcount instruction). */
function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between two byte strings of equal length (any length). */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) {
    throw new HammingIndexError('VIGIL_HAMMING_INPUT_INVALID', `hash lengths differ: ${a.length} and ${b.length}`);
  }
  let d = 0;
  for (let i = 0; i < a.length; i++) d += popcount32(a[i]! ^ b[i]!);
  return d;
}

/**
 * Every entry within `maxDistance` of `query`, by comparing with each one: the
 * oracle the index is tested against. Sorted by distance, then id.
 */
export function hammingBruteForce(
  entries: Iterable<{ id: number; hash: Uint8Array }>,
  query: Uint8Array,
  maxDistance: number,
): HammingMatch[] {
  const out: HammingMatch[] = [];
  for (const { id, hash } of entries) {
    const distance = hammingDistance(hash, query);
    if (distance <= maxDistance) out.push({ id, distance });
  }
  return out.sort(compareMatches);
}

function compareMatches(a: HammingMatch, b: HammingMatch): number {
  return a.distance - b.distance || a.id - b.id;
}

/** The slot value of the row starting at `base`: `width` bits from bit `shift` of word `word`, MSB first. */
function slotValue(words: Uint32Array, base: number, word: number, shift: number, width: number): number {
  let x = words[base + word]! << shift;
  if (shift !== 0 && shift + width > 32) x |= words[base + word + 1]! >>> (32 - shift);
  return x >>> (32 - width);
}

function bitLength(n: number): number {
  return n <= 0 ? 0 : 32 - Math.clz32(n);
}

/**
 * Slot count for a hash length and a largest query distance: the fewest slots
 * of ≤ 32 bits whose radii average about 2.2 (Σ (r + 1) = d + 1 ≤ 3.2 m), and
 * never more than d + 1 (more could not all be probed). Fewer slots mean less
 * memory (4 B per hash per slot) but radius-3 probes, whose prefix
 * enumeration grows as C(P, 3); more slots mean narrower slots and more
 * candidates. For PDQ at d ≤ 31 this gives 10 slots (8 at radius 2, 2 at
 * radius 3): measured at 10M hashes it has ~73% of the lookups/s of 11 slots
 * at radius ≤ 2 for 41 MiB less, which keeps 10M hashes under 1 GB; 12 slots
 * are slower, 9 are slower and barely smaller (wider slots need longer
 * prefixes to pack row numbers, so larger directories), 8 are slower and
 * larger (`bench/hamming-index.ts --slots`).
 */
export function hammingSlotCount(bits: HammingBits, maxDistance: number): number {
  const budget = maxDistance + 1;
  return Math.min(budget, bits, Math.max(Math.ceil(budget / MEAN_SLOT_BUDGET - 1e-9), Math.ceil(bits / MAX_SLOT_BITS)));
}

/**
 * Probe radius of each slot for a query distance d: Σ (r_s + 1) = d + 1, the
 * larger radii on the first (widest) slots; -1 means the slot is not probed.
 */
export function hammingSlotRadii(slotCount: number, distance: number): number[] {
  const budget = distance + 1;
  const base = Math.floor(budget / slotCount);
  const extra = budget - base * slotCount;
  const radii: number[] = [];
  for (let s = 0; s < slotCount; s++) radii.push(s < extra ? base : base - 1);
  return radii;
}

/**
 * Exact Hamming-range index. Ids are the caller's opaque unsigned 32-bit
 * integers; adding an existing id replaces its hash.
 *
 * @example
 * const index = new HammingIndex({ bits: 256, maxDistance: PDQ_MATCH_DISTANCE });
 * index.add(17, pdqFromHex('f8f8f0ce…'));
 * index.query(pdqFromHex('f8f8f0cf…'), 31); // [{ id: 17, distance: 1 }]
 * index.queryMany(Object.values(dihedral.hashes), 31); // [{ id: 17, distance: 1, queryIndex: 0 }]
 */
export class HammingIndex {
  readonly bits: HammingBits;
  readonly maxDistance: number;
  readonly tuning: Readonly<HammingIndexTuning>;

  private readonly wordsPerHash: number;
  private readonly bytesPerHash: number;
  private readonly slots: Slot[];
  /** Radii per query distance 0..maxDistance, computed on first use. */
  private readonly radiiByDistance: (Int32Array | undefined)[];

  private rowCount = 0;
  private deadCount = 0;
  /**
   * Hashes and ids in pages of 2^16 rows, so growing never copies (or
   * briefly doubles) hundreds of MB; only the first page starts small.
   */
  private hashPages: Uint32Array[] = [];
  private idPages: Uint32Array[] = [];
  private readonly firstPageRows: number;
  private dead = new Uint32Array(0);
  /** Rows from here on are not in every slot structure and are scanned flat. */
  private flatStart = 0;

  /**
   * id → row + 1 (0 = empty): 256 open-addressing segments chosen by the top
   * byte of the id's hash, each resized on its own, so growing the table
   * never stops the index for a full rehash.
   */
  private readonly idSegments: Int32Array[] = [];
  private readonly idSegmentCounts = new Uint32Array(ID_SEGMENTS);

  // Per-query scratch (queries do not reenter).
  private readonly q: Uint32Array;
  private readonly qValues: Uint32Array;
  private radii: Int32Array = new Int32Array(0);
  private qMax = 0;
  private hitRows: number[] = [];
  private hitDistances: number[] = [];
  private prefixes = new Int32Array(512);
  private allowed = new Int32Array(512);
  private bucketStart = new Uint32Array(512);
  private bucketEnd = new Uint32Array(512);
  private readonly candRows = new Int32Array(CANDIDATE_BATCH);
  private readonly candSlots = new Int32Array(CANDIDATE_BATCH);
  private candCount = 0;
  /** Adds since the last lookup: a long run of them is a bulk load (see `add`). */
  private addsSinceLookup = 0;
  private mergeScratch = new Uint32Array(0);
  /**
   * JS has no prefetch instruction. Reading the first word of each bucket or
   * candidate in a tight loop of independent loads (folded into this field so
   * the reads are not optimised away) lets the CPU overlap the cache misses;
   * the pass that uses the data then finds it in cache. Measured: ~2x lookups/s at 10M.
   */
  private prefetchSink = 0;

  constructor(options: HammingIndexOptions) {
    const { bits, maxDistance } = options;
    if (bits !== 64 && bits !== 256) invalid(`bits must be 64 or 256, got ${String(bits)}`);
    if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance >= bits) {
      invalid(`maxDistance must be an integer in 0..${bits - 1}, got ${String(maxDistance)}`);
    }
    const initialCapacity = options.initialCapacity ?? 0;
    if (!Number.isInteger(initialCapacity) || initialCapacity < 0 || initialCapacity > HAMMING_INDEX_MAX_ROWS) {
      invalid(`initialCapacity must be an integer in 0..${HAMMING_INDEX_MAX_ROWS}`);
    }
    this.tuning = Object.freeze({ ...DEFAULT_HAMMING_INDEX_TUNING, ...options.tuning });
    this.bits = bits;
    this.maxDistance = maxDistance;
    this.wordsPerHash = bits / 32;
    this.bytesPerHash = bits / 8;
    this.q = new Uint32Array(this.wordsPerHash);
    this.firstPageRows = Math.min(PAGE_ROWS, Math.max(256, initialCapacity));

    const slotCount = options.slotCount ?? hammingSlotCount(bits, maxDistance);
    if (!Number.isInteger(slotCount) || slotCount < 1 || slotCount > Math.min(bits, maxDistance + 1)) {
      invalid(`slotCount must be an integer in 1..${Math.min(bits, maxDistance + 1)}`);
    }
    // Widest slots first: they get the larger radii. With fewer than bits/32
    // slots they are 32 bits each and leave some bits out, which pigeonhole
    // allows; otherwise they cover every bit.
    const allWide = slotCount * MAX_SLOT_BITS <= bits;
    const width0 = allWide ? MAX_SLOT_BITS : Math.floor(bits / slotCount);
    const wider = allWide ? 0 : bits - width0 * slotCount;
    this.slots = [];
    let offset = 0;
    for (let s = 0; s < slotCount; s++) {
      const width = s < wider ? width0 + 1 : width0;
      const prefixBits = this.idealPrefixBits(width, initialCapacity, 0);
      this.slots.push({
        word: offset >>> 5,
        shift: offset & 31,
        width,
        prefixBits,
        residualBits: width - prefixBits,
        residualMask: residualMask(width - prefixBits),
        dir: new Uint32Array(2 ** prefixBits + 1),
        entries: new Uint32Array(0),
        runEnd: 0,
        deltaHeads: new Uint32Array(0),
        deltaPrefixBits: 0,
        delta: new Uint32Array(0),
        deltaNodes: 0,
        deltaEnd: 0,
      });
      offset += width;
    }
    this.qValues = new Uint32Array(slotCount);
    this.radiiByDistance = new Array<Int32Array | undefined>(maxDistance + 1);

    // 10% headroom: ids do not spread evenly, and the first adds after a full
    // initial load should not resize half of the segments.
    const segment = Math.max(ID_SEGMENT_MIN, Math.ceil((1.1 * initialCapacity) / ID_SEGMENTS / ID_TABLE_LOAD) + 1);
    for (let i = 0; i < ID_SEGMENTS; i++) this.idSegments.push(new Int32Array(segment));
  }

  /** Live entries. */
  get size(): number {
    return this.rowCount - this.deadCount;
  }

  has(id: number): boolean {
    return isId(id) && this.findRow(id) >= 0;
  }

  /**
   * Adds an entry, or replaces the hash of an existing id. Visible to the next
   * `query`. May run one step of maintenance (one slot's merge).
   *
   * A burst of adds with no lookup in between (more than `minDeltaRows`: a
   * bulk load through `add`) goes to the unindexed tail like `addMany`, found
   * by flat scan until the next `flush()`, `maintain()` or post-lookup `add`
   * folds it in; merging a delta every few thousand adds would make loading
   * N entries cost O(N²).
   */
  add(id: number, hash: Uint8Array): void {
    this.checkId(id);
    this.checkHash(hash);
    const old = this.findRow(id);
    if (old >= 0) this.kill(old, id);
    const row = this.appendRow(id, hash, 0);
    if (++this.addsSinceLookup > this.tuning.minDeltaRows) return;
    for (const slot of this.slots) {
      if (slot.deltaEnd === row) {
        this.linkDelta(slot, row);
        slot.deltaEnd = row + 1;
      }
    }
    this.updateFlatStart();
    if (this.workPending()) this.mergeStep();
  }

  /**
   * Bulk add: `hashes` holds `ids.length` hashes back to back. The rows are
   * exact and visible at once, but until `flush()` (or enough `maintain()`
   * steps) a large batch is found by flat scan, so load in batches, then flush.
   */
  addMany(ids: ArrayLike<number>, hashes: Uint8Array): void {
    if (!(hashes instanceof Uint8Array) || hashes.length !== ids.length * this.bytesPerHash) {
      invalid(`hashes must be a Uint8Array of ${ids.length} × ${this.bytesPerHash} bytes`);
    }
    for (let i = 0; i < ids.length; i++) this.checkId(ids[i]!);
    if (this.rowCount + ids.length > HAMMING_INDEX_MAX_ROWS) full();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const old = this.findRow(id);
      if (old >= 0) this.kill(old, id);
      this.appendRow(id, hashes, i * this.bytesPerHash);
    }
    // Small batches go straight into the deltas; large ones wait for flush().
    for (const slot of this.slots) if (!this.slotNeedsMerge(slot)) this.catchUp(slot);
    this.updateFlatStart();
  }

  /**
   * Disables an entry (a tombstone; O(1)); the next `query` no longer returns
   * it. False if the id is unknown. Storage is reclaimed by `maintain()`.
   */
  remove(id: number): boolean {
    if (!isId(id)) return false;
    const row = this.findRow(id);
    if (row < 0) return false;
    this.kill(row, id);
    return true;
  }

  /**
   * Every live entry within `maxDistance` of `hash` (exact, no false
   * positives), sorted by distance, then id.
   */
  query(hash: Uint8Array, maxDistance: number): HammingMatch[] {
    this.checkHash(hash);
    this.checkDistance(maxDistance);
    this.loadQuery(hash);
    this.search(maxDistance);
    return this.hitsToMatches();
  }

  /**
   * Several queries at once (e.g. the 8 PDQ dihedrals): each entry within
   * `maxDistance` of any of them, once, with its smallest distance and the
   * first query that reaches it. Sorted by distance, then id.
   */
  queryMany(hashes: readonly Uint8Array[], maxDistance: number): HammingMultiMatch[] {
    for (const hash of hashes) this.checkHash(hash);
    this.checkDistance(maxDistance);
    const best = new Map<number, HammingMultiMatch>();
    for (let qi = 0; qi < hashes.length; qi++) {
      this.loadQuery(hashes[qi]!);
      this.search(maxDistance);
      for (let i = 0; i < this.hitRows.length; i++) {
        const row = this.hitRows[i]!;
        const distance = this.hitDistances[i]!;
        const seen = best.get(row);
        if (seen === undefined) best.set(row, { id: this.idAt(row), distance, queryIndex: qi });
        else if (distance < seen.distance) {
          seen.distance = distance;
          seen.queryIndex = qi;
        }
      }
    }
    return [...best.values()].sort(compareMatches);
  }

  /** The same answer as `query`, by a flat popcount scan over every row (the fallback path). */
  bruteForce(hash: Uint8Array, maxDistance: number): HammingMatch[] {
    this.checkHash(hash);
    this.checkDistance(maxDistance);
    this.loadQuery(hash);
    this.resetHits(maxDistance);
    this.flatScan(0, this.rowCount);
    return this.hitsToMatches();
  }

  /**
   * One step of background work, for an idle timer: compaction when
   * tombstones exceed `compactFraction` of the rows (the one step that is
   * O(rows), about 1 s at 10M PDQ hashes); otherwise linking rows still
   * outside a slot into its delta, or merging one oversized delta into its
   * run (what `add` also does). Returns whether more work is pending.
   */
  maintain(): boolean {
    if (this.compactionDue()) {
      this.compact();
      return this.workPending();
    }
    return this.mergeStep();
  }

  /** Completes all pending maintenance: every row in every slot (after a bulk load), compaction if due. */
  flush(): void {
    if (this.compactionDue()) this.compact();
    while (this.mergeStep()) {
      // each step merges one slot
    }
  }

  /**
   * Drops tombstoned rows and renumbers the rest, and folds every delta into
   * its run. Runs are remapped to the new row numbers in one pass each
   * (buckets keep their order), not rebuilt, unless the prefix length is due
   * for a change.
   */
  compact(): void {
    const oldRows = this.rowCount;
    // For each word of the tombstone bitset, its bits and the tombstones
    // before it, side by side so a lookup touches one cache line.
    const words = Math.ceil(oldRows / 32);
    const rank = new Uint32Array(2 * words + 2);
    for (let w = 0; w < words; w++) {
      const bits = this.dead[w]!;
      rank[2 * w] = bits;
      rank[2 * w + 3] = rank[2 * w + 1]! + popcount32(bits);
    }
    /** New row number of a live row: minus the tombstones before it. */
    const renumber = (row: number): number =>
      row - rank[2 * (row >>> 5) + 1]! - popcount32(rank[2 * (row >>> 5)]! & ((1 << (row & 31)) - 1));
    const live = oldRows - this.deadCount;

    const rebuild: Slot[] = [];
    for (const slot of this.slots) {
      const ideal = this.idealPrefixBits(slot.width, live, live - 1);
      if (Math.abs(ideal - slot.prefixBits) > 1) {
        rebuild.push(slot);
        continue;
      }
      const R = slot.residualBits;
      const mask = slot.residualMask;
      const scale = 2 ** R;
      const { dir, entries } = slot;
      const buckets = dir.length - 1;
      let to = 0;
      for (let p = 0; p < buckets; p++) {
        const end = dir[p + 1]!;
        const start = to;
        for (let i = dir[p]!; i < end; i++) {
          const e = entries[i]!;
          const row = e >>> R;
          const at = 2 * (row >>> 5);
          const bits = rank[at]!;
          const bit = 1 << (row & 31);
          if ((bits & bit) === 0) entries[to++] = (row - rank[at + 1]! - popcount32(bits & (bit - 1))) * scale + (e & mask);
        }
        dir[p] = start;
      }
      dir[buckets] = to;
      // The array keeps its capacity (returning it would briefly double the
      // memory of every slot); it shrinks only when more than half is spare.
      if (entries.length > 2 * (to + this.runSlack(to))) slot.entries = entries.slice(0, to + this.runSlack(to));
      slot.runEnd = slot.runEnd === oldRows ? live : renumber(slot.runEnd);
    }

    for (const segment of this.idSegments) {
      for (let i = 0; i < segment.length; i++) if (segment[i] !== 0) segment[i] = renumber(segment[i]! - 1) + 1;
    }

    const W = this.wordsPerHash;
    let to = 0;
    for (let row = 0; row < oldRows; row++) {
      if (this.isDead(row)) continue;
      if (to !== row) {
        const from = this.hashPages[row >>> PAGE_SHIFT]!;
        const into = this.hashPages[to >>> PAGE_SHIFT]!;
        const a = (row & PAGE_MASK) * W;
        const b = (to & PAGE_MASK) * W;
        for (let k = 0; k < W; k++) into[b + k] = from[a + k]!;
        this.idPages[to >>> PAGE_SHIFT]![to & PAGE_MASK] = this.idAt(row);
      }
      to++;
    }
    const pages = Math.ceil(to / PAGE_ROWS);
    this.hashPages.length = pages;
    this.idPages.length = pages;
    this.rowCount = to;
    this.deadCount = 0;
    this.dead = new Uint32Array(Math.ceil(this.pageCapacity() / 32));

    for (const slot of this.slots) {
      if (rebuild.includes(slot)) {
        this.rebuildSlot(slot);
      } else {
        // The delta's rows were renumbered too: fold them (and any unindexed rows) in from the hashes.
        slot.deltaNodes = 0;
        slot.deltaHeads = new Uint32Array(0);
        slot.deltaEnd = slot.runEnd;
        if (slot.runEnd < this.rowCount) this.mergeSlot(slot);
      }
    }
    this.updateFlatStart();
  }

  stats(): HammingIndexStats {
    let bytes = this.dead.byteLength;
    for (const segment of this.idSegments) bytes += segment.byteLength;
    for (const page of this.hashPages) bytes += page.byteLength;
    for (const page of this.idPages) bytes += page.byteLength;
    let deltaRows = 0;
    for (const slot of this.slots) {
      bytes += slot.dir.byteLength + slot.entries.byteLength + slot.deltaHeads.byteLength + slot.delta.byteLength;
      deltaRows += slot.deltaNodes;
    }
    return {
      bits: this.bits,
      maxDistance: this.maxDistance,
      size: this.size,
      rows: this.rowCount,
      tombstones: this.deadCount,
      slotWidths: this.slots.map((s) => s.width),
      slotRadii: [...this.radiiFor(this.maxDistance)],
      prefixBits: this.slots.map((s) => s.prefixBits),
      deltaRows,
      unindexedRows: this.rowCount - this.flatStart,
      bytes,
    };
  }

  /**
   * Structural self-check for tests and diagnostics, O(rows × slots): every
   * live row sits exactly once in each slot (run or delta) under its own slot
   * value, the id table maps every live id to its row, and the counters
   * agree. Returns the problems found (empty when consistent).
   */
  checkIntegrity(): string[] {
    const problems: string[] = [];
    const W = this.wordsPerHash;
    const valueOf = (slot: Slot, row: number): number =>
      slotValue(this.hashPages[row >>> PAGE_SHIFT]!, (row & PAGE_MASK) * W, slot.word, slot.shift, slot.width);
    this.slots.forEach((slot, s) => {
      const seen = new Uint8Array(this.rowCount);
      const { dir, entries } = slot;
      const R = slot.residualBits;
      const buckets = dir.length - 1;
      if (buckets !== 2 ** slot.prefixBits || dir[0] !== 0 || runSize(slot) > entries.length) {
        problems.push(`slot ${s}: directory shape`);
      }
      for (let p = 0; p < buckets; p++) {
        if (dir[p]! > dir[p + 1]!) problems.push(`slot ${s}: bucket ${p} ends before it starts`);
        for (let i = dir[p]!; i < dir[p + 1]!; i++) {
          const row = entries[i]! >>> R;
          if (row >= slot.runEnd) {
            problems.push(`slot ${s}: run holds row ${row} beyond its end ${slot.runEnd}`);
            continue;
          }
          if (valueOf(slot, row) !== ((p * 2 ** R + (entries[i]! & slot.residualMask)) >>> 0)) {
            problems.push(`slot ${s}: row ${row} filed under the wrong value`);
          }
          seen[row]!++;
        }
      }
      let nodes = 0;
      for (let head = 0; head < slot.deltaHeads.length; head++) {
        for (let node = slot.deltaHeads[head]!; node !== 0; node = slot.delta[3 * (node - 1)]!) {
          const row = slot.delta[3 * node - 2]!;
          const value = slot.delta[3 * node - 1]!;
          if (row < slot.runEnd || row >= slot.deltaEnd) problems.push(`slot ${s}: delta row ${row} out of range`);
          else if (value !== valueOf(slot, row) || value >>> (slot.width - slot.deltaPrefixBits) !== head) {
            problems.push(`slot ${s}: delta row ${row} filed under the wrong value`);
          }
          if (row < this.rowCount) seen[row]!++;
          if (++nodes > slot.deltaNodes) break;
        }
      }
      if (nodes !== slot.deltaNodes && slot.deltaHeads.length > 0) problems.push(`slot ${s}: delta node count`);
      if (slot.deltaEnd > this.rowCount || slot.runEnd > slot.deltaEnd) problems.push(`slot ${s}: row ranges`);
      for (let row = 0; row < this.rowCount; row++) {
        const want = row < slot.deltaEnd && !this.isDead(row) ? 1 : 0;
        if (seen[row]! > 1 || (want === 1 && seen[row] !== 1)) problems.push(`slot ${s}: row ${row} found ${seen[row]} times`);
      }
    });
    if (this.flatStart !== Math.min(this.rowCount, ...this.slots.map((slot) => slot.deltaEnd))) {
      problems.push('flatStart is not the smallest delta end');
    }
    let dead = 0;
    for (let row = 0; row < this.rowCount; row++) {
      if (this.isDead(row)) dead++;
      else if (this.findRow(this.idAt(row)) !== row) problems.push(`id ${this.idAt(row)} does not map to row ${row}`);
    }
    let ids = 0;
    for (const count of this.idSegmentCounts) ids += count;
    if (dead !== this.deadCount || ids !== this.size) problems.push('tombstone or id counts');
    return problems;
  }

  // -------------------------------------------------------------------------
  // Search.

  private loadQuery(hash: Uint8Array): void {
    this.addsSinceLookup = 0;
    const q = this.q;
    for (let k = 0; k < this.wordsPerHash; k++) {
      q[k] = ((hash[4 * k]! << 24) | (hash[4 * k + 1]! << 16) | (hash[4 * k + 2]! << 8) | hash[4 * k + 3]!) >>> 0;
    }
    for (let s = 0; s < this.slots.length; s++) {
      const slot = this.slots[s]!;
      this.qValues[s] = slotValue(q, 0, slot.word, slot.shift, slot.width);
    }
  }

  private resetHits(maxDistance: number): void {
    this.hitRows = [];
    this.hitDistances = [];
    this.qMax = maxDistance;
  }

  private hitsToMatches(): HammingMatch[] {
    const out: HammingMatch[] = [];
    for (let i = 0; i < this.hitRows.length; i++) {
      out.push({ id: this.idAt(this.hitRows[i]!), distance: this.hitDistances[i]! });
    }
    return out.sort(compareMatches);
  }

  /** Fills hitRows / hitDistances for the loaded query. */
  private search(maxDistance: number): void {
    this.resetHits(maxDistance);
    if (maxDistance > this.maxDistance) {
      this.flatScan(0, this.rowCount);
      return;
    }
    this.radii = this.radiiFor(maxDistance);
    this.candCount = 0;
    for (let s = 0; s < this.slots.length; s++) {
      const radius = this.radii[s]!;
      if (radius >= 0) this.probe(s, this.slots[s]!, radius);
    }
    this.verifyCandidates();
    this.flatScan(this.flatStart, this.rowCount);
  }

  private radiiFor(distance: number): Int32Array {
    let radii = this.radiiByDistance[distance];
    if (radii === undefined) {
      radii = Int32Array.from(hammingSlotRadii(this.slots.length, distance));
      this.radiiByDistance[distance] = radii;
    }
    return radii;
  }

  /**
   * Collects the candidates of slot `s`: every run entry and delta node whose
   * slot value is within `radius` of the query's. Done in passes (bucket
   * bounds for all prefixes, then the scans, then the checks in
   * verifyCandidates) so that the random memory reads of one pass are
   * independent of each other and overlap in the CPU.
   */
  private probe(s: number, slot: Slot, radius: number): void {
    const qValue = this.qValues[s]!;
    const R = slot.residualBits;
    const n = this.listPrefixes(qValue >>> R, slot.prefixBits, radius);
    const prefixes = this.prefixes;
    const starts = this.bucketStart;
    const ends = this.bucketEnd;
    const dir = slot.dir;
    for (let i = 0; i < n; i++) {
      const p = prefixes[i]!;
      starts[i] = dir[p]!;
      ends[i] = dir[p + 1]!;
    }
    const entries = slot.entries;
    let touch = 0;
    for (let i = 0; i < n; i++) {
      const a = starts[i]!;
      const b = ends[i]!;
      if (a < b) touch ^= entries[a]! ^ entries[b - 1]!;
    }
    this.prefetchSink ^= touch;
    const mask = slot.residualMask;
    const qResidual = qValue & mask;
    const flatStart = this.flatStart;
    const allowed = this.allowed;
    const candRows = this.candRows;
    const candSlots = this.candSlots;
    for (let i = 0; i < n; i++) {
      const end = ends[i]!;
      const allow = allowed[i]!;
      for (let j = starts[i]!; j < end; j++) {
        const e = entries[j]!;
        const x = (e & mask) ^ qResidual;
        if (x !== 0 && (allow === 0 || popcount32(x) > allow)) continue;
        const row = e >>> R;
        if (row >= flatStart) continue;
        candRows[this.candCount] = row;
        candSlots[this.candCount] = s;
        if (++this.candCount === CANDIDATE_BATCH) this.verifyCandidates();
      }
    }
    if (slot.deltaNodes === 0) return;
    const D = slot.deltaPrefixBits;
    const m = this.listPrefixes(qValue >>> (slot.width - D), D, radius);
    const deltaPrefixes = this.prefixes;
    const firsts = this.bucketStart;
    const heads = slot.deltaHeads;
    const delta = slot.delta;
    for (let i = 0; i < m; i++) firsts[i] = heads[deltaPrefixes[i]!]!;
    touch = 0;
    for (let i = 0; i < m; i++) {
      const node = firsts[i]!;
      if (node !== 0) touch ^= delta[3 * node - 1]!;
    }
    this.prefetchSink ^= touch;
    for (let i = 0; i < m; i++) {
      for (let node = firsts[i]!; node !== 0; node = delta[3 * (node - 1)]!) {
        const at = 3 * (node - 1);
        if (popcount32(delta[at + 2]! ^ qValue) > radius) continue;
        const row = delta[at + 1]!;
        if (row >= flatStart) continue;
        candRows[this.candCount] = row;
        candSlots[this.candCount] = s;
        if (++this.candCount === CANDIDATE_BATCH) this.verifyCandidates();
      }
    }
  }

  /**
   * Lists the prefixes within `radius` bit flips of `prefix` (P bits) into
   * `this.prefixes`, with the residual flips each still allows; returns the count.
   */
  private listPrefixes(prefix: number, P: number, radius: number): number {
    let n = 0;
    const push = (p: number, allow: number): void => {
      if (n === this.prefixes.length) this.growPrefixScratch();
      this.prefixes[n] = p;
      this.allowed[n++] = allow;
    };
    const deeper = (p: number, fromBit: number, left: number): void => {
      for (let c = fromBit; c < P; c++) {
        push(p ^ (1 << c), left - 1);
        if (left > 1) deeper(p ^ (1 << c), c + 1, left - 1);
      }
    };
    push(prefix, radius);
    if (radius >= 1) {
      for (let a = 0; a < P; a++) {
        const pa = prefix ^ (1 << a);
        push(pa, radius - 1);
        if (radius === 1) continue;
        for (let b = a + 1; b < P; b++) {
          const pb = pa ^ (1 << b);
          push(pb, radius - 2);
          if (radius > 2) deeper(pb, b + 1, radius - 2);
        }
      }
    }
    return n;
  }

  private growPrefixScratch(): void {
    const size = this.prefixes.length * 2;
    const prefixes = new Int32Array(size);
    prefixes.set(this.prefixes);
    const allowed = new Int32Array(size);
    allowed.set(this.allowed);
    this.prefixes = prefixes;
    this.allowed = allowed;
    this.bucketStart = new Uint32Array(size);
    this.bucketEnd = new Uint32Array(size);
  }

  /** Full comparison of the collected candidates; a match is kept only from the first slot that reaches it. */
  private verifyCandidates(): void {
    const W = this.wordsPerHash;
    const pages = this.hashPages;
    const q = this.q;
    const max = this.qMax;
    const rows = this.candRows;
    const n = this.candCount;
    let touch = 0;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      touch ^= pages[row >>> PAGE_SHIFT]![(row & PAGE_MASK) * W]!;
    }
    this.prefetchSink ^= touch;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      const h = pages[row >>> PAGE_SHIFT]!;
      const base = (row & PAGE_MASK) * W;
      let d = 0;
      let k = 0;
      for (; k < W; k++) {
        d += popcount32(h[base + k]! ^ q[k]!);
        if (d > max) break;
      }
      if (k === W && !this.isDead(row) && this.firstSlotFor(h, base, this.candSlots[i]!)) {
        this.hitRows.push(row);
        this.hitDistances.push(d);
      }
    }
    this.candCount = 0;
  }

  /** Whether no slot before `s` reaches the row at `base` of page `h` (else that slot reports it). */
  private firstSlotFor(h: Uint32Array, base: number, s: number): boolean {
    for (let j = 0; j < s; j++) {
      const r = this.radii[j]!;
      if (r < 0) continue;
      const slot = this.slots[j]!;
      if (popcount32(slotValue(h, base, slot.word, slot.shift, slot.width) ^ this.qValues[j]!) <= r) return false;
    }
    return true;
  }

  private flatScan(from: number, to: number): void {
    const W = this.wordsPerHash;
    const q = this.q;
    const max = this.qMax;
    for (let row = from; row < to; ) {
      const h = this.hashPages[row >>> PAGE_SHIFT]!;
      const pageEnd = Math.min(to, ((row >>> PAGE_SHIFT) + 1) * PAGE_ROWS);
      for (; row < pageEnd; row++) {
        const base = (row & PAGE_MASK) * W;
        let d = 0;
        let k = 0;
        for (; k < W; k++) {
          d += popcount32(h[base + k]! ^ q[k]!);
          if (d > max) break;
        }
        if (k === W && !this.isDead(row)) {
          this.hitRows.push(row);
          this.hitDistances.push(d);
        }
      }
    }
  }

  // -------------------------------------------------------------------------
  // Rows and tombstones.

  private idAt(row: number): number {
    return this.idPages[row >>> PAGE_SHIFT]![row & PAGE_MASK]!;
  }

  private pageCapacity(): number {
    const n = this.hashPages.length;
    return n === 0 ? 0 : (n - 1) * PAGE_ROWS + this.idPages[n - 1]!.length;
  }

  private appendRow(id: number, bytes: Uint8Array, offset: number): number {
    if (this.rowCount >= HAMMING_INDEX_MAX_ROWS) full();
    const row = this.rowCount;
    const page = row >>> PAGE_SHIFT;
    const at = row & PAGE_MASK;
    const W = this.wordsPerHash;
    if (page === this.hashPages.length) {
      const rows = page === 0 ? this.firstPageRows : PAGE_ROWS;
      this.hashPages.push(new Uint32Array(rows * W));
      this.idPages.push(new Uint32Array(rows));
    } else if (at === this.idPages[page]!.length) {
      // Only the first page starts below full size; double it.
      const rows = Math.min(PAGE_ROWS, 2 * at);
      const hashes = new Uint32Array(rows * W);
      hashes.set(this.hashPages[page]!);
      const ids = new Uint32Array(rows);
      ids.set(this.idPages[page]!);
      this.hashPages[page] = hashes;
      this.idPages[page] = ids;
    }
    if (row >>> 5 >= this.dead.length) {
      const dead = new Uint32Array(Math.max(64, Math.ceil(this.dead.length * 1.5)));
      dead.set(this.dead);
      this.dead = dead;
    }
    const h = this.hashPages[page]!;
    const base = at * W;
    for (let k = 0; k < W; k++) {
      const o = offset + 4 * k;
      h[base + k] = ((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 0;
    }
    this.idPages[page]![at] = id;
    this.rowCount++;
    this.idInsert(id, row);
    return row;
  }

  private kill(row: number, id: number): void {
    this.dead[row >>> 5]! |= 1 << (row & 31);
    this.deadCount++;
    this.idDelete(id);
  }

  private isDead(row: number): boolean {
    return (this.dead[row >>> 5]! & (1 << (row & 31))) !== 0;
  }

  private compactionDue(): boolean {
    return (
      this.deadCount >= this.tuning.compactMinTombstones && this.deadCount > this.tuning.compactFraction * this.rowCount
    );
  }

  // -------------------------------------------------------------------------
  // Slot maintenance.

  /** Links lagging rows into the deltas of slots that can take them, and merges at most one oversized delta. */
  private mergeStep(): boolean {
    let merged = false;
    for (const slot of this.slots) {
      if (this.slotNeedsMerge(slot)) {
        if (!merged) {
          this.mergeSlot(slot);
          merged = true;
        }
      } else if (slot.deltaEnd < this.rowCount) {
        this.catchUp(slot);
      }
    }
    this.updateFlatStart();
    return this.workPending();
  }

  private updateFlatStart(): void {
    let min = this.rowCount;
    for (const slot of this.slots) if (slot.deltaEnd < min) min = slot.deltaEnd;
    this.flatStart = min;
  }

  private workPending(): boolean {
    for (const slot of this.slots) if (slot.deltaEnd < this.rowCount || this.slotNeedsMerge(slot)) return true;
    return false;
  }

  private deltaLimit(slot: Slot): number {
    return Math.max(this.tuning.minDeltaRows, Math.floor(runSize(slot) * this.tuning.deltaFraction));
  }

  private slotNeedsMerge(slot: Slot): boolean {
    return this.rowCount - slot.runEnd > this.deltaLimit(slot);
  }

  /** Prefix bits for a run of `rows` entries whose largest row number is `maxRow`. */
  private idealPrefixBits(width: number, rows: number, maxRow: number): number {
    const P = Math.ceil(Math.log2(Math.max(1, rows) / this.tuning.targetBucketSize));
    return Math.max(1, Math.min(width, MAX_PREFIX_BITS, P), this.packingMinPrefix(width, maxRow));
  }

  /** Packing row << R | residual into 32 bits needs R ≤ 32 - bits(row). */
  private packingMinPrefix(width: number, maxRow: number): number {
    return width - (32 - bitLength(maxRow));
  }

  /**
   * Folds the rows added since the slot's run was built into the run, and
   * drops tombstoned entries, in place: one pass left over the run dropping
   * tombstones, one pass right from the end opening a gap in each bucket for
   * its new rows, then the new rows into the gaps. The run array has spare
   * room for about two deltas, so a merge allocates nothing large (a new run
   * array per merge would leave 40 MB garbage per slot at 10M hashes, and RSS
   * would overshoot until the GC runs). Falls back to a full rebuild when the
   * prefix length is due for a change.
   */
  private mergeSlot(slot: Slot): void {
    const rows = this.rowCount;
    const live = rows - this.deadCount;
    const P = slot.prefixBits;
    const fresh = rows - slot.runEnd;
    if (
      Math.abs(this.idealPrefixBits(slot.width, live, rows - 1) - P) > 1 ||
      P < this.packingMinPrefix(slot.width, rows - 1) ||
      fresh > runSize(slot)
    ) {
      // A bulk load (mostly new rows) or a large change of size.
      this.rebuildSlot(slot);
      return;
    }
    const W = this.wordsPerHash;
    const R = slot.residualBits;
    const mask = slot.residualMask;
    const buckets = 2 ** P;
    const { word, shift, width } = slot;
    const dir = slot.dir;

    // Scratch kept between merges: fresh allocations here would linger until
    // the next GC, 2 MB per merge at 10M hashes.
    if (this.mergeScratch.length < fresh + buckets) this.mergeScratch = new Uint32Array(fresh + buckets);
    const freshValues = this.mergeScratch.subarray(0, fresh);
    const added = this.mergeScratch.subarray(fresh, fresh + buckets).fill(0);
    let freshLive = 0;
    for (let i = 0; i < fresh; i++) {
      const row = slot.runEnd + i;
      if (this.isDead(row)) continue;
      const value = slotValue(this.hashPages[row >>> PAGE_SHIFT]!, (row & PAGE_MASK) * W, word, shift, width);
      freshValues[i] = value;
      added[value >>> R]!++;
      freshLive++;
    }

    // Left: drop tombstones, buckets close up.
    let entries = slot.entries;
    let to = 0;
    for (let p = 0; p < buckets; p++) {
      const end = dir[p + 1]!;
      const start = dir[p]!;
      dir[p] = to;
      for (let i = start; i < end; i++) {
        const e = entries[i]!;
        if (!this.isDead(e >>> R)) entries[to++] = e;
      }
    }
    dir[buckets] = to;
    const total = to + freshLive;
    if (total > entries.length) {
      const bigger = new Uint32Array(total + this.runSlack(total));
      bigger.set(entries.subarray(0, to));
      entries = bigger;
    }

    // Right: bucket p moves up by the new rows of buckets 0..p-1 and leaves a
    // gap for its own; `added[p]` becomes the gap's fill cursor.
    let shiftBy = freshLive;
    let end = to;
    for (let p = buckets - 1; p >= 0 && shiftBy > 0; p--) {
      const start = dir[p]!;
      shiftBy -= added[p]!;
      const newStart = start + shiftBy;
      if (shiftBy > 0) for (let i = end - 1; i >= start; i--) entries[i + shiftBy] = entries[i]!;
      dir[p] = newStart;
      added[p] = newStart + (end - start);
      end = start;
    }
    dir[buckets] = total;

    const scale = 2 ** R;
    for (let i = 0; i < fresh; i++) {
      const row = slot.runEnd + i;
      if (this.isDead(row)) continue;
      const value = freshValues[i]!;
      entries[added[value >>> R]!++] = row * scale + (value & mask);
    }
    this.installRun(slot, P, dir, entries, rows);
  }

  /** Spare run capacity: room for two deltas at the merge threshold. */
  private runSlack(entries: number): number {
    return 2 * Math.max(this.tuning.minDeltaRows, Math.ceil(entries * this.tuning.deltaFraction));
  }

  /** Rebuilds the run of one slot from all live rows (counting sort on the prefix) and empties its delta. */
  private rebuildSlot(slot: Slot): void {
    const W = this.wordsPerHash;
    const rows = this.rowCount;
    const live = rows - this.deadCount;
    const P = this.idealPrefixBits(slot.width, live, Math.max(0, rows - 1));
    const R = slot.width - P;
    const mask = residualMask(R);
    const buckets = 2 ** P;
    const { word, shift, width } = slot;
    // Counting sort in place in the directory: counts, starts, then cursors
    // that end at the next bucket's start, shifted back by one at the end.
    const dir = slot.dir.length === buckets + 1 ? slot.dir.fill(0) : new Uint32Array(buckets + 1);
    for (let row = 0; row < rows; row++) {
      if (this.isDead(row)) continue;
      const value = slotValue(this.hashPages[row >>> PAGE_SHIFT]!, (row & PAGE_MASK) * W, word, shift, width);
      dir[(value >>> R) + 1]!++;
    }
    for (let p = 0; p < buckets; p++) dir[p + 1]! += dir[p]!;
    // Reuse the run array when it fits (its contents are rewritten from the hashes).
    const reuse = slot.entries.length >= live && slot.entries.length <= live + 2 * this.runSlack(live);
    const entries = reuse ? slot.entries : new Uint32Array(live + this.runSlack(live));
    slot.entries = new Uint32Array(0);
    const scale = 2 ** R;
    for (let row = 0; row < rows; row++) {
      if (this.isDead(row)) continue;
      const value = slotValue(this.hashPages[row >>> PAGE_SHIFT]!, (row & PAGE_MASK) * W, word, shift, width);
      entries[dir[value >>> R]!++] = row * scale + (value & mask);
    }
    dir.copyWithin(1, 0, buckets);
    dir[0] = 0;
    this.installRun(slot, P, dir, entries, rows);
  }

  private installRun(slot: Slot, P: number, dir: Uint32Array, entries: Uint32Array, rows: number): void {
    slot.prefixBits = P;
    slot.residualBits = slot.width - P;
    slot.residualMask = residualMask(slot.width - P);
    slot.dir = dir;
    slot.entries = entries;
    slot.runEnd = rows;
    slot.deltaEnd = rows;
    slot.deltaNodes = 0;
    slot.deltaHeads = new Uint32Array(0);
    if (slot.delta.length > 3 * 2 * this.deltaLimit(slot)) slot.delta = new Uint32Array(0);
  }

  /** Links rows [deltaEnd, rowCount) into the slot's delta. */
  private catchUp(slot: Slot): void {
    for (let row = slot.deltaEnd; row < this.rowCount; row++) {
      if (!this.isDead(row)) this.linkDelta(slot, row);
    }
    slot.deltaEnd = this.rowCount;
  }

  private linkDelta(slot: Slot, row: number): void {
    if (3 * (slot.deltaNodes + 1) > slot.delta.length) {
      const bigger = new Uint32Array(Math.max(3 * 256, slot.delta.length * 2));
      bigger.set(slot.delta);
      slot.delta = bigger;
    }
    if (slot.deltaHeads.length === 0) {
      // Coarser than the run's prefix: the delta holds ≤ deltaFraction of the rows.
      slot.deltaPrefixBits = Math.max(1, Math.min(slot.width, slot.prefixBits - DELTA_PREFIX_SHIFT));
      slot.deltaHeads = new Uint32Array(2 ** slot.deltaPrefixBits);
    }
    const h = this.hashPages[row >>> PAGE_SHIFT]!;
    const value = slotValue(h, (row & PAGE_MASK) * this.wordsPerHash, slot.word, slot.shift, slot.width);
    const head = value >>> (slot.width - slot.deltaPrefixBits);
    const n = 3 * slot.deltaNodes++;
    slot.delta[n] = slot.deltaHeads[head]!;
    slot.delta[n + 1] = row;
    slot.delta[n + 2] = value;
    slot.deltaHeads[head] = slot.deltaNodes;
  }

  // -------------------------------------------------------------------------
  // id → row: segmented open addressing with linear probing. A segment may
  // have any size (not only powers of two, which would cost up to 2x): the
  // home slot is the low 24 bits of the hash scaled to it ("fastrange").

  private idSegment(id: number): number {
    return Math.imul(id, 0x9e3779b1) >>> 24;
  }

  private idHome(id: number, size: number): number {
    return Math.floor(((Math.imul(id, 0x9e3779b1) & 0xffffff) * size) / 2 ** 24);
  }

  private findRow(id: number): number {
    const table = this.idSegments[this.idSegment(id)]!;
    const size = table.length;
    for (let i = this.idHome(id, size); ; i = i + 1 === size ? 0 : i + 1) {
      const v = table[i]!;
      if (v === 0) return -1;
      if (this.idAt(v - 1) === id) return v - 1;
    }
  }

  private idInsert(id: number, row: number): void {
    const seg = this.idSegment(id);
    if (this.idSegmentCounts[seg]! + 1 > ID_TABLE_LOAD * this.idSegments[seg]!.length) this.idResize(seg);
    const table = this.idSegments[seg]!;
    const size = table.length;
    let i = this.idHome(id, size);
    while (table[i] !== 0) i = i + 1 === size ? 0 : i + 1;
    table[i] = row + 1;
    this.idSegmentCounts[seg]!++;
  }

  private idDelete(id: number): void {
    const seg = this.idSegment(id);
    const table = this.idSegments[seg]!;
    const size = table.length;
    let i = this.idHome(id, size);
    while (this.idAt(table[i]! - 1) !== id) i = i + 1 === size ? 0 : i + 1;
    // Backward-shift deletion keeps every probe chain unbroken without tombstones:
    // an entry moves into the hole unless its home lies cyclically in (hole, entry].
    for (let j = i + 1 === size ? 0 : i + 1; table[j] !== 0; j = j + 1 === size ? 0 : j + 1) {
      const home = this.idHome(this.idAt(table[j]! - 1), size);
      if ((j - home + size) % size >= (j - i + size) % size) {
        table[i] = table[j]!;
        i = j;
      }
    }
    table[i] = 0;
    this.idSegmentCounts[seg]!--;
  }

  private idResize(seg: number): void {
    const old = this.idSegments[seg]!;
    this.idSegments[seg] = new Int32Array(Math.ceil(old.length * 1.5) + 1);
    this.idSegmentCounts[seg] = 0;
    for (const v of old) if (v !== 0) this.idInsert(this.idAt(v - 1), v - 1);
  }

  // -------------------------------------------------------------------------
  // Input checks.

  private checkId(id: number): void {
    if (!isId(id)) invalid(`id must be an integer in 0..2^32-1, got ${id}`);
  }

  private checkHash(hash: Uint8Array): void {
    if (!(hash instanceof Uint8Array) || hash.length !== this.bytesPerHash) {
      invalid(`hash must be a Uint8Array of ${this.bytesPerHash} bytes`);
    }
  }

  private checkDistance(d: number): void {
    if (!Number.isInteger(d) || d < 0) invalid(`maxDistance must be a non-negative integer, got ${d}`);
  }
}

/** Entries in a slot's run (its array may be longer). */
function runSize(slot: Slot): number {
  return slot.dir[slot.dir.length - 1]!;
}

function isId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= 0xffffffff;
}

function residualMask(bits: number): number {
  return bits >= 32 ? 0xffffffff : 2 ** bits - 1;
}

function invalid(message: string): never {
  throw new HammingIndexError('VIGIL_HAMMING_INPUT_INVALID', message);
}

function full(): never {
  throw new HammingIndexError('VIGIL_HAMMING_INDEX_FULL', `the index holds at most ${HAMMING_INDEX_MAX_ROWS} rows`);
}
