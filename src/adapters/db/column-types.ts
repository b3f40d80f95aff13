/**
 * Portable column types: one helper per logical type, so a migration reads the same for SQLite and
 * PostgreSQL and the schema-comparison test can map both back to the same logical names.
 */
import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Expression, type RawBuilder } from 'kysely';
import type { Dialect } from './database.ts';

export type Col = (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

export interface ColumnTypes {
  /** App-generated UUIDv7 as text. */
  id: 'text';
  text: 'text';
  /** Epoch milliseconds from the Clock port; bigint on PostgreSQL (ms overflow int4). */
  time: 'bigint' | 'integer';
  integer: 'integer';
  /** Counts and sizes that may pass 2^31 (bytes). */
  bigint: 'bigint' | 'integer';
  /** 0/1 on both databases so mappers are shared. */
  bool: 'integer';
  /** Never filtered on in SQL. */
  json: 'jsonb' | RawBuilder<unknown>;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  return {
    id: 'text',
    text: 'text',
    time: dialect === 'postgres' ? 'bigint' : 'integer',
    integer: 'integer',
    bigint: dialect === 'postgres' ? 'bigint' : 'integer',
    bool: 'integer',
    // The declared name contains TEXT, so SQLite gives it text affinity, while the schema test can
    // still tell a JSON column from plain text.
    json: dialect === 'postgres' ? 'jsonb' : sql`json_text`,
  };
}

/** A CHECK that keeps a text column inside the same `as const` array the TypeScript union comes from. */
export function checkIn(column: string, values: readonly string[]): Expression<unknown> {
  return sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`;
}

export function addCheck<T extends CreateTableBuilder<string, string>>(
  builder: T,
  name: string,
  column: string,
  values: readonly string[],
): T {
  return builder.addCheckConstraint(name, checkIn(column, values)) as T;
}
