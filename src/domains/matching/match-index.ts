/**
 * The in-memory match index of one process: every indexable bank entry of the instance, by signal
 * kind — a HammingIndex for PDQ (256 bits) and SimHash (64 bits), a Map by value for the exact
 * kinds (sha256, md5, video_md5). One index serves every agency; a lookup names the banks the
 * asking agency may use, and the caller checks each candidate (see `match.service.ts`).
 *
 * Staying current without a rebuild (DESIGN "Match index"):
 * - `load()` pages through the feed's active entries once, at first use.
 * - `sync()` follows the bank change log. Change ids are UUIDv7, but a transaction that took its
 *   id earlier may commit after a later one was read (several processes on PostgreSQL), so each
 *   sync re-reads from `changeCursorBefore(newest seen − BANK_CHANGE_SETTLE_MS)` and skips the
 *   changes it already applied; applying is idempotent anyway (the entry or bank the change names
 *   is reloaded and put in, or taken out of, the index).
 * - `lookup()` syncs first when the last sync is older than MATCH_INDEX_SYNC_MS (one indexed
 *   query on `bank_change` by primary key) or when `markStale()` was called: the platform calls
 *   it after every bank write in this process, so an entry added or disabled through the API is
 *   seen by the very next lookup here, and by other processes within MATCH_INDEX_SYNC_MS.
 *
 * Entries of disabled banks, quarantined entries and entries disabled for good are not indexed;
 * entries disabled until a time are (they come back by themselves), so candidates still go
 * through `isEntryActive` at lookup time.
 */
import { HammingIndex, type HammingMatch } from '../../algorithms/hamming-index/hamming-index.ts';
import { PDQ_MATCH_DISTANCE, pdqFromHex } from '../../algorithms/pdq/pdq.ts';
import { dedupeFrames, filterByQuality, parseVpdqLines, VPDQ_QUALITY_THRESHOLD, type VpdqFeature } from '../../algorithms/vpdq/vpdq.ts';
import { simhashFromHex } from '../../algorithms/simhash/simhash.ts';
import { BANK_CHANGE_SETTLE_MS, BANK_PDQ_DISTANCE_MAX, BANK_SIMHASH_DISTANCE_MAX, changeCursorBefore, SIMHASH_MATCH_DISTANCE, type Bank, type BankEntry, type SignalKind } from '../bank/bank.model.ts';
import type { BankChange, BankFeed } from '../bank/bank.repository.ts';

/** A lookup re-reads the change log when its last read is older than this (ms of process time). */
export const MATCH_INDEX_SYNC_MS = 200;
/**
 * How often a sync re-reads the whole settle window; in between it reads on from the newest change
 * seen. A bulk load of 100,000 entries would otherwise be re-read on every sync for a minute.
 */
export const MATCH_INDEX_RESCAN_MS = 5_000;
/** Entries per page when loading, changes per page when syncing. */
export const MATCH_INDEX_PAGE = 1000;

/** Kinds the index holds; vPDQ entries are indexed frame by frame and looked up with `lookupVpdq`. */
export const INDEXED_KINDS = ['sha256', 'md5', 'video_md5', 'pdq', 'simhash', 'vpdq'] as const satisfies readonly SignalKind[];
type IndexedKind = (typeof INDEXED_KINDS)[number];
type NearKind = 'pdq' | 'simhash';
type ExactKind = Exclude<IndexedKind, NearKind | 'vpdq'>;

const isNear = (k: SignalKind): k is NearKind => k === 'pdq' || k === 'simhash';

export type MatchIndexFeed = Pick<BankFeed, 'changesSince' | 'activeEntries' | 'entries' | 'banks'>;

export interface MatchIndexDeps {
  feed: MatchIndexFeed;
  /** A fresh UUIDv7 from the same generator as change ids: where the change log stands "now". */
  newId(): string;
  /** Monotonic process time in ms, for sync freshness only (default `performance.now`). */
  monotonicMs?: () => number;
}

export interface BankInfo {
  bank: Bank;
  sharedWith: readonly string[];
}

