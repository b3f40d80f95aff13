import type { Migration } from '../migrator.ts';
import { checkIn } from '../column-types.ts';
import { BANK_CHANGE_OPS, BANK_KINDS, SIGNAL_KINDS } from '../../../domains/bank/bank.model.ts';

export const banks: Migration = {
  name: '0004-banks',
  async up({ db, t }) {
    // Defaults as literals (HMA's: PDQ and vPDQ frames at 31, vPDQ 80% of query frames; SimHash 10
    // of 64 bits; 100 items per hour), so this migration stays as shipped when the model's constants move.
    await db.schema
      .createTable('bank')
      .addColumn('bank_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('kind', t.text, (c) => c.notNull())
      .addColumn('description', t.text, (c) => c.notNull().defaultTo(''))
      .addColumn('pdq_distance', t.integer, (c) => c.notNull().defaultTo(31))
      .addColumn('vpdq_distance', t.integer, (c) => c.notNull().defaultTo(31))
      .addColumn('simhash_distance', t.integer, (c) => c.notNull().defaultTo(10))
      .addColumn('vpdq_query_match_percent', t.integer, (c) => c.notNull().defaultTo(80))
      .addColumn('vpdq_compared_match_percent', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('flood_max_items_per_hour', t.integer, (c) => c.notNull().defaultTo(100))
      .addColumn('enabled', t.bool, (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('created_by', t.text)
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addUniqueConstraint('bank_agency_name_unique', ['agency_id', 'name'])
      .addCheckConstraint('bank_kind_check', checkIn('kind', BANK_KINDS))
      .execute();

    // Read-only sharing: the grantee agency may list the bank, read its entries and match against it.
    await db.schema
      .createTable('bank_share')
      .addColumn('bank_id', t.id, (c) => c.notNull().references('bank.bank_id'))
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('created_by', t.text)
      .addPrimaryKeyConstraint('bank_share_pk', ['bank_id', 'agency_id'])
      .execute();
    await db.schema.createIndex('bank_share_agency_idx').on('bank_share').column('agency_id').execute();

    await db.schema
      .createTable('bank_entry')
      .addColumn('entry_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('bank_id', t.id, (c) => c.notNull().references('bank.bank_id'))
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('signal_kind', t.text, (c) => c.notNull())
      .addColumn('value', t.text, (c) => c.notNull())
      .addColumn('value_key', t.text, (c) => c.notNull())
      .addColumn('source', t.text, (c) => c.notNull())
      .addColumn('external_id', t.text)
      .addColumn('importer', t.text)
      .addColumn('added_by', t.text)
      .addColumn('added_at', t.time, (c) => c.notNull())
      .addColumn('labels', t.json, (c) => c.notNull())
      // The outlet label again, as a plain column: JSON is never filtered on, and entries are listed by outlet.
      .addColumn('label_outlet', t.text)
      .addColumn('enabled', t.bool, (c) => c.notNull().defaultTo(1))
      .addColumn('disabled_until', t.time)
      .addColumn('quarantined_at', t.time)
      .addColumn('quarantine_reason', t.text)
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addUniqueConstraint('bank_entry_signal_unique', ['bank_id', 'signal_kind', 'value_key'])
      .addCheckConstraint('bank_entry_signal_kind_check', checkIn('signal_kind', SIGNAL_KINDS))
      .execute();
    await db.schema.createIndex('bank_entry_bank_idx').on('bank_entry').columns(['bank_id', 'entry_id']).execute();
    await db.schema.createIndex('bank_entry_kind_idx').on('bank_entry').columns(['signal_kind', 'entry_id']).execute();
    await db.schema.createIndex('bank_entry_outlet_idx').on('bank_entry').columns(['bank_id', 'label_outlet']).execute();

    // The change log matcher processes follow (by change_id, a UUIDv7) to keep in-memory indexes current.
    await db.schema
      .createTable('bank_change')
      .addColumn('change_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('bank_id', t.id, (c) => c.notNull().references('bank.bank_id'))
      .addColumn('entry_id', t.id, (c) => c.references('bank_entry.entry_id'))
      .addColumn('op', t.text, (c) => c.notNull())
      .addColumn('at', t.time, (c) => c.notNull())
      .addCheckConstraint('bank_change_op_check', checkIn('op', BANK_CHANGE_OPS))
      .execute();

    // One row per entry and matched item (the latest hit), for counting distinct items per hour.
    // No foreign key to item: a lookup by hash alone (HMA /m/lookup) counts under a caller-chosen id.
    await db.schema
      .createTable('entry_hit')
      .addColumn('entry_id', t.id, (c) => c.notNull().references('bank_entry.entry_id'))
      .addColumn('item_id', t.text, (c) => c.notNull())
      .addColumn('at', t.time, (c) => c.notNull())
      .addPrimaryKeyConstraint('entry_hit_pk', ['entry_id', 'item_id'])
      .execute();
    await db.schema.createIndex('entry_hit_at_idx').on('entry_hit').columns(['entry_id', 'at']).execute();
  },
};
