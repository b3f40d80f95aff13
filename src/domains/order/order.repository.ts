/**
 * Removal orders and their event streams. `createOrderRepository` is scoped to the issuing agency;
 * `createPortalOrderRepository` to a provider agency, which sees only issued orders addressed to a
 * provider whose portal agency it is; `createProviderOrderLookup` finds the orders of one provider
 * for its signed callbacks. Events are only ever appended: `append` numbers them after the last
 * one it was shown, so of two writers racing on one order the second gets `false` and nothing.
 */
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, OrderEventTable, RemovalOrderTable } from '../../adapters/db/schema.ts';
import type { AnnexI } from './annex.model.ts';
import type { Measure, StoredOrderEvent, StoredOrderEventType, StoredOrderStatus } from './order.model.ts';

export interface StoredOrder {
  id: string;
  agencyId: string;
  providerId: string;
  referenceNumber: string;
  status: StoredOrderStatus;
  annexI: AnnexI;
  caseId: string | null;
  decisionIds: string[];
  itemIds: string[];
  proposedBy: string;
  proposedAt: number;
  approvedBy: string | null;
  approvedAt: number | null;
  issuedAt: number | null;
  receivedAt: number | null;
  /** Annex II: the time of the measure and which one. */
  executedAt: number | null;
  measure: Measure | null;
  /** The signed JSON document and its PDF (blob sha256 hex of the issuing agency), once issued. */
  document: { sha256: string; pdfSha256: string; signature: string; keyId: string } | null;
  nonDisclosureExtensions: number;
  crossBorder: boolean;
  hostAuthority: string | null;
  /** TCO Art. 4(1): the host State authority's address for the copy; cross-border orders only. */
  hostAuthorityEmail: string | null;
  appealPeriodMs: number;
  finalAt: number | null;
  /** Number of the last event. */
  seq: number;
  createdAt: number;
  updatedAt: number;
}

export interface OrderEventRecord extends StoredOrderEvent {
  id: string;
  seq: number;
  actor: string;
  recordedAt: number;
}

export type OrderPatch = Partial<{
  status: StoredOrderStatus;
  approvedBy: string;
  approvedAt: number;
  issuedAt: number;
  receivedAt: number;
  executed: { at: number; measure: Measure };
  annexI: AnnexI;
  document: { sha256: string; pdfSha256: string; signature: string; keyId: string };
  nonDisclosureExtensions: number;
  finalAt: number;
}>;

export interface OrderListQuery {
  status?: StoredOrderStatus;
  providerId?: string;
  before?: string;
  limit: number;
}

function toOrder(r: Selectable<RemovalOrderTable>): StoredOrder {
  return {
    id: r.order_id,
    agencyId: r.agency_id,
    providerId: r.provider_id,
    referenceNumber: r.reference_number,
    status: r.status as StoredOrderStatus,
    annexI: JSON.parse(r.annex_i) as AnnexI,
    caseId: r.case_id,
    decisionIds: JSON.parse(r.decision_ids) as string[],
    itemIds: JSON.parse(r.item_ids) as string[],
    proposedBy: r.proposed_by,
    proposedAt: r.proposed_at,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    issuedAt: r.issued_at,
    receivedAt: r.received_at,
    executedAt: r.executed_at,
    measure: r.measure as Measure | null,
    document: r.document_sha256 && r.pdf_sha256 && r.signature && r.signature_key_id ? { sha256: r.document_sha256, pdfSha256: r.pdf_sha256, signature: r.signature, keyId: r.signature_key_id } : null,
    nonDisclosureExtensions: r.non_disclosure_extensions,
    crossBorder: r.cross_border === 1,
    hostAuthority: r.host_authority,
    hostAuthorityEmail: r.host_authority_email,
    appealPeriodMs: Number(r.appeal_period_ms),
    finalAt: r.final_at,
    seq: r.seq,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toEvent(r: Selectable<OrderEventTable>): OrderEventRecord {
  return { id: r.order_event_id, seq: r.seq, type: r.type as StoredOrderEventType, at: r.at, actor: r.actor, detail: JSON.parse(r.detail) as Record<string, unknown>, recordedAt: r.recorded_at };
}

function patchColumns(p: OrderPatch): Partial<Updateable<RemovalOrderTable>> {
  return {
    ...(p.status !== undefined ? { status: p.status } : {}),
    ...(p.approvedBy !== undefined ? { approved_by: p.approvedBy } : {}),
    ...(p.approvedAt !== undefined ? { approved_at: p.approvedAt } : {}),
    ...(p.issuedAt !== undefined ? { issued_at: p.issuedAt } : {}),
    ...(p.receivedAt !== undefined ? { received_at: p.receivedAt } : {}),
    ...(p.executed !== undefined ? { executed_at: p.executed.at, measure: p.executed.measure } : {}),
    ...(p.annexI !== undefined ? { annex_i: JSON.stringify(p.annexI) } : {}),
    ...(p.document !== undefined ? { document_sha256: p.document.sha256, pdf_sha256: p.document.pdfSha256, signature: p.document.signature, signature_key_id: p.document.keyId } : {}),
    ...(p.nonDisclosureExtensions !== undefined ? { non_disclosure_extensions: p.nonDisclosureExtensions } : {}),
    ...(p.finalAt !== undefined ? { final_at: p.finalAt } : {}),
  };
}

export type NewOrder = Omit<StoredOrder, 'agencyId' | 'approvedBy' | 'approvedAt' | 'issuedAt' | 'receivedAt' | 'executedAt' | 'measure' | 'document' | 'nonDisclosureExtensions' | 'finalAt' | 'seq' | 'updatedAt'>;
export type NewOrderEvent = Omit<OrderEventRecord, 'seq'>;

async function eventsOf(db: Kysely<Database>, orderId: string): Promise<OrderEventRecord[]> {
  return (await db.selectFrom('order_event').selectAll().where('order_id', '=', orderId).orderBy('seq').execute()).map(toEvent);
}

/** Appends `events` after event number `afterSeq` of an order of `agencyId`, and patches the row; false if another writer got there first. */
async function appendEvents(db: Kysely<Database>, agencyId: string, orderId: string, afterSeq: number, events: NewOrderEvent[], patch: OrderPatch, at: number): Promise<boolean> {
  try {
    return await db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('removal_order')
        .set({ ...patchColumns(patch), seq: afterSeq + events.length, updated_at: at })
        .where('agency_id', '=', agencyId)
        .where('order_id', '=', orderId)
        .where('seq', '=', afterSeq)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      if (events.length > 0)
        await trx
          .insertInto('order_event')
          .values(events.map((e, i) => ({ order_event_id: e.id, order_id: orderId, agency_id: agencyId, seq: afterSeq + 1 + i, type: e.type, at: e.at, actor: e.actor, detail: JSON.stringify(e.detail), recorded_at: e.recordedAt })))
          .execute();
      return true;
    });
  } catch (e) {
    // The unique (order_id, seq) caught a writer that read the same sequence number.
    if (/unique|duplicate/i.test(e instanceof Error ? e.message : String(e))) return false;
    throw e;
  }
}

