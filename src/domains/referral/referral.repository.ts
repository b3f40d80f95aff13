/**
 * Referrals, their items and history. One repository, three scopes, each the only handle its
 * service gets: the issuing agency (`agency_id`), the addressed provider agency (its portal,
 * `recipient_agency_id`), and the provider itself (signed callbacks, `provider_id`). The provider
 * scopes never see drafts.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, ReferralItemTable, ReferralTable } from '../../adapters/db/schema.ts';
import type { Ground } from '../review/review.model.ts';
import type { ItemOutcome, Referral, ReferralEvent, ReferralEventKind, ReferralItem, ReferralState } from './referral.model.ts';

export type ReferralScope = { by: 'issuer'; agencyId: string } | { by: 'recipient'; agencyId: string } | { by: 'provider'; providerId: string };

export interface StoredReferral extends Referral {
  version: number;
}

function toItem(r: Selectable<ReferralItemTable>): ReferralItem {
  return {
    id: r.referral_item_id,
    referralId: r.referral_id,
    itemId: r.item_id,
    url: r.url,
    decisionId: r.decision_id,
    grounds: JSON.parse(r.grounds) as Ground[],
    outcome: r.outcome as ItemOutcome | null,
    outcomeReason: r.outcome_reason,
    actionAt: r.action_at,
    answeredAt: r.answered_at,
    answeredBy: r.answered_by,
  };
}

export interface ReferralListQuery {
  state?: ReferralState;
  providerId?: string;
  /** Only referrals with items not yet answered (provider side: work to do). */
  open?: boolean;
  before?: string;
  limit: number;
}

export type NewReferral = Omit<StoredReferral, 'agencyId' | 'itemCount' | 'answeredCount' | 'version'>;
export type NewReferralItem = Omit<ReferralItem, 'referralId' | 'outcome' | 'outcomeReason' | 'actionAt' | 'answeredAt' | 'answeredBy'>;
export type ReferralPatch = Partial<Pick<ReferralTable, 'state' | 'reminders' | 'recipient_agency_id' | 'reference' | 'reasons' | 'sent_at' | 'delivered_at' | 'acknowledged_at' | 'actioned_at' | 'closed_at' | 'close_note'>>;

