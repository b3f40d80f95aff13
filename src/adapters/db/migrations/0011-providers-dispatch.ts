import type { Migration } from '../migrator.ts';
import { checkIn } from '../column-types.ts';

// Literal lists, so this migration stays as shipped when the model's lists grow.
const CHANNELS = ['webhook', 'email', 'portal'] as const;
const SUBJECT_KINDS = ['referral', 'order', 'notice'] as const;
const DISPATCH_STATES = ['queued', 'delivering', 'delivered', 'failed'] as const;
const ATTEMPT_STATUSES = ['delivered', 'failed', 'refused'] as const;

/**
 * The provider registry (instance-wide: no agency column, see provider.service.ts), each agency's
 * Art. 3(2) first-order notices, and dispatches (one outbound message each, per sending agency)
 * with their delivery log.
 */
export const providersDispatch: Migration = {
  name: '0011-providers-dispatch',
  async up({ db, t }) {
    await db.schema
      .createTable('provider')
      .addColumn('provider_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('name_key', t.text, (c) => c.notNull().unique())
      .addColumn('domain_patterns', t.json, (c) => c.notNull())
      .addColumn('contact_email', t.text)
      .addColumn('webhook_url', t.text)
      // The shared secret signs outbound webhooks, so it is kept as it is (a hash could not sign).
      .addColumn('webhook_secret', t.text)
      .addColumn('webhook_secret_hint', t.text)
      .addColumn('provider_agency_id', t.id, (c) => c.references('agency.agency_id'))
      .addColumn('accepted_languages', t.json, (c) => c.notNull())
      .addColumn('main_establishment', t.text)
      .addColumn('legal_representative', t.json)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('created_by', t.text)
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .execute();

    // Art. 3(2) binds each issuing authority: one row per agency and provider.
    await db.schema
      .createTable('provider_notice')
      .addColumn('notice_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('provider_id', t.id, (c) => c.notNull().references('provider.provider_id'))
      .addColumn('sent_at', t.time, (c) => c.notNull())
      .addColumn('sent_by', t.text)
      .addUniqueConstraint('provider_notice_unique', ['agency_id', 'provider_id'])
      .execute();

    await db.schema
      .createTable('dispatch')
      .addColumn('dispatch_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('provider_id', t.id, (c) => c.notNull().references('provider.provider_id'))
      // The provider's agency at the time of sending: whose portal shows a portal message.
      .addColumn('recipient_agency_id', t.id, (c) => c.references('agency.agency_id'))
      .addColumn('channel', t.text, (c) => c.notNull())
      // The webhook URL or e-mail address used, fixed when the dispatch is made.
      .addColumn('destination', t.text)
      .addColumn('subject_kind', t.text, (c) => c.notNull())
      .addColumn('subject_id', t.text, (c) => c.notNull())
      .addColumn('title', t.text, (c) => c.notNull())
      .addColumn('payload', t.json, (c) => c.notNull())
      .addColumn('attachments', t.json, (c) => c.notNull())
      .addColumn('state', t.text, (c) => c.notNull())
      .addColumn('last_error', t.text)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('created_by', t.text)
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addColumn('delivered_at', t.time)
      .addColumn('received_at', t.time)
      .addCheckConstraint('dispatch_channel_check', checkIn('channel', CHANNELS))
      .addCheckConstraint('dispatch_subject_kind_check', checkIn('subject_kind', SUBJECT_KINDS))
      .addCheckConstraint('dispatch_state_check', checkIn('state', DISPATCH_STATES))
      .execute();
    await db.schema.createIndex('dispatch_agency_idx').on('dispatch').columns(['agency_id', 'dispatch_id']).execute();
    await db.schema.createIndex('dispatch_recipient_idx').on('dispatch').columns(['recipient_agency_id', 'channel', 'dispatch_id']).execute();

    await db.schema
      .createTable('dispatch_attempt')
      .addColumn('attempt_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('dispatch_id', t.id, (c) => c.notNull().references('dispatch.dispatch_id'))
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('attempt', t.integer, (c) => c.notNull())
      .addColumn('at', t.time, (c) => c.notNull())
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('http_status', t.integer)
      .addColumn('error', t.text)
      .addColumn('duration_ms', t.integer, (c) => c.notNull())
      .addUniqueConstraint('dispatch_attempt_unique', ['dispatch_id', 'attempt'])
      .addCheckConstraint('dispatch_attempt_status_check', checkIn('status', ATTEMPT_STATUSES))
      .execute();
  },
};
