/**
 * Hash banks for one agency: its own banks (read and write) and banks other agencies share with it
 * (read only). Every change is audited and appended to the bank change log, which matcher
 * processes follow. A rejected signal, label or setting never reaches a bank.
 */
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Agency } from '../agency/agency.model.ts';
import type { ErrorCode } from '../../errors/error-catalog.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import {
  applyLabels,
  BANK_FLOOD_DEFAULT,
  BANK_FLOOD_WINDOW_MS,
  bankSettingsProblem,
  cleanProvenance,
  DEFAULT_THRESHOLDS,
  floodExceeded,
  floodReason,
  formatSignal,
  isEntryActive,
  isSignalKind,
  nextEntryState,
  NO_LABELS,
  parseSignal,
  provenanceProblem,
  signalKey,
  type Bank,
  type BankChangeOp,
  type BankEntry,
  type BankKind,
  type BankThresholds,
  type LabelsInput,
  type SignalKind,
} from './bank.model.ts';
import type { BankPatch, BankRepository, BankShare, ChangeRef, EntryListQuery, NewBankEntry, VisibleBank } from './bank.repository.ts';

export interface BankServiceDeps {
  banks: BankRepository;
  agencies: { get(agencyId: string): Promise<Agency | null> };
  audit: AuditLog;
  /** The audit log of a bank's owner, for what this agency's matches do to a bank shared with it (flood quarantine). */
  auditOf(agencyId: string): AuditLog;
  clock: Clock;
  ids: Ids;
  /** SHA-256 of UTF-8 text, as lower-case hex (vPDQ lookup keys). */
  sha256Hex(text: string): string;
  actor: { userId: string | null; label: string };
}

export interface BankSummary extends VisibleBank {
  entryCount: number;
  /** Agencies the bank is shared with; null on a bank shared with you (the owner's business). */
  sharedWith: BankShare[] | null;
}

export type NewBankInput = { name: string; kind?: BankKind; description?: string; floodMaxItemsPerHour?: number; enabled?: boolean } & Partial<BankThresholds>;

/** One entry as a client sends it; the bulk route passes rows loosely typed, so each is checked here. */
export interface EntryInput {
  kind?: string;
  value: string;
  source?: string | null;
  externalId?: string | null;
  importer?: string | null;
  labels?: LabelsInput;
}

export interface EntryUpdate {
  enabled?: boolean;
  disabledUntil?: number | null;
  labels?: LabelsInput;
  /** Ends a quarantine after review. */
  releaseQuarantine?: boolean;
}

/** An entry with whether it takes part in matching now. */
export type EntryState = BankEntry & { active: boolean };

export type BulkEntryOutcome = 'added' | 'duplicate' | 'rejected';

export interface BulkEntryResult {
  index: number;
  outcome: BulkEntryOutcome;
  entryId: string | null;
  kind: SignalKind | null;
  code: ErrorCode | null;
  reason: string | null;
}

export interface BulkEntryReport {
  added: number;
  duplicate: number;
  rejected: number;
  results: BulkEntryResult[];
}

/** A partner's removal of a signal (a TCAP tombstone). All refs of one call share a source. */
export interface TombstoneRef {
  kind: SignalKind;
  value: string;
  externalId: string | null;
  source: string;
}

export interface TombstoneOutcome {
  outcome: 'removed' | 'already' | 'missing';
  entryId: string | null;
}

export interface HitOutcome {
  entry: EntryState;
  distinctItemsLastHour: number;
  /** The entry was quarantined by this hit. */
  quarantined: boolean;
}

const ENTRY_FIELDS = ['kind', 'value', 'source', 'externalId', 'importer', 'labels'] as const;

type Prepared = { ok: true; entry: NewBankEntry } | { ok: false; code: ErrorCode; reason: string; problem?: string };

