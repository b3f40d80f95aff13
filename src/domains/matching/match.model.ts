/**
 * Matches: a capture's fingerprint that hit a bank entry. Pure: what a fingerprint is, how a
 * negative bank suppresses, and how matches raise an item's priority all live here.
 */
import type { BankKind, EntryLabels, EntryProvenance, SignalKind, Tier } from '../bank/bank.model.ts';
import type { PdqDihedralName } from '../../algorithms/pdq/pdq.ts';

/** Kinds a capture is fingerprinted with (a video's md5 is also looked up as `video_md5`, as HMA does). */
export const FINGERPRINT_KINDS = ['sha256', 'md5', 'pdq', 'simhash', 'vpdq'] as const;
export type FingerprintKind = (typeof FINGERPRINT_KINDS)[number];

export interface Fingerprint {
  id: string;
  agencyId: string;
  captureId: string;
  itemId: string;
  kind: FingerprintKind;
  /** Canonical lower-case hex, as bank entries hold it; for vPDQ the reference's line format. */
  value: string;
  /** PDQ quality (0..100); null for kinds without one. */
  quality: number | null;
  createdAt: number;
}

export interface Match {
  id: string;
  agencyId: string;
  itemId: string;
  captureId: string;
  entryId: string;
  bankId: string;
  /** The bank's owner: this agency, or one that shares the bank with it. */
  bankAgencyId: string;
  signalKind: SignalKind;
  /** Hamming distance (0 for exact kinds). */
  distance: number;
  /** A hit on a negative bank, or a positive hit of a capture that also hit a negative bank. */
  suppressed: boolean;
  /** The PDQ dihedral of the capture that matched (`orig` unless the copy was rotated or flipped). */
  dihedral: PdqDihedralName | null;
  /** The entry's labels and provenance when it matched; later edits of the entry do not change them. */
  labels: EntryLabels;
  provenance: EntryProvenance;
  /** vPDQ only: the shares of frames matched (0..100, floored), as python-threatexchange reports them. */
  vpdq: { queryMatchPercent: number; comparedMatchPercent: number } | null;
  createdAt: number;
}

/** Base score per tier; an entry without a tier still matters (it is in a bank for a reason). */
export const TIER_PRIORITY: Record<Tier, number> = { threat_to_life: 100, crisis: 80, designated_entity: 60, promotional: 40 };
export const UNLABELLED_PRIORITY = 30;
/** Largest priority; the item column starts at 0 (nothing matched). */
export const PRIORITY_MAX = 100;

/**
 * The priority one match gives an item: the tier's score less half the distance (a near-exact
 * copy outranks a borderline one of the same tier), at least 1 so any match outranks no match.
 * A suppressed match gives 0.
 *
 * @example
 * matchPriority({ tier: 'designated_entity', distance: 10, suppressed: false }); // 55
 */
export function matchPriority(m: { tier: Tier | null; distance: number; suppressed: boolean }): number {
  if (m.suppressed) return 0;
  const base = m.tier ? TIER_PRIORITY[m.tier] : UNLABELLED_PRIORITY;
  return Math.min(PRIORITY_MAX, Math.max(1, base - Math.floor(Math.max(0, m.distance) / 2)));
}

/** An item's priority from its matches: the highest single match (0 when none counts). */
export function itemPriority(matches: readonly { tier: Tier | null; distance: number; suppressed: boolean }[]): number {
  return matches.reduce((best, m) => Math.max(best, matchPriority(m)), 0);
}

/**
 * Negative-bank rule: known benign content (a news photo, a counter-speech video) is banked
 * negatively. A hit on a negative bank is recorded suppressed, and because the same bytes cannot
 * be both benign and propaganda for the reviewer, every positive hit of that same capture is
 * recorded suppressed too (kept for the record, no priority, no flood count). Returns, per hit,
 * whether it is suppressed.
 */
export function suppressionOf(hits: readonly { bankKind: BankKind }[]): boolean[] {
  const anyNegative = hits.some((h) => h.bankKind === 'negative');
  return hits.map(() => anyNegative);
}
