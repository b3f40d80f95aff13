/**
 * Dispatches and their delivery log. `createDispatchRepository` is scoped to the sending agency;
 * `createPortalRepository` to the receiving (provider) agency, which sees only portal messages
 * addressed to it and may only mark them received.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, DispatchAttemptTable, DispatchTable } from '../../adapters/db/schema.ts';
import type { AttemptStatus, Channel, Dispatch, DispatchAttachment, DispatchAttempt, DispatchState, SubjectKind } from './dispatch.model.ts';

function toAttempt(r: Selectable<DispatchAttemptTable>): DispatchAttempt {
  return { attempt: r.attempt, at: r.at, status: r.status as AttemptStatus, httpStatus: r.http_status, error: r.error, durationMs: r.duration_ms };
}

function toDispatch(r: Selectable<DispatchTable>, attempts: DispatchAttempt[]): Dispatch {
  return {
    id: r.dispatch_id,
    agencyId: r.agency_id,
    providerId: r.provider_id,
    recipientAgencyId: r.recipient_agency_id,
    channel: r.channel as Channel,
    destination: r.destination,
    subjectKind: r.subject_kind as SubjectKind,
    subjectId: r.subject_id,
    title: r.title,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    attachments: JSON.parse(r.attachments) as DispatchAttachment[],
    state: r.state as DispatchState,
    lastError: r.last_error,
    attempts,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    deliveredAt: r.delivered_at,
    receivedAt: r.received_at,
  };
}

async function withAttempts(db: Kysely<Database>, rows: Selectable<DispatchTable>[]): Promise<Dispatch[]> {
  if (rows.length === 0) return [];
  const attempts = await db
    .selectFrom('dispatch_attempt')
    .selectAll()
    .where(
      'dispatch_id',
      'in',
      rows.map((r) => r.dispatch_id),
    )
    .orderBy('attempt')
    .execute();
  const by = new Map<string, DispatchAttempt[]>();
  for (const a of attempts) by.set(a.dispatch_id, [...(by.get(a.dispatch_id) ?? []), toAttempt(a)]);
  return rows.map((r) => toDispatch(r, by.get(r.dispatch_id) ?? []));
}

export type NewDispatch = Omit<Dispatch, 'agencyId' | 'attempts' | 'lastError' | 'deliveredAt' | 'receivedAt' | 'updatedAt'>;

export interface DispatchListQuery {
  providerId?: string;
  subjectKind?: SubjectKind;
  subjectId?: string;
  state?: DispatchState;
  before?: string;
  limit: number;
}

export function createDispatchRepository(db: Kysely<Database>, agencyId: string) {
  return {
    agencyId,
    async insert(list: NewDispatch[]): Promise<void> {
      if (list.length === 0) return;
      await db
        .insertInto('dispatch')
        .values(
          list.map((d) => ({
            dispatch_id: d.id,
            agency_id: agencyId,
            provider_id: d.providerId,
            recipient_agency_id: d.recipientAgencyId,
            channel: d.channel,
            destination: d.destination,
            subject_kind: d.subjectKind,
            subject_id: d.subjectId,
            title: d.title,
            payload: JSON.stringify(d.payload),
            attachments: JSON.stringify(d.attachments),
            state: d.state,
            last_error: null,
            created_at: d.createdAt,
            created_by: d.createdBy,
            updated_at: d.createdAt,
            delivered_at: null,
            received_at: null,
          })),
        )
        .execute();
    },
    async get(dispatchId: string): Promise<Dispatch | null> {
      const r = await db.selectFrom('dispatch').selectAll().where('agency_id', '=', agencyId).where('dispatch_id', '=', dispatchId).executeTakeFirst();
      return r ? ((await withAttempts(db, [r]))[0] ?? null) : null;
    },
    async list(q: DispatchListQuery): Promise<Dispatch[]> {
      let s = db.selectFrom('dispatch').selectAll().where('agency_id', '=', agencyId);
      if (q.providerId) s = s.where('provider_id', '=', q.providerId);
      if (q.subjectKind) s = s.where('subject_kind', '=', q.subjectKind);
      if (q.subjectId) s = s.where('subject_id', '=', q.subjectId);
      if (q.state) s = s.where('state', '=', q.state);
      if (q.before) s = s.where('dispatch_id', '<', q.before);
      return withAttempts(db, await s.orderBy('dispatch_id', 'desc').limit(q.limit).execute());
    },
    /**
     * Logs one attempt and moves the dispatch to its next state, in one transaction. The attempt
     * number is unique per dispatch, so a second worker logging the same attempt fails instead
     * of writing twice.
     */
    async recordAttempt(dispatchId: string, attemptId: string, a: DispatchAttempt, next: { state: DispatchState; deliveredAt: number | null; lastError: string | null }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('dispatch_attempt')
          .values({ attempt_id: attemptId, dispatch_id: dispatchId, agency_id: agencyId, attempt: a.attempt, at: a.at, status: a.status, http_status: a.httpStatus, error: a.error, duration_ms: a.durationMs })
          .execute();
        await trx
          .updateTable('dispatch')
          .set({ state: next.state, last_error: next.lastError, updated_at: a.at, ...(next.deliveredAt !== null ? { delivered_at: next.deliveredAt } : {}) })
          .where('agency_id', '=', agencyId)
          .where('dispatch_id', '=', dispatchId)
          .execute();
      });
    },
    async setState(dispatchId: string, state: DispatchState, at: number): Promise<void> {
      await db.updateTable('dispatch').set({ state, updated_at: at }).where('agency_id', '=', agencyId).where('dispatch_id', '=', dispatchId).execute();
    },
  };
}

export type DispatchRepository = ReturnType<typeof createDispatchRepository>;

export function createPortalRepository(db: Kysely<Database>, recipientAgencyId: string) {
  const mine = () => db.selectFrom('dispatch').selectAll().where('recipient_agency_id', '=', recipientAgencyId).where('channel', '=', 'portal');
  return {
    async list(q: { unreceivedOnly: boolean; before?: string; limit: number }): Promise<Dispatch[]> {
      let s = mine();
      if (q.unreceivedOnly) s = s.where('received_at', 'is', null);
      if (q.before) s = s.where('dispatch_id', '<', q.before);
      return withAttempts(db, await s.orderBy('dispatch_id', 'desc').limit(q.limit).execute());
    },
    async get(dispatchId: string): Promise<Dispatch | null> {
      const r = await mine().where('dispatch_id', '=', dispatchId).executeTakeFirst();
      return r ? ((await withAttempts(db, [r]))[0] ?? null) : null;
    },
    /** Records the first receipt only; false if it was already received (or is not this agency's). */
    async markReceived(dispatchId: string, at: number): Promise<boolean> {
      const res = await db
        .updateTable('dispatch')
        .set({ received_at: at, updated_at: at })
        .where('recipient_agency_id', '=', recipientAgencyId)
        .where('channel', '=', 'portal')
        .where('dispatch_id', '=', dispatchId)
        .where('received_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}

export type PortalRepository = ReturnType<typeof createPortalRepository>;
