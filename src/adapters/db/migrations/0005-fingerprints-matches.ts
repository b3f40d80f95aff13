import type { Migration } from '../migrator.ts';
import { checkIn } from '../column-types.ts';

// Literal lists, so this migration stays as shipped when the model's lists grow (vpdq comes later
// with its own migration widening the check).
const FINGERPRINT_KINDS = ['sha256', 'md5', 'pdq', 'simhash'] as const;
const MATCH_SIGNAL_KINDS = ['sha256', 'md5', 'pdq', 'vpdq', 'simhash', 'video_md5'] as const;

export const fingerprintsMatches: Migration = {
  name: '0005-fingerprints-matches',
  async up({ db, t }) {
    // What a capture's content hashed to, one row per capture and kind.
    await db.schema
      .createTable('fingerprint')
      .addColumn('fingerprint_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('capture_id', t.id, (c) => c.notNull().references('capture.capture_id'))
      .addColumn('item_id', t.id, (c) => c.notNull().references('item.item_id'))
      .addColumn('kind', t.text, (c) => c.notNull())
      .addColumn('value', t.text, (c) => c.notNull())
      .addColumn('quality', t.integer)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addUniqueConstraint('fingerprint_capture_kind_unique', ['capture_id', 'kind'])
      .addCheckConstraint('fingerprint_kind_check', checkIn('kind', FINGERPRINT_KINDS))
      .execute();
    await db.schema.createIndex('fingerprint_item_idx').on('fingerprint').columns(['agency_id', 'item_id']).execute();

    // A capture's hit on a bank entry, with the entry's labels and provenance as they were then.
    // No foreign key to bank_entry's agency: the bank may belong to another agency that shares it.
    await db.schema
      .createTable('match')
      .addColumn('match_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('item_id', t.id, (c) => c.notNull().references('item.item_id'))
      .addColumn('capture_id', t.id, (c) => c.notNull().references('capture.capture_id'))
      .addColumn('entry_id', t.id, (c) => c.notNull().references('bank_entry.entry_id'))
      .addColumn('bank_id', t.id, (c) => c.notNull().references('bank.bank_id'))
      .addColumn('bank_agency_id', t.id, (c) => c.notNull())
      .addColumn('signal_kind', t.text, (c) => c.notNull())
      .addColumn('distance', t.integer, (c) => c.notNull())
      .addColumn('suppressed', t.bool, (c) => c.notNull().defaultTo(0))
      .addColumn('dihedral', t.text)
      .addColumn('labels', t.json, (c) => c.notNull())
      .addColumn('provenance', t.json, (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addUniqueConstraint('match_capture_entry_unique', ['capture_id', 'entry_id'])
      .addCheckConstraint('match_signal_kind_check', checkIn('signal_kind', MATCH_SIGNAL_KINDS))
      .execute();
    await db.schema.createIndex('match_item_idx').on('match').columns(['agency_id', 'item_id']).execute();

    // Raised by matches (see matching/match.model.ts `matchPriority`); the review queue sorts on it.
    await db.schema.alterTable('item').addColumn('priority', t.integer, (c) => c.notNull().defaultTo(0)).execute();
  },
};