function scopedRepository(db: Kysely<Database> | Transaction<Database>, scope: ReferralScope) {
  const scoped = () => {
    const s = db.selectFrom('referral').selectAll();
    if (scope.by === 'issuer') return s.where('agency_id', '=', scope.agencyId);
    const visible = s.where('state', '<>', 'draft');
    return scope.by === 'recipient' ? visible.where('recipient_agency_id', '=', scope.agencyId) : visible.where('provider_id', '=', scope.providerId);
  };

  async function withCounts(rows: Selectable<ReferralTable>[]): Promise<StoredReferral[]> {
    if (rows.length === 0) return [];
    const counts = await db
      .selectFrom('referral_item')
      .select((eb) => ['referral_id', eb.fn.countAll<number>().as('items'), eb.fn.count<number>('outcome').as('answered')])
      .where(
        'referral_id',
        'in',
        rows.map((r) => r.referral_id),
      )
      .groupBy('referral_id')
      .execute();
    const by = new Map(counts.map((c) => [c.referral_id, c]));
    return rows.map((r) => ({
      id: r.referral_id,
      agencyId: r.agency_id,
      providerId: r.provider_id,
      recipientAgencyId: r.recipient_agency_id,
      reference: r.reference,
      reasons: r.reasons,
      state: r.state as ReferralState,
      reminders: r.reminders,
      version: r.version,
      createdAt: r.created_at,
      createdBy: r.created_by,
      updatedAt: r.updated_at,
      sentAt: r.sent_at,
      deliveredAt: r.delivered_at,
      acknowledgedAt: r.acknowledged_at,
      actionedAt: r.actioned_at,
      closedAt: r.closed_at,
      closeNote: r.close_note,
      itemCount: Number(by.get(r.referral_id)?.items ?? 0),
      answeredCount: Number(by.get(r.referral_id)?.answered ?? 0),
    }));
  }

  async function get(referralId: string): Promise<StoredReferral | null> {
    const r = await scoped().where('referral_id', '=', referralId).executeTakeFirst();
    return r ? ((await withCounts([r]))[0] ?? null) : null;
  }

  return {
    scope,
    get,

    async list(q: ReferralListQuery): Promise<StoredReferral[]> {
      let s = scoped();
      if (q.state) s = s.where('state', '=', q.state);
      if (q.providerId) s = s.where('provider_id', '=', q.providerId);
      if (q.open) s = s.where('state', 'in', ['sent', 'delivered', 'acknowledged']);
      if (q.before) s = s.where('referral_id', '<', q.before);
      return withCounts(await s.orderBy('referral_id', 'desc').limit(q.limit).execute());
    },

    async items(referralId: string): Promise<ReferralItem[]> {
      if (!(await scoped().where('referral_id', '=', referralId).executeTakeFirst())) return [];
      return (await db.selectFrom('referral_item').selectAll().where('referral_id', '=', referralId).orderBy('position').execute()).map(toItem);
    },

    async events(referralId: string): Promise<ReferralEvent[]> {
      if (!(await scoped().where('referral_id', '=', referralId).executeTakeFirst())) return [];
      const rows = await db.selectFrom('referral_event').selectAll().where('referral_id', '=', referralId).orderBy('referral_event_id').execute();
      return rows.map((e) => ({ id: e.referral_event_id, at: e.at, kind: e.kind as ReferralEventKind, actor: e.actor, detail: JSON.parse(e.detail) as Record<string, unknown> }));
    },

    /** Referral items answered with one of `outcomes`, by action time, for statements of reasons. */
    async actionedItems(q: { from: number; to: number; outcomes: readonly ItemOutcome[]; limit: number; offset: number }): Promise<{ referral: StoredReferral; item: ReferralItem }[]> {
      let s = db
        .selectFrom('referral_item')
        .innerJoin('referral', 'referral.referral_id', 'referral_item.referral_id')
        .selectAll('referral_item')
        .where('referral_item.outcome', 'in', [...q.outcomes])
        .where('referral_item.action_at', '>=', q.from)
        .where('referral_item.action_at', '<', q.to)
        .where('referral.state', '<>', 'draft');
      s = scope.by === 'issuer' ? s.where('referral.agency_id', '=', scope.agencyId) : scope.by === 'recipient' ? s.where('referral.recipient_agency_id', '=', scope.agencyId) : s.where('referral.provider_id', '=', scope.providerId);
      const rows = await s.orderBy('referral_item.action_at').orderBy('referral_item.referral_item_id').limit(q.limit).offset(q.offset).execute();
      const referrals = new Map<string, StoredReferral>();
      for (const r of rows) if (!referrals.has(r.referral_id)) referrals.set(r.referral_id, (await get(r.referral_id))!);
      return rows.map((r) => ({ referral: referrals.get(r.referral_id)!, item: toItem(r) }));
    },

    async insert(r: NewReferral, items: NewReferralItem[], agencyId: string): Promise<void> {
      await db
        .insertInto('referral')
        .values({
          referral_id: r.id,
          agency_id: agencyId,
          provider_id: r.providerId,
          recipient_agency_id: r.recipientAgencyId,
          reference: r.reference,
          reasons: r.reasons,
          state: r.state,
          reminders: r.reminders,
          version: 1,
          created_at: r.createdAt,
          created_by: r.createdBy,
          updated_at: r.updatedAt,
          sent_at: null,
          delivered_at: null,
          acknowledged_at: null,
          actioned_at: null,
          closed_at: null,
          close_note: null,
        })
        .execute();
      await db
        .insertInto('referral_item')
        .values(
          items.map((i, position) => ({
            referral_item_id: i.id,
            referral_id: r.id,
            agency_id: agencyId,
            item_id: i.itemId,
            position,
            url: i.url,
            decision_id: i.decisionId,
            grounds: JSON.stringify(i.grounds),
            outcome: null,
            outcome_reason: null,
            action_at: null,
            answered_at: null,
            answered_by: null,
          })),
        )
        .execute();
    },

    /** True when the reference is already used by another referral of the agency. */
    async referenceTaken(agencyId: string, reference: string, selfId: string | null): Promise<boolean> {
      const r = await db.selectFrom('referral').select('referral_id').where('agency_id', '=', agencyId).where('reference', '=', reference).executeTakeFirst();
      return r !== undefined && r.referral_id !== selfId;
    },

    /**
     * Applies a change computed from `version` only; false when another request changed the
     * referral in between (the caller refuses, and nothing is written).
     */
    async update(referralId: string, version: number, patch: ReferralPatch, at: number): Promise<boolean> {
      const res = await db
        .updateTable('referral')
        .set({ ...patch, version: version + 1, updated_at: at })
        .where('referral_id', '=', referralId)
        .where('version', '=', version)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    /** Puts a referral back exactly as `r` was, if nothing changed it since `claimedVersion` (a send whose dispatch failed). */
    async restore(r: StoredReferral, claimedVersion: number): Promise<void> {
      await db
        .updateTable('referral')
        .set({ state: r.state, sent_at: r.sentAt, recipient_agency_id: r.recipientAgencyId, version: r.version, updated_at: r.updatedAt })
        .where('referral_id', '=', r.id)
        .where('version', '=', claimedVersion)
        .execute();
    },

    /** Records an outcome on an item that has none; false when it was answered in between. */
    async answerItem(referralItemId: string, a: { outcome: ItemOutcome; reason: string | null; actionAt: number | null; answeredAt: number; answeredBy: string }): Promise<boolean> {
      const res = await db
        .updateTable('referral_item')
        .set({ outcome: a.outcome, outcome_reason: a.reason, action_at: a.actionAt, answered_at: a.answeredAt, answered_by: a.answeredBy })
        .where('referral_item_id', '=', referralItemId)
        .where('outcome', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async addEvent(referralId: string, agencyId: string, e: ReferralEvent): Promise<void> {
      await db.insertInto('referral_event').values({ referral_event_id: e.id, referral_id: referralId, agency_id: agencyId, at: e.at, kind: e.kind, actor: e.actor, detail: JSON.stringify(e.detail) }).execute();
    },
  };
}

export type ReferralRepository = ReturnType<typeof scopedRepository> & {
  /** Runs `work` in one transaction, with a repository of the same scope on it. */
  transaction<T>(work: (repo: ReferralRepository) => Promise<T>): Promise<T>;
};

export function createReferralRepository(db: Kysely<Database> | Transaction<Database>, scope: ReferralScope): ReferralRepository {
  return {
    ...scopedRepository(db, scope),
    async transaction<T>(work: (repo: ReferralRepository) => Promise<T>): Promise<T> {
      if (db.isTransaction) return work(createReferralRepository(db, scope));
      return (db as Kysely<Database>).transaction().execute((trx) => work(createReferralRepository(trx, scope)));
    },
  };
}

/** The referral a dispatch carries, if any: the `dispatch.send` job moves it to delivered (instance-wide lookup by dispatch id). */
export async function referralOfDispatch(db: Kysely<Database>, dispatchId: string): Promise<{ referralId: string; agencyId: string; deliveredAt: number | null } | null> {
  const d = await db.selectFrom('dispatch').select(['subject_kind', 'subject_id', 'agency_id', 'delivered_at']).where('dispatch_id', '=', dispatchId).executeTakeFirst();
  return d && d.subject_kind === 'referral' ? { referralId: d.subject_id, agencyId: d.agency_id, deliveredAt: d.delivered_at } : null;
}
