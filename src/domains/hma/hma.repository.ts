/**
 * HMA content ids: the integer `bank_content_id` of one or more bank entries (migration 0007).
 * Scoped to one agency: it reads and links only entries of banks the agency can see (its own and
 * those shared with it). A content belongs to the bank's owner, whoever first asked for its id.
 *
 * Ids are handed out as max + 1 inside the inserting transaction (portable across SQLite and
 * PostgreSQL without a sequence); on PostgreSQL two writers can pick the same id, and the loser
 * retries on the primary-key conflict.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../adapters/db/schema.ts';
import type { SignalKind } from '../bank/bank.model.ts';
import type { HmaContentMetadata } from './hma.model.ts';

/** Attempts at taking fresh content ids before a conflicting writer is reported as an error. */
const ID_ATTEMPTS = 5;
const IN_CHUNK = 500;

export interface HmaContent {
  contentId: number;
  bankId: string;
  agencyId: string;
  note: string | null;
  metadata: HmaContentMetadata | null;
  createdAt: number;
  entryIds: string[];
}

export interface EntryRef {
  id: string;
  bankId: string;
  /** The bank's owner. */
  agencyId: string;
}

export interface KindCount {
  kind: SignalKind;
  size: number;
  /** Newest change to a counted entry, epoch ms. */
  newestAt: number;
}

