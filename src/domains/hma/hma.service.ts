/**
 * The HMA 2.0 API over one agency's banks: lookups in the process's match index among the banks
 * the agency may use, and curation through the bank service (so every change is audited and
 * reaches the change log). Lookups store no match and count nothing towards flood quarantine: an
 * HMA client matches its own uploads and acts on the answer itself.
 */
import type { Clock } from '../ports.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { bankDistanceFor, parseSignal, type Bank, type BankEntry } from '../bank/bank.model.ts';
import type { BankService, EntryState } from '../bank/bank.service.ts';
import type { VisibleBank } from '../bank/bank.repository.ts';
import type { MatchIndex } from '../matching/match-index.ts';
import { candidateCounts, vpdqCandidateCounts } from '../matching/match.service.ts';
import type { VpdqFeature } from '../../algorithms/vpdq/vpdq.ts';
import type { HmaRepository } from './hma.repository.ts';
import {
  assignHmaNames,
  disableUntilTs,
  enabledFromHma,
  entryChangeFromDisableUntil,
  hmaBankConfig,
  hmaBankNameProblem,
  hmaDistance,
  hmaNoteProblem,
  hmaSignalValue,
  HMA_SIGNAL_TYPES,
  isHmaSignalType,
  matchesByBank,
  parseHmaSignal,
  type BankHit,
  type HmaBankConfig,
  type HmaContentMetadata,
  type HmaMatch,
  type HmaSignalType,
} from './hma.model.ts';

/** Entries whose content id this process has seen; a content id never changes once given. */
export const HMA_CONTENT_ID_CACHE_MAX = 1_000_000;

export interface HmaServiceDeps {
  banks: Pick<BankService, 'create' | 'update' | 'addEntry' | 'getEntry' | 'updateEntry'>;
  /** Banks the agency sees (one query): its own, then those shared with it. */
  visibleBanks(): Promise<VisibleBank[]>;
  contents: HmaRepository;
  index: Pick<MatchIndex, 'lookup' | 'lookupVpdq'>;
  clock: Clock;
  /** Entry id → content id, shared by the requests of one process. */
  contentIdCache: Map<string, number>;
}

export interface LookupSignal {
  type: HmaSignalType;
  value: string;
  /** vPDQ frames, for `vpdq`. */
  frames: VpdqFeature[] | null;
}

export interface HmaIndexStatus {
  present: boolean;
  built_to: number;
  size: number;
}

interface NamedVisibleBank {
  name: string;
  bank: Bank;
  readOnly: boolean;
}

function hmaError(code: 'VIGIL_HMA_BAD_REQUEST' | 'VIGIL_HMA_SIGNAL_TYPE_UNKNOWN' | 'VIGIL_HMA_SIGNAL_INVALID' | 'VIGIL_HMA_BANK_NAME_INVALID' | 'VIGIL_HMA_RATIO_UNSUPPORTED', message: string): VigilError {
  return new VigilError(code, message);
}

/** A signal type and value as HMA validates them; throws HMA's 400s. */
export function requireSignal(type: string, value: string): LookupSignal {
  if (!isHmaSignalType(type)) throw hmaError('VIGIL_HMA_SIGNAL_TYPE_UNKNOWN', `No such SignalType '${type.slice(0, 40)}'; this server speaks ${HMA_SIGNAL_TYPES.join(', ')}.`);
  const parsed = parseHmaSignal(type, value);
  if (!parsed.ok) throw hmaError('VIGIL_HMA_SIGNAL_INVALID', `invalid signal: ${parsed.reason}`);
  return { type: parsed.type, value: parsed.value, frames: parsed.frames };
}

