import { sql } from 'kysely';
import type { Migration } from '../migrator.ts';
import { checkIn } from '../column-types.ts';

// Literal lists, so this migration stays as shipped when the model's lists grow.
const FINGERPRINT_KINDS = ['sha256', 'md5', 'pdq', 'simhash', 'vpdq'] as const;

/** Video captures get a vPDQ fingerprint, and a vPDQ match keeps its two frame shares. */
export const videoFingerprints: Migration = {
  name: '0006-video-fingerprints',
  async up({ db, t, dialect }) {
    if (dialect === 'postgres') {
      await db.schema.alterTable('fingerprint').dropConstraint('fingerprint_kind_check').execute();
      await db.schema.alterTable('fingerprint').addCheckConstraint('fingerprint_kind_check', checkIn('kind', FINGERPRINT_KINDS)).execute();
    } else {
      // SQLite cannot change a CHECK in place: rebuild the table (nothing references it) and its index.
      await db.schema
        .createTable('fingerprint_next')
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
      await sql`INSERT INTO fingerprint_next SELECT fingerprint_id, agency_id, capture_id, item_id, kind, value, quality, created_at FROM fingerprint`.execute(db);
      await db.schema.dropTable('fingerprint').execute();
      await db.schema.alterTable('fingerprint_next').renameTo('fingerprint').execute();
      await db.schema.createIndex('fingerprint_item_idx').on('fingerprint').columns(['agency_id', 'item_id']).execute();
    }
    // Shares of frames matched (python-threatexchange `query_match_percent` / `compared_match_percent`), floored.
    await db.schema.alterTable('match').addColumn('query_match_percent', t.integer).execute();
    await db.schema.alterTable('match').addColumn('compared_match_percent', t.integer).execute();
  },
};
