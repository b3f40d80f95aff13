/**
 * PDQ match index (`src/algorithms/hamming-index`): build time, memory, exact
 * lookups/s (one hash and 8 dihedrals) at distance ≤ 31 on one core, recall
 * against a flat scan, how fast a new or removed entry becomes visible, merge
 * pauses and compaction.
 *
 *   node --max-old-space-size=4096 bench/hamming-index.ts [--sizes 1000000,10000000] [--slots auto,11,16,32]
 *
 * `--slots` compares slot layouts (auto = the index's own choice, 10 for PDQ).
 * Each size and layout runs in a fresh child process, so RSS and peak RSS
 * belong to that index alone. Hashes, ids and slot tables are typed arrays,
 * which live outside the V8 heap (`external` / `arrayBuffers` below), so the
 * heap limit hardly matters; the flag only gives the query sets room.
 * Lookup rates are given per wall-clock second and per CPU second of the
 * process (the index is single-threaded, so the latter is the per-core rate
 * even when the machine is shared).
 *
 * Data: uniformly random 256-bit hashes from a fixed-seed PRNG, plus 2% that
 * are near-duplicates (0..40 flipped bits) of 4,096 cluster centres, so
 * lookups have true matches at distance ≤ 31. Queries: random hashes (misses),
 * stored hashes with 0..31 flipped bits (hits), and cluster centres with 0..20
 * flipped bits (many hits).
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HammingIndex } from '../src/algorithms/hamming-index/hamming-index.ts';
import { PDQ_MATCH_DISTANCE } from '../src/algorithms/pdq/pdq.ts';

const BYTES = 32;
const D = PDQ_MATCH_DISTANCE;
const CENTRES = 4096;
const CLUSTER_SHARE = 0.02;
const CHUNK = 65_536;
const SAMPLES = 4096;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// ---------------------------------------------------------------------------
// Parent: one child per (size, layout).

if (!process.argv.includes('--child')) {
  const sizes = (argValue('--sizes') ?? '1000000,10000000').split(',').map(Number);
  const layouts = (argValue('--slots') ?? 'auto').split(',');
  console.log(
    `node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), one core used; ` +
      `PDQ 256-bit, queries at distance ≤ ${D}`,
  );
  for (const layout of layouts) {
    for (const size of sizes) {
      const child = spawnSync(
        process.execPath,
        ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), '--child', String(size), layout],
        { stdio: 'inherit' },
      );
      if (child.status !== 0) process.exit(child.status ?? 1);
    }
  }
  process.exit(0);
}

// ---------------------------------------------------------------------------
// Child: one index.

const N = Number(process.argv[process.argv.indexOf('--child') + 1]);
const layout = process.argv[process.argv.indexOf('--child') + 2];
const slotCount = layout === 'auto' || layout === undefined ? undefined : Number(layout);

let state = 0x9e3779b9;
/** xorshift32: fast, and good enough to make hashes look independent. */
function next(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 0;
}
function randomHash(out: Uint8Array, at = 0): Uint8Array {
  for (let i = 0; i < BYTES; i += 4) {
    const v = next();
    out[at + i] = v >>> 24;
    out[at + i + 1] = v >>> 16;
    out[at + i + 2] = v >>> 8;
    out[at + i + 3] = v;
  }
  return out;
}
function flipBits(hash: Uint8Array, k: number, at = 0): void {
  const seen = new Set<number>();
  while (seen.size < k) {
    const b = next() & 255;
    if (seen.has(b)) continue;
    seen.add(b);
    hash[at + (b >> 3)]! ^= 1 << (b & 7);
  }
}
function near(source: Uint8Array, sourceAt: number, k: number): Uint8Array {
  const h = source.slice(sourceAt, sourceAt + BYTES);
  flipBits(h, k);
  return h;
}
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
/** Largest RSS of this process so far. */
const peakRss = (): string => mb(process.resourceUsage().maxRSS * 1024);
function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const centres = new Uint8Array(CENTRES * BYTES);
for (let c = 0; c < CENTRES; c++) randomHash(centres, c * BYTES);
const samples = new Uint8Array(SAMPLES * BYTES);
const sampleEvery = Math.max(1, Math.floor(N / SAMPLES));

