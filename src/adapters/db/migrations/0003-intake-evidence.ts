import { sql } from 'kysely';
import type { Migration } from '../migrator.ts';
import { checkIn } from '../column-types.ts';
import { ITEM_KINDS, ITEM_ORIGINS, ITEM_STATES } from '../../../domains/intake/intake.model.ts';
import { CAPTURE_STATES } from '../../../domains/intake/capture.model.ts';
import { SOURCE_KINDS } from '../../../domains/intake/source.model.ts';

export const intakeEvidence: Migration = {
  name: '0003-intake-evidence',
  async up({ db, dialect, t }) {
    await db.schema
      .createTable('item')
      .addColumn('item_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('kind', t.text, (c) => c.notNull())
      .addColumn('url', t.text, (c) => c.notNull())
      .addColumn('submitted_url', t.text, (c) => c.notNull())
      .addColumn('host', t.text)
      .addColumn('platform', t.text)
      .addColumn('origin', t.text, (c) => c.notNull())
      .addColumn('parent_item_id', t.id, (c) => c.references('item.item_id'))
      .addColumn('source_id', t.id)
      .addColumn('state', t.text, (c) => c.notNull())
      .addColumn('capture_count', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('last_captured_at', t.time)
      .addColumn('last_error', t.text)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('created_by', t.text)
      .addUniqueConstraint('item_agency_url_unique', ['agency_id', 'url'])
      .addCheckConstraint('item_kind_check', checkIn('kind', ITEM_KINDS))
      .addCheckConstraint('item_origin_check', checkIn('origin', ITEM_ORIGINS))
      .addCheckConstraint('item_state_check', checkIn('state', ITEM_STATES))
      .execute();
    await db.schema.createIndex('item_agency_created_idx').on('item').columns(['agency_id', 'created_at']).execute();
    await db.schema.createIndex('item_parent_idx').on('item').column('parent_item_id').execute();

    await db.schema
      .createTable('capture')
      .addColumn('capture_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('item_id', t.id, (c) => c.notNull().references('item.item_id'))
      .addColumn('state', t.text, (c) => c.notNull())
      .addColumn('started_at', t.time, (c) => c.notNull())
      .addColumn('finished_at', t.time, (c) => c.notNull())
      .addColumn('error_code', t.text)
      .addColumn('error_message', t.text)
      .addColumn('http_status', t.integer)
      .addColumn('final_url', t.text)
      .addColumn('resolved_ip', t.text)
      .addColumn('via', t.text)
      .addColumn('redirects', t.json, (c) => c.notNull())
      .addColumn('headers', t.json, (c) => c.notNull())
      .addColumn('tls', t.json)
      .addColumn('timings', t.json, (c) => c.notNull())
      .addColumn('fetcher_version', t.text, (c) => c.notNull())
      .addColumn('body_sha256', t.text, (c) => c.references('blob.sha256'))
      .addColumn('body_size', t.bigint)
      .addColumn('warc_sha256', t.text, (c) => c.references('blob.sha256'))
      .addColumn('declared_type', t.text)
      .addColumn('sniffed_type', t.text)
      .addColumn('title', t.text)
      .addColumn('language_hint', t.text)
      .addColumn('text_sha256', t.text, (c) => c.references('blob.sha256'))
      .addColumn('outlink_count', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('child_item_count', t.integer, (c) => c.notNull().defaultTo(0))
      .addCheckConstraint('capture_state_check', checkIn('state', CAPTURE_STATES))
      .execute();
    await db.schema.createIndex('capture_item_idx').on('capture').columns(['item_id', 'started_at']).execute();
    await db.schema.createIndex('capture_agency_idx').on('capture').columns(['agency_id', 'started_at']).execute();

    // Screenshots are rendered after the capture row is written (capture rows are immutable), so they
    // have a table of their own.
    await db.schema
      .createTable('screenshot')
      .addColumn('screenshot_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('capture_id', t.id, (c) => c.notNull().references('capture.capture_id'))
      .addColumn('sha256', t.text, (c) => c.notNull().references('blob.sha256'))
      .addColumn('width', t.integer, (c) => c.notNull())
      .addColumn('height', t.integer, (c) => c.notNull())
      .addColumn('final_url', t.text, (c) => c.notNull())
      .addColumn('requests', t.json, (c) => c.notNull())
      .addColumn('rendered_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('screenshot_capture_idx').on('screenshot').column('capture_id').execute();

    await db.schema
      .createTable('custody_event')
      .addColumn('custody_event_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('seq', t.bigint, (c) => c.notNull())
      .addColumn('at', t.time, (c) => c.notNull())
      .addColumn('kind', t.text, (c) => c.notNull())
      .addColumn('actor', t.text, (c) => c.notNull())
      .addColumn('subject_type', t.text, (c) => c.notNull())
      .addColumn('subject_id', t.text, (c) => c.notNull())
      .addColumn('data', t.json, (c) => c.notNull())
      .addColumn('prev_hash', t.text, (c) => c.notNull())
      .addColumn('hash', t.text, (c) => c.notNull())
      .addUniqueConstraint('custody_event_agency_seq_unique', ['agency_id', 'seq'])
      .execute();
    await db.schema.createIndex('custody_event_subject_idx').on('custody_event').columns(['agency_id', 'subject_type', 'subject_id']).execute();

    await db.schema
      .createTable('custody_checkpoint')
      .addColumn('custody_checkpoint_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('seq', t.bigint, (c) => c.notNull())
      .addColumn('head_hash', t.text, (c) => c.notNull())
      .addColumn('at', t.time, (c) => c.notNull())
      .addColumn('instance_key_id', t.text, (c) => c.notNull())
      .addColumn('signature', t.text, (c) => c.notNull())
      .addColumn('tsa_token', t.text)
      .addColumn('tsa_time', t.time)
      .execute();
    await db.schema.createIndex('custody_checkpoint_agency_idx').on('custody_checkpoint').columns(['agency_id', 'seq']).execute();

    // Evidence is never rewritten: the database refuses it, not only the code.
    for (const table of ['custody_event', 'custody_checkpoint', 'capture', 'screenshot']) {
      if (dialect === 'sqlite') {
        await sql.raw(`create trigger ${table}_no_update before update on ${table} begin select raise(abort, '${table} is append-only'); end`).execute(db);
        await sql.raw(`create trigger ${table}_no_delete before delete on ${table} begin select raise(abort, '${table} is append-only'); end`).execute(db);
      } else {
        await sql.raw(`create trigger ${table}_append_only before update or delete on ${table} for each row execute function vigil_append_only()`).execute(db);
      }
    }

    await db.schema
      .createTable('watched_source')
      .addColumn('source_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('kind', t.text, (c) => c.notNull())
      .addColumn('url', t.text, (c) => c.notNull())
      .addColumn('label', t.text, (c) => c.notNull())
      .addColumn('interval_ms', t.bigint, (c) => c.notNull())
      .addColumn('paused', t.bool, (c) => c.notNull().defaultTo(0))
      .addColumn('next_run_at', t.time, (c) => c.notNull())
      .addColumn('last_run_at', t.time)
      .addColumn('last_status', t.text)
      .addColumn('last_error', t.text)
      .addColumn('consecutive_failures', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('items_found', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('created_by', t.text)
      .addUniqueConstraint('watched_source_agency_url_unique', ['agency_id', 'url'])
      .addCheckConstraint('watched_source_kind_check', checkIn('kind', SOURCE_KINDS))
      .execute();

    await db.schema
      .createTable('watched_source_run')
      .addColumn('source_run_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('source_id', t.id, (c) => c.notNull().references('watched_source.source_id'))
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('started_at', t.time, (c) => c.notNull())
      .addColumn('finished_at', t.time, (c) => c.notNull())
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('error', t.text)
      .addColumn('seen', t.integer, (c) => c.notNull())
      .addColumn('new_items', t.integer, (c) => c.notNull())
      .addColumn('seen_urls', t.json, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('watched_source_run_idx').on('watched_source_run').columns(['source_id', 'started_at']).execute();
  },
};
