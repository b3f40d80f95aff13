import type { Migration } from '../migrator.ts';
import { sql } from 'kysely';
import { checkIn } from '../column-types.ts';

// Literal lists, so this migration stays as shipped when the models' lists grow.
const REFERRAL_STATES = ['draft', 'sent', 'delivered', 'acknowledged', 'actioned', 'closed'] as const;
const ITEM_OUTCOMES = ['removed', 'disabled', 'declined'] as const;
const REFERRAL_EVENT_KINDS = ['created', 'edited', 'sent', 'delivered', 'acknowledged', 'outcome', 'reminded', 'closed'] as const;
const COMPLAINT_SUBJECTS = ['referral_item', 'order', 'moderation'] as const;
const COMPLAINT_STATES = ['open', 'upheld', 'reinstated'] as const;
const COMPLAINT_EVENT_KINDS = ['recorded', 'decided'] as const;

/**
 * Referrals (rows of the issuing agency; the addressed provider agency reads and answers them
 * through `recipient_agency_id`), their items with the provider's outcome, and their append-only
 * history. Complaints (TCO Art. 10) are rows of the provider agency that holds them.
 */
export const referralsComplaints: Migration = {
  name: '0013-referrals-complaints',
  async up({ db, t }) {
    await db.schema
      .createTable('referral')
      .addColumn('referral_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('provider_id', t.id, (c) => c.notNull().references('provider.provider_id'))
      .addColumn('recipient_agency_id', t.id, (c) => c.references('agency.agency_id'))
      .addColumn('reference', t.text, (c) => c.notNull())
      .addColumn('reasons', t.text, (c) => c.notNull())
      .addColumn('state', t.text, (c) => c.notNull())
      .addColumn('reminders', t.integer, (c) => c.notNull())
      // Bumped by every change: a change applies only to the version it was computed from.
      .addColumn('version', t.integer, (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('created_by', t.text)
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addColumn('sent_at', t.time)
      .addColumn('delivered_at', t.time)
      .addColumn('acknowledged_at', t.time)
      .addColumn('actioned_at', t.time)
      .addColumn('closed_at', t.time)
      .addColumn('close_note', t.text)
      .addUniqueConstraint('referral_reference_unique', ['agency_id', 'reference'])
      .addCheckConstraint('referral_state_check', checkIn('state', REFERRAL_STATES))
      .execute();
    await db.schema.createIndex('referral_agency_idx').on('referral').columns(['agency_id', 'referral_id']).execute();
    await db.schema.createIndex('referral_recipient_idx').on('referral').columns(['recipient_agency_id', 'referral_id']).execute();

    await db.schema
      .createTable('referral_item')
      .addColumn('referral_item_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('referral_id', t.id, (c) => c.notNull().references('referral.referral_id'))
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('item_id', t.id, (c) => c.notNull().references('item.item_id'))
      .addColumn('position', t.integer, (c) => c.notNull())
      .addColumn('url', t.text, (c) => c.notNull())
      .addColumn('decision_id', t.id, (c) => c.notNull().references('review_decision.decision_id'))
      .addColumn('grounds', t.json, (c) => c.notNull())
      .addColumn('outcome', t.text)
      .addColumn('outcome_reason', t.text)
      .addColumn('action_at', t.time)
      .addColumn('answered_at', t.time)
      .addColumn('answered_by', t.text)
      .addUniqueConstraint('referral_item_unique', ['referral_id', 'item_id'])
      .addCheckConstraint('referral_item_outcome_check', sql`outcome is null or ${checkIn('outcome', ITEM_OUTCOMES)}`)
      .execute();

    await db.schema
      .createTable('referral_event')
      .addColumn('referral_event_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('referral_id', t.id, (c) => c.notNull().references('referral.referral_id'))
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('at', t.time, (c) => c.notNull())
      .addColumn('kind', t.text, (c) => c.notNull())
      .addColumn('actor', t.text, (c) => c.notNull())
      .addColumn('detail', t.json, (c) => c.notNull())
      .addCheckConstraint('referral_event_kind_check', checkIn('kind', REFERRAL_EVENT_KINDS))
      .execute();
    await db.schema.createIndex('referral_event_referral_idx').on('referral_event').columns(['referral_id', 'referral_event_id']).execute();

    await db.schema
      .createTable('complaint')
      .addColumn('complaint_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('subject_kind', t.text, (c) => c.notNull())
      .addColumn('referral_id', t.id, (c) => c.references('referral.referral_id'))
      .addColumn('referral_item_id', t.id, (c) => c.references('referral_item.referral_item_id'))
      // Kept without a foreign key: removal orders live in another agency's rows and are checked by the service.
      .addColumn('order_id', t.id)
      .addColumn('moderation_ref', t.text)
      .addColumn('content_url', t.text)
      .addColumn('received_at', t.time, (c) => c.notNull())
      .addColumn('due_at', t.time, (c) => c.notNull())
      .addColumn('text', t.text, (c) => c.notNull())
      .addColumn('state', t.text, (c) => c.notNull())
      .addColumn('reasons', t.text)
      .addColumn('reinstated_at', t.time)
      .addColumn('decided_at', t.time)
      .addColumn('decided_by', t.text)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('created_by', t.text)
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addCheckConstraint('complaint_subject_check', checkIn('subject_kind', COMPLAINT_SUBJECTS))
      .addCheckConstraint('complaint_state_check', checkIn('state', COMPLAINT_STATES))
      .execute();
    await db.schema.createIndex('complaint_agency_idx').on('complaint').columns(['agency_id', 'complaint_id']).execute();

    await db.schema
      .createTable('complaint_event')
      .addColumn('complaint_event_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('complaint_id', t.id, (c) => c.notNull().references('complaint.complaint_id'))
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('at', t.time, (c) => c.notNull())
      .addColumn('kind', t.text, (c) => c.notNull())
      .addColumn('actor', t.text, (c) => c.notNull())
      .addColumn('detail', t.json, (c) => c.notNull())
      .addCheckConstraint('complaint_event_kind_check', checkIn('kind', COMPLAINT_EVENT_KINDS))
      .execute();
  },
};
