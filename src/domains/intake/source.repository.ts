import type { Kysely, Selectable } from 'kysely';
import type { Database, WatchedSourceTable } from '../../adapters/db/schema.ts';
import type { SourceKind, WatchedSource } from './source.model.ts';

function toSource(r: Selectable<WatchedSourceTable>): WatchedSource {
  return {
    id: r.source_id,
    agencyId: r.agency_id,
    kind: r.kind as SourceKind,
    url: r.url,
    label: r.label,
    intervalMs: r.interval_ms,
    paused: r.paused === 1,
    nextRunAt: r.next_run_at,
    lastRunAt: r.last_run_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    consecutiveFailures: r.consecutive_failures,
    itemsFound: r.items_found,
    createdAt: r.created_at,
  };
}

export interface SourceRun {
  id: string;
  sourceId: string;
  startedAt: number;
  finishedAt: number;
  status: 'ok' | 'failed';
  error: string | null;
  seen: number;
  newItems: number;
  seenUrls: string[];
}

/** Watched sources of one agency. */
export function createSourceRepository(db: Kysely<Database>, agencyId: string) {
  const base = () => db.selectFrom('watched_source').selectAll().where('agency_id', '=', agencyId);
  return {
    agencyId,
    async list(): Promise<WatchedSource[]> {
      return (await base().orderBy('created_at', 'desc').execute()).map(toSource);
    },
    async get(sourceId: string): Promise<WatchedSource | null> {
      const r = await base().where('source_id', '=', sourceId).executeTakeFirst();
      return r ? toSource(r) : null;
    },
    async findByUrl(url: string): Promise<WatchedSource | null> {
      const r = await base().where('url', '=', url).executeTakeFirst();
      return r ? toSource(r) : null;
    },
    async insert(s: WatchedSource, createdBy: string | null): Promise<void> {
      await db
        .insertInto('watched_source')
        .values({
          source_id: s.id,
          agency_id: agencyId,
          kind: s.kind,
          url: s.url,
          label: s.label,
          interval_ms: s.intervalMs,
          paused: s.paused ? 1 : 0,
          next_run_at: s.nextRunAt,
          last_run_at: null,
          last_status: null,
          last_error: null,
          consecutive_failures: 0,
          items_found: 0,
          created_at: s.createdAt,
          created_by: createdBy,
        })
        .execute();
    },
    async update(sourceId: string, patch: Partial<Pick<WatchedSource, 'paused' | 'intervalMs' | 'label' | 'nextRunAt'>>): Promise<void> {
      await db
        .updateTable('watched_source')
        .set({
          ...(patch.paused !== undefined ? { paused: patch.paused ? 1 : 0 } : {}),
          ...(patch.intervalMs !== undefined ? { interval_ms: patch.intervalMs } : {}),
          ...(patch.label !== undefined ? { label: patch.label } : {}),
          ...(patch.nextRunAt !== undefined ? { next_run_at: patch.nextRunAt } : {}),
        })
        .where('agency_id', '=', agencyId)
        .where('source_id', '=', sourceId)
        .execute();
    },
    async recordRun(run: SourceRun, next: { nextRunAt: number; consecutiveFailures: number }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('watched_source_run')
          .values({ source_run_id: run.id, source_id: run.sourceId, agency_id: agencyId, started_at: run.startedAt, finished_at: run.finishedAt, status: run.status, error: run.error, seen: run.seen, new_items: run.newItems, seen_urls: JSON.stringify(run.seenUrls) })
          .execute();
        await trx
          .updateTable('watched_source')
          .set((eb) => ({
            last_run_at: run.finishedAt,
            last_status: run.status,
            last_error: run.error,
            consecutive_failures: next.consecutiveFailures,
            next_run_at: next.nextRunAt,
            items_found: eb('items_found', '+', run.newItems),
          }))
          .where('agency_id', '=', agencyId)
          .where('source_id', '=', run.sourceId)
          .execute();
      });
    },
    async runs(sourceId: string, limit: number): Promise<SourceRun[]> {
      const rows = await db.selectFrom('watched_source_run').selectAll().where('agency_id', '=', agencyId).where('source_id', '=', sourceId).orderBy('started_at', 'desc').limit(limit).execute();
      return rows.map((r) => ({ id: r.source_run_id, sourceId: r.source_id, startedAt: r.started_at, finishedAt: r.finished_at, status: r.status as 'ok' | 'failed', error: r.error, seen: r.seen, newItems: r.new_items, seenUrls: JSON.parse(r.seen_urls) as string[] }));
    },
    async lastSeen(sourceId: string): Promise<string[] | null> {
      const r = await db.selectFrom('watched_source_run').select('seen_urls').where('agency_id', '=', agencyId).where('source_id', '=', sourceId).where('status', '=', 'ok').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
      return r ? (JSON.parse(r.seen_urls) as string[]) : null;
    },
  };
}

export type SourceRepository = ReturnType<typeof createSourceRepository>;

/** Due, unpaused sources across agencies, for the scheduler tick. */
export async function dueSources(db: Kysely<Database>, now: number, limit: number): Promise<{ sourceId: string; agencyId: string; nextRunAt: number }[]> {
  const rows = await db.selectFrom('watched_source').select(['source_id', 'agency_id', 'next_run_at']).where('paused', '=', 0).where('next_run_at', '<=', now).orderBy('next_run_at').limit(limit).execute();
  return rows.map((r) => ({ sourceId: r.source_id, agencyId: r.agency_id, nextRunAt: r.next_run_at }));
}
