/**
 * Banks, their entries, shares, hits and the change log. `createBankRepository` is scoped to one
 * agency: it reads the banks the agency owns plus those shared with it, and writes only to banks
 * it owns. Every change to a bank or entry appends a `bank_change` row in the same transaction.
 *
 * `createBankFeed` is the one unscoped handle, for matcher processes that keep an instance-wide
 * index; they filter hits per agency with `visibleBankIds()` of that agency's scoped repository.
 */
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { BankEntryTable, BankTable, Database } from '../../adapters/db/schema.ts';
import type { Bank, BankChangeOp, BankEntry, BankKind, BankThresholds, EntryLabels, SignalKind } from './bank.model.ts';
import { NO_LABELS } from './bank.model.ts';

export function toBank(r: Selectable<BankTable>): Bank {
  return {
    id: r.bank_id,
    agencyId: r.agency_id,
    name: r.name,
    kind: r.kind as BankKind,
    description: r.description,
    pdqDistance: r.pdq_distance,
    vpdqDistance: r.vpdq_distance,
    simhashDistance: r.simhash_distance,
    vpdqQueryMatchPercent: r.vpdq_query_match_percent,
    vpdqComparedMatchPercent: r.vpdq_compared_match_percent,
    floodMaxItemsPerHour: r.flood_max_items_per_hour,
    enabled: r.enabled === 1,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

export function toEntry(r: Selectable<BankEntryTable>): BankEntry {
  return {
    id: r.entry_id,
    bankId: r.bank_id,
    agencyId: r.agency_id,
    kind: r.signal_kind as SignalKind,
    value: r.value,
    valueKey: r.value_key,
    source: r.source,
    externalId: r.external_id,
    importer: r.importer,
    addedBy: r.added_by,
    addedAt: r.added_at,
    labels: { ...NO_LABELS, ...(JSON.parse(r.labels) as Partial<EntryLabels>) },
    enabled: r.enabled === 1,
    disabledUntil: r.disabled_until,
    quarantinedAt: r.quarantined_at,
    quarantineReason: r.quarantine_reason,
    updatedAt: r.updated_at,
  };
}

function labelsJson(l: EntryLabels): string {
  // Only the labels that are set: rows stay small and read the same on both databases.
  return JSON.stringify(Object.fromEntries(Object.entries(l).filter(([, v]) => v !== null)));
}

export interface VisibleBank {
  bank: Bank;
  /** Shared with this agency by its owner: readable, never writable. */
  readOnly: boolean;
  ownerAgencyName: string;
}

export interface BankShare {
  bankId: string;
  agencyId: string;
  agencyName: string;
  createdAt: number;
  createdBy: string | null;
}

export interface BankChange {
  id: string;
  bankId: string;
  entryId: string | null;
  op: BankChangeOp;
  at: number;
}

export interface ChangeRef {
  id: string;
  op: BankChangeOp;
}

export type NewBankEntry = Omit<BankEntry, 'agencyId'> & { changeId: string };

export interface EntryListQuery {
  kind?: SignalKind;
  /** Enabled now: enabled, or disabled until a time that has passed (quarantine aside). */
  enabled?: boolean;
  quarantined?: boolean;
  outlet?: string;
  before?: string;
  limit: number;
  now: number;
}

export interface EntryPatch {
  enabled?: boolean;
  disabledUntil?: number | null;
  labels?: EntryLabels;
  quarantinedAt?: null;
}

export type BankPatch = Partial<Pick<Bank, 'name' | 'kind' | 'description' | 'floodMaxItemsPerHour' | 'enabled'> & BankThresholds>;

const INSERT_CHUNK = 200;

function bankColumns(p: BankPatch) {
  return {
    ...(p.name !== undefined ? { name: p.name } : {}),
    ...(p.kind !== undefined ? { kind: p.kind } : {}),
    ...(p.description !== undefined ? { description: p.description } : {}),
    ...(p.pdqDistance !== undefined ? { pdq_distance: p.pdqDistance } : {}),
    ...(p.vpdqDistance !== undefined ? { vpdq_distance: p.vpdqDistance } : {}),
    ...(p.simhashDistance !== undefined ? { simhash_distance: p.simhashDistance } : {}),
    ...(p.vpdqQueryMatchPercent !== undefined ? { vpdq_query_match_percent: p.vpdqQueryMatchPercent } : {}),
    ...(p.vpdqComparedMatchPercent !== undefined ? { vpdq_compared_match_percent: p.vpdqComparedMatchPercent } : {}),
    ...(p.floodMaxItemsPerHour !== undefined ? { flood_max_items_per_hour: p.floodMaxItemsPerHour } : {}),
    ...(p.enabled !== undefined ? { enabled: p.enabled ? 1 : 0 } : {}),
  };
}

/** Entries that are or will become active by themselves: not quarantined, and enabled or disabled only until a time. */
function indexable(eb: ExpressionBuilder<Database, 'bank_entry'>) {
  return eb.and([eb('bank_entry.quarantined_at', 'is', null), eb.or([eb('bank_entry.enabled', '=', 1), eb('bank_entry.disabled_until', 'is not', null)])]);
}

export interface IndexPage {
  /** Entries after this entry id (paging through a large bank). */
  after?: string;
  limit: number;
  bankId?: string;
}

export function createBankRepository(db: Kysely<Database>, agencyId: string) {
  const visibleIds = () =>
    db
      .selectFrom('bank')
      .select('bank.bank_id')
      .where((eb) => eb.or([eb('bank.agency_id', '=', agencyId), eb('bank.bank_id', 'in', db.selectFrom('bank_share').select('bank_share.bank_id').where('bank_share.agency_id', '=', agencyId))]));
  const banksWithOwner = () => db.selectFrom('bank').innerJoin('agency', 'agency.agency_id', 'bank.agency_id').selectAll('bank').select('agency.name as owner_name').where('bank.bank_id', 'in', visibleIds());
  const toVisible = (r: Selectable<BankTable> & { owner_name: string }): VisibleBank => ({ bank: toBank(r), readOnly: r.agency_id !== agencyId, ownerAgencyName: r.owner_name });

  return {
    agencyId,

    /** Banks the agency owns, then banks shared with it, each by name. */
    async visibleBanks(): Promise<VisibleBank[]> {
      const rows = await banksWithOwner().orderBy('bank.name').orderBy('bank.bank_id').execute();
      const all = rows.map(toVisible);
      return [...all.filter((b) => !b.readOnly), ...all.filter((b) => b.readOnly)];
    },
    async getBank(bankId: string): Promise<VisibleBank | null> {
      const r = await banksWithOwner().where('bank.bank_id', '=', bankId).executeTakeFirst();
      return r ? toVisible(r) : null;
    },
    async visibleBankIds(): Promise<Set<string>> {
      return new Set((await visibleIds().execute()).map((r) => r.bank_id));
    },
    async findBankByName(name: string): Promise<Bank | null> {
      const r = await db.selectFrom('bank').selectAll().where('agency_id', '=', agencyId).where('name', '=', name).executeTakeFirst();
      return r ? toBank(r) : null;
    },
    /** Inserts a bank of this agency; false if the agency already has one of that name. */
    async insertBank(b: Bank, changeId: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const res = await trx
          .insertInto('bank')
          .values({
            bank_id: b.id,
            agency_id: agencyId,
            name: b.name,
            kind: b.kind,
            description: b.description,
            pdq_distance: b.pdqDistance,
            vpdq_distance: b.vpdqDistance,
            simhash_distance: b.simhashDistance,
            vpdq_query_match_percent: b.vpdqQueryMatchPercent,
            vpdq_compared_match_percent: b.vpdqComparedMatchPercent,
            flood_max_items_per_hour: b.floodMaxItemsPerHour,
            enabled: b.enabled ? 1 : 0,
            created_at: b.createdAt,
            created_by: b.createdBy,
            updated_at: b.updatedAt,
          })
          .onConflict((oc) => oc.columns(['agency_id', 'name']).doNothing())
          .returning('bank_id')
          .execute();
        if (res.length === 0) return false;
        await trx.insertInto('bank_change').values({ change_id: changeId, bank_id: b.id, entry_id: null, op: 'bank.update', at: b.createdAt }).execute();
        return true;
      });
    },
    /** Changes a bank this agency owns; false if it owns no such bank. */
    async updateBank(bankId: string, patch: BankPatch, at: number, changeId: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const res = await trx
          .updateTable('bank')
          .set({ ...bankColumns(patch), updated_at: at })
          .where('agency_id', '=', agencyId)
          .where('bank_id', '=', bankId)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) return false;
        await trx.insertInto('bank_change').values({ change_id: changeId, bank_id: bankId, entry_id: null, op: 'bank.update', at }).execute();
        return true;
      });
    },
    async entryCounts(bankIds: string[]): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      if (bankIds.length === 0) return out;
      const rows = await db
        .selectFrom('bank_entry')
        .select(['bank_id', (eb) => eb.fn.countAll().as('n')])
        .where('bank_id', 'in', bankIds)
        .where('bank_id', 'in', visibleIds())
        .groupBy('bank_id')
        .execute();
      for (const r of rows) out.set(r.bank_id, Number(r.n));
      return out;
    },

    /** Agencies a bank of this agency is shared with. */
    async sharesOf(bankId: string): Promise<BankShare[]> {
      const rows = await db
        .selectFrom('bank_share')
        .innerJoin('bank', 'bank.bank_id', 'bank_share.bank_id')
        .innerJoin('agency', 'agency.agency_id', 'bank_share.agency_id')
        .select(['bank_share.bank_id', 'bank_share.agency_id', 'agency.name', 'bank_share.created_at', 'bank_share.created_by'])
        .where('bank.agency_id', '=', agencyId)
        .where('bank_share.bank_id', '=', bankId)
        .orderBy('agency.name')
        .execute();
      return rows.map((r) => ({ bankId: r.bank_id, agencyId: r.agency_id, agencyName: r.name, createdAt: r.created_at, createdBy: r.created_by }));
    },
    /** Shares a bank this agency owns; false if it was shared already (or the bank is not this agency's). */
    async insertShare(bankId: string, grantee: string, at: number, createdBy: string | null, changeId: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const own = await trx.selectFrom('bank').select('bank_id').where('agency_id', '=', agencyId).where('bank_id', '=', bankId).executeTakeFirst();
        if (!own) return false;
        const res = await trx
          .insertInto('bank_share')
          .values({ bank_id: bankId, agency_id: grantee, created_at: at, created_by: createdBy })
          .onConflict((oc) => oc.columns(['bank_id', 'agency_id']).doNothing())
          .returning('bank_id')
          .execute();
        if (res.length === 0) return false;
        await trx.insertInto('bank_change').values({ change_id: changeId, bank_id: bankId, entry_id: null, op: 'bank.share', at }).execute();
        return true;
      });
    },
    async deleteShare(bankId: string, grantee: string, at: number, changeId: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const res = await trx
          .deleteFrom('bank_share')
          .where('bank_id', '=', bankId)
          .where('agency_id', '=', grantee)
          .where('bank_id', 'in', trx.selectFrom('bank').select('bank_id').where('agency_id', '=', agencyId))
          .executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) return false;
        await trx.insertInto('bank_change').values({ change_id: changeId, bank_id: bankId, entry_id: null, op: 'bank.share', at }).execute();
        return true;
      });
    },

    /** An entry of a bank the agency can see. */
    async getEntry(bankId: string, entryId: string): Promise<BankEntry | null> {
      const r = await db.selectFrom('bank_entry').selectAll().where('bank_id', '=', bankId).where('entry_id', '=', entryId).where('bank_id', 'in', visibleIds()).executeTakeFirst();
      return r ? toEntry(r) : null;
    },
    /** The ids of entries already holding these signals in a bank, by `kind:valueKey`. */
    async existingSignals(bankId: string, signals: { kind: SignalKind; valueKey: string }[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      const wanted = new Set(signals.map((s) => `${s.kind}:${s.valueKey}`));
      const keys = [...new Set(signals.map((s) => s.valueKey))];
      for (let i = 0; i < keys.length; i += 500) {
        const rows = await db
          .selectFrom('bank_entry')
          .select(['entry_id', 'signal_kind', 'value_key'])
          .where('bank_id', '=', bankId)
          .where('bank_id', 'in', visibleIds())
          .where('value_key', 'in', keys.slice(i, i + 500))
          .execute();
        for (const r of rows) if (wanted.has(`${r.signal_kind}:${r.value_key}`)) out.set(`${r.signal_kind}:${r.value_key}`, r.entry_id);
      }
      return out;
    },
    /**
     * Inserts entries into a bank this agency owns, skipping signals the bank already holds (a
     * concurrent add included), with one `entry.add` change per inserted entry, all in one
     * transaction. Returns the ids inserted; throws if the bank is not this agency's.
     */
    async insertEntries(bankId: string, list: NewBankEntry[]): Promise<Set<string>> {
      return db.transaction().execute(async (trx) => {
        const own = await trx.selectFrom('bank').select('bank_id').where('agency_id', '=', agencyId).where('bank_id', '=', bankId).executeTakeFirst();
        if (!own) throw new Error(`bank ${bankId} is not writable by agency ${agencyId}`);
        const inserted = new Set<string>();
        for (let i = 0; i < list.length; i += INSERT_CHUNK) {
          const chunk = list.slice(i, i + INSERT_CHUNK);
          const res = await trx
            .insertInto('bank_entry')
            .values(
              chunk.map((e) => ({
                entry_id: e.id,
                bank_id: bankId,
                agency_id: agencyId,
                signal_kind: e.kind,
                value: e.value,
                value_key: e.valueKey,
                source: e.source,
                external_id: e.externalId,
                importer: e.importer,
                added_by: e.addedBy,
                added_at: e.addedAt,
                labels: labelsJson(e.labels),
                label_outlet: e.labels.outlet,
                enabled: e.enabled ? 1 : 0,
                disabled_until: e.disabledUntil,
                quarantined_at: null,
                quarantine_reason: null,
                updated_at: e.updatedAt,
              })),
            )
            .onConflict((oc) => oc.columns(['bank_id', 'signal_kind', 'value_key']).doNothing())
            .returning('entry_id')
            .execute();
          for (const r of res) inserted.add(r.entry_id);
          const changes = chunk.filter((e) => inserted.has(e.id)).map((e) => ({ change_id: e.changeId, bank_id: bankId, entry_id: e.id, op: 'entry.add', at: e.addedAt }));
          if (changes.length) await trx.insertInto('bank_change').values(changes).execute();
        }
        return inserted;
      });
    },
    /**
     * Changes an entry of a bank this agency owns, with its change rows. Releasing a quarantine
     * (`quarantinedAt: null`) also forgets the entry's hits, so the flood window starts afresh.
     */
    async updateEntry(bankId: string, entryId: string, patch: EntryPatch, at: number, changes: ChangeRef[]): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const res = await trx
          .updateTable('bank_entry')
          .set({
            ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
            ...(patch.disabledUntil !== undefined ? { disabled_until: patch.disabledUntil } : {}),
            ...(patch.labels !== undefined ? { labels: labelsJson(patch.labels), label_outlet: patch.labels.outlet } : {}),
            ...(patch.quarantinedAt === null ? { quarantined_at: null, quarantine_reason: null } : {}),
            updated_at: at,
          })
          .where('agency_id', '=', agencyId)
          .where('bank_id', '=', bankId)
          .where('entry_id', '=', entryId)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) return false;
        if (patch.quarantinedAt === null) await trx.deleteFrom('entry_hit').where('entry_id', '=', entryId).execute();
        if (changes.length) await trx.insertInto('bank_change').values(changes.map((c) => ({ change_id: c.id, bank_id: bankId, entry_id: entryId, op: c.op, at }))).execute();
        return true;
      });
    },
    async listEntries(bankId: string, q: EntryListQuery): Promise<BankEntry[]> {
      let s = db.selectFrom('bank_entry').selectAll().where('bank_id', '=', bankId).where('bank_id', 'in', visibleIds());
      if (q.kind) s = s.where('signal_kind', '=', q.kind);
      if (q.outlet !== undefined) s = s.where('label_outlet', '=', q.outlet);
      if (q.quarantined !== undefined) s = s.where('quarantined_at', q.quarantined ? 'is not' : 'is', null);
      if (q.enabled === true) s = s.where((eb) => eb.or([eb('enabled', '=', 1), eb('disabled_until', '<=', q.now)]));
      if (q.enabled === false) s = s.where('enabled', '=', 0).where((eb) => eb.or([eb('disabled_until', 'is', null), eb('disabled_until', '>', q.now)]));
      if (q.before) s = s.where('entry_id', '<', q.before);
      return (await s.orderBy('entry_id', 'desc').limit(q.limit).execute()).map(toEntry);
    },

    /**
     * Entries of a bank the agency can see that a tombstone may name: by the partner's id under a
     * source, or by signal (`kind:valueKey`).
     */
    async findEntriesForRemoval(bankId: string, q: { source: string; externalIds: string[]; signals: { kind: SignalKind; valueKey: string }[] }): Promise<BankEntry[]> {
      const found = new Map<string, BankEntry>();
      const ids = [...new Set(q.externalIds)];
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await db
          .selectFrom('bank_entry')
          .selectAll()
          .where('bank_id', '=', bankId)
          .where('bank_id', 'in', visibleIds())
          .where('source', '=', q.source)
          .where('external_id', 'in', ids.slice(i, i + 500))
          .execute();
        for (const r of rows) found.set(r.entry_id, toEntry(r));
      }
      const wanted = new Set(q.signals.map((x) => `${x.kind}:${x.valueKey}`));
      const keys = [...new Set(q.signals.map((x) => x.valueKey))];
      for (let i = 0; i < keys.length; i += 500) {
        const rows = await db.selectFrom('bank_entry').selectAll().where('bank_id', '=', bankId).where('bank_id', 'in', visibleIds()).where('value_key', 'in', keys.slice(i, i + 500)).execute();
        for (const r of rows) if (wanted.has(`${r.signal_kind}:${r.value_key}`)) found.set(r.entry_id, toEntry(r));
      }
      return [...found.values()];
    },
    /**
     * Entries of a bank the agency can see in the order of their last change (`updated_at`, then
     * id), after a cursor: what a partner pulling deltas has not seen. `activeOnly` leaves out
     * disabled and quarantined entries (checked at `now`).
     */
    async entriesByChange(bankId: string, q: { after: { at: number; id: string } | null; activeOnly: boolean; now: number; limit: number }): Promise<BankEntry[]> {
      let s = db.selectFrom('bank_entry').selectAll().where('bank_id', '=', bankId).where('bank_id', 'in', visibleIds());
      const after = q.after;
      if (after) s = s.where((eb) => eb.or([eb('updated_at', '>', after.at), eb.and([eb('updated_at', '=', after.at), eb('entry_id', '>', after.id)])]));
      if (q.activeOnly) s = s.where('quarantined_at', 'is', null).where((eb) => eb.or([eb('enabled', '=', 1), eb('disabled_until', '<=', q.now)]));
      return (await s.orderBy('updated_at').orderBy('entry_id').limit(q.limit).execute()).map(toEntry);
    },

    /**
     * Records that an entry of a bank the agency can see matched an item, and returns how many
     * distinct items it matched since `windowStart` (the row per item keeps its latest hit).
     * Null if the agency cannot see the entry.
     */
    async recordHit(entryId: string, itemId: string, at: number, windowStart: number): Promise<number | null> {
      return db.transaction().execute(async (trx) => {
        const visible = await trx.selectFrom('bank_entry').select('entry_id').where('entry_id', '=', entryId).where('bank_id', 'in', visibleIds()).executeTakeFirst();
        if (!visible) return null;
        await trx
          .insertInto('entry_hit')
          .values({ entry_id: entryId, item_id: itemId, at })
          .onConflict((oc) => oc.columns(['entry_id', 'item_id']).doUpdateSet({ at }))
          .execute();
        const r = await trx.selectFrom('entry_hit').select((eb) => eb.fn.countAll().as('n')).where('entry_id', '=', entryId).where('at', '>', windowStart).executeTakeFirstOrThrow();
        return Number(r.n);
      });
    },
    /**
     * Quarantines an entry the agency can see (flood quarantine is a safety action any matching
     * agency may trigger, on its owner's entry); false if it was already quarantined.
     */
    async quarantineEntry(entryId: string, at: number, reason: string, changeId: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('bank_entry').select(['bank_id']).where('entry_id', '=', entryId).where('bank_id', 'in', visibleIds()).executeTakeFirst();
        if (!row) return false;
        const res = await trx
          .updateTable('bank_entry')
          .set({ quarantined_at: at, quarantine_reason: reason, updated_at: at })
          .where('entry_id', '=', entryId)
          .where('quarantined_at', 'is', null)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) return false;
        await trx.insertInto('bank_change').values({ change_id: changeId, bank_id: row.bank_id, entry_id: entryId, op: 'entry.quarantine', at }).execute();
        return true;
      });
    },
    async entryById(entryId: string): Promise<BankEntry | null> {
      const r = await db.selectFrom('bank_entry').selectAll().where('entry_id', '=', entryId).where('bank_id', 'in', visibleIds()).executeTakeFirst();
      return r ? toEntry(r) : null;
    },

    /** Changes to banks this agency can see, after `after` (a change id; null from the start), oldest first. */
    async changesSince(after: string | null, limit: number): Promise<BankChange[]> {
      let s = db.selectFrom('bank_change').selectAll().where('bank_id', 'in', visibleIds());
      if (after) s = s.where('change_id', '>', after);
      const rows = await s.orderBy('change_id').limit(limit).execute();
      return rows.map((r) => ({ id: r.change_id, bankId: r.bank_id, entryId: r.entry_id, op: r.op as BankChangeOp, at: r.at }));
    },
    /**
     * Entries of the given kinds, in enabled banks the agency can see, that are or will become
     * active by themselves (so a timed disable is included: check `isEntryActive` at match time).
     * Paged by entry id.
     */
    async activeEntries(kinds: readonly SignalKind[], page: IndexPage): Promise<BankEntry[]> {
      if (kinds.length === 0) return [];
      let s = db
        .selectFrom('bank_entry')
        .selectAll('bank_entry')
        .where('bank_entry.signal_kind', 'in', [...kinds])
        .where('bank_entry.bank_id', 'in', visibleIds().where('bank.enabled', '=', 1))
        .where(indexable);
      if (page.bankId) s = s.where('bank_entry.bank_id', '=', page.bankId);
      if (page.after) s = s.where('bank_entry.entry_id', '>', page.after);
      return (await s.orderBy('bank_entry.entry_id').limit(page.limit).execute()).map(toEntry);
    },
  };
}