export function createHmaRepository(db: Kysely<Database>, agencyId: string) {
  const visibleBanks = (d: Kysely<Database> | Transaction<Database> = db) =>
    d
      .selectFrom('bank')
      .select('bank.bank_id')
      .where((eb) => eb.or([eb('bank.agency_id', '=', agencyId), eb('bank.bank_id', 'in', d.selectFrom('bank_share').select('bank_share.bank_id').where('bank_share.agency_id', '=', agencyId))]));

  async function linked(d: Kysely<Database> | Transaction<Database>, entryIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < entryIds.length; i += IN_CHUNK) {
      const rows = await d
        .selectFrom('hma_content_entry')
        .innerJoin('hma_content', 'hma_content.content_id', 'hma_content_entry.content_id')
        .select(['hma_content_entry.entry_id', 'hma_content_entry.content_id'])
        .where('hma_content_entry.entry_id', 'in', entryIds.slice(i, i + IN_CHUNK))
        .where('hma_content.bank_id', 'in', visibleBanks(d))
        .execute();
      for (const r of rows) out.set(r.entry_id, Number(r.content_id));
    }
    return out;
  }

  /** Entries (of banks this agency sees) that exist, with their bank and owner. */
  async function visibleEntries(d: Transaction<Database>, entries: readonly EntryRef[]): Promise<EntryRef[]> {
    const ids = new Set<string>();
    for (let i = 0; i < entries.length; i += IN_CHUNK) {
      const rows = await d
        .selectFrom('bank_entry')
        .select('entry_id')
        .where(
          'entry_id',
          'in',
          entries.slice(i, i + IN_CHUNK).map((e) => e.id),
        )
        .where('bank_id', 'in', visibleBanks(d))
        .execute();
      for (const r of rows) ids.add(r.entry_id);
    }
    return entries.filter((e) => ids.has(e.id));
  }

  async function nextId(d: Transaction<Database>): Promise<number> {
    const r = await d.selectFrom('hma_content').select((eb) => eb.fn.max('content_id').as('m')).executeTakeFirst();
    return Number(r?.m ?? 0) + 1;
  }

  /** Runs `work` in a transaction, again when a concurrent writer took the same content id. */
  async function withFreshIds<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction().execute(work);
      } catch (e) {
        if (attempt >= ID_ATTEMPTS || !isUniqueViolation(e)) throw e;
      }
    }
  }

  return {
    agencyId,

    /** Content ids of entries this agency sees; entries without one are left out. */
    contentIdsOf: (entryIds: readonly string[]) => linked(db, entryIds),

    /**
     * Content ids of entries this agency sees, giving each entry without one a content of its own
     * (an entry added through `/api/v1`, or by another agency, shown to the HMA API for the first time).
     */
    async ensureContentIds(entries: readonly EntryRef[], at: number): Promise<Map<string, number>> {
      const known = await linked(db, entries.map((e) => e.id));
      if (entries.every((e) => known.has(e.id))) return known;
      return withFreshIds(async (trx) => {
        const out = await linked(trx, entries.map((e) => e.id));
        const missing = await visibleEntries(trx, [...new Map(entries.filter((e) => !out.has(e.id)).map((e) => [e.id, e])).values()]);
        let id = await nextId(trx);
        for (const e of missing) {
          await trx.insertInto('hma_content').values({ content_id: id, agency_id: e.agencyId, bank_id: e.bankId, note: null, metadata: null, created_at: at }).execute();
          await trx.insertInto('hma_content_entry').values({ entry_id: e.id, content_id: id }).execute();
          out.set(e.id, id);
          id++;
        }
        return out;
      });
    },

    /**
     * One new content of a bank this agency owns holding `entryIds` (entries of that bank not yet
     * linked to a content). Returns its id, or null when the bank is not this agency's.
     */
    async createContent(bankId: string, entryIds: readonly string[], note: string | null, metadata: HmaContentMetadata | null, at: number): Promise<number | null> {
      return withFreshIds(async (trx) => {
        const own = await trx.selectFrom('bank').select('bank_id').where('agency_id', '=', agencyId).where('bank_id', '=', bankId).executeTakeFirst();
        if (!own) return null;
        const id = await nextId(trx);
        await trx
          .insertInto('hma_content')
          .values({ content_id: id, agency_id: agencyId, bank_id: bankId, note, metadata: metadata ? JSON.stringify(metadata) : null, created_at: at })
          .execute();
        if (entryIds.length) await trx.insertInto('hma_content_entry').values(entryIds.map((entry_id) => ({ entry_id, content_id: id }))).execute();
        return id;
      });
    },

    /** A content of a bank this agency sees, with its entries (oldest first). */
    async content(contentId: number): Promise<HmaContent | null> {
      if (!Number.isSafeInteger(contentId)) return null;
      const r = await db.selectFrom('hma_content').selectAll().where('content_id', '=', contentId).where('bank_id', 'in', visibleBanks()).executeTakeFirst();
      if (!r) return null;
      const entries = await db.selectFrom('hma_content_entry').select('entry_id').where('content_id', '=', contentId).orderBy('entry_id').execute();
      return {
        contentId: Number(r.content_id),
        bankId: r.bank_id,
        agencyId: r.agency_id,
        note: r.note,
        metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as HmaContentMetadata),
        createdAt: r.created_at,
        entryIds: entries.map((e) => e.entry_id),
      };
    },

    /** Sets the note of a content this agency owns; false if it owns no such content. */
    async setNote(contentId: number, note: string | null): Promise<boolean> {
      const res = await db.updateTable('hma_content').set({ note }).where('content_id', '=', contentId).where('agency_id', '=', agencyId).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    /**
     * Per signal kind, the entries the match index holds for this agency: in enabled banks it sees,
     * not quarantined, enabled or disabled only until a time (as the index loads them).
     */
    async indexedCounts(kinds: readonly SignalKind[]): Promise<KindCount[]> {
      const rows = await db
        .selectFrom('bank_entry')
        .select(['signal_kind', (eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.max('updated_at').as('newest')])
        .where('signal_kind', 'in', [...kinds])
        .where('bank_id', 'in', visibleBanks().where('bank.enabled', '=', 1))
        .where('quarantined_at', 'is', null)
        .where((eb) => eb.or([eb('enabled', '=', 1), eb('disabled_until', 'is not', null)]))
        .groupBy('signal_kind')
        .execute();
      return rows.map((r) => ({ kind: r.signal_kind as SignalKind, size: Number(r.n), newestAt: Number(r.newest ?? 0) }));
    },
  };
}

export type HmaRepository = ReturnType<typeof createHmaRepository>;

/** A primary-key or unique conflict, on either database. */
function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  return err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || (typeof err?.message === 'string' && /UNIQUE constraint failed/.test(err.message));
}
