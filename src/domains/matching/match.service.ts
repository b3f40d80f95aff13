/**
 * Fingerprint and match at once (DESIGN flow steps 3–4): every new capture is hashed in its
 * capture job — sha256 and md5 of the body always, PDQ for images (all 8 dihedrals looked up),
 * vPDQ for videos (one frame a second, as HMA) and their md5 as `video_md5`, SimHash of the page
 * text — and looked up in the process's MatchIndex among the banks the agency
 * may use (its own and those shared with it). Hits are stored with the entry's labels and
 * provenance, raise the item's priority, and count towards the entry's flood quarantine.
 */
import { createHash } from 'node:crypto';
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import { PDQ_DIHEDRAL_ORDER, PDQ_MIN_QUALITY, pdqToHex, type PdqDihedralName } from '../../algorithms/pdq/pdq.ts';
import { simhash64, simhashToHex } from '../../algorithms/simhash/simhash.ts';
import { formatVpdqLines, type VpdqFrame } from '../../algorithms/vpdq/vpdq.ts';
import { bankDistanceFor, isEntryActive } from '../bank/bank.model.ts';
import type { Capture } from '../intake/capture.model.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import type { MatchCandidate, MatchIndex, VpdqCandidate } from './match-index.ts';
import { itemPriority, suppressionOf, type Fingerprint, type Match } from './match.model.ts';
import type { MatchRepository } from './match.repository.ts';

/** What matching needs of an image decoder; the sharp adapter fits it. Null: not a decodable image. */
export interface ImageHasher {
  pdqDihedral(bytes: Uint8Array): Promise<{ hashes: Record<PdqDihedralName, Uint8Array>; quality: number } | null>;
}

/** What matching needs of a video decoder; the ffmpeg adapter fits it. Null: not a decodable video. */
export interface VideoHasher {
  vpdq(bytes: Uint8Array): Promise<VpdqFrame[] | null>;
}

export interface MatchServiceDeps {
  matches: MatchRepository;
  index: Pick<MatchIndex, 'lookup' | 'lookupVpdq'>;
  /** Banks this agency may match against: its own and those shared with it. */
  visibleBankIds(): Promise<ReadonlySet<string>>;
  /** Counts a hit towards the entry's flood quarantine (bank service `recordHit`). */
  recordHit(entryId: string, itemId: string): Promise<unknown>;
  items: { raisePriority(itemId: string, priority: number): Promise<void> };
  images: ImageHasher;
  videos: VideoHasher;
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
}

export interface MatchOutcome {
  fingerprints: Fingerprint[];
  matches: Match[];
  priority: number;
}

/** What one fingerprint looks up: its kind and the values to query (8 for PDQ, one per dihedral). */
interface Probe {
  kind: Fingerprint['kind'] | 'video_md5';
  values: string[];
}

/**
 * Whether a candidate from the index counts for this agency now: its bank visible and enabled,
 * the entry active, and the distance within the bank's threshold (0 for exact kinds).
 */
export function candidateCounts(c: MatchCandidate, visible: ReadonlySet<string>, now: number): boolean {
  return visible.has(c.bank.id) && c.bank.enabled && isEntryActive(c.entry, now) && c.distance <= (bankDistanceFor(c.bank, c.entry.kind) ?? 0);
}

/**
 * Whether a vPDQ candidate counts for this agency now: bank visible and enabled, entry active, and
 * both frame shares at or above the bank's thresholds (python-threatexchange: query ≥ 80 %,
 * compared ≥ 0 % by default). The frame distance was applied by the index.
 */
export function vpdqCandidateCounts(c: VpdqCandidate, visible: ReadonlySet<string>, now: number): boolean {
  return (
    visible.has(c.bank.id) &&
    c.bank.enabled &&
    isEntryActive(c.entry, now) &&
    c.queryMatchPercent >= c.bank.vpdqQueryMatchPercent &&
    c.comparedMatchPercent >= c.bank.vpdqComparedMatchPercent
  );
}

interface Hit {
  c: MatchCandidate;
  dihedral: PdqDihedralName | null;
  vpdq: Match['vpdq'];
}

