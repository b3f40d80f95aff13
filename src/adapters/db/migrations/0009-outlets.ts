import { sql } from 'kysely';
import type { Migration } from '../migrator.ts';
import { checkIn } from '../column-types.ts';

// Literal lists, so this migration stays as shipped when the model's lists grow.
const CHANNEL_KINDS = ['domain', 'onion', 'telegram', 'x', 'facebook', 'instagram', 'youtube', 'tiktok', 'archive_org', 'other_account'] as const;
const OUTLET_IDEOLOGIES = ['islamist', 'far-right', 'far-left', 'separatist', 'other'] as const;

/**
 * The outlet registry (instance-wide: no agency column, see outlet.service.ts) and the language
 * detected from a capture's text.
 */
export const outlets: Migration = {
  name: '0009-outlets',
  async up({ db, t }) {
    await db.schema
      .createTable('outlet')
      .addColumn('outlet_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('name', t.text, (c) => c.notNull())
      // nameKey(name): one outlet per name however it is spelled.
      .addColumn('name_key', t.text, (c) => c.notNull().unique())
      .addColumn('aliases', t.json, (c) => c.notNull())
      .addColumn('parent_group', t.text)
      .addColumn('ideology', t.text)
      .addColumn('notes', t.text, (c) => c.notNull().defaultTo(''))
      .addColumn('seed_key', t.text, (c) => c.unique())
      .addColumn('edited_at', t.time)
      .addColumn('archived_at', t.time)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('created_by', t.text)
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .addCheckConstraint('outlet_ideology_check', sql`ideology is null or ${checkIn('ideology', OUTLET_IDEOLOGIES)}`)
      .execute();

    // A channel belongs to one outlet in the whole instance: the same Telegram channel cannot be
    // attributed to two outlets at once.
    await db.schema
      .createTable('outlet_channel')
      .addColumn('channel_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('outlet_id', t.id, (c) => c.notNull().references('outlet.outlet_id'))
      .addColumn('kind', t.text, (c) => c.notNull())
      .addColumn('value', t.text, (c) => c.notNull())
      .addColumn('added_at', t.time, (c) => c.notNull())
      .addColumn('added_by', t.text)
      .addUniqueConstraint('outlet_channel_unique', ['kind', 'value'])
      .addCheckConstraint('outlet_channel_kind_check', checkIn('kind', CHANNEL_KINDS))
      .execute();
    await db.schema.createIndex('outlet_channel_outlet_idx').on('outlet_channel').columns(['outlet_id', 'kind', 'value']).execute();

    // Detected from the capture's text (BCP-47 primary subtag) and CLD3's probability in percent;
    // null on captures made before detection existed, and where the text was too short to tell.
    await db.schema.alterTable('capture').addColumn('language', t.text).execute();
    await db.schema.alterTable('capture').addColumn('language_confidence', t.integer).execute();
  },
};
