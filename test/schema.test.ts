import { describe, it, expect, afterAll } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from './databases.ts';
import { migrations } from '../src/adapters/db/migrations/index.ts';
import { migrateToLatest } from '../src/adapters/db/migrator.ts';

/** Maps each engine's column type to the logical type the column-types helper meant. */
function logical(dataType: string): string {
  const t = dataType.toLowerCase();
  if (t === 'int8' || t === 'int4' || t === 'integer' || t === 'bigint') return 'integer';
  if (t === 'text') return 'text';
  if (t === 'jsonb' || t === 'json_text') return 'json';
  return t;
}

async function describeSchema(d: TestDatabase): Promise<Record<string, string[]>> {
  const tables = await d.db.introspection.getTables();
  const out: Record<string, string[]> = {};
  // PostgreSQL lists every schema's tables; other tests' schemas (or ones a killed run left) are not ours.
  for (const table of tables.filter((t) => d.schema === undefined || t.schema === d.schema)) {
    out[table.name] = table.columns
      .map((c) => `${c.name}:${logical(c.dataType)}:${c.isNullable ? 'null' : 'notnull'}`)
      .sort();
  }
  return out;
}

describe('one migration set, two databases', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => Promise.all(dbs.map((d) => d.drop())));

  it('migrates SQLite and PostgreSQL to the same logical schema', async () => {
    const lite = await createTestDatabase('sqlite');
    const pg = await createTestDatabase('postgres');
    dbs.push(lite, pg);
    const a = await describeSchema(lite);
    const b = await describeSchema(pg);
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(a).toEqual(b);
    expect(Object.keys(a)).toContain('audit_event');
  });

  it('applies each migration once and records it', async () => {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const d = await createTestDatabase(dialect);
      dbs.push(d);
      const again = await migrateToLatest(d.db, d.dialect);
      expect(again.applied).toEqual([]);
      expect(again.alreadyApplied).toEqual(migrations.map((m) => m.name));
    }
  });

  it('keeps SQLite foreign keys on and the journal in WAL mode', async () => {
    const d = await createTestDatabase('sqlite');
    dbs.push(d);
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(d.db);
    const wal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(d.db);
    expect(fk.rows[0]?.foreign_keys).toBe(1);
    expect(wal.rows[0]?.journal_mode).toBe('wal');
  });

  it.each(['sqlite', 'postgres'] as const)('refuses to edit or delete audit events on %s', async (dialect) => {
    const d = await createTestDatabase(dialect);
    dbs.push(d);
    await d.db
      .insertInto('audit_event')
      .values({ audit_event_id: 'a1', agency_id: null, user_id: null, actor: 'system', action: 'test', target_type: null, target_id: null, at: 1, client_ip: null, request_id: null, detail: '{}' })
      .execute();
    await expect(d.db.updateTable('audit_event').set({ action: 'forged' }).execute()).rejects.toThrow(/append-only/);
    await expect(d.db.deleteFrom('audit_event').execute()).rejects.toThrow(/append-only/);
    const rows = await d.db.selectFrom('audit_event').selectAll().execute();
    expect(rows.map((r) => r.action)).toEqual(['test']);
  });
});
