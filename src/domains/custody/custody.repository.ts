/**
 * The custody chain of one agency in the database. Appends are serialised per agency (advisory
 * lock on PostgreSQL; SQLite has one writer) so sequence numbers are gapless and each event's
 * prev_hash is the hash of the one before it.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { CustodyCheckpointTable, CustodyEventTable, Database } from '../../adapters/db/schema.ts';
import type { Dialect } from '../../adapters/db/database.ts';
import type { ChainedEvent, CustodyEventBody } from '../../algorithms/custody-chain/custody-chain.ts';

export interface StoredCheckpoint {
  id: string;
  agencyId: string;
  seq: number;
  headHash: string;
  at: number;
  instanceKeyId: string;
  signature: string;
  tsaToken: string | null;
  tsaTime: number | null;
}

export function toChainedEvent(r: Selectable<CustodyEventTable>): ChainedEvent & { id: string } {
  const [type, id] = [r.subject_type, r.subject_id];
  return {
    id: r.custody_event_id,
    agencyId: r.agency_id,
    seq: r.seq,
    at: r.at,
    kind: r.kind,
    actor: r.actor,
    subject: { type, id },
    data: JSON.parse(r.data) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

function toCheckpoint(r: Selectable<CustodyCheckpointTable>): StoredCheckpoint {
  return { id: r.custody_checkpoint_id, agencyId: r.agency_id, seq: r.seq, headHash: r.head_hash, at: r.at, instanceKeyId: r.instance_key_id, signature: r.signature, tsaToken: r.tsa_token, tsaTime: r.tsa_time };
}

function lockKey(agencyId: string): string {
  return `custody:${agencyId}`;
}

export function createCustodyRepository(db: Kysely<Database>, dialect: Dialect, agencyId: string) {
  return {
    agencyId,
    /** Builds the next event from the current head inside one locked transaction and stores it. */
    async append(id: string, makeEvent: (head: ChainedEvent | null) => ChainedEvent): Promise<ChainedEvent> {
      const write = async (trx: Kysely<Database>): Promise<ChainedEvent> => {
        const headRow = await trx.selectFrom('custody_event').selectAll().where('agency_id', '=', agencyId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
        const event = makeEvent(headRow ? toChainedEvent(headRow) : null);
        await trx
          .insertInto('custody_event')
          .values({
            custody_event_id: id,
            agency_id: agencyId,
            seq: event.seq,
            at: event.at,
            kind: event.kind,
            actor: event.actor,
            subject_type: event.subject.type,
            subject_id: event.subject.id,
            data: JSON.stringify(event.data),
            prev_hash: event.prevHash,
            hash: event.hash,
          })
          .execute();
        return event;
      };
      if (dialect === 'postgres') {
        return db.transaction().execute(async (trx) => {
          await sql`select pg_advisory_xact_lock(hashtext(${lockKey(agencyId)}))`.execute(trx);
          return write(trx);
        });
      }
      // SQLite: BEGIN IMMEDIATE takes the write lock before the head is read, waiting out
      // busy_timeout. A deferred transaction reads the head in a snapshot and then fails with
      // "database is locked" when another process (`vigil evidence export` beside the server)
      // appended in between, since a stale snapshot cannot be upgraded to a writer.
      return db.connection().execute(async (conn) => {
        await sql`begin immediate`.execute(conn);
        try {
          const event = await write(conn);
          await sql`commit`.execute(conn);
          return event;
        } catch (e) {
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw e;
        }
      });
    },
    async head(): Promise<(ChainedEvent & { id: string }) | null> {
      const r = await db.selectFrom('custody_event').selectAll().where('agency_id', '=', agencyId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      return r ? toChainedEvent(r) : null;
    },
    /** In seq order; with fromSeq/toSeq a slice. */
    async events(range: { fromSeq?: number; toSeq?: number } = {}): Promise<(ChainedEvent & { id: string })[]> {
      let q = db.selectFrom('custody_event').selectAll().where('agency_id', '=', agencyId);
      if (range.fromSeq !== undefined) q = q.where('seq', '>=', range.fromSeq);
      if (range.toSeq !== undefined) q = q.where('seq', '<=', range.toSeq);
      return (await q.orderBy('seq').execute()).map(toChainedEvent);
    },
    async eventsFor(subjectType: string, subjectIds: string[]): Promise<(ChainedEvent & { id: string })[]> {
      if (subjectIds.length === 0) return [];
      const rows = await db.selectFrom('custody_event').selectAll().where('agency_id', '=', agencyId).where('subject_type', '=', subjectType).where('subject_id', 'in', subjectIds).orderBy('seq').execute();
      return rows.map(toChainedEvent);
    },
    async insertCheckpoint(c: StoredCheckpoint): Promise<void> {
      await db
        .insertInto('custody_checkpoint')
        .values({ custody_checkpoint_id: c.id, agency_id: agencyId, seq: c.seq, head_hash: c.headHash, at: c.at, instance_key_id: c.instanceKeyId, signature: c.signature, tsa_token: c.tsaToken, tsa_time: c.tsaTime })
        .execute();
    },
    async checkpoints(): Promise<StoredCheckpoint[]> {
      return (await db.selectFrom('custody_checkpoint').selectAll().where('agency_id', '=', agencyId).orderBy('seq').orderBy('at').execute()).map(toCheckpoint);
    },
    async latestCheckpoint(): Promise<StoredCheckpoint | null> {
      const r = await db.selectFrom('custody_checkpoint').selectAll().where('agency_id', '=', agencyId).orderBy('seq', 'desc').orderBy('at', 'desc').limit(1).executeTakeFirst();
      return r ? toCheckpoint(r) : null;
    },
  };
}

export type CustodyRepository = ReturnType<typeof createCustodyRepository>;

/** Agencies that have custody events, for the instance-wide checkpoint job and `vigil custody verify`. */
export async function agenciesWithCustody(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('custody_event').select('agency_id').distinct().execute();
  return rows.map((r) => r.agency_id);
}

export type { CustodyEventBody };
