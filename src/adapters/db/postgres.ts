/**
 * PostgreSQL specifics: connection pool, type parsers, and the job queue's claim statement.
 */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.ts';

const INT8_OID = 20;
const JSON_OID = 114;
const JSONB_OID = 3802;

export interface PostgresOptions {
  url: string;
  poolSize?: number;
}

export function openPostgres(options: PostgresOptions): { db: Kysely<Database>; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        // Epoch-millisecond times and byte sizes are int8; they fit in a double exactly.
        if (oid === INT8_OID) return (v: string) => Number(v);
        // JSON columns travel as strings on both databases; mappers parse them.
        if (oid === JSON_OID || oid === JSONB_OID) return (v: string) => v;
        return pg.types.getTypeParser(oid, format ?? 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool };
}

/**
 * Claims the next runnable job: a queued one that is due, or a running one whose worker stopped
 * heartbeating (expired lease) and has attempts left. SKIP LOCKED lets any number of worker
 * processes claim side by side without waiting on each other's candidate row. Parameters, shared
 * with SQLITE_CLAIM_SQL: owner, lease expiry, now, now, now.
 */
export const POSTGRES_CLAIM_SQL = `
update job set state = 'running', attempts = attempts + 1, lease_owner = $1, lease_expires_at = $2, updated_at = $3,
  last_error = case when state = 'running' then 'Lease of ' || lease_owner || ' expired before the job finished' else last_error end
where job_id = (
  select job_id from job
  where (state = 'queued' and run_at <= $4) or (state = 'running' and lease_expires_at < $5 and attempts < max_attempts)
  order by priority desc, run_at, job_id
  limit 1
  for update skip locked
)
returning *`;