export interface MatchCandidate {
  entry: BankEntry;
  bank: Bank;
  distance: number;
  /** Which of the queried hashes reached the entry (the dihedral, for PDQ). */
  queryIndex: number;
}

/**
 * A banked video that shares frames with the query, with python-threatexchange's two shares
 * (`vpdq_index.py`): of the query's unique good frames, how many have a banked frame within the
 * bank's vPDQ distance, and the reverse. Whether that is a match is the bank's call (its
 * percentage thresholds): see `vpdqCandidateCounts` in `match.service.ts`.
 */
export interface VpdqCandidate {
  entry: BankEntry;
  bank: Bank;
  /** 0..100. */
  queryMatchPercent: number;
  /** 0..100. */
  comparedMatchPercent: number;
  /** The smallest frame distance found. */
  distance: number;
}

/** What matching keeps of a vPDQ entry: its unique good frames (quality-filtered, then deduplicated, as the reference). */
interface VpdqEntryFrames {
  frameIds: number[];
}

/** Milliseconds encoded in a UUIDv7 (its first 48 bits). */
export function uuidV7Ms(id: string): number {
  const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
  return Number.isFinite(ms) ? ms : 0;
}

function hashOf(kind: NearKind, hex: string): Uint8Array {
  return kind === 'pdq' ? pdqFromHex(hex) : simhashFromHex(hex);
}

export class MatchIndex {
  private readonly deps: MatchIndexDeps;
  private readonly monotonic: () => number;
  private readonly near: Record<NearKind, HammingIndex> = {
    // The slot layout is tuned for HMA's PDQ threshold; a bank with a wider one is still answered
    // exactly (the index falls back to a flat scan beyond its layout).
    pdq: new HammingIndex({ bits: 256, maxDistance: PDQ_MATCH_DISTANCE }),
    simhash: new HammingIndex({ bits: 64, maxDistance: SIMHASH_MATCH_DISTANCE }),
  };
  /** Every unique good frame of every vPDQ entry, by frame id. */
  private readonly vpdqFrames = new HammingIndex({ bits: 256, maxDistance: PDQ_MATCH_DISTANCE });
  private readonly frameEntry = new Map<number, number>();
  private readonly vpdqOf = new Map<number, VpdqEntryFrames>();
  private nextFrameId = 1;
  private readonly exact: Record<ExactKind, Map<string, Set<number>>> = { sha256: new Map(), md5: new Map(), video_md5: new Map() };
  /** Entry UUID ↔ the 32-bit id the Hamming indexes use. */
  private readonly numOf = new Map<string, number>();
  private readonly entries = new Map<number, BankEntry>();
  private readonly byBank = new Map<string, Set<number>>();
  private readonly banks = new Map<string, BankInfo>();
  private nextNum = 1;
  /** The change log is read from this id (exclusive), settle-adjusted; applied ids in that window. */
  private cursor: string | null = null;
  private readonly applied = new Map<string, number>();
  private lastSyncAt = -Infinity;
  /** The newest change id read, and when the settle window was last re-read whole. */
  private tail: string | null = null;
  private lastRescanAt = -Infinity;
  private staleFromMs: number | null = null;
  private stale = false;
  private loading: Promise<void> | null = null;
  private syncing: Promise<void> | null = null;

  constructor(deps: MatchIndexDeps) {
    this.deps = deps;
    this.monotonic = deps.monotonicMs ?? (() => performance.now());
  }

  /** Indexed entries. */
  get size(): number {
    return this.entries.size;
  }

  /** Loads every active entry once (later calls wait for the same load). */
  load(): Promise<void> {
    this.loading ??= this.loadAll().catch((e: unknown) => {
      this.loading = null;
      throw e;
    });
    return this.loading;
  }

