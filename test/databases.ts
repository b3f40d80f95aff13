/**
 * The same test body over both databases. SQLite gets a fresh file in a temp folder; PostgreSQL a
 * fresh schema in the real server (`VIGIL_TEST_POSTGRES_URL`, default the machine's local cluster),
 * dropped afterwards, so test files run in parallel without seeing each other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type DatabaseHandle, type Dialect } from '../src/adapters/db/database.ts';
import { migrateToLatest } from '../src/adapters/db/migrator.ts';

export const TEST_POSTGRES_URL = process.env.VIGIL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

export interface TestDatabase extends DatabaseHandle {
  /** A URL that another process (CLI, worker) can open to reach the same database. */
  url: string;
  schema?: string;
  drop(): Promise<void>;
}

let counter = 0;

export async function createTestDatabase(dialect: Dialect, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const label = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  let handle: DatabaseHandle;
  let url: string;
  let schema: string | undefined;
  let cleanup: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-db-'));
    url = join(dir, 'vigil.db');
    handle = openDatabase(url);
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    schema = label;
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    // search_path in the URL itself, so a spawned CLI or worker process opens the same schema.
    url = `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    handle = openDatabase(url, { poolSize: 5 });
    cleanup = async () => {
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    };
  }
  if (options.migrate !== false) await migrateToLatest(handle.db, handle.dialect);
  return {
    ...handle,
    url,
    ...(schema ? { schema } : {}),
    async drop() {
      await handle.close();
      await cleanup();
    },
  };
}