const index = new HammingIndex({ bits: 256, maxDistance: D, initialCapacity: N, slotCount });
const st0 = index.stats();
console.log(
  `\n== ${fmt(N)} hashes, ${st0.slotWidths.length} slots of ${[...new Set(st0.slotWidths)].join('/')} bits, ` +
    `radii ${st0.slotRadii.join(',')} at d ≤ ${D}`,
);

// Build: generate in chunks, addMany (append), then flush (index every slot).
let genMs = 0;
let appendMs = 0;
let clustered = 0;
const chunkIds = new Uint32Array(CHUNK);
const chunkBytes = new Uint8Array(CHUNK * BYTES);
for (let start = 0, s = 0; start < N; start += CHUNK) {
  const n = Math.min(CHUNK, N - start);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const at = i * BYTES;
    chunkIds[i] = start + i;
    if (next() / 2 ** 32 < CLUSTER_SHARE) {
      const c = next() % CENTRES;
      chunkBytes.set(centres.subarray(c * BYTES, c * BYTES + BYTES), at);
      flipBits(chunkBytes, next() % 41, at);
      clustered++;
    } else {
      randomHash(chunkBytes, at);
    }
    if ((start + i) % sampleEvery === 0 && s < SAMPLES) samples.set(chunkBytes.subarray(at, at + BYTES), BYTES * s++);
  }
  const t1 = performance.now();
  index.addMany(n === CHUNK ? chunkIds : chunkIds.subarray(0, n), n === CHUNK ? chunkBytes : chunkBytes.subarray(0, n * BYTES));
  const t2 = performance.now();
  genMs += t1 - t0;
  appendMs += t2 - t1;
}
const tf = performance.now();
index.flush();
const flushMs = performance.now() - tf;
gc();
const st = index.stats();
const mem = process.memoryUsage();
console.log(
  `build: ${((appendMs + flushMs) / 1000).toFixed(2)} s (addMany ${(appendMs / 1000).toFixed(2)} s + flush ${(flushMs / 1000).toFixed(2)} s; ` +
    `generating the hashes ${(genMs / 1000).toFixed(2)} s not counted); ${fmt(clustered)} clustered rows`,
);
console.log(
  `memory: index typed arrays ${mb(st.bytes)} (${(st.bytes / N).toFixed(1)} B/hash, prefix bits ${[...new Set(st.prefixBits)].join('/')}); ` +
    `process RSS ${mb(mem.rss)}, heap used ${mb(mem.heapUsed)}, external ${mb(mem.external)} ` +
    `(array buffers ${mb(mem.arrayBuffers)} — typed arrays live outside the V8 heap); peak RSS so far ${peakRss()}`,
);

// Query sets.
const QUERIES = 2000;
const missQueries = Array.from({ length: QUERIES }, () => randomHash(new Uint8Array(BYTES)));
const hitQueries = Array.from({ length: QUERIES }, () => near(samples, (next() % SAMPLES) * BYTES, next() % (D + 1)));
const clusterQueries = Array.from({ length: QUERIES / 4 }, () => near(centres, (next() % CENTRES) * BYTES, next() % 21));

/**
 * Rate per wall-clock second and per CPU second of this process: the machine
 * may be shared, and the index is single-threaded, so the CPU figure is the
 * per-core rate.
 */
function rate<T>(items: readonly T[], run: (item: T) => number): { wall: number; cpu: number; found: number } {
  let found = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (const item of items) found += run(item);
  const cpu = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  return { wall: (items.length / ms) * 1000, cpu: items.length / ((cpu.user + cpu.system) / 1e6), found };
}
const rates = (r: { wall: number; cpu: number }): string => `${fmt(r.wall)}/s (${fmt(r.cpu)} per CPU-second)`;