  private async loadAll(): Promise<void> {
    // The cursor is taken before the entries are read: a change made during the load is re-read.
    const startMs = uuidV7Ms(this.deps.newId());
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.feed.activeEntries(INDEXED_KINDS, { limit: MATCH_INDEX_PAGE, ...(after ? { after } : {}) });
      const missing = [...new Set(page.map((e) => e.bankId))].filter((id) => !this.banks.has(id));
      for (const b of await this.deps.feed.banks(missing)) this.banks.set(b.bank.id, b);
      for (const e of page) this.put(e);
      if (page.length < MATCH_INDEX_PAGE) break;
      after = page.at(-1)!.id;
    }
    this.near.pdq.flush();
    this.near.simhash.flush();
    this.vpdqFrames.flush();
    this.cursor = changeCursorBefore(startMs - BANK_CHANGE_SETTLE_MS);
    this.lastSyncAt = this.monotonic();
  }

  /** The next lookup re-reads the change log first (called after a bank write in this process). */
  markStale(): void {
    this.stale = true;
    // The write took its change id a moment ago; the next sync reads from a little before, even if
    // a later change was already read.
    const from = uuidV7Ms(this.deps.newId()) - MATCH_INDEX_RESCAN_MS;
    this.staleFromMs = this.staleFromMs === null ? from : Math.min(this.staleFromMs, from);
  }

  /** Reads and applies the change log since the last read; concurrent callers share one read. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    await this.load();
    this.stale = false;
    const staleFrom = this.staleFromMs === null ? null : changeCursorBefore(this.staleFromMs);
    this.staleFromMs = null;
    const startedAt = this.monotonic();
    // A change committed late with an older id is caught by the next rescan, within MATCH_INDEX_RESCAN_MS.
    const rescan = this.tail === null || startedAt - this.lastRescanAt >= MATCH_INDEX_RESCAN_MS;
    if (rescan) this.lastRescanAt = startedAt;
    let after = rescan ? this.cursor : staleFrom !== null && staleFrom < this.tail! ? staleFrom : this.tail;
    let newestMs = this.cursor ? uuidV7Ms(this.cursor) + BANK_CHANGE_SETTLE_MS : 0;
    for (;;) {
      const page = await this.deps.feed.changesSince(after, MATCH_INDEX_PAGE);
      const fresh = page.filter((c) => !this.applied.has(c.id));
      await this.apply(fresh);
      for (const c of fresh) this.applied.set(c.id, uuidV7Ms(c.id));
      if (page.length > 0) {
        after = page.at(-1)!.id;
        newestMs = Math.max(newestMs, uuidV7Ms(after));
        if (this.tail === null || after > this.tail) this.tail = after;
      }
      if (page.length < MATCH_INDEX_PAGE) break;
    }
    const from = newestMs - BANK_CHANGE_SETTLE_MS;
    if (newestMs > 0) this.cursor = changeCursorBefore(from);
    for (const [id, ms] of this.applied) if (ms < from) this.applied.delete(id);
    this.lastSyncAt = startedAt;
    // Reclaim tombstones and link new rows a step at a time, off the lookup's critical path.
    this.near.pdq.maintain();
    this.near.simhash.maintain();
    this.vpdqFrames.maintain();
  }

  private async apply(changes: readonly BankChange[]): Promise<void> {
    if (changes.length === 0) return;
    const bankIds = [...new Set(changes.filter((c) => c.op === 'bank.update' || c.op === 'bank.share').map((c) => c.bankId))];
    // Banks dropped or (re)loaded whole here need no per-entry work.
    const whole = new Set<string>();
    for (const info of await this.deps.feed.banks(bankIds)) {
      const before = this.banks.get(info.bank.id);
      this.banks.set(info.bank.id, info);
      if (!info.bank.enabled) {
        this.dropBank(info.bank.id);
        whole.add(info.bank.id);
      } else if (!before || !before.bank.enabled) {
        await this.loadBank(info.bank.id);
        whole.add(info.bank.id);
      }
    }
    const entryIds = [...new Set(changes.filter((c) => c.entryId !== null && !whole.has(c.bankId)).map((c) => c.entryId!))];
    for (let i = 0; i < entryIds.length; i += MATCH_INDEX_PAGE) {
      const list = await this.deps.feed.entries(entryIds.slice(i, i + MATCH_INDEX_PAGE));
      const missing = [...new Set(list.map((e) => e.bankId))].filter((id) => !this.banks.has(id));
      for (const b of await this.deps.feed.banks(missing)) this.banks.set(b.bank.id, b);
      for (const e of list) {
        if (this.banks.get(e.bankId)?.bank.enabled && indexable(e)) this.put(e);
        else this.drop(e.id);
      }
    }
  }

  private async loadBank(bankId: string): Promise<void> {
    this.dropBank(bankId);
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.feed.activeEntries(INDEXED_KINDS, { bankId, limit: MATCH_INDEX_PAGE, ...(after ? { after } : {}) });
      for (const e of page) this.put(e);
      if (page.length < MATCH_INDEX_PAGE) break;
      after = page.at(-1)!.id;
    }
  }

  private put(e: BankEntry): void {
    if (!(INDEXED_KINDS as readonly string[]).includes(e.kind)) return;
    const kind = e.kind as IndexedKind;
    const known = this.numOf.get(e.id);
    const num = known ?? this.nextNum++;
    if (known === undefined) this.numOf.set(e.id, num);
    const old = this.entries.get(num);
    if (old && old.kind === 'vpdq') this.dropFrames(num);
    else if (old && !isNear(old.kind)) this.exact[old.kind as ExactKind].get(old.value)?.delete(num);
    this.entries.set(num, e);
    let set = this.byBank.get(e.bankId);
    if (!set) this.byBank.set(e.bankId, (set = new Set()));
    set.add(num);
    if (kind === 'vpdq') {
      this.putFrames(num, e.value);
    } else if (isNear(kind)) {
      this.near[kind].add(num, hashOf(kind, e.value));
    } else {
      let ids = this.exact[kind].get(e.value);
      if (!ids) this.exact[kind].set(e.value, (ids = new Set()));
      ids.add(num);
    }
  }

  private drop(entryId: string): void {
    const num = this.numOf.get(entryId);
    if (num !== undefined) this.dropNum(num);
  }

  private dropNum(num: number): void {
    const e = this.entries.get(num);
    if (!e) return;
    this.entries.delete(num);
    this.byBank.get(e.bankId)?.delete(num);
    if (e.kind === 'vpdq') {
      this.dropFrames(num);
    } else if (isNear(e.kind)) {
      this.near[e.kind].remove(num);
    } else {
      const ids = this.exact[e.kind as ExactKind].get(e.value);
      ids?.delete(num);
      if (ids?.size === 0) this.exact[e.kind as ExactKind].delete(e.value);
    }
  }

  private putFrames(num: number, value: string): void {
    // Banked values were parsed and canonicalised on the way in (bank.model.ts `parseSignal`).
    const frames = dedupeFrames(filterByQuality(parseVpdqLines(value), VPDQ_QUALITY_THRESHOLD));
    const frameIds: number[] = [];
    for (const f of frames) {
      const id = this.nextFrameId++;
      this.vpdqFrames.add(id, f.hash);
      this.frameEntry.set(id, num);
      frameIds.push(id);
    }
    this.vpdqOf.set(num, { frameIds });
  }

  private dropFrames(num: number): void {
    for (const id of this.vpdqOf.get(num)?.frameIds ?? []) {
      this.vpdqFrames.remove(id);
      this.frameEntry.delete(id);
    }
    this.vpdqOf.delete(num);
  }

  private dropBank(bankId: string): void {
    for (const num of [...(this.byBank.get(bankId) ?? [])]) this.dropNum(num);
    this.byBank.delete(bankId);
  }

  /** Widest threshold of any enabled bank for a near kind: one query serves every bank. */
  private radius(kind: NearKind | 'vpdq'): number {
    let r = 0;
    for (const { bank } of this.banks.values()) if (bank.enabled) r = Math.max(r, kind === 'pdq' ? bank.pdqDistance : kind === 'vpdq' ? bank.vpdqDistance : bank.simhashDistance);
    return Math.min(r, kind === 'simhash' ? BANK_SIMHASH_DISTANCE_MAX : BANK_PDQ_DISTANCE_MAX);
  }

  private async current(): Promise<void> {
    await this.load();
    if (this.stale || this.monotonic() - this.lastSyncAt >= MATCH_INDEX_SYNC_MS) await this.sync();
  }

  /**
   * Banked videos sharing frames with `frames` among `bankIds`, each with its query and compared
   * shares at its bank's frame distance. The query is quality-filtered and deduplicated as the
   * banked side is; a query with no good frame finds nothing. Candidates are not yet checked
   * against the bank's percentage thresholds or the entry's active state.
   */
  async lookupVpdq(frames: readonly VpdqFeature[], bankIds: ReadonlySet<string>): Promise<VpdqCandidate[]> {
    await this.current();
    const query = dedupeFrames(filterByQuality(frames, VPDQ_QUALITY_THRESHOLD));
    if (query.length === 0) return [];
    const perEntry = new Map<number, { queryFrames: Set<number>; bankedFrames: Set<number>; distance: number }>();
    const hitFrame = (queryIndex: number, h: HammingMatch) => {
      const num = this.frameEntry.get(h.id);
      const entry = num === undefined ? undefined : this.entries.get(num);
      const info = entry ? this.banks.get(entry.bankId) : undefined;
      if (num === undefined || !entry || !info || !bankIds.has(entry.bankId) || h.distance > info.bank.vpdqDistance) return;
      let acc = perEntry.get(num);
      if (!acc) perEntry.set(num, (acc = { queryFrames: new Set(), bankedFrames: new Set(), distance: h.distance }));
      acc.queryFrames.add(queryIndex);
      acc.bankedFrames.add(h.id);
      acc.distance = Math.min(acc.distance, h.distance);
    };
    const radius = this.radius('vpdq');
    // Frame by frame: a query frame counts once for every banked video it reaches (queryMany would
    // keep only each banked frame's closest query frame).
    for (const [queryIndex, f] of query.entries()) for (const h of this.vpdqFrames.query(f.hash, radius)) hitFrame(queryIndex, h);
    const out: VpdqCandidate[] = [];
    for (const [num, acc] of perEntry) {
      const entry = this.entries.get(num)!;
      const banked = this.vpdqOf.get(num)?.frameIds.length ?? 0;
      out.push({
        entry,
        bank: this.banks.get(entry.bankId)!.bank,
        queryMatchPercent: (acc.queryFrames.size * 100) / query.length,
        comparedMatchPercent: banked === 0 ? 0 : (acc.bankedFrames.size * 100) / banked,
        distance: acc.distance,
      });
    }
    return out;
  }

  /**
   * Candidate entries for the given values (canonical lower-case hex; several for the 8 PDQ
   * dihedrals) among `bankIds`. Candidates are not yet checked against their bank's threshold,
   * the entry's active state or the bank's enabled flag: see `match.service.ts`.
   */
  async lookup(kind: SignalKind, values: readonly string[], bankIds: ReadonlySet<string>): Promise<MatchCandidate[]> {
    await this.current();
    const out: MatchCandidate[] = [];
    const emit = (num: number, distance: number, queryIndex: number) => {
      const entry = this.entries.get(num);
      const info = entry ? this.banks.get(entry.bankId) : undefined;
      if (entry && info && bankIds.has(entry.bankId)) out.push({ entry, bank: info.bank, distance, queryIndex });
    };
    if (values.length === 0) return out;
    if (isNear(kind)) {
      const hits = this.near[kind].queryMany(
        values.map((v) => hashOf(kind, v)),
        this.radius(kind),
      );
      for (const h of hits) emit(h.id, h.distance, h.queryIndex);
    } else if (kind === 'sha256' || kind === 'md5' || kind === 'video_md5') {
      values.forEach((v, i) => {
        for (const num of this.exact[kind].get(v) ?? []) emit(num, 0, i);
      });
    }
    return out;
  }
}

/** Not quarantined, and enabled or disabled only until a time (mirrors the feed's `activeEntries`). */
function indexable(e: BankEntry): boolean {
  return e.quarantinedAt === null && (e.enabled || e.disabledUntil !== null);
}