export function createOrderRepository(db: Kysely<Database>, agencyId: string) {
  const mine = () => db.selectFrom('removal_order').selectAll().where('agency_id', '=', agencyId);
  return {
    agencyId,
    /** Inserts the order with its first event; false when the reference number is taken. */
    async insert(o: NewOrder, first: NewOrderEvent): Promise<boolean> {
      try {
        await db.transaction().execute(async (trx) => {
          await trx
            .insertInto('removal_order')
            .values({
              order_id: o.id,
              agency_id: agencyId,
              provider_id: o.providerId,
              reference_number: o.referenceNumber,
              status: o.status,
              annex_i: JSON.stringify(o.annexI),
              emergency: o.annexI.emergency.declared ? 1 : 0,
              emergency_reason: o.annexI.emergency.reason,
              case_id: o.caseId,
              decision_ids: JSON.stringify(o.decisionIds),
              item_ids: JSON.stringify(o.itemIds),
              proposed_by: o.proposedBy,
              proposed_at: o.proposedAt,
              approved_by: null,
              approved_at: null,
              issued_at: null,
              received_at: null,
              document_sha256: null,
              pdf_sha256: null,
              signature: null,
              signature_key_id: null,
              non_disclosure_extensions: 0,
              cross_border: o.crossBorder ? 1 : 0,
              host_authority: o.hostAuthority,
              host_authority_email: o.hostAuthorityEmail,
              appeal_period_ms: o.appealPeriodMs,
              final_at: null,
              seq: 1,
              created_at: o.createdAt,
              updated_at: o.createdAt,
            })
            .execute();
          await trx
            .insertInto('order_event')
            .values({ order_event_id: first.id, order_id: o.id, agency_id: agencyId, seq: 1, type: first.type, at: first.at, actor: first.actor, detail: JSON.stringify(first.detail), recorded_at: first.recordedAt })
            .execute();
        });
        return true;
      } catch (e) {
        if ((await mine().select('order_id').where('reference_number', '=', o.referenceNumber).executeTakeFirst()) !== undefined) return false;
        throw e;
      }
    },
    async get(orderId: string): Promise<StoredOrder | null> {
      const r = await mine().where('order_id', '=', orderId).executeTakeFirst();
      return r ? toOrder(r) : null;
    },
    async list(q: OrderListQuery): Promise<StoredOrder[]> {
      let s = mine();
      if (q.status) s = s.where('status', '=', q.status);
      if (q.providerId) s = s.where('provider_id', '=', q.providerId);
      if (q.before) s = s.where('order_id', '<', q.before);
      return (await s.orderBy('order_id', 'desc').limit(q.limit).execute()).map(toOrder);
    },
    async events(orderId: string): Promise<OrderEventRecord[]> {
      return (await mine().select('order_id').where('order_id', '=', orderId).executeTakeFirst()) ? eventsOf(db, orderId) : [];
    },
    append: (orderId: string, afterSeq: number, events: NewOrderEvent[], patch: OrderPatch, at: number) => appendEvents(db, agencyId, orderId, afterSeq, events, patch, at),
    /** Art. 3(2): orders this agency has already issued to the provider. */
    async issuedCount(providerId: string): Promise<number> {
      const r = await db.selectFrom('removal_order').select((eb) => eb.fn.countAll<number>().as('n')).where('agency_id', '=', agencyId).where('provider_id', '=', providerId).where('issued_at', 'is not', null).executeTakeFirst();
      return Number(r?.n ?? 0);
    },
    /** The agency's newest order, whose sections E–G prefill the next. */
    async latest(): Promise<StoredOrder | null> {
      const r = await mine().orderBy('order_id', 'desc').limit(1).executeTakeFirst();
      return r ? toOrder(r) : null;
    },
  };
}