export function createBankService(deps: BankServiceDeps) {
  const { banks, clock, ids } = deps;
  const addedBy = deps.actor.userId ?? deps.actor.label;
  /** Who added an entry is the owner's business: a bank shared with you shows no user ids. */
  const withState = (e: BankEntry, readOnly = false): EntryState => ({ ...e, addedBy: readOnly ? null : e.addedBy, active: isEntryActive(e, clock.now()) });

  async function mustSee(bankId: string): Promise<VisibleBank> {
    const b = await banks.getBank(bankId);
    if (!b) throw new VigilError('VIGIL_NOT_FOUND', `No bank ${bankId}.`);
    return b;
  }

  async function mustOwn(bankId: string): Promise<Bank> {
    const b = await mustSee(bankId);
    if (b.readOnly) throw new VigilError('VIGIL_BANK_READ_ONLY', `Bank ${b.bank.name} is shared with your agency by ${b.ownerAgencyName}; only its owner can change it.`);
    return b.bank;
  }

  async function summarise(list: VisibleBank[]): Promise<BankSummary[]> {
    const counts = await banks.entryCounts(list.map((b) => b.bank.id));
    const out: BankSummary[] = [];
    for (const b of list) out.push({ ...b, entryCount: counts.get(b.bank.id) ?? 0, sharedWith: b.readOnly ? null : await banks.sharesOf(b.bank.id) });
    return out;
  }

  function prepare(input: EntryInput, bankId: string): Prepared {
    const unknown = Object.keys(input).find((k) => !(ENTRY_FIELDS as readonly string[]).includes(k));
    if (unknown !== undefined) return { ok: false, code: 'VIGIL_ENTRY_INVALID', reason: `'${unknown.slice(0, 40)}' is not an entry field; fields are ${ENTRY_FIELDS.join(', ')}.` };
    if (input.kind !== undefined && !isSignalKind(input.kind)) {
      return { ok: false, code: 'VIGIL_SIGNAL_INVALID', problem: 'kind_unknown', reason: `'${String(input.kind).slice(0, 40)}' is not a signal kind; use one of sha256, md5, pdq, vpdq, simhash, video_md5.` };
    }
    if (typeof input.value !== 'string') return { ok: false, code: 'VIGIL_SIGNAL_INVALID', problem: 'empty', reason: 'The entry has no value.' };
    const parsed = parseSignal((input.kind as SignalKind | undefined) ?? null, input.value);
    if (!parsed.ok) return { ok: false, code: 'VIGIL_SIGNAL_INVALID', problem: parsed.problem, reason: parsed.reason };
    for (const [name, v] of [['source', input.source], ['externalId', input.externalId], ['importer', input.importer]] as const) {
      const problem = provenanceProblem(name, v);
      if (problem) return { ok: false, code: 'VIGIL_ENTRY_INVALID', reason: `The entry's ${problem}.` };
    }
    const labels = applyLabels(NO_LABELS, input.labels);
    if (!labels.ok) return { ok: false, code: 'VIGIL_ENTRY_INVALID', reason: `The entry's ${labels.reason}.` };
    const now = clock.now();
    return {
      ok: true,
      entry: {
        id: ids.next(),
        changeId: ids.next(),
        bankId,
        kind: parsed.kind,
        value: parsed.value,
        valueKey: signalKey(parsed.kind, parsed.value, deps.sha256Hex),
        source: cleanProvenance(input.source) ?? 'manual',
        externalId: cleanProvenance(input.externalId),
        importer: cleanProvenance(input.importer),
        addedBy,
        addedAt: now,
        labels: labels.labels,
        enabled: true,
        disabledUntil: null,
        quarantinedAt: null,
        quarantineReason: null,
        updatedAt: now,
      },
    };
  }

  /** How the audit log names a signal: the hash itself, or a vPDQ value's key. */
  const signalRef = (e: Pick<BankEntry, 'kind' | 'value' | 'valueKey'>) => (e.kind === 'vpdq' ? `vpdq#sha256:${e.valueKey}` : formatSignal(e.kind, e.value));

  async function summary(bankId: string): Promise<BankSummary> {
    const [s] = await summarise([await mustSee(bankId)]);
    return s!;
  }

  async function mustEntry(bankId: string, entryId: string): Promise<BankEntry> {
    const e = await banks.getEntry(bankId, entryId);
    if (!e) throw new VigilError('VIGIL_NOT_FOUND', `No entry ${entryId} in bank ${bankId}.`);
    return e;
  }

  return {
    /** Your banks, then banks shared with you (read-only). */
    list: async (): Promise<BankSummary[]> => summarise(await banks.visibleBanks()),

    get: summary,

    async create(input: NewBankInput): Promise<BankSummary> {
      const problem = bankSettingsProblem(input);
      if (problem) throw new VigilError('VIGIL_BANK_INVALID', `The bank is not valid: ${problem}.`);
      const name = input.name.trim();
      if (await banks.findBankByName(name)) throw new VigilError('VIGIL_BANK_NAME_TAKEN', `Your agency already has a bank named "${name}".`);
      const now = clock.now();
      const bank: Bank = {
        id: ids.next(),
        agencyId: banks.agencyId,
        name,
        kind: input.kind ?? 'positive',
        description: input.description?.trim() ?? '',
        pdqDistance: input.pdqDistance ?? DEFAULT_THRESHOLDS.pdqDistance,
        vpdqDistance: input.vpdqDistance ?? DEFAULT_THRESHOLDS.vpdqDistance,
        simhashDistance: input.simhashDistance ?? DEFAULT_THRESHOLDS.simhashDistance,
        vpdqQueryMatchPercent: input.vpdqQueryMatchPercent ?? DEFAULT_THRESHOLDS.vpdqQueryMatchPercent,
        vpdqComparedMatchPercent: input.vpdqComparedMatchPercent ?? DEFAULT_THRESHOLDS.vpdqComparedMatchPercent,
        floodMaxItemsPerHour: input.floodMaxItemsPerHour ?? BANK_FLOOD_DEFAULT,
        enabled: input.enabled ?? true,
        createdAt: now,
        createdBy: addedBy,
        updatedAt: now,
      };
      if (!(await banks.insertBank(bank, ids.next()))) throw new VigilError('VIGIL_BANK_NAME_TAKEN', `Your agency already has a bank named "${name}".`);
      await deps.audit.record({ action: 'bank.create', targetType: 'bank', targetId: bank.id, detail: { name, kind: bank.kind } });
      return summary(bank.id);
    },

    async update(bankId: string, patch: BankPatch): Promise<BankSummary> {
      const before = await mustOwn(bankId);
      const problem = bankSettingsProblem(patch);
      if (problem) throw new VigilError('VIGIL_BANK_INVALID', `The bank is not valid: ${problem}.`);
      const clean: BankPatch = { ...patch, ...(patch.name !== undefined ? { name: patch.name.trim() } : {}), ...(patch.description !== undefined ? { description: patch.description.trim() } : {}) };
      const changed = Object.fromEntries(Object.entries(clean).filter(([k, v]) => v !== undefined && before[k as keyof Bank] !== v)) as BankPatch;
      if (Object.keys(changed).length === 0) return summary(bankId);
      const taken = changed.name !== undefined ? await banks.findBankByName(changed.name) : null;
      if (taken && taken.id !== bankId) throw new VigilError('VIGIL_BANK_NAME_TAKEN', `Your agency already has a bank named "${changed.name}".`);
      try {
        await banks.updateBank(bankId, changed, clock.now(), ids.next());
      } catch (e) {
        // Another request took the name between the check and the update.
        if (changed.name !== undefined && (await banks.findBankByName(changed.name))?.id !== bankId) throw new VigilError('VIGIL_BANK_NAME_TAKEN', `Your agency already has a bank named "${changed.name}".`);
        throw e;
      }
      const beforeFields = Object.fromEntries(Object.keys(changed).map((k) => [k, before[k as keyof Bank]]));
      await deps.audit.record({ action: 'bank.update', targetType: 'bank', targetId: bankId, detail: { before: beforeFields, after: changed } });
      return summary(bankId);
    },

    /** One signal. A signal the bank already holds is returned as it is, with `created: false`. */
    async addEntry(bankId: string, input: EntryInput): Promise<{ entry: EntryState; created: boolean }> {
      await mustOwn(bankId);
      const p = prepare(input, bankId);
      if (!p.ok) throw new VigilError(p.code, p.reason, p.problem ? { problem: p.problem } : undefined);
      const existing = await banks.existingSignals(bankId, [p.entry]);
      const existingId = existing.get(`${p.entry.kind}:${p.entry.valueKey}`);
      if (existingId) return { entry: withState(await mustEntry(bankId, existingId)), created: false };
      const inserted = await banks.insertEntries(bankId, [p.entry]);
      if (!inserted.has(p.entry.id)) {
        const raced = (await banks.existingSignals(bankId, [p.entry])).get(`${p.entry.kind}:${p.entry.valueKey}`);
        if (raced) return { entry: withState(await mustEntry(bankId, raced)), created: false };
        throw new Error('entry neither inserted nor found');
      }
      await deps.audit.record({
        action: 'bank_entry.add',
        targetType: 'bank_entry',
        targetId: p.entry.id,
        detail: { bankId, signal: signalRef(p.entry), source: p.entry.source, externalId: p.entry.externalId, importer: p.entry.importer, labels: p.entry.labels },
      });
      return { entry: withState(await mustEntry(bankId, p.entry.id)), created: true };
    },

    /**
     * Many signals at once. Each row gets its own outcome: bad rows are reported with their index
     * and reason and never stop the good ones; signals the bank already holds (or that appear
     * earlier in the list) are duplicates.
     */
    async addEntries(bankId: string, inputs: EntryInput[], options: { audit?: boolean } = {}): Promise<BulkEntryReport> {
      await mustOwn(bankId);
      const results: BulkEntryResult[] = [];
      const fresh: { index: number; entry: NewBankEntry }[] = [];
      const firstIndex = new Map<string, number>();
      const laterCopies: { result: BulkEntryResult; key: string }[] = [];
      inputs.forEach((input, index) => {
        const p = prepare(input, bankId);
        if (!p.ok) {
          results.push({ index, outcome: 'rejected', entryId: null, kind: null, code: p.code, reason: p.reason });
          return;
        }
        const key = `${p.entry.kind}:${p.entry.valueKey}`;
        const earlier = firstIndex.get(key);
        if (earlier !== undefined) {
          const result: BulkEntryResult = { index, outcome: 'duplicate', entryId: null, kind: p.entry.kind, code: 'VIGIL_BANK_ENTRY_DUPLICATE', reason: `the same signal is at index ${earlier} of this list` };
          results.push(result);
          laterCopies.push({ result, key });
          return;
        }
        firstIndex.set(key, index);
        fresh.push({ index, entry: p.entry });
      });
      const existing = await banks.existingSignals(bankId, fresh.map((f) => f.entry));
      const toInsert = fresh.filter((f) => !existing.has(`${f.entry.kind}:${f.entry.valueKey}`));
      const inserted = toInsert.length ? await banks.insertEntries(bankId, toInsert.map((f) => f.entry)) : new Set<string>();
      const idOf = new Map<string, string>();
      for (const f of fresh) {
        const key = `${f.entry.kind}:${f.entry.valueKey}`;
        const added = inserted.has(f.entry.id);
        const entryId = added ? f.entry.id : (existing.get(key) ?? null);
        if (entryId) idOf.set(key, entryId);
        results.push(added ? { index: f.index, outcome: 'added', entryId, kind: f.entry.kind, code: null, reason: null } : { index: f.index, outcome: 'duplicate', entryId, kind: f.entry.kind, code: 'VIGIL_BANK_ENTRY_DUPLICATE', reason: 'the bank already holds this signal' });
      }
      // Duplicates within the list point at the entry their first occurrence became.
      for (const c of laterCopies) c.result.entryId = idOf.get(c.key) ?? null;
      results.sort((a, b) => a.index - b.index);
      const report: BulkEntryReport = {
        added: results.filter((r) => r.outcome === 'added').length,
        duplicate: results.filter((r) => r.outcome === 'duplicate').length,
        rejected: results.filter((r) => r.outcome === 'rejected').length,
        results,
      };
      // An importer calls with audit: false and records the whole run as one event of its own.
      if (options.audit !== false) await deps.audit.record({ action: 'bank_entry.bulk_add', targetType: 'bank', targetId: bankId, detail: { added: report.added, duplicate: report.duplicate, rejected: report.rejected } });
      return report;
    },

    /**
     * Tombstones: disables the entries a partner removed, found by its id under `source`, else by
     * signal. Each ref gets `removed`, `already` (disabled before) or `missing` (no such entry). An
     * entry that is removed is disabled for good (a disable-until time is dropped). Not audited
     * per entry: the importer records its run.
     */
    async removeEntries(bankId: string, refs: TombstoneRef[]): Promise<TombstoneOutcome[]> {
      await mustOwn(bankId);
      const keyed = refs.map((r) => ({ ...r, valueKey: signalKey(r.kind, r.value, deps.sha256Hex) }));
      const found = await banks.findEntriesForRemoval(bankId, {
        source: refs[0]?.source ?? '',
        externalIds: keyed.filter((r) => r.externalId !== null).map((r) => r.externalId!),
        signals: keyed.map((r) => ({ kind: r.kind, valueKey: r.valueKey })),
      });
      const byExternal = new Map(found.filter((e) => e.externalId !== null).map((e) => [`${e.source}\u0000${e.externalId}`, e]));
      const bySignal = new Map(found.map((e) => [`${e.kind}:${e.valueKey}`, e]));
      const done = new Set<string>();
      const out: TombstoneOutcome[] = [];
      for (const r of keyed) {
        const entry = (r.externalId !== null ? byExternal.get(`${r.source}\u0000${r.externalId}`) : undefined) ?? bySignal.get(`${r.kind}:${r.valueKey}`);
        if (!entry) {
          out.push({ outcome: 'missing', entryId: null });
          continue;
        }
        if (done.has(entry.id) || (!entry.enabled && entry.disabledUntil === null)) {
          out.push({ outcome: 'already', entryId: entry.id });
          continue;
        }
        await banks.updateEntry(bankId, entry.id, { enabled: false, disabledUntil: null }, clock.now(), [{ id: ids.next(), op: 'entry.disable' }]);
        done.add(entry.id);
        out.push({ outcome: 'removed', entryId: entry.id });
      }
      return out;
    },

    /** Entries of a bank you own or that is shared with you, by last change after a cursor (exports). */
    async entriesByChange(bankId: string, q: { after: { at: number; id: string } | null; activeOnly: boolean; limit: number }): Promise<BankEntry[]> {
      await mustSee(bankId);
      return banks.entriesByChange(bankId, { ...q, now: clock.now() });
    },

    async listEntries(bankId: string, q: Omit<EntryListQuery, 'now'>): Promise<EntryState[]> {
      const { readOnly } = await mustSee(bankId);
      return (await banks.listEntries(bankId, { ...q, now: clock.now() })).map((e) => withState(e, readOnly));
    },

    async getEntry(bankId: string, entryId: string): Promise<EntryState> {
      const { readOnly } = await mustSee(bankId);
      return withState(await mustEntry(bankId, entryId), readOnly);
    },

    /** Enable, disable (until a time), relabel, or release from quarantine. */
    async updateEntry(bankId: string, entryId: string, patch: EntryUpdate): Promise<EntryState> {
      await mustOwn(bankId);
      const before = await mustEntry(bankId, entryId);
      const now = clock.now();
      if (patch.releaseQuarantine === true && before.quarantinedAt === null) throw new VigilError('VIGIL_ENTRY_NOT_QUARANTINED', `Entry ${entryId} is not quarantined.`);
      const state = nextEntryState(before, patch, now);
      if (!state.ok) throw new VigilError('VIGIL_ENTRY_UPDATE_INVALID', `The change is not valid: ${state.reason}.`);
      const labels = applyLabels(before.labels, patch.labels);
      if (!labels.ok) throw new VigilError('VIGIL_ENTRY_INVALID', `The entry's ${labels.reason}.`);
      const labelsChanged = JSON.stringify(labels.labels) !== JSON.stringify(before.labels);
      const stateChanged = state.enabled !== before.enabled || state.disabledUntil !== before.disabledUntil;
      const release = patch.releaseQuarantine === true;
      const changes: ChangeRef[] = [];
      if (labelsChanged) changes.push({ id: ids.next(), op: 'entry.update' });
      if (stateChanged) changes.push({ id: ids.next(), op: (state.enabled ? 'entry.enable' : 'entry.disable') satisfies BankChangeOp });
      if (release) changes.push({ id: ids.next(), op: 'entry.enable' });
      if (changes.length === 0) return withState(before);
      await banks.updateEntry(
        bankId,
        entryId,
        { ...(stateChanged ? { enabled: state.enabled, disabledUntil: state.disabledUntil } : {}), ...(labelsChanged ? { labels: labels.labels } : {}), ...(release ? { quarantinedAt: null } : {}) },
        now,
        changes,
      );
      const after = await mustEntry(bankId, entryId);
      const view = (e: BankEntry) => ({ enabled: e.enabled, disabledUntil: e.disabledUntil, quarantinedAt: e.quarantinedAt, labels: e.labels });
      await deps.audit.record({ action: release ? 'bank_entry.release' : 'bank_entry.update', targetType: 'bank_entry', targetId: entryId, detail: { bankId, before: view(before), after: view(after) } });
      return withState(after);
    },

    /** Shares a bank read-only with another agency; sharing again changes nothing. */
    async share(bankId: string, agencyId: string): Promise<{ share: BankShare; created: boolean }> {
      const bank = await mustOwn(bankId);
      if (agencyId === banks.agencyId) throw new VigilError('VIGIL_BANK_SHARE_INVALID', 'A bank cannot be shared with the agency that owns it.');
      const grantee = await deps.agencies.get(agencyId);
      if (!grantee) throw new VigilError('VIGIL_NOT_FOUND', `No agency ${agencyId}.`);
      const created = await banks.insertShare(bankId, agencyId, clock.now(), addedBy, ids.next());
      if (created) await deps.audit.record({ action: 'bank.share', targetType: 'bank', targetId: bankId, detail: { name: bank.name, agencyId, agencyName: grantee.name } });
      const share = (await banks.sharesOf(bankId)).find((s) => s.agencyId === agencyId);
      if (!share) throw new Error('share vanished after insert');
      return { share, created };
    },

    async unshare(bankId: string, agencyId: string): Promise<void> {
      const bank = await mustOwn(bankId);
      if (!(await banks.deleteShare(bankId, agencyId, clock.now(), ids.next()))) throw new VigilError('VIGIL_NOT_FOUND', `Bank ${bank.name} is not shared with agency ${agencyId}.`);
      await deps.audit.record({ action: 'bank.unshare', targetType: 'bank', targetId: bankId, detail: { name: bank.name, agencyId } });
    },

    /**
     * A match of an entry (in a bank this agency owns or is shared) on one of this agency's items
     * (or, for a lookup by hash alone, a caller-chosen id). Quarantines the entry, pending review,
     * once it has matched more distinct items within an hour than its bank allows.
     */
    async recordHit(entryId: string, itemId: string): Promise<HitOutcome> {
      const now = clock.now();
      const distinct = await banks.recordHit(entryId, itemId, now, now - BANK_FLOOD_WINDOW_MS);
      if (distinct === null) throw new VigilError('VIGIL_NOT_FOUND', `No bank entry ${entryId}.`);
      const entry = await banks.entryById(entryId);
      const bank = entry ? await banks.getBank(entry.bankId) : null;
      if (!entry || !bank) throw new VigilError('VIGIL_NOT_FOUND', `No bank entry ${entryId}.`);
      const limit = bank.bank.floodMaxItemsPerHour;
      if (entry.quarantinedAt !== null || !floodExceeded(distinct, limit)) return { entry: withState(entry, bank.readOnly), distinctItemsLastHour: distinct, quarantined: false };
      const reason = floodReason(distinct, limit);
      const quarantined = await banks.quarantineEntry(entryId, now, reason, ids.next());
      if (quarantined) {
        // The owner's log: it is their entry that stopped matching, whoever's capture tripped it.
        // Another agency's item id stays with that agency.
        const own = bank.bank.agencyId === banks.agencyId;
        const audit = own ? deps.audit : deps.auditOf(bank.bank.agencyId);
        await audit.record({ action: 'bank_entry.quarantine', targetType: 'bank_entry', targetId: entryId, detail: { bankId: bank.bank.id, distinctItems: distinct, limit, reason, ...(own ? { itemId } : { matchedFor: banks.agencyId }) } });
      }
      const after = await banks.entryById(entryId);
      return { entry: withState(after ?? entry, bank.readOnly), distinctItemsLastHour: distinct, quarantined };
    },
  };
}

export type BankService = ReturnType<typeof createBankService>;
