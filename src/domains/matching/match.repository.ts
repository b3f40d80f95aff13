/** Fingerprints and matches of one agency's captures. */
import type { Kysely, Selectable } from 'kysely';
import type { Database, FingerprintTable, MatchTable } from '../../adapters/db/schema.ts';
import { NO_LABELS, type EntryLabels, type EntryProvenance, type SignalKind } from '../bank/bank.model.ts';
import type { PdqDihedralName } from '../../algorithms/pdq/pdq.ts';
import type { Fingerprint, FingerprintKind, Match } from './match.model.ts';

export function toFingerprint(r: Selectable<FingerprintTable>): Fingerprint {
  return { id: r.fingerprint_id, agencyId: r.agency_id, captureId: r.capture_id, itemId: r.item_id, kind: r.kind as FingerprintKind, value: r.value, quality: r.quality, createdAt: r.created_at };
}

export function toMatch(r: Selectable<MatchTable>): Match {
  return {
    id: r.match_id,
    agencyId: r.agency_id,
    itemId: r.item_id,
    captureId: r.capture_id,
    entryId: r.entry_id,
    bankId: r.bank_id,
    bankAgencyId: r.bank_agency_id,
    signalKind: r.signal_kind as SignalKind,
    distance: r.distance,
    suppressed: r.suppressed === 1,
    dihedral: r.dihedral as PdqDihedralName | null,
    labels: { ...NO_LABELS, ...(JSON.parse(r.labels) as Partial<EntryLabels>) },
    provenance: JSON.parse(r.provenance) as EntryProvenance,
    vpdq: r.query_match_percent === null || r.compared_match_percent === null ? null : { queryMatchPercent: r.query_match_percent, comparedMatchPercent: r.compared_match_percent },
    createdAt: r.created_at,
  };
}

export function createMatchRepository(db: Kysely<Database>, agencyId: string) {
  return {
    agencyId,
    /** Inserts fingerprints; a capture's fingerprint of a kind is written once (a retried job skips it). */
    async insertFingerprints(list: Omit<Fingerprint, 'agencyId'>[]): Promise<void> {
      if (list.length === 0) return;
      await db
        .insertInto('fingerprint')
        .values(list.map((f) => ({ fingerprint_id: f.id, agency_id: agencyId, capture_id: f.captureId, item_id: f.itemId, kind: f.kind, value: f.value, quality: f.quality, created_at: f.createdAt })))
        .onConflict((oc) => oc.columns(['capture_id', 'kind']).doNothing())
        .execute();
    },
    /** Inserts matches, once per capture and entry; returns the ids actually inserted. */
    async insertMatches(list: Omit<Match, 'agencyId'>[]): Promise<Set<string>> {
      if (list.length === 0) return new Set();
      const res = await db
        .insertInto('match')
        .values(
          list.map((m) => ({
            match_id: m.id,
            agency_id: agencyId,
            item_id: m.itemId,
            capture_id: m.captureId,
            entry_id: m.entryId,
            bank_id: m.bankId,
            bank_agency_id: m.bankAgencyId,
            signal_kind: m.signalKind,
            distance: m.distance,
            suppressed: m.suppressed ? 1 : 0,
            dihedral: m.dihedral,
            labels: JSON.stringify(m.labels),
            provenance: JSON.stringify(m.provenance),
            query_match_percent: m.vpdq?.queryMatchPercent ?? null,
            compared_match_percent: m.vpdq?.comparedMatchPercent ?? null,
            created_at: m.createdAt,
          })),
        )
        .onConflict((oc) => oc.columns(['capture_id', 'entry_id']).doNothing())
        .returning('match_id')
        .execute();
      return new Set(res.map((r) => r.match_id));
    },
    /** An item's matches, newest first. */
    async matchesOf(itemId: string): Promise<Match[]> {
      const rows = await db.selectFrom('match').selectAll().where('agency_id', '=', agencyId).where('item_id', '=', itemId).orderBy('match_id', 'desc').execute();
      return rows.map(toMatch);
    },
    async fingerprintsOf(itemId: string): Promise<Fingerprint[]> {
      const rows = await db.selectFrom('fingerprint').selectAll().where('agency_id', '=', agencyId).where('item_id', '=', itemId).orderBy('fingerprint_id', 'desc').execute();
      return rows.map(toFingerprint);
    },
  };
}

export type MatchRepository = ReturnType<typeof createMatchRepository>;