export type OrderRepository = ReturnType<typeof createOrderRepository>;

/** Issued orders addressed to a provider agency: through the registry's portal agency of the provider. */
export function createPortalOrderRepository(db: Kysely<Database>, recipientAgencyId: string) {
  const mine = () =>
    db
      .selectFrom('removal_order')
      .innerJoin('provider', 'provider.provider_id', 'removal_order.provider_id')
      .selectAll('removal_order')
      .where('provider.provider_agency_id', '=', recipientAgencyId)
      .where('removal_order.issued_at', 'is not', null);
  return {
    async list(q: Omit<OrderListQuery, 'providerId'>): Promise<StoredOrder[]> {
      let s = mine();
      if (q.status) s = s.where('removal_order.status', '=', q.status);
      if (q.before) s = s.where('removal_order.order_id', '<', q.before);
      return (await s.orderBy('removal_order.order_id', 'desc').limit(q.limit).execute()).map(toOrder);
    },
    async get(orderId: string): Promise<StoredOrder | null> {
      const r = await mine().where('removal_order.order_id', '=', orderId).executeTakeFirst();
      return r ? toOrder(r) : null;
    },
    /** Orders this agency executed with the time of the measure in [from, to), oldest first. */
    async executedBetween(q: { from: number; to: number; limit: number }): Promise<StoredOrder[]> {
      const rows = await mine().where('removal_order.executed_at', '>=', q.from).where('removal_order.executed_at', '<', q.to).orderBy('removal_order.executed_at').orderBy('removal_order.order_id').limit(q.limit).execute();
      return rows.map(toOrder);
    },
  };
}

export type PortalOrderRepository = ReturnType<typeof createPortalOrderRepository>;

/** A provider's issued orders, by id or reference number, for its signed callbacks. */
export function createProviderOrderLookup(db: Kysely<Database>, providerId: string) {
  return {
    async find(ref: { orderId: string } | { referenceNumber: string }): Promise<StoredOrder[]> {
      let s = db.selectFrom('removal_order').selectAll().where('provider_id', '=', providerId).where('issued_at', 'is not', null);
      s = 'orderId' in ref ? s.where('order_id', '=', ref.orderId) : s.where('reference_number', '=', ref.referenceNumber);
      return (await s.limit(2).execute()).map(toOrder);
    },
  };
}

/** TCO Art. 5(4): when the provider's orders became final, from every agency on the instance (voided and withdrawn ones never do). */
export async function finalOrderTimes(db: Kysely<Database>, providerId: string, now: number): Promise<number[]> {
  const rows = await db
    .selectFrom('removal_order')
    .select('final_at')
    .where('provider_id', '=', providerId)
    .where('final_at', 'is not', null)
    .where('final_at', '<=', now)
    .where('status', 'not in', ['voided', 'withdrawn'])
    .execute();
  return rows.map((r) => r.final_at!);
}

/** Signed callbacks already taken: a delivery id is accepted once per provider. */
export function createCallbackReceipts(db: Kysely<Database>) {
  return {
    /** Records the delivery; false when it was already taken (a replay). */
    async claim(r: { id: string; providerId: string; deliveryId: string; signature: string; at: number }): Promise<boolean> {
      const res = await db
        .insertInto('callback_receipt')
        .values({ callback_receipt_id: r.id, provider_id: r.providerId, delivery_id: r.deliveryId, signature: r.signature, received_at: r.at })
        .onConflict((oc) => oc.columns(['provider_id', 'delivery_id']).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async seen(providerId: string, deliveryId: string): Promise<boolean> {
      return (await db.selectFrom('callback_receipt').select('callback_receipt_id').where('provider_id', '=', providerId).where('delivery_id', '=', deliveryId).executeTakeFirst()) !== undefined;
    },
    /** Forgets a claim whose answer was refused, so that the refusal changes nothing. */
    async release(providerId: string, deliveryId: string): Promise<void> {
      await db.deleteFrom('callback_receipt').where('provider_id', '=', providerId).where('delivery_id', '=', deliveryId).execute();
    },
  };
}

export type CallbackReceipts = ReturnType<typeof createCallbackReceipts>;
