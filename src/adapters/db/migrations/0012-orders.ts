import type { Migration } from '../migrator.ts';
import { checkIn } from '../column-types.ts';

// Literal lists, so this migration stays as shipped when the model's lists grow.
const ORDER_STATUSES = ['proposed', 'rejected', 'issued', 'running', 'suspended', 'executed', 'voided', 'withdrawn'] as const;
const ORDER_EVENT_TYPES = [
  'issued',
  'received',
  'annex_iii',
  'obstacle_ceased',
  'clarification_sent',
  'annex_ii',
  'scrutiny_requested',
  'scrutiny_upheld',
  'infringement_found',
  'reinstated',
  'withdrawn',
  'proposed',
  'approved',
  'rejected',
  'dispatched',
  'acknowledged',
  'escalated',
  'breached',
  'copy_sent',
  'non_disclosure_extended',
] as const;

/**
 * TCO removal orders (per issuing agency), their append-only event stream (the state is the fold
 * of it, order.model.ts), and the signed provider callbacks already taken (replay protection).
 */
export const orders: Migration = {
  name: '0012-orders',
  async up({ db, t }) {
    await db.schema
      .createTable('removal_order')
      .addColumn('order_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('provider_id', t.id, (c) => c.notNull().references('provider.provider_id'))
      .addColumn('reference_number', t.text, (c) => c.notNull())
      // A cache of the fold of order_event, kept in the same transaction, for lists and filters.
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('annex_i', t.json, (c) => c.notNull())
      .addColumn('emergency', t.bool, (c) => c.notNull())
      .addColumn('emergency_reason', t.text)
      .addColumn('case_id', t.text)
      .addColumn('decision_ids', t.json, (c) => c.notNull())
      .addColumn('item_ids', t.json, (c) => c.notNull())
      .addColumn('proposed_by', t.text, (c) => c.notNull())
      .addColumn('proposed_at', t.time, (c) => c.notNull())
      .addColumn('approved_by', t.text)
      .addColumn('approved_at', t.time)
      .addColumn('issued_at', t.time)
      .addColumn('received_at', t.time)
      // Annex II: the time of the measure and which one, copied from the event stream for range queries (statements of reasons).
      .addColumn('executed_at', t.time)
      .addColumn('measure', t.text)
      // sha256 hex of the Annex I JSON document and of its PDF rendering, both blobs of the agency.
      .addColumn('document_sha256', t.text)
      .addColumn('pdf_sha256', t.text)
      // Base64 Ed25519 signature by the instance key over the JSON document's SHA-256.
      .addColumn('signature', t.text)
      .addColumn('signature_key_id', t.text)
      .addColumn('non_disclosure_extensions', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('cross_border', t.bool, (c) => c.notNull())
      .addColumn('host_authority', t.text)
      // TCO Art. 4(1): where the copy of a cross-border order is e-mailed (null for other orders).
      .addColumn('host_authority_email', t.text)
      .addColumn('appeal_period_ms', t.bigint, (c) => c.notNull())
      .addColumn('final_at', t.time)
      .addColumn('seq', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addUniqueConstraint('removal_order_reference_unique', ['agency_id', 'reference_number'])
      .addCheckConstraint('removal_order_status_check', checkIn('status', ORDER_STATUSES))
      .execute();
    await db.schema.createIndex('removal_order_agency_idx').on('removal_order').columns(['agency_id', 'order_id']).execute();
    await db.schema.createIndex('removal_order_provider_idx').on('removal_order').columns(['provider_id', 'order_id']).execute();

    // Append-only: one row per event, numbered per order; the unique number makes two writers
    // racing on one order fail instead of both appending.
    await db.schema
      .createTable('order_event')
      .addColumn('order_event_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('order_id', t.id, (c) => c.notNull().references('removal_order.order_id'))
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('seq', t.integer, (c) => c.notNull())
      .addColumn('type', t.text, (c) => c.notNull())
      .addColumn('at', t.time, (c) => c.notNull())
      .addColumn('actor', t.text, (c) => c.notNull())
      .addColumn('detail', t.json, (c) => c.notNull())
      .addColumn('recorded_at', t.time, (c) => c.notNull())
      .addUniqueConstraint('order_event_seq_unique', ['order_id', 'seq'])
      .addCheckConstraint('order_event_type_check', checkIn('type', ORDER_EVENT_TYPES))
      .execute();

    // Each accepted signed callback, by the provider's delivery id: a second one is a replay.
    await db.schema
      .createTable('callback_receipt')
      .addColumn('callback_receipt_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('provider_id', t.id, (c) => c.notNull().references('provider.provider_id'))
      .addColumn('delivery_id', t.text, (c) => c.notNull())
      .addColumn('signature', t.text, (c) => c.notNull())
      .addColumn('received_at', t.time, (c) => c.notNull())
      .addUniqueConstraint('callback_receipt_unique', ['provider_id', 'delivery_id'])
      .execute();
  },
};
