/** Complaints and their history, scoped to the provider agency that keeps them. */
import type { Kysely, Selectable } from 'kysely';
import type { ComplaintTable, Database } from '../../adapters/db/schema.ts';
import type { Complaint, ComplaintEvent, ComplaintEventKind, ComplaintState, ComplaintSubject, ComplaintSubjectKind } from './complaint.model.ts';

function subjectOf(r: Selectable<ComplaintTable>): ComplaintSubject {
  const kind = r.subject_kind as ComplaintSubjectKind;
  if (kind === 'referral_item') return { kind, referralId: r.referral_id!, itemId: r.referral_item_id! };
  if (kind === 'order') return { kind, orderId: r.order_id! };
  return { kind, reference: r.moderation_ref!, url: r.content_url };
}

function toComplaint(r: Selectable<ComplaintTable>): Complaint {
  return {
    id: r.complaint_id,
    agencyId: r.agency_id,
    subject: subjectOf(r),
    contentUrl: r.content_url,
    receivedAt: r.received_at,
    dueAt: r.due_at,
    text: r.text,
    state: r.state as ComplaintState,
    reasons: r.reasons,
    reinstatedAt: r.reinstated_at,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

export interface ComplaintListQuery {
  state?: ComplaintState;
  /** Open complaints past their due time at `now`. */
  overdueAt?: number;
  before?: string;
  limit: number;
}

export function createComplaintRepository(db: Kysely<Database>, agencyId: string) {
  const mine = () => db.selectFrom('complaint').selectAll().where('agency_id', '=', agencyId);
  return {
    async insert(c: Omit<Complaint, 'agencyId'>, event: ComplaintEvent): Promise<void> {
      const s = c.subject;
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('complaint')
          .values({
            complaint_id: c.id,
            agency_id: agencyId,
            subject_kind: s.kind,
            referral_id: s.kind === 'referral_item' ? s.referralId : null,
            referral_item_id: s.kind === 'referral_item' ? s.itemId : null,
            order_id: s.kind === 'order' ? s.orderId : null,
            moderation_ref: s.kind === 'moderation' ? s.reference : null,
            content_url: c.contentUrl,
            received_at: c.receivedAt,
            due_at: c.dueAt,
            text: c.text,
            state: c.state,
            reasons: null,
            reinstated_at: null,
            decided_at: null,
            decided_by: null,
            created_at: c.createdAt,
            created_by: c.createdBy,
            updated_at: c.createdAt,
          })
          .execute();
        await trx.insertInto('complaint_event').values({ complaint_event_id: event.id, complaint_id: c.id, agency_id: agencyId, at: event.at, kind: event.kind, actor: event.actor, detail: JSON.stringify(event.detail) }).execute();
      });
    },
    async get(complaintId: string): Promise<Complaint | null> {
      const r = await mine().where('complaint_id', '=', complaintId).executeTakeFirst();
      return r ? toComplaint(r) : null;
    },
    async list(q: ComplaintListQuery): Promise<Complaint[]> {
      let s = mine();
      if (q.state) s = s.where('state', '=', q.state);
      if (q.overdueAt !== undefined) s = s.where('state', '=', 'open').where('due_at', '<', q.overdueAt);
      if (q.before) s = s.where('complaint_id', '<', q.before);
      return (await s.orderBy('complaint_id', 'desc').limit(q.limit).execute()).map(toComplaint);
    },
    async events(complaintId: string): Promise<ComplaintEvent[]> {
      const rows = await db.selectFrom('complaint_event').selectAll().where('agency_id', '=', agencyId).where('complaint_id', '=', complaintId).orderBy('complaint_event_id').execute();
      return rows.map((e) => ({ id: e.complaint_event_id, at: e.at, kind: e.kind as ComplaintEventKind, actor: e.actor, detail: JSON.parse(e.detail) as Record<string, unknown> }));
    },
    /** Stores the outcome of an open complaint; false when it was decided meanwhile. */
    async decide(complaintId: string, d: { state: ComplaintState; reasons: string; reinstatedAt: number | null; decidedAt: number; decidedBy: string }, event: ComplaintEvent): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const res = await trx
          .updateTable('complaint')
          .set({ state: d.state, reasons: d.reasons, reinstated_at: d.reinstatedAt, decided_at: d.decidedAt, decided_by: d.decidedBy, updated_at: d.decidedAt })
          .where('agency_id', '=', agencyId)
          .where('complaint_id', '=', complaintId)
          .where('state', '=', 'open')
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
        await trx.insertInto('complaint_event').values({ complaint_event_id: event.id, complaint_id: complaintId, agency_id: agencyId, at: event.at, kind: event.kind, actor: event.actor, detail: JSON.stringify(event.detail) }).execute();
        return true;
      });
    },
  };
}

export type ComplaintRepository = ReturnType<typeof createComplaintRepository>;