function lookupsPerSecond(queries: Uint8Array[]): { wall: number; cpu: number; matches: number; p50: number; p99: number } {
  for (let i = 0; i < Math.min(200, queries.length); i++) index.query(queries[i]!, D);
  const times: number[] = [];
  const r = rate(queries, (q) => {
    const a = performance.now();
    const n = index.query(q, D).length;
    times.push(performance.now() - a);
    return n;
  });
  return { ...r, matches: r.found, p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}
for (const [label, queries] of [
  ['random hashes (no match)', missQueries],
  ['stored hash + 0..31 bit flips', hitQueries],
  ['cluster centre + 0..20 flips', clusterQueries],
] as const) {
  const r = lookupsPerSecond(queries);
  console.log(
    `lookups, one hash, ${label}: ${rates(r)}; p50 ${(r.p50 * 1000).toFixed(0)} µs, p99 ${(r.p99 * 1000).toFixed(0)} µs; ` +
      `${(r.matches / queries.length).toFixed(1)} matches/query`,
  );
}

// 8 dihedrals: one near-duplicate of a stored hash and 7 unrelated hashes,
// as the dihedrals of an image are unrelated to each other.
const DIH = 300;
const dihedralSets = Array.from({ length: DIH }, () => [
  near(samples, (next() % SAMPLES) * BYTES, next() % (D + 1)),
  ...Array.from({ length: 7 }, () => randomHash(new Uint8Array(BYTES))),
]);
for (let i = 0; i < 20; i++) index.queryMany(dihedralSets[i]!, D);
{
  const r = rate(dihedralSets, (set) => index.queryMany(set, D).length);
  console.log(`lookups, 8 dihedrals per lookup: ${rates(r)}; ${(r.found / DIH).toFixed(1)} matches/lookup`);
}

// Recall against the flat scan, 200 queries: 100 near stored hashes (0..40
// flips), 50 near cluster centres (0..20), 50 random.
{
  const recallQueries = [
    ...Array.from({ length: 100 }, () => near(samples, (next() % SAMPLES) * BYTES, next() % 41)),
    ...Array.from({ length: 50 }, () => near(centres, (next() % CENTRES) * BYTES, next() % 21)),
    ...Array.from({ length: 50 }, () => randomHash(new Uint8Array(BYTES))),
  ];
  let truth = 0;
  let found = 0;
  let extra = 0;
  let flatMs = 0;
  for (const q of recallQueries) {
    const got = new Map(index.query(q, D).map((m) => [m.id, m.distance]));
    const t0 = performance.now();
    const want = index.bruteForce(q, D);
    flatMs += performance.now() - t0;
    truth += want.length;
    for (const m of want) if (got.get(m.id) === m.distance) found++;
    extra += got.size - want.filter((m) => got.has(m.id)).length;
  }
  console.log(
    `recall vs flat scan, ${recallQueries.length} queries: ${found}/${truth} = ${((100 * found) / Math.max(1, truth)).toFixed(2)}%, ` +
      `${extra} false positives (flat scan ${(flatMs / recallQueries.length).toFixed(1)} ms/query)`,
  );
}

// Visibility: add a new entry, then look it up at once; remove it, look again.
{
  const addUs: number[] = [];
  const visibleUs: number[] = [];
  const removeVisibleUs: number[] = [];
  let missing = 0;
  for (let i = 0; i < 1000; i++) {
    const id = N + i;
    const h = randomHash(new Uint8Array(BYTES));
    const t0 = performance.now();
    index.add(id, h);
    const t1 = performance.now();
    if (!index.query(h, D).some((m) => m.id === id)) missing++;
    const t2 = performance.now();
    index.remove(id);
    if (index.query(h, D).some((m) => m.id === id)) missing++;
    const t3 = performance.now();
    addUs.push((t1 - t0) * 1000);
    visibleUs.push((t2 - t0) * 1000);
    removeVisibleUs.push((t3 - t2) * 1000);
  }
  console.log(
    `visibility, 1000 adds: add ${percentile(addUs, 0.5).toFixed(1)} µs median; add → found by the next query ` +
      `${percentile(visibleUs, 0.5).toFixed(0)} µs median, ${percentile(visibleUs, 0.99).toFixed(0)} µs p99, ` +
      `${visibleUs.reduce((a, b) => Math.max(a, b), 0).toFixed(0)} µs max; remove → gone ${percentile(removeVisibleUs, 0.5).toFixed(0)} µs median; ` +
      `${missing} not visible`,
  );
}

// Sustained single adds while serving (a lookup every 100 adds, untimed; a
// burst without lookups would be treated as a bulk load): first until the
// deltas are nearly full (the slowest state for lookups), then past the merge
// threshold, so every slot merges its delta into its run once; the merge is
// the slowest add.
{
  const limit = Math.max(index.tuning.minDeltaRows, Math.floor(index.stats().size * index.tuning.deltaFraction));
  const h = new Uint8Array(BYTES);
  const times: number[] = [];
  let nextId = N + 10_000;
  const addSome = (n: number): number => {
    let ms = 0;
    for (let i = 0; i < n; i++) {
      randomHash(h);
      const a = performance.now();
      index.add(nextId++, h);
      const b = performance.now();
      times.push(b - a);
      ms += b - a;
      if (i % 100 === 99) index.query(h, D);
    }
    return ms;
  };
  let ms = addSome(limit - 1500);
  const full = lookupsPerSecond(missQueries.slice(0, 1000));
  console.log(
    `deltas nearly full (${fmt(index.stats().deltaRows / st.slotWidths.length)} rows per slot): ` +
      `lookups, one hash, random hashes: ${rates(full)}`,
  );
  ms += addSome(1500 + 2 * st.slotWidths.length);
  const merges = [...times].sort((a, b) => b - a).slice(0, st.slotWidths.length);
  console.log(
    `sustained adds: ${fmt(times.length)} single adds in ${(ms / 1000).toFixed(2)} s (${fmt((times.length / ms) * 1000)}/s incl. merges); ` +
      `median ${(percentile(times, 0.5) * 1000).toFixed(1)} µs; the ${merges.length} slot merges ` +
      `(one per add, after ${fmt(limit)} adds) took ${merges[merges.length - 1]!.toFixed(0)}–${merges[0]!.toFixed(0)} ms each`,
  );
  const after = lookupsPerSecond(missQueries.slice(0, 1000));
  console.log(`after the merges: lookups, one hash, random hashes: ${rates(after)}; peak RSS so far ${peakRss()}`);
}

// Disable a third of the entries (tombstones), then one maintain() step
// compacts: rows renumbered, runs remapped, memory returned.
{
  const size0 = index.size;
  const t0 = performance.now();
  for (let id = 0; id < N; id += 3) index.remove(id);
  const removeMs = performance.now() - t0;
  const t1 = performance.now();
  index.maintain();
  const compactMs = performance.now() - t1;
  const after = index.stats();
  let truth = 0;
  let found = 0;
  for (let i = 0; i < 50; i++) {
    const q = near(centres, (next() % CENTRES) * BYTES, next() % 21);
    const got = new Map(index.query(q, D).map((m) => [m.id, m.distance]));
    const want = index.bruteForce(q, D);
    truth += want.length;
    for (const m of want) if (got.get(m.id) === m.distance) found++;
    if (got.size !== want.length) found = -Infinity;
  }
  gc();
  console.log(
    `removals: ${fmt(size0 - index.size)} remove() calls in ${(removeMs / 1000).toFixed(2)} s ` +
      `(${((removeMs * 1000) / (size0 - index.size)).toFixed(2)} µs each); compaction (one maintain() step) ` +
      `${(compactMs / 1000).toFixed(2)} s; after: ${fmt(after.size)} entries, ${after.tombstones} tombstones, ` +
      `index ${mb(after.bytes)}, recall on 50 cluster queries ${found}/${truth}; peak RSS so far ${peakRss()}`,
  );
}

gc();
const end = process.memoryUsage();
console.log(
  `memory at end: RSS ${mb(end.rss)}, peak RSS ${peakRss()}, ` +
    `index ${mb(index.stats().bytes)}; goal for 10M: ≤ 1 GB RSS, ≥ 1,000 lookups/s`,
);
