/**
 * Opens the configured database. `DATABASE_URL` starting with `postgres://` or `postgresql://`
 * selects PostgreSQL; anything else is a SQLite file path (or `sqlite:` URL).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { openSqlite } from './sqlite.ts';
import { openPostgres } from './postgres.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where it is, without credentials, for logs and `/readyz`. */
  description: string;
  close(): Promise<void>;
}

export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//i.test(url) ? 'postgres' : 'sqlite';
}

export function sqlitePathOf(url: string): string {
  return url.replace(/^sqlite:(\/\/)?/i, '');
}

export function openDatabase(url: string, options: { poolSize?: number } = {}): DatabaseHandle {
  if (dialectOf(url) === 'postgres') {
    const { db } = openPostgres({ url, ...options });
    const u = new URL(url);
    return {
      db,
      dialect: 'postgres',
      description: `postgres://${u.host}${u.pathname}`,
      close: () => db.destroy(),
    };
  }
  const path = sqlitePathOf(url);
  const { db } = openSqlite(path);
  return { db, dialect: 'sqlite', description: `sqlite:${path}`, close: () => db.destroy() };
}
