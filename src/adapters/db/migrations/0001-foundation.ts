import { sql } from 'kysely';
import type { Migration } from '../migrator.ts';
import { checkIn } from '../column-types.ts';
import { AGENCY_KINDS } from '../../../domains/agency/agency.model.ts';
import { ROLES } from '../../../domains/auth/auth.model.ts';

export const foundation: Migration = {
  name: '0001-foundation',
  async up({ db, dialect, t }) {
    await db.schema
      .createTable('agency')
      .addColumn('agency_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('name', t.text, (c) => c.notNull().unique())
      .addColumn('kind', t.text, (c) => c.notNull())
      .addColumn('operator', t.bool, (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addCheckConstraint('agency_kind_check', checkIn('kind', AGENCY_KINDS))
      .execute();

    await db.schema
      .createTable('user_account')
      .addColumn('user_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('email', t.text, (c) => c.notNull().unique())
      .addColumn('display_name', t.text, (c) => c.notNull())
      .addColumn('password_hash', t.text, (c) => c.notNull())
      .addColumn('disabled', t.bool, (c) => c.notNull().defaultTo(0))
      .addColumn('failed_logins', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', t.time)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('updated_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('user_account_agency_idx').on('user_account').column('agency_id').execute();

    await db.schema
      .createTable('user_role')
      .addColumn('user_id', t.id, (c) => c.notNull().references('user_account.user_id').onDelete('cascade'))
      .addColumn('role', t.text, (c) => c.notNull())
      .addPrimaryKeyConstraint('user_role_pk', ['user_id', 'role'])
      .addCheckConstraint('user_role_role_check', checkIn('role', ROLES))
      .execute();

    await db.schema
      .createTable('session')
      .addColumn('session_id', t.text, (c) => c.primaryKey().notNull())
      .addColumn('user_id', t.id, (c) => c.notNull().references('user_account.user_id').onDelete('cascade'))
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('csrf_token', t.text, (c) => c.notNull())
      .addColumn('client_ip', t.text)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('expires_at', t.time, (c) => c.notNull())
      .addColumn('last_seen_at', t.time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('session_expires_idx').on('session').column('expires_at').execute();

    await db.schema
      .createTable('api_token')
      .addColumn('api_token_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('user_id', t.id, (c) => c.notNull().references('user_account.user_id'))
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('token_hash', t.text, (c) => c.notNull().unique())
      .addColumn('token_prefix', t.text, (c) => c.notNull())
      .addColumn('scopes', t.json, (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('expires_at', t.time, (c) => c.notNull())
      .addColumn('revoked_at', t.time)
      .addColumn('last_used_at', t.time)
      .execute();
    await db.schema.createIndex('api_token_agency_idx').on('api_token').column('agency_id').execute();

    await db.schema
      .createTable('audit_event')
      .addColumn('audit_event_id', t.id, (c) => c.primaryKey().notNull())
      .addColumn('agency_id', t.id, (c) => c.references('agency.agency_id'))
      .addColumn('user_id', t.id)
      .addColumn('actor', t.text, (c) => c.notNull())
      .addColumn('action', t.text, (c) => c.notNull())
      .addColumn('target_type', t.text)
      .addColumn('target_id', t.text)
      .addColumn('at', t.time, (c) => c.notNull())
      .addColumn('client_ip', t.text)
      .addColumn('request_id', t.text)
      .addColumn('detail', t.json, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_event_agency_at_idx').on('audit_event').columns(['agency_id', 'at']).execute();

    // The audit log is append-only in the database itself, not only by convention in the code.
    if (dialect === 'sqlite') {
      await sql`create trigger audit_event_no_update before update on audit_event begin select raise(abort, 'audit_event is append-only'); end`.execute(db);
      await sql`create trigger audit_event_no_delete before delete on audit_event begin select raise(abort, 'audit_event is append-only'); end`.execute(db);
    } else {
      await sql`create or replace function vigil_append_only() returns trigger language plpgsql as $$ begin raise exception '% is append-only', tg_table_name; end $$`.execute(db);
      await sql`create trigger audit_event_append_only before update or delete on audit_event for each row execute function vigil_append_only()`.execute(db);
    }

    await db.schema
      .createTable('blob')
      .addColumn('sha256', t.text, (c) => c.primaryKey().notNull())
      .addColumn('size', t.bigint, (c) => c.notNull())
      .addColumn('created_at', t.time, (c) => c.notNull())
      .execute();

    // A blob is stored once for the instance; an agency may read it only through its own reference.
    await db.schema
      .createTable('blob_ref')
      .addColumn('agency_id', t.id, (c) => c.notNull().references('agency.agency_id'))
      .addColumn('sha256', t.text, (c) => c.notNull().references('blob.sha256'))
      .addColumn('media_type', t.text)
      .addColumn('created_at', t.time, (c) => c.notNull())
      .addColumn('created_by', t.id)
      .addPrimaryKeyConstraint('blob_ref_pk', ['agency_id', 'sha256'])
      .execute();
  },
};