export type BankRepository = ReturnType<typeof createBankRepository>;

/**
 * The instance-wide view a matcher process needs to keep one index for all banks: the change log,
 * entries to (re)load, banks' settings and who may use them. Not for request handlers.
 */
export function createBankFeed(db: Kysely<Database>) {
  return {
    /** Changes after `after` (null: from the start), oldest first. See `changeCursorBefore` for the overlap to re-read. */
    async changesSince(after: string | null, limit: number): Promise<BankChange[]> {
      let s = db.selectFrom('bank_change').selectAll();
      if (after) s = s.where('change_id', '>', after);
      const rows = await s.orderBy('change_id').limit(limit).execute();
      return rows.map((r) => ({ id: r.change_id, bankId: r.bank_id, entryId: r.entry_id, op: r.op as BankChangeOp, at: r.at }));
    },
    /** Entries of the given kinds in enabled banks that are or will become active, paged by entry id. */
    async activeEntries(kinds: readonly SignalKind[], page: IndexPage): Promise<BankEntry[]> {
      if (kinds.length === 0) return [];
      let s = db
        .selectFrom('bank_entry')
        .selectAll('bank_entry')
        .where('bank_entry.signal_kind', 'in', [...kinds])
        .where('bank_entry.bank_id', 'in', db.selectFrom('bank').select('bank.bank_id').where('bank.enabled', '=', 1))
        .where(indexable);
      if (page.bankId) s = s.where('bank_entry.bank_id', '=', page.bankId);
      if (page.after) s = s.where('bank_entry.entry_id', '>', page.after);
      return (await s.orderBy('bank_entry.entry_id').limit(page.limit).execute()).map(toEntry);
    },
    /** Entries by id, whatever their state (to apply an `entry.*` change). */
    async entries(entryIds: string[]): Promise<BankEntry[]> {
      if (entryIds.length === 0) return [];
      return (await db.selectFrom('bank_entry').selectAll().where('entry_id', 'in', entryIds).execute()).map(toEntry);
    },
    /** Banks by id with the agencies they are shared with (to apply `bank.*` changes). */
    async banks(bankIds: string[]): Promise<{ bank: Bank; sharedWith: string[] }[]> {
      if (bankIds.length === 0) return [];
      const rows = await db.selectFrom('bank').selectAll().where('bank_id', 'in', bankIds).execute();
      const shares = await db.selectFrom('bank_share').select(['bank_id', 'agency_id']).where('bank_id', 'in', bankIds).execute();
      return rows.map((r) => ({ bank: toBank(r), sharedWith: shares.filter((s) => s.bank_id === r.bank_id).map((s) => s.agency_id) }));
    },
  };
}

export type BankFeed = ReturnType<typeof createBankFeed>;
