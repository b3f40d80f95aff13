/**
 * SQLite specifics: pragmas, and the job queue's claim statement. Nothing else in the code base
 * may know it is talking to SQLite.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.ts';

export function openSqlite(file: string): { db: Kysely<Database>; raw: BetterSqlite3.Database } {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const raw = new BetterSqlite3(file);
  // WAL lets the in-process worker and readers proceed while one writer commits; the busy
  // timeout covers a second process (CLI, test worker) writing at the same moment.
  raw.pragma('journal_mode = WAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 10000');
  raw.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  return { db, raw };
}

/**
 * Claims the next runnable job: a queued one that is due, or a running one whose worker stopped
 * heartbeating (expired lease) and has attempts left. One statement, so SQLite's single writer makes
 * it atomic. Parameters, shared with POSTGRES_CLAIM_SQL: owner, lease expiry, now, now, now.
 */
export const SQLITE_CLAIM_SQL = `
update job set state = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, updated_at = ?,
  last_error = case when state = 'running' then 'Lease of ' || lease_owner || ' expired before the job finished' else last_error end
where job_id = (
  select job_id from job
  where (state = 'queued' and run_at <= ?) or (state = 'running' and lease_expires_at < ? and attempts < max_attempts)
  order by priority desc, run_at, job_id
  limit 1
)
returning *`;
