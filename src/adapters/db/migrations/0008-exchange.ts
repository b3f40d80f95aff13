import type { Migration } from '../migrator.ts';
import { checkIn } from '../column-types.ts';
import { EXCHANGE_FORMATS } from '../../../domains/exchange/exchange.model.ts';

export const exchange: Migration = {
  name: '0008-exchange',
  async up({ db, t }) {
    // One row per hash-list import run: what came in, from where, and the TCAP cursor it reached,
    // so a partner feed can be resumed and an import traced to its file (sha256).
    await db.schema
      .createTable('bank_import')
      .addColumn('import_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('bank_id', t.id, (c) => c.notNull().references('bank.bank_id'))
      .addColumn('format', t.text, (c) => c.notNull())
      .addColumn('source', t.text, (c) => c.notNull())
      .addColumn('file_sha256', t.text, (c) => c.notNull())
      .addColumn('file_bytes', t.bigint, (c) => c.notNull())
      .addColumn('checkpoint', t.text)
      .addColumn('added', t.integer, (c) => c.notNull())
      .addColumn('duplicate', t.integer, (c) => c.notNull())
      .addColumn('removed', t.integer, (c) => c.notNull())
      .addColumn('rejected', t.integer, (c) => c.notNull())
      .addColumn('skipped', t.integer, (c) => c.notNull())
      .addColumn('actor', t.text, (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addCheckConstraint('bank_import_format_check', checkIn('format', EXCHANGE_FORMATS))
      .execute();
    await db.schema.createIndex('bank_import_bank_idx').on('bank_import').columns(['agency_id', 'bank_id', 'created_at']).execute();
    // Tombstones find their entry by the partner's id; exports page by last change.
    await db.schema.createIndex('bank_entry_external_idx').on('bank_entry').columns(['bank_id', 'source', 'external_id']).execute();
    await db.schema.createIndex('bank_entry_updated_idx').on('bank_entry').columns(['bank_id', 'updated_at', 'entry_id']).execute();
  },
};