export function createMatchService(deps: MatchServiceDeps) {
  const { clock, ids } = deps;

  async function fingerprintsOf(capture: Capture, body: Uint8Array, text: string | null): Promise<{ rows: Omit<Fingerprint, 'agencyId'>[]; probes: Probe[]; frames: VpdqFrame[] | null }> {
    const now = clock.now();
    const rows: Omit<Fingerprint, 'agencyId'>[] = [];
    const probes: Probe[] = [];
    const add = (kind: Fingerprint['kind'], value: string, quality: number | null, values: string[] | null) => {
      rows.push({ id: ids.next(), captureId: capture.id, itemId: capture.itemId, kind, value, quality, createdAt: now });
      if (values) probes.push({ kind, values });
    };
    const sha256 = capture.bodySha256 ?? createHash('sha256').update(body).digest('hex');
    add('sha256', sha256, null, [sha256]);
    const md5 = createHash('md5').update(body).digest('hex');
    add('md5', md5, null, [md5]);
    let frames: VpdqFrame[] | null = null;
    if ((capture.sniffedType ?? '').startsWith('video/')) {
      // HMA's `video_md5` is the md5 of the file: the same value, looked up among video entries.
      probes.push({ kind: 'video_md5', values: [md5] });
      // As with images, an undecodable video keeps its capture and exact hashes.
      frames = await deps.videos.vpdq(body);
      if (frames && frames.length > 0) add('vpdq', formatVpdqLines(frames), null, null);
    }
    if ((capture.sniffedType ?? '').startsWith('image/')) {
      // A decode failure (corrupt, unsupported, too large) leaves the image without a PDQ hash;
      // the capture itself stands.
      const pdq = await deps.images.pdqDihedral(body);
      if (pdq) {
        const hexes = PDQ_DIHEDRAL_ORDER.map((d) => pdqToHex(pdq.hashes[d]));
        // HMA does not look up hashes under its quality threshold (flat or tiny images match
        // everything); the fingerprint is still kept.
        const usable = pdq.quality >= PDQ_MIN_QUALITY && !/^0+$/.test(hexes[0]!);
        add('pdq', hexes[0]!, pdq.quality, usable ? hexes : null);
      }
    }
    if (text) {
      const sim = simhash64(text);
      if (sim) {
        const hex = simhashToHex(sim);
        add('simhash', hex, null, [hex]);
      }
    }
    return { rows, probes, frames };
  }

  return {
    /**
     * Fingerprints one successful capture, stores the fingerprints, looks them up, stores the
     * matches and raises the item's priority. Idempotent per capture: a retried job adds nothing.
     *
     * Suppression (match.model.ts `suppressionOf`): a hit on a negative bank is stored suppressed,
     * and so is every positive hit of the same capture; suppressed matches neither raise priority
     * nor count towards flood quarantine.
     */
    async fingerprintAndMatch(capture: Capture, body: Uint8Array, text: string | null): Promise<MatchOutcome> {
      const { rows, probes, frames } = await fingerprintsOf(capture, body, text);
      await deps.matches.insertFingerprints(rows);
      const visible = await deps.visibleBankIds();
      const now = clock.now();
      // One hit per entry: the closest over the probes (a PDQ entry reached by several dihedrals).
      const best = new Map<string, Hit>();
      for (const p of probes) {
        for (const c of await deps.index.lookup(p.kind, p.values, visible)) {
          if (!candidateCounts(c, visible, now)) continue;
          const prev = best.get(c.entry.id);
          if (prev && prev.c.distance <= c.distance) continue;
          best.set(c.entry.id, { c, dihedral: p.kind === 'pdq' ? (PDQ_DIHEDRAL_ORDER[c.queryIndex] ?? null) : null, vpdq: null });
        }
      }
      if (frames && frames.length > 0) {
        for (const v of await deps.index.lookupVpdq(frames, visible)) {
          if (!vpdqCandidateCounts(v, visible, now)) continue;
          best.set(v.entry.id, {
            c: { entry: v.entry, bank: v.bank, distance: v.distance, queryIndex: 0 },
            dihedral: null,
            vpdq: { queryMatchPercent: Math.floor(v.queryMatchPercent), comparedMatchPercent: Math.floor(v.comparedMatchPercent) },
          });
        }
      }
      const hits = [...best.values()];
      const suppressed = suppressionOf(hits.map((h) => ({ bankKind: h.c.bank.kind })));
      const matches: Match[] = hits.map(({ c, dihedral, vpdq }, i) => ({
        id: ids.next(),
        agencyId: capture.agencyId,
        itemId: capture.itemId,
        captureId: capture.id,
        entryId: c.entry.id,
        bankId: c.bank.id,
        bankAgencyId: c.bank.agencyId,
        signalKind: c.entry.kind,
        distance: c.distance,
        suppressed: suppressed[i]!,
        dihedral,
        labels: c.entry.labels,
        provenance: { source: c.entry.source, externalId: c.entry.externalId, importer: c.entry.importer, addedBy: c.entry.addedBy, addedAt: c.entry.addedAt },
        vpdq,
        createdAt: now,
      }));
      const inserted = await deps.matches.insertMatches(matches);
      const stored = matches.filter((m) => inserted.has(m.id));
      for (const m of stored) {
        if (m.suppressed) continue;
        try {
          await deps.recordHit(m.entryId, m.itemId);
        } catch (e) {
          // The entry vanished from view between lookup and now (unshared): the match stands.
          if (!(e instanceof VigilError && e.code === 'VIGIL_NOT_FOUND')) throw e;
        }
      }
      const priority = itemPriority(matches.map((m) => ({ tier: m.labels.tier, distance: m.distance, suppressed: m.suppressed })));
      if (priority > 0) await deps.items.raisePriority(capture.itemId, priority);
      if (stored.length > 0) {
        await deps.audit.record({
          action: 'match.found',
          targetType: 'item',
          targetId: capture.itemId,
          detail: {
            captureId: capture.id,
            priority,
            matches: stored.map((m) => ({ matchId: m.id, entryId: m.entryId, bankId: m.bankId, kind: m.signalKind, distance: m.distance, suppressed: m.suppressed, dihedral: m.dihedral, vpdq: m.vpdq })),
          },
        });
      }
      return { fingerprints: rows.map((r) => ({ ...r, agencyId: capture.agencyId })), matches, priority };
    },

    matchesOf: (itemId: string) => deps.matches.matchesOf(itemId),
    fingerprintsOf: (itemId: string) => deps.matches.fingerprintsOf(itemId),
  };
}

export type MatchService = ReturnType<typeof createMatchService>;
