import type { Migration } from '../migrator.ts';

/**
 * HMA 2.0 names bank content by integer (`bank_content_id`) and groups a video's signals
 * (`video_md5`, `vpdq`) under one content; Vigil's bank entries are one signal each, with UUIDv7
 * ids. `hma_content` gives content an integer id, its HMA note and metadata; `hma_content_entry`
 * ties each bank entry to one content. Entries added outside the HMA API get a content of their own
 * the first time the HMA API shows them (src/domains/hma/hma.repository.ts).
 */
export const hmaContent: Migration = {
  name: '0007-hma-content',
  async up({ db, t }) {
    await db.schema
      .createTable('hma_content')
      .addColumn('content_id', t.integer, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('bank_id', t.id, (c) => c.notNull().references('bank.bank_id'))
      .addColumn('note', t.text)
      .addColumn('metadata', t.json)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('hma_content_bank_idx').on('hma_content').columns(['bank_id']).execute();
    await db.schema
      .createTable('hma_content_entry')
      .addColumn('entry_id', t.id, (c) => c.primaryKey().notNull().references('bank_entry.entry_id'))
      .addColumn('content_id', t.integer, (c) => c.notNull().references('hma_content.content_id'))
      .execute();
    await db.schema.createIndex('hma_content_entry_content_idx').on('hma_content_entry').columns(['content_id']).execute();
  },
};
