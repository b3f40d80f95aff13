/**
 * Runs the one migration set on either database. Hand-rolled instead of Kysely's Migrator so that
 * each migration receives the dialect and the portable column types, SQLite migrations run in a
 * transaction we open ourselves, and concurrent starters on PostgreSQL serialise on an advisory lock.
 */
import { sql, type Kysely } from 'kysely';
import type { Dialect } from './database.ts';
import { columnTypes, type ColumnTypes } from './column-types.ts';
import { migrations } from './migrations/index.ts';

export interface MigrationContext {
  // Migrations build tables that the typed schema does not know yet.
  db: Kysely<any>;
  dialect: Dialect;
  t: ColumnTypes;
}

export interface Migration {
  name: string;
  up(ctx: MigrationContext): Promise<void>;
}

const MIGRATION_LOCK_KEY = 0x76696769; // "vigi"

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export async function migrateToLatest(
  db: Kysely<any>,
  dialect: Dialect,
  now: () => number = Date.now,
  set: readonly Migration[] = migrations,
): Promise<MigrationResult> {
  await db.schema
    .createTable('schema_migration')
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey().notNull())
    .addColumn('applied_at', columnTypes(dialect).time, (c) => c.notNull())
    .execute();
  const applied: string[] = [];
  const t = columnTypes(dialect);
  for (const migration of set) {
    const ran = await db.transaction().execute(async (trx) => {
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
      const done = await trx.selectFrom('schema_migration').select('name').where('name', '=', migration.name).executeTakeFirst();
      if (done) return false;
      await migration.up({ db: trx, dialect, t });
      await trx.insertInto('schema_migration').values({ name: migration.name, applied_at: now() }).execute();
      return true;
    });
    if (ran) applied.push(migration.name);
  }
  const all = set.map((m) => m.name);
  return { applied, alreadyApplied: all.filter((n) => !applied.includes(n)) };
}

export async function pendingMigrations(db: Kysely<any>, set: readonly Migration[] = migrations): Promise<string[]> {
  const rows = await db.selectFrom('schema_migration').select('name').execute().catch(() => [] as { name: string }[]);
  const done = new Set(rows.map((r: { name: string }) => r.name));
  return set.map((m) => m.name).filter((n) => !done.has(n));
}