export function createHmaService(deps: HmaServiceDeps) {
  const { clock, contents, contentIdCache } = deps;

  async function namedBanks(): Promise<{ byId: Map<string, NamedVisibleBank>; byName: Map<string, NamedVisibleBank> }> {
    const visible = await deps.visibleBanks();
    const names = assignHmaNames(visible.map((v) => ({ id: v.bank.id, name: v.bank.name, readOnly: v.readOnly, createdAt: v.bank.createdAt })));
    const byId = new Map<string, NamedVisibleBank>();
    const byName = new Map<string, NamedVisibleBank>();
    for (const v of visible) {
      const named = { name: names.get(v.bank.id)!, bank: v.bank, readOnly: v.readOnly };
      byId.set(v.bank.id, named);
      byName.set(named.name, named);
    }
    return { byId, byName };
  }

  async function bankNamed(name: string): Promise<NamedVisibleBank> {
    const b = (await namedBanks()).byName.get(name);
    if (!b) throw new VigilError('VIGIL_HMA_BANK_NOT_FOUND', `bank '${name.slice(0, 100)}' not found`);
    return b;
  }

  async function contentIdsOf(entries: readonly BankEntry[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const missing: BankEntry[] = [];
    for (const e of entries) {
      const id = contentIdCache.get(e.id);
      if (id === undefined) missing.push(e);
      else out.set(e.id, id);
    }
    if (missing.length === 0) return out;
    const found = await contents.ensureContentIds(
      missing.map((e) => ({ id: e.id, bankId: e.bankId, agencyId: e.agencyId })),
      clock.now(),
    );
    if (contentIdCache.size + found.size > HMA_CONTENT_ID_CACHE_MAX) contentIdCache.clear();
    for (const [entryId, id] of found) {
      contentIdCache.set(entryId, id);
      out.set(entryId, id);
    }
    return out;
  }

  /**
   * One signal's hits among the agency's banks. `/m/lookup` counts only what matching would count
   * (bank enabled, entry active, the bank's own thresholds); `/m/raw_lookup` skips the
   * enabled/active checks, as HMA's does. In both, a hit on a negative bank (known benign content)
   * suppresses the answer for that signal, as it suppresses a match in Vigil.
   */
  async function hitsOf(signal: LookupSignal, raw: boolean, banks: Map<string, NamedVisibleBank>): Promise<BankHit[]> {
    const visibleIds = new Set(banks.keys());
    const now = clock.now();
    const found: { entry: BankEntry; bank: Bank; distance: string; rank: number }[] = [];
    if (signal.type === 'vpdq') {
      for (const c of await deps.index.lookupVpdq(signal.frames ?? [], visibleIds)) {
        const counts = raw ? visibleIds.has(c.bank.id) && c.queryMatchPercent >= c.bank.vpdqQueryMatchPercent && c.comparedMatchPercent >= c.bank.vpdqComparedMatchPercent : vpdqCandidateCounts(c, visibleIds, now);
        if (counts) found.push({ entry: c.entry, bank: c.bank, distance: hmaDistance('vpdq', c), rank: -c.queryMatchPercent });
      }
    } else {
      for (const c of await deps.index.lookup(signal.type, [signal.value], visibleIds)) {
        const counts = raw ? visibleIds.has(c.bank.id) && c.distance <= (bankDistanceFor(c.bank, c.entry.kind) ?? 0) : candidateCounts(c, visibleIds, now);
        if (counts) found.push({ entry: c.entry, bank: c.bank, distance: hmaDistance(signal.type, c), rank: c.distance });
      }
    }
    if (found.some((f) => f.bank.kind === 'negative')) return [];
    const ids = await contentIdsOf(found.map((f) => f.entry));
    return found.filter((f) => ids.has(f.entry.id)).map((f) => ({ bankName: banks.get(f.bank.id)!.name, contentId: ids.get(f.entry.id)!, distance: f.distance, rank: f.rank }));
  }

  function bankView(b: NamedVisibleBank): HmaBankConfig {
    return hmaBankConfig(b.name, b.bank.enabled);
  }

  async function contentOf(bank: NamedVisibleBank, contentId: number) {
    const c = await contents.content(contentId);
    if (!c || c.bankId !== bank.bank.id) return null;
    const entries: EntryState[] = [];
    for (const id of c.entryIds) entries.push(await deps.banks.getEntry(bank.bank.id, id));
    return { content: c, entries };
  }

  async function mustContent(bank: NamedVisibleBank, contentId: number) {
    const c = await contentOf(bank, contentId);
    if (!c) throw new VigilError('VIGIL_HMA_CONTENT_NOT_FOUND', `content '${contentId}' not found`);
    return c;
  }

  return {
    /** `/m/lookup` and `/m/raw_lookup` for each signal: `{signal_type: {BANK: [matches]}}`. */
    async lookup(signals: readonly LookupSignal[], options: { raw: boolean; only: ReadonlySet<string> | null }): Promise<Record<string, Record<string, HmaMatch[]>>> {
      const { byId } = await namedBanks();
      const out: Record<string, Record<string, HmaMatch[]>> = {};
      for (const s of signals) out[s.type] = matchesByBank(await hitsOf(s, options.raw, byId), options.only);
      return out;
    },

    /** `/m/index/status`: what the match index holds for this agency, per signal type. */
    async indexStatus(only: string | undefined): Promise<Record<string, HmaIndexStatus>> {
      if (only !== undefined && !isHmaSignalType(only)) throw hmaError('VIGIL_HMA_SIGNAL_TYPE_UNKNOWN', `No such signal type '${only.slice(0, 40)}'`);
      const types = only !== undefined ? [only] : [...HMA_SIGNAL_TYPES];
      const counts = new Map((await contents.indexedCounts(types)).map((c) => [c.kind, c]));
      const out: Record<string, HmaIndexStatus> = {};
      for (const t of types) {
        const c = counts.get(t);
        out[t] = c && c.size > 0 ? { present: true, built_to: Math.floor(c.newestAt / 1000), size: c.size } : { present: false, built_to: -1, size: 0 };
      }
      return out;
    },

    listBanks: async (): Promise<HmaBankConfig[]> => [...(await namedBanks()).byId.values()].map(bankView),

    getBank: async (name: string): Promise<HmaBankConfig> => bankView(await bankNamed(name)),

    async createBank(input: { name?: unknown; enabled_ratio?: number | null; enabled?: boolean | null }): Promise<HmaBankConfig> {
      const problem = hmaBankNameProblem(input.name);
      if (problem) throw hmaError('VIGIL_HMA_BANK_NAME_INVALID', problem);
      const name = input.name as string;
      const enabled = enabledFromHma(input.enabled_ratio, input.enabled);
      if (!enabled.ok) throw hmaError('VIGIL_HMA_RATIO_UNSUPPORTED', enabled.reason);
      if ((await namedBanks()).byName.has(name)) throw new VigilError('VIGIL_HMA_BANK_EXISTS', 'Bank already exists');
      try {
        const created = await deps.banks.create({ name, enabled: enabled.enabled ?? true });
        return hmaBankConfig(name, created.bank.enabled);
      } catch (e) {
        if (e instanceof VigilError && e.code === 'VIGIL_BANK_NAME_TAKEN') throw new VigilError('VIGIL_HMA_BANK_EXISTS', 'Bank already exists');
        throw e;
      }
    },

    async updateBank(currentName: string, input: { name?: unknown; enabled_ratio?: number | null; enabled?: boolean | null }): Promise<HmaBankConfig> {
      const { byName } = await namedBanks();
      const bank = byName.get(currentName);
      if (!bank) throw new VigilError('VIGIL_HMA_BANK_NOT_FOUND', 'Bank not found');
      const rename = input.name !== undefined && input.name !== null && input.name !== currentName;
      if (rename) {
        const problem = hmaBankNameProblem(input.name);
        if (problem) throw hmaError('VIGIL_HMA_BANK_NAME_INVALID', problem);
        if (byName.has(input.name as string)) throw new VigilError('VIGIL_HMA_BANK_EXISTS', 'Bank name already exists');
      }
      const enabled = enabledFromHma(input.enabled_ratio, input.enabled);
      if (!enabled.ok) throw hmaError('VIGIL_HMA_RATIO_UNSUPPORTED', enabled.reason);
      try {
        const after = await deps.banks.update(bank.bank.id, { ...(rename ? { name: input.name as string } : {}), ...(enabled.enabled !== undefined ? { enabled: enabled.enabled } : {}) });
        return hmaBankConfig(rename ? (input.name as string) : currentName, after.bank.enabled);
      } catch (e) {
        if (e instanceof VigilError && e.code === 'VIGIL_BANK_NAME_TAKEN') throw new VigilError('VIGIL_HMA_BANK_EXISTS', 'Bank name already exists');
        throw e;
      }
    },

    /**
     * HMA deletes a bank and its content; Vigil keeps banks (their entries are the provenance of
     * past matches), so deleting a bank is always refused: `PUT {"enabled": false}` stops its
     * matching. An unknown bank is a 404 (HMA answers 200 there), so a client never takes the
     * refusal for a deletion.
     */
    async deleteBank(name: string): Promise<never> {
      await bankNamed(name);
      throw new VigilError('VIGIL_HMA_BANK_DELETE_REFUSED', `Bank ${name} is kept: Vigil never deletes a bank; disable it with PUT /c/bank/${name} {"enabled": false}.`);
    },

    /**
     * Banks one content: one entry per signal, grouped under one content id. Every signal, the
     * note and the metadata are checked before anything is written; a signal the bank already
     * holds keeps its entry (and its content id, when all of them had one).
     */
    async addContent(bankName: string, signals: Record<string, string>, note: unknown, metadata: HmaContentMetadata | null): Promise<{ id: number; signals: Record<string, string> }> {
      const bank = await bankNamed(bankName);
      const noteProblem = hmaNoteProblem(note);
      if (noteProblem) throw hmaError('VIGIL_HMA_BAD_REQUEST', noteProblem);
      const entries = Object.entries(signals);
      if (entries.length === 0) throw hmaError('VIGIL_HMA_BAD_REQUEST', 'No signals given');
      const parsed = entries.map(([type, value]) => {
        if (typeof value !== 'string') throw hmaError('VIGIL_HMA_SIGNAL_INVALID', `Invalid ${type.slice(0, 40)} signal: not a string`);
        if (!isHmaSignalType(type)) throw hmaError('VIGIL_HMA_SIGNAL_TYPE_UNKNOWN', `No such signal type ${type.slice(0, 40)}`);
        const s = parseHmaSignal(type, value);
        if (!s.ok) throw hmaError('VIGIL_HMA_SIGNAL_INVALID', `Invalid ${type} signal: ${s.reason}`);
        const banked = parseSignal(type, s.value);
        if (!banked.ok) throw hmaError('VIGIL_HMA_SIGNAL_INVALID', `Invalid ${type} signal: ${banked.reason}`);
        return s;
      });
      if (bank.readOnly) throw new VigilError('VIGIL_BANK_READ_ONLY', `Bank ${bankName} is shared with your agency read-only; only its owner can change it.`);
      const added: EntryState[] = [];
      for (const s of parsed) added.push((await deps.banks.addEntry(bank.bank.id, { kind: s.type, value: s.value })).entry);
      const linked = await contents.contentIdsOf(added.map((e) => e.id));
      const unlinked = added.filter((e) => !linked.has(e.id)).map((e) => e.id);
      const id = unlinked.length === 0 ? linked.get(added[0]!.id)! : await contents.createContent(bank.bank.id, unlinked, typeof note === 'string' && note !== '' ? note : null, metadata, clock.now());
      if (id === null) throw new VigilError('VIGIL_BANK_READ_ONLY', `Bank ${bankName} is not your agency's.`);
      for (const e of unlinked) contentIdCache.set(e, id);
      return { id, signals: Object.fromEntries(parsed.map((s) => [s.type, s.value])) };
    },

    async getContent(bankName: string, contentId: number, options: { signals: boolean; metadata: boolean }) {
      const bank = await bankNamed(bankName);
      const { content, entries } = await mustContent(bank, contentId);
      return {
        id: content.contentId,
        disable_until_ts: entries[0] ? disableUntilTs(entries[0]) : 0,
        original_media_uri: null,
        bank: bankView(bank),
        ...(options.signals ? { signals: Object.fromEntries(entries.map((e) => [e.kind, hmaSignalValue(e)])) } : {}),
        ...(options.metadata && content.metadata ? { metadata: content.metadata } : {}),
        ...(content.note !== null ? { note: content.note } : {}),
      };
    },

    /** `disable_until_ts` and `note`, both checked before anything changes. */
    async updateContent(bankName: string, contentId: number, body: Record<string, unknown>) {
      const bank = await bankNamed(bankName);
      const { content, entries } = await mustContent(bank, contentId);
      const change = 'disable_until_ts' in body ? entryChangeFromDisableUntil(body.disable_until_ts, clock.now()) : null;
      if (change && !change.ok) throw hmaError('VIGIL_HMA_BAD_REQUEST', change.reason);
      const noteProblem = 'note' in body ? hmaNoteProblem(body.note) : null;
      if (noteProblem) throw hmaError('VIGIL_HMA_BAD_REQUEST', noteProblem);
      if (bank.readOnly) throw new VigilError('VIGIL_BANK_READ_ONLY', `Bank ${bankName} is shared with your agency read-only; only its owner can change it.`);
      const after: EntryState[] = [];
      for (const e of entries) after.push(change?.ok ? await deps.banks.updateEntry(bank.bank.id, e.id, change.patch) : e);
      let note = content.note;
      if ('note' in body) {
        note = typeof body.note === 'string' && body.note !== '' ? body.note : null;
        await contents.setNote(contentId, note);
      }
      return {
        id: content.contentId,
        disable_until_ts: after[0] ? disableUntilTs(after[0]) : 0,
        collab_metadata: {},
        original_media_uri: null,
        bank: bankView(bank),
        user_metadata: content.metadata,
        note,
      };
    },

    /** HMA removes content; Vigil disables its entries for good (they stay as provenance). */
    async deleteContent(bankName: string, contentId: number): Promise<{ deleted: number }> {
      const bank = await bankNamed(bankName);
      const found = await contentOf(bank, contentId);
      if (!found) return { deleted: 0 };
      if (bank.readOnly) throw new VigilError('VIGIL_BANK_READ_ONLY', `Bank ${bankName} is shared with your agency read-only; only its owner can change it.`);
      for (const e of found.entries) await deps.banks.updateEntry(bank.bank.id, e.id, { enabled: false });
      return { deleted: 1 };
    },
  };
}

export type HmaService = ReturnType<typeof createHmaService>;
