import { sql } from 'kysely';
import type { Migration } from '../migrator.ts';
import { checkIn } from '../column-types.ts';

// Literal lists, so this migration stays as shipped when the model's lists grow.
const CASE_STATUSES = ['open', 'draft', 'awaiting_approval', 'decided', 'merged'] as const;
const VERDICTS = ['terrorist_content', 'not_terrorist_content', 'exempt', 'needs_more_information'] as const;
const EXEMPT_PURPOSES = ['educational', 'journalistic', 'artistic', 'research', 'counter_terrorism', 'public_debate'] as const;
const DECISION_STATUSES = ['draft', 'undone', 'published', 'awaiting_approval', 'approved', 'rejected'] as const;
const TIERS = ['threat_to_life', 'crisis', 'designated_entity', 'promotional'] as const;
const APPROVAL_DECISIONS = ['approved', 'rejected'] as const;

/** Review: cases of items, their event history, decisions (with four-eyes approval) and exposure counts. */
export const review: Migration = {
  name: '0010-review',
  async up({ db, t }) {
    // `review_case`, not `case`: CASE is an SQL keyword, and raw SQL should not need quoting.
    await db.schema
      .createTable('review_case')
      .addColumn('case_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('lead_item_id', t.id, (c) => c.notNull().references('item.item_id'))
      .addColumn('priority', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('tier', t.text)
      // The instance's outlet registry (outlet.outlet_id); no foreign key, validated by the service.
      .addColumn('outlet_id', t.text)
      .addColumn('latest_decision_id', t.text)
      .addColumn('item_count', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('merged_into', t.text)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addCheckConstraint('review_case_status_check', checkIn('status', CASE_STATUSES))
      .addCheckConstraint('review_case_tier_check', sql`tier is null or ${checkIn('tier', TIERS)}`)
      .execute();
    await db.schema.createIndex('review_case_queue_idx').on('review_case').columns(['agency_id', 'status', 'priority', 'case_id']).execute();
    await db.schema.createIndex('review_case_rank_idx').on('review_case').columns(['agency_id', 'priority', 'case_id']).execute();

    // Current membership: an item is in exactly one case at a time (the primary key). Joins and
    // moves are kept in case_event.
    await db.schema
      .createTable('case_item')
      .addColumn('item_id', t.id, (c) => c.primaryKey().notNull().references('item.item_id'))
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('case_id', t.id, (c) => c.notNull().references('review_case.case_id'))
      .addColumn('joined_at', t.time, (c) => c.notNull())
      .addColumn('reason', t.text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('case_item_case_idx').on('case_item').columns(['agency_id', 'case_id']).execute();

    // Append-only history of a case: opened, items joined or moved, decisions and their transitions.
    await db.schema
      .createTable('case_event')
      .addColumn('case_event_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('case_id', t.id, (c) => c.notNull().references('review_case.case_id'))
      .addColumn('at', t.time, (c) => c.notNull())
      .addColumn('actor', t.text, (c) => c.notNull())
      .addColumn('action', t.text, (c) => c.notNull())
      .addColumn('detail', t.json, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('case_event_case_idx').on('case_event').columns(['agency_id', 'case_id', 'case_event_id']).execute();

    // A decision's content is written once; only its status and the approval are set later, each
    // transition also appended to case_event, so the full history is kept without a second copy.
    await db.schema
      .createTable('review_decision')
      .addColumn('decision_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('case_id', t.id, (c) => c.notNull().references('review_case.case_id'))
      .addColumn('verdict', t.text, (c) => c.notNull())
      .addColumn('exempt_purpose', t.text)
      .addColumn('grounds', t.json, (c) => c.notNull())
      .addColumn('tier', t.text)
      .addColumn('reasons', t.text, (c) => c.notNull())
      .addColumn('attribution', t.json, (c) => c.notNull())
      .addColumn('outlet_id', t.text)
      .addColumn('propose_order', t.bool, (c) => c.notNull().defaultTo(0))
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('reviewer_id', t.id, (c) => c.notNull().references('user_account.user_id'))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('undo_until', t.time, (c) => c.notNull())
      .addColumn('published_at', t.time)
      .addColumn('approver_id', t.id, (c) => c.references('user_account.user_id'))
      .addColumn('approval_decision', t.text)
      .addColumn('approval_note', t.text)
      .addColumn('approved_at', t.time)
      .addCheckConstraint('review_decision_verdict_check', checkIn('verdict', VERDICTS))
      .addCheckConstraint('review_decision_status_check', checkIn('status', DECISION_STATUSES))
      .addCheckConstraint('review_decision_purpose_check', sql`exempt_purpose is null or ${checkIn('exempt_purpose', EXEMPT_PURPOSES)}`)
      .addCheckConstraint('review_decision_tier_check', sql`tier is null or ${checkIn('tier', TIERS)}`)
      .addCheckConstraint('review_decision_approval_check', sql`approval_decision is null or ${checkIn('approval_decision', APPROVAL_DECISIONS)}`)
      // Four eyes, once more in the database: an approver is never the reviewer.
      .addCheckConstraint('review_decision_four_eyes_check', sql`approver_id is null or approver_id <> reviewer_id`)
      .execute();
    await db.schema.createIndex('review_decision_case_idx').on('review_decision').columns(['agency_id', 'case_id', 'decision_id']).execute();
    await db.schema.createIndex('review_decision_status_idx').on('review_decision').columns(['agency_id', 'status', 'undo_until']).execute();

    // The items a decision covers; it follows them when a case is split or merged.
    await db.schema
      .createTable('review_decision_item')
      .addColumn('decision_id', t.id, (c) => c.notNull().references('review_decision.decision_id'))
      .addColumn('item_id', t.id, (c) => c.notNull().references('item.item_id'))
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addPrimaryKeyConstraint('review_decision_item_pk', ['decision_id', 'item_id'])
      .execute();
    await db.schema.createIndex('review_decision_item_item_idx').on('review_decision_item').columns(['agency_id', 'item_id']).execute();

    // Reveals of content per reviewer per UTC day, counted here rather than by scanning the audit log.
    await db.schema
      .createTable('exposure_day')
      .addColumn('user_id', t.id, (c) => c.notNull().references('user_account.user_id'))
      .addColumn('day', t.text, (c) => c.notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('reveals', t.integer, (c) => c.notNull())
      .addColumn('warned_at', t.time)
      .addPrimaryKeyConstraint('exposure_day_pk', ['user_id', 'day'])
      .execute();
    await db.schema.createIndex('exposure_day_agency_idx').on('exposure_day').columns(['agency_id', 'day']).execute();

    // Clustering looks up exact copies by value and items hitting the same entry; vPDQ and SimHash
    // values stay out of the index (vPDQ lines can pass PostgreSQL's index row size).
    await db.schema
      .createIndex('fingerprint_exact_idx')
      .on('fingerprint')
      .columns(['agency_id', 'kind', 'value'])
      .where(sql<boolean>`kind in ('sha256', 'md5', 'pdq')`)
      .execute();
    await db.schema.createIndex('match_entry_idx').on('match').columns(['agency_id', 'entry_id']).execute();
  },
};
