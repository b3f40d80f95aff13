/** Cases, their items and events, decisions and exposure counts of one agency. */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, ReviewCaseTable, ReviewDecisionTable } from '../../adapters/db/schema.ts';
import { NO_LABELS, type EntryLabels, type Tier } from '../bank/bank.model.ts';
import type { ItemKind, ItemOrigin } from '../intake/intake.model.ts';
import type { Attribution, CaseStatus, Decision, DecisionStatus, ExemptPurpose, Ground, ReviewCase, StoredCaseStatus, Verdict } from './review.model.ts';

export function toCase(r: Selectable<ReviewCaseTable>): ReviewCase {
  return {
    id: r.case_id,
    agencyId: r.agency_id,
    status: r.status as StoredCaseStatus,
    leadItemId: r.lead_item_id,
    priority: r.priority,
    tier: r.tier as Tier | null,
    outletId: r.outlet_id,
    latestDecisionId: r.latest_decision_id,
    itemCount: r.item_count,
    mergedInto: r.merged_into,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toDecision(r: Selectable<ReviewDecisionTable>, itemIds: string[]): Decision {
  return {
    id: r.decision_id,
    agencyId: r.agency_id,
    caseId: r.case_id,
    itemIds,
    verdict: r.verdict as Verdict,
    exemptPurpose: r.exempt_purpose as ExemptPurpose | null,
    grounds: JSON.parse(r.grounds) as Ground[],
    tier: r.tier as Tier | null,
    reasons: r.reasons,
    attribution: JSON.parse(r.attribution) as Attribution,
    proposeOrder: r.propose_order === 1,
    status: r.status as DecisionStatus,
    reviewerId: r.reviewer_id,
    createdAt: r.created_at,
    undoUntil: r.undo_until,
    publishedAt: r.published_at,
    approval:
      r.approver_id && r.approval_decision && r.approved_at !== null
        ? { approverId: r.approver_id, decision: r.approval_decision as 'approved' | 'rejected', note: r.approval_note, at: r.approved_at }
        : null,
  };
}

/** The empty body's sha256 and md5: exact copies of nothing would join every empty page into one case. */
const EMPTY_VALUES = ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'd41d8cd98f00b204e9800998ecf8427e'];

export interface CaseEventRow {
  id: string;
  caseId: string;
  at: number;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

export interface CaseItemFacts {
  caseId: string;
  itemId: string;
  kind: ItemKind;
  url: string;
  submittedUrl: string;
  host: string | null;
  origin: ItemOrigin;
  sourceId: string | null;
  createdBy: string | null;
  joinedAt: number;
}

export interface ItemHit {
  itemId: string;
  entryId: string;
  bankId: string;
  bankName: string;
  distance: number;
  labels: EntryLabels;
}

export interface LatestCapture {
  itemId: string;
  captureId: string;
  title: string | null;
  language: string | null;
  sniffedType: string | null;
  declaredType: string | null;
}

export interface QueueQuery {
  status: CaseStatus | 'all';
  tier?: Tier | undefined;
  outletId?: string | undefined;
  language?: string | undefined;
  sourceId?: string | undefined;
  bankId?: string | undefined;
  after?: { priority: number; id: string } | null | undefined;
  limit: number;
}

function scopedRepository(db: Kysely<Database> | Transaction<Database>, agencyId: string) {
  const cases = () => db.selectFrom('review_case').selectAll().where('agency_id', '=', agencyId);

  async function itemIdsOfDecisions(ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return out;
    const rows = await db.selectFrom('review_decision_item').select(['decision_id', 'item_id']).where('agency_id', '=', agencyId).where('decision_id', 'in', ids).orderBy('item_id').execute();
    for (const r of rows) out.get(r.decision_id)?.push(r.item_id);
    return out;
  }
  async function decisionsFrom(rows: Selectable<ReviewDecisionTable>[]): Promise<Decision[]> {
    const items = await itemIdsOfDecisions(rows.map((r) => r.decision_id));
    return rows.map((r) => toDecision(r, items.get(r.decision_id) ?? []));
  }

  return {
    agencyId,

    async caseOfItem(itemId: string): Promise<string | null> {
      const r = await db.selectFrom('case_item').select('case_id').where('agency_id', '=', agencyId).where('item_id', '=', itemId).executeTakeFirst();
      return r?.case_id ?? null;
    },
    /**
     * Cases holding another item that shares an unsuppressed bank entry hit or an exact
     * fingerprint (sha256, md5, PDQ of usable quality) with `itemId`: two indexed lookups, no scan.
     */
    async casesSharingContent(itemId: string, pdqMinQuality: number): Promise<{ id: string; status: StoredCaseStatus; createdAt: number }[]> {
      const viaEntries = db
        .selectFrom('match as m2')
        .select('m2.item_id')
        .where('m2.agency_id', '=', agencyId)
        .where('m2.suppressed', '=', 0)
        .where('m2.entry_id', 'in', db.selectFrom('match as m1').select('m1.entry_id').where('m1.agency_id', '=', agencyId).where('m1.item_id', '=', itemId).where('m1.suppressed', '=', 0));
      const viaExact = db
        .selectFrom('fingerprint as f1')
        .innerJoin('fingerprint as f2', (j) => j.onRef('f2.kind', '=', 'f1.kind').onRef('f2.value', '=', 'f1.value'))
        .select('f2.item_id')
        .where('f1.agency_id', '=', agencyId)
        .where('f2.agency_id', '=', agencyId)
        .where('f1.item_id', '=', itemId)
        .where(sql<boolean>`f1.kind in ('sha256', 'md5', 'pdq') and f2.kind in ('sha256', 'md5', 'pdq')`)
        .where('f1.value', 'not in', EMPTY_VALUES)
        .where((eb) => eb.or([eb('f1.kind', '<>', 'pdq'), eb('f1.quality', '>=', pdqMinQuality)]));
      const rows = await db
        .selectFrom('case_item as ci')
        .innerJoin('review_case as rc', 'rc.case_id', 'ci.case_id')
        .select(['rc.case_id', 'rc.status', 'rc.created_at'])
        .distinct()
        .where('ci.agency_id', '=', agencyId)
        .where('rc.agency_id', '=', agencyId)
        .where('ci.item_id', '<>', itemId)
        .where((eb) => eb.or([eb('ci.item_id', 'in', viaEntries), eb('ci.item_id', 'in', viaExact)]))
        .execute();
      return rows.map((r) => ({ id: r.case_id, status: r.status as StoredCaseStatus, createdAt: r.created_at }));
    },

    async insertCase(c: Omit<ReviewCase, 'agencyId'>): Promise<void> {
      await db
        .insertInto('review_case')
        .values({
          case_id: c.id,
          agency_id: agencyId,
          status: c.status,
          lead_item_id: c.leadItemId,
          priority: c.priority,
          tier: c.tier,
          outlet_id: c.outletId,
          latest_decision_id: c.latestDecisionId,
          item_count: c.itemCount,
          merged_into: c.mergedInto,
          created_at: c.createdAt,
          updated_at: c.updatedAt,
        })
        .execute();
    },
    async updateCase(caseId: string, patch: Partial<Pick<ReviewCase, 'status' | 'leadItemId' | 'priority' | 'tier' | 'outletId' | 'latestDecisionId' | 'itemCount' | 'mergedInto' | 'updatedAt'>>): Promise<void> {
      const set: Partial<Selectable<ReviewCaseTable>> = {};
      if (patch.status !== undefined) set.status = patch.status;
      if (patch.leadItemId !== undefined) set.lead_item_id = patch.leadItemId;
      if (patch.priority !== undefined) set.priority = patch.priority;
      if (patch.tier !== undefined) set.tier = patch.tier;
      if (patch.outletId !== undefined) set.outlet_id = patch.outletId;
      if (patch.latestDecisionId !== undefined) set.latest_decision_id = patch.latestDecisionId;
      if (patch.itemCount !== undefined) set.item_count = patch.itemCount;
      if (patch.mergedInto !== undefined) set.merged_into = patch.mergedInto;
      if (patch.updatedAt !== undefined) set.updated_at = patch.updatedAt;
      await db.updateTable('review_case').set(set).where('agency_id', '=', agencyId).where('case_id', '=', caseId).execute();
    },
    async getCase(caseId: string): Promise<ReviewCase | null> {
      const r = await cases().where('case_id', '=', caseId).executeTakeFirst();
      return r ? toCase(r) : null;
    },
    /** Most urgent first: priority, then the newer case. Merged cases never show. */
    async listCases(q: QueueQuery): Promise<ReviewCase[]> {
      let query = cases().where('status', '<>', 'merged');
      if (q.status !== 'all') query = query.where('status', '=', q.status);
      if (q.tier) query = query.where('tier', '=', q.tier);
      if (q.outletId) query = query.where('outlet_id', '=', q.outletId);
      if (q.sourceId) {
        const sourceId = q.sourceId;
        query = query.where((eb) =>
          eb.exists(eb.selectFrom('case_item as ci').whereRef('ci.case_id', '=', 'review_case.case_id').where('ci.agency_id', '=', agencyId).innerJoin('item as i', 'i.item_id', 'ci.item_id').select('i.item_id').where('i.source_id', '=', sourceId)),
        );
      }
      if (q.bankId) {
        const bankId = q.bankId;
        query = query.where((eb) =>
          eb.exists(
            eb.selectFrom('case_item as ci').whereRef('ci.case_id', '=', 'review_case.case_id').where('ci.agency_id', '=', agencyId).innerJoin('match as m', 'm.item_id', 'ci.item_id').select('m.match_id').where('m.agency_id', '=', agencyId).where('m.bank_id', '=', bankId),
          ),
        );
      }
      if (q.language) {
        const language = q.language;
        query = query.where((eb) =>
          eb.exists(
            eb.selectFrom('case_item as ci').whereRef('ci.case_id', '=', 'review_case.case_id').where('ci.agency_id', '=', agencyId).innerJoin('capture as c', 'c.item_id', 'ci.item_id').select('c.capture_id').where('c.agency_id', '=', agencyId).where(sql`coalesce(c.language, c.language_hint)`, '=', language),
          ),
        );
      }
      if (q.after) {
        const { priority, id } = q.after;
        query = query.where((eb) => eb.or([eb('priority', '<', priority), eb.and([eb('priority', '=', priority), eb('case_id', '<', id)])]));
      }
      const rows = await query.orderBy('priority', 'desc').orderBy('case_id', 'desc').limit(q.limit).execute();
      return rows.map(toCase);
    },

    async addItem(caseId: string, itemId: string, reason: string, at: number): Promise<void> {
      await db.insertInto('case_item').values({ item_id: itemId, agency_id: agencyId, case_id: caseId, joined_at: at, reason }).execute();
    },
    async moveItems(itemIds: string[], toCaseId: string, reason: string, at: number): Promise<void> {
      if (itemIds.length === 0) return;
      await db.updateTable('case_item').set({ case_id: toCaseId, joined_at: at, reason }).where('agency_id', '=', agencyId).where('item_id', 'in', itemIds).execute();
    },
    /** Members in the order they joined. */
    async itemIdsOf(caseId: string): Promise<string[]> {
      const rows = await db.selectFrom('case_item').select('item_id').where('agency_id', '=', agencyId).where('case_id', '=', caseId).orderBy('joined_at').orderBy('item_id').execute();
      return rows.map((r) => r.item_id);
    },
    async itemFacts(caseIds: string[]): Promise<CaseItemFacts[]> {
      if (caseIds.length === 0) return [];
      const rows = await db
        .selectFrom('case_item as ci')
        .innerJoin('item as i', 'i.item_id', 'ci.item_id')
        .select(['ci.case_id', 'ci.item_id', 'ci.joined_at', 'i.kind', 'i.url', 'i.submitted_url', 'i.host', 'i.origin', 'i.source_id', 'i.created_by'])
        .where('ci.agency_id', '=', agencyId)
        .where('i.agency_id', '=', agencyId)
        .where('ci.case_id', 'in', caseIds)
        .orderBy('ci.joined_at')
        .orderBy('ci.item_id')
        .execute();
      return rows.map((r) => ({
        caseId: r.case_id,
        itemId: r.item_id,
        kind: r.kind as ItemKind,
        url: r.url,
        submittedUrl: r.submitted_url,
        host: r.host,
        origin: r.origin as ItemOrigin,
        sourceId: r.source_id,
        createdBy: r.created_by,
        joinedAt: r.joined_at,
      }));
    },
    /** Unsuppressed bank hits of these items, with the bank's name. */
    async hitsOf(itemIds: string[]): Promise<ItemHit[]> {
      if (itemIds.length === 0) return [];
      const rows = await db
        .selectFrom('match as m')
        .innerJoin('bank as b', 'b.bank_id', 'm.bank_id')
        .select(['m.item_id', 'm.entry_id', 'm.bank_id', 'b.name', 'm.distance', 'm.labels'])
        .where('m.agency_id', '=', agencyId)
        .where('m.suppressed', '=', 0)
        .where('m.item_id', 'in', itemIds)
        .execute();
      return rows.map((r) => ({ itemId: r.item_id, entryId: r.entry_id, bankId: r.bank_id, bankName: r.name, distance: r.distance, labels: { ...NO_LABELS, ...(JSON.parse(r.labels) as Partial<EntryLabels>) } }));
    },
    /** Each item's newest capture. */
    async latestCaptures(itemIds: string[]): Promise<Map<string, LatestCapture>> {
      const out = new Map<string, LatestCapture>();
      if (itemIds.length === 0) return out;
      const rows = await db
        .selectFrom('capture')
        .select(['capture_id', 'item_id', 'title', 'language', 'language_hint', 'sniffed_type', 'declared_type', 'started_at'])
        .where('agency_id', '=', agencyId)
        .where('item_id', 'in', itemIds)
        .orderBy('started_at')
        .orderBy('capture_id')
        .execute();
      for (const r of rows) out.set(r.item_id, { itemId: r.item_id, captureId: r.capture_id, title: r.title, language: r.language ?? r.language_hint, sniffedType: r.sniffed_type, declaredType: r.declared_type });
      return out;
    },

    async insertEvent(e: Omit<CaseEventRow, 'id'> & { id: string }): Promise<void> {
      await db.insertInto('case_event').values({ case_event_id: e.id, agency_id: agencyId, case_id: e.caseId, at: e.at, actor: e.actor, action: e.action, detail: JSON.stringify(e.detail) }).execute();
    },
    async eventsOf(caseIds: string[]): Promise<CaseEventRow[]> {
      if (caseIds.length === 0) return [];
      const rows = await db.selectFrom('case_event').selectAll().where('agency_id', '=', agencyId).where('case_id', 'in', caseIds).orderBy('at').orderBy('case_event_id').execute();
      return rows.map((r) => ({ id: r.case_event_id, caseId: r.case_id, at: r.at, actor: r.actor, action: r.action, detail: JSON.parse(r.detail) as Record<string, unknown> }));
    },
    /** Cases merged into `caseId`, directly or through others. */
    async mergedInto(caseId: string): Promise<string[]> {
      const out: string[] = [];
      let frontier = [caseId];
      while (frontier.length > 0) {
        const rows = await db.selectFrom('review_case').select('case_id').where('agency_id', '=', agencyId).where('merged_into', 'in', frontier).execute();
        frontier = rows.map((r) => r.case_id).filter((id) => !out.includes(id));
        out.push(...frontier);
      }
      return out;
    },

    async insertDecision(d: Omit<Decision, 'agencyId'>): Promise<void> {
      await db
        .insertInto('review_decision')
        .values({
          decision_id: d.id,
          agency_id: agencyId,
          case_id: d.caseId,
          verdict: d.verdict,
          exempt_purpose: d.exemptPurpose,
          grounds: JSON.stringify(d.grounds),
          tier: d.tier,
          reasons: d.reasons,
          attribution: JSON.stringify(d.attribution),
          outlet_id: d.attribution.outletId,
          propose_order: d.proposeOrder ? 1 : 0,
          status: d.status,
          reviewer_id: d.reviewerId,
          created_at: d.createdAt,
          undo_until: d.undoUntil,
          published_at: d.publishedAt,
          approver_id: null,
          approval_decision: null,
          approval_note: null,
          approved_at: null,
        })
        .execute();
      await db.insertInto('review_decision_item').values(d.itemIds.map((itemId) => ({ decision_id: d.id, item_id: itemId, agency_id: agencyId }))).execute();
    },
    async getDecision(decisionId: string): Promise<Decision | null> {
      const r = await db.selectFrom('review_decision').selectAll().where('agency_id', '=', agencyId).where('decision_id', '=', decisionId).executeTakeFirst();
      return r ? ((await decisionsFrom([r]))[0] ?? null) : null;
    },
    /** Decisions made on these cases or on any of these items, oldest first. */
    async decisionsOf(caseIds: string[], itemIds: string[]): Promise<Decision[]> {
      if (caseIds.length === 0 && itemIds.length === 0) return [];
      const rows = await db
        .selectFrom('review_decision')
        .selectAll()
        .where('agency_id', '=', agencyId)
        .where((eb) => {
          const ors = [];
          if (caseIds.length) ors.push(eb('case_id', 'in', caseIds));
          if (itemIds.length) ors.push(eb('decision_id', 'in', db.selectFrom('review_decision_item').select('decision_id').where('agency_id', '=', agencyId).where('item_id', 'in', itemIds)));
          return eb.or(ors);
        })
        .orderBy('decision_id')
        .execute();
      return decisionsFrom(rows);
    },
    async decisionsByIds(ids: string[]): Promise<Decision[]> {
      if (ids.length === 0) return [];
      return decisionsFrom(await db.selectFrom('review_decision').selectAll().where('agency_id', '=', agencyId).where('decision_id', 'in', ids).execute());
    },
    /** The case's newest decision that was not undone. */
    async latestLiveDecision(caseId: string): Promise<Decision | null> {
      const r = await db.selectFrom('review_decision').selectAll().where('agency_id', '=', agencyId).where('case_id', '=', caseId).where('status', '<>', 'undone').orderBy('decision_id', 'desc').limit(1).executeTakeFirst();
      return r ? ((await decisionsFrom([r]))[0] ?? null) : null;
    },
    /** Moves a decision on from `from` only; false when it already moved (a concurrent request). */
    async transitionDecision(decisionId: string, from: DecisionStatus, to: DecisionStatus, patch: { publishedAt?: number; approval?: { approverId: string; decision: 'approved' | 'rejected'; note: string | null; at: number } } = {}): Promise<boolean> {
      const res = await db
        .updateTable('review_decision')
        .set({
          status: to,
          ...(patch.publishedAt !== undefined ? { published_at: patch.publishedAt } : {}),
          ...(patch.approval ? { approver_id: patch.approval.approverId, approval_decision: patch.approval.decision, approval_note: patch.approval.note, approved_at: patch.approval.at } : {}),
        })
        .where('agency_id', '=', agencyId)
        .where('decision_id', '=', decisionId)
        .where('status', '=', from)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    /** Drafts whose undo window has closed by `now`. */
    async dueDrafts(now: number): Promise<Decision[]> {
      return decisionsFrom(await db.selectFrom('review_decision').selectAll().where('agency_id', '=', agencyId).where('status', '=', 'draft').where('undo_until', '<=', now).orderBy('decision_id').execute());
    },

    /** Display names of this agency's users. */
    async userNames(userIds: string[]): Promise<Map<string, string>> {
      const ids = [...new Set(userIds)];
      if (ids.length === 0) return new Map();
      const rows = await db.selectFrom('user_account').select(['user_id', 'display_name']).where('agency_id', '=', agencyId).where('user_id', 'in', ids).execute();
      return new Map(rows.map((r) => [r.user_id, r.display_name]));
    },

    /** Counts one reveal and returns the day's count so far. */
    async countReveal(userId: string, day: string): Promise<number> {
      const r = await db
        .insertInto('exposure_day')
        .values({ user_id: userId, day, agency_id: agencyId, reveals: 1, warned_at: null })
        .onConflict((oc) => oc.columns(['user_id', 'day']).doUpdateSet({ reveals: sql<number>`exposure_day.reveals + 1` }))
        .returning('reveals')
        .executeTakeFirstOrThrow();
      return Number(r.reveals);
    },
    /** Marks the day warned; true only the first time, so the warning is recorded once. */
    async markWarned(userId: string, day: string, at: number): Promise<boolean> {
      const res = await db.updateTable('exposure_day').set({ warned_at: at }).where('agency_id', '=', agencyId).where('user_id', '=', userId).where('day', '=', day).where('warned_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async revealsOf(userId: string, day: string): Promise<number> {
      const r = await db.selectFrom('exposure_day').select('reveals').where('agency_id', '=', agencyId).where('user_id', '=', userId).where('day', '=', day).executeTakeFirst();
      return r ? Number(r.reveals) : 0;
    },
    /** Every user of the agency who revealed content on `day`, most first. */
    async revealsOfDay(day: string): Promise<{ userId: string; name: string; reveals: number }[]> {
      const rows = await db
        .selectFrom('exposure_day as e')
        .innerJoin('user_account as u', 'u.user_id', 'e.user_id')
        .select(['e.user_id', 'u.display_name', 'e.reveals'])
        .where('e.agency_id', '=', agencyId)
        .where('u.agency_id', '=', agencyId)
        .where('e.day', '=', day)
        .orderBy('e.reveals', 'desc')
        .orderBy('e.user_id')
        .execute();
      return rows.map((r) => ({ userId: r.user_id, name: r.display_name, reveals: Number(r.reveals) }));
    },
  };
}

export type ReviewRepository = ReturnType<typeof scopedRepository> & {
  /** Runs `fn` with a handle bound to one transaction (the same one when already inside). */
  transaction<T>(fn: (r: ReviewRepository) => Promise<T>): Promise<T>;
};

export function createReviewRepository(db: Kysely<Database> | Transaction<Database>, agencyId: string): ReviewRepository {
  const repo: ReviewRepository = {
    ...scopedRepository(db, agencyId),
    transaction: (fn) => (db.isTransaction ? fn(repo) : (db as Kysely<Database>).transaction().execute((trx) => fn(createReviewRepository(trx, agencyId)))),
  };
  return repo;
}
