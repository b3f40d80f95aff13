/**
 * Hash banks: named lists of known signals (hashes) with provenance and labels, matched against new
 * content. Pure: the signal grammar, the label rules, when an entry counts, and when a noisy entry
 * is quarantined all live here.
 *
 * Concepts follow HMA 2.0 (python-threatexchange `SignalType`, HMA `Bank` / `BankContent`), plus what
 * HMA lacks (`shared/reference/pdq-hma.md` §6.4): negative banks whose hits suppress a match,
 * per-bank distance thresholds, and flood quarantine of a single noisy hash.
 */
import { PDQ_MATCH_DISTANCE, pdqFromHex, pdqToHex } from '../../algorithms/pdq/pdq.ts';
import {
  formatVpdqLines,
  fromHmaJson,
  parseVpdqLines,
  VPDQ_COMPARED_MATCH_PERCENT,
  VPDQ_DISTANCE_THRESHOLD,
  VPDQ_QUERY_MATCH_PERCENT,
  VpdqError,
  type VpdqFrame,
} from '../../algorithms/vpdq/vpdq.ts';

/** Signal kinds a bank entry may hold; `video_md5` is HMA core's video signal type. */
export const SIGNAL_KINDS = ['sha256', 'md5', 'pdq', 'vpdq', 'simhash', 'video_md5'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/** A positive bank's hits make matches; a negative bank's hits suppress them (known benign content). */
export const BANK_KINDS = ['positive', 'negative'] as const;
export type BankKind = (typeof BANK_KINDS)[number];

/** Severity tiers, most urgent first. */
export const TIERS = ['threat_to_life', 'crisis', 'designated_entity', 'promotional'] as const;
export type Tier = (typeof TIERS)[number];

/** What the bank change log records; matcher processes follow it to keep their indexes current. */
export const BANK_CHANGE_OPS = ['entry.add', 'entry.update', 'entry.disable', 'entry.enable', 'entry.quarantine', 'bank.update', 'bank.share'] as const;
export type BankChangeOp = (typeof BANK_CHANGE_OPS)[number];

/** Hex digits per fixed-length kind. */
export const SIGNAL_HEX_LENGTH = { sha256: 64, md5: 32, pdq: 64, simhash: 16, video_md5: 32 } as const satisfies Record<Exclude<SignalKind, 'vpdq'>, number>;

// Limits (README, limits table).
export const BANK_NAME_MAX = 100;
export const BANK_DESCRIPTION_MAX = 2000;
/** Largest per-bank PDQ / vPDQ frame distance; beyond it nearly unrelated images match (256 bits, ~128 differ at random). */
export const BANK_PDQ_DISTANCE_MAX = 63;
/** Largest per-bank SimHash distance (64 bits, ~32 differ at random). */
export const BANK_SIMHASH_DISTANCE_MAX = 24;
/** Text SimHash match distance by default (of 64 bits). */
export const SIMHASH_MATCH_DISTANCE = 10;
export const BANK_FLOOD_DEFAULT = 100;
export const BANK_FLOOD_MAX = 1_000_000;
/** Flood quarantine counts distinct items per this window. */
export const BANK_FLOOD_WINDOW_MS = 60 * 60 * 1000;
export const LABEL_MAX = 200;
export const PROVENANCE_MAX = 200;
/** A vPDQ entry holds at most this many frames: ten hours at one hashed frame per second. */
export const BANK_VPDQ_MAX_FRAMES = 36_000;
/** Characters of a signal value, before parsing (a vPDQ value of the largest size fits). */
export const SIGNAL_TEXT_MAX = 4 * 1024 * 1024;
/** Entries one bulk request may add; larger lists belong to an importer. */
export const BANK_BULK_MAX = 5000;
/** HMA caps `disable_until_ts` at five years ahead. */
export const DISABLE_UNTIL_MAX_MS = 5 * 366 * 24 * 60 * 60 * 1000;
export const BANK_ENTRY_PAGE_MAX = 500;

export interface BankThresholds {
  pdqDistance: number;
  vpdqDistance: number;
  simhashDistance: number;
  vpdqQueryMatchPercent: number;
  vpdqComparedMatchPercent: number;
}

/** HMA's defaults (python-threatexchange constants), and ours for SimHash. */
export const DEFAULT_THRESHOLDS: BankThresholds = {
  pdqDistance: PDQ_MATCH_DISTANCE,
  vpdqDistance: VPDQ_DISTANCE_THRESHOLD,
  simhashDistance: SIMHASH_MATCH_DISTANCE,
  vpdqQueryMatchPercent: VPDQ_QUERY_MATCH_PERCENT,
  vpdqComparedMatchPercent: VPDQ_COMPARED_MATCH_PERCENT,
};

export interface Bank extends BankThresholds {
  id: string;
  /** The owning agency; only it may change the bank. */
  agencyId: string;
  name: string;
  kind: BankKind;
  description: string;
  /** Distinct items one entry may match per hour before it is quarantined; 0 turns flood quarantine off. */
  floodMaxItemsPerHour: number;
  enabled: boolean;
  createdAt: number;
  createdBy: string | null;
  updatedAt: number;
}

export interface EntryLabels {
  outlet: string | null;
  group: string | null;
  ideology: string | null;
  tier: Tier | null;
  contentType: string | null;
}

export const NO_LABELS: EntryLabels = { outlet: null, group: null, ideology: null, tier: null, contentType: null };
export const LABEL_KEYS = ['outlet', 'group', 'ideology', 'tier', 'contentType'] as const;

export interface EntryProvenance {
  /** Where the signal came from: `manual`, an exchange (`tcap`, `hma`, `ncmec`), a partner feed. */
  source: string;
  /** The signal's id at its source, when it has one (a TCAP hash id, an HMA content id). */
  externalId: string | null;
  /** The importer that brought it in, if not a person. */
  importer: string | null;
  /** The user id (or actor, for jobs and the CLI) that added it. */
  addedBy: string | null;
  addedAt: number;
}

export interface BankEntry extends EntryProvenance {
  id: string;
  bankId: string;
  agencyId: string;
  kind: SignalKind;
  /** Canonical: lower-case hex; for vPDQ the reference's line format (`frame,quality,hex,timestamp`). */
  value: string;
  /** Lookup key, unique per bank and kind: the hex itself, or for vPDQ the SHA-256 of the value. */
  valueKey: string;
  labels: EntryLabels;
  enabled: boolean;
  /** Disabled until this time, then counts again (HMA `disable_until_ts`). Only with `enabled` false. */
  disabledUntil: number | null;
  quarantinedAt: number | null;
  quarantineReason: string | null;
  updatedAt: number;
}

// ---------------------------------------------------------------------------
// Signals.

export type SignalProblem = 'empty' | 'too_long' | 'kind_unknown' | 'kind_mismatch' | 'length' | 'not_hex' | 'degenerate' | 'vpdq_invalid';

export type ParsedSignal = { ok: true; kind: SignalKind; value: string } | { ok: false; problem: SignalProblem; reason: string };

export function isSignalKind(v: string): v is SignalKind {
  return (SIGNAL_KINDS as readonly string[]).includes(v);
}

const PREFIX_RE = /^([A-Za-z][A-Za-z0-9_]{0,31}):/;
const HEX_RE = /^[0-9a-fA-F]*$/;

function fail(problem: SignalProblem, reason: string): ParsedSignal {
  return { ok: false, problem, reason };
}

function kindOfLength(n: number): string[] {
  return Object.entries(SIGNAL_HEX_LENGTH)
    .filter(([, len]) => len === n)
    .map(([k]) => k);
}

function parseHexSignal(kind: Exclude<SignalKind, 'vpdq'>, text: string): ParsedSignal {
  const want = SIGNAL_HEX_LENGTH[kind];
  if (!HEX_RE.test(text)) {
    const at = [...text].findIndex((ch) => !/[0-9a-fA-F]/.test(ch));
    return fail('not_hex', `A ${kind} hash is hexadecimal; character ${at + 1} ('${[...text][at]}') is not a hex digit.`);
  }
  if (text.length !== want) {
    const others = kindOfLength(text.length).filter((k) => k !== kind);
    return fail('length', `A ${kind} hash is ${want} hex digits, got ${text.length}${others.length ? ` (the length of ${others.join(' or ')})` : ''}.`);
  }
  const hex = text.toLowerCase();
  // An image under 5 px, or a blank page, hashes to all zeros (PDQ MIN_HASHABLE_DIM; SimHash of no
  // text): banked, it would match every degenerate input. HMA refuses such hashes (quality < 50).
  if ((kind === 'pdq' || kind === 'simhash') && /^0+$/.test(hex)) {
    return fail('degenerate', `The all-zero ${kind} hash is what unhashable input produces; it cannot be banked.`);
  }
  if (kind === 'pdq') return { ok: true, kind, value: pdqToHex(pdqFromHex(hex)) };
  return { ok: true, kind, value: hex };
}

function parseVpdqSignal(text: string): ParsedSignal {
  let frames: VpdqFrame[];
  try {
    // HMA's signal string is a JSON array of "hex,quality,timestamp" without frame numbers; they
    // are numbered by position so the value can be kept in the reference's line format.
    frames = text.startsWith('[') ? fromHmaJson(text).map((f, i) => ({ ...f, frameNumber: i })) : parseVpdqLines(text);
  } catch (e) {
    if (e instanceof VpdqError) return fail('vpdq_invalid', `${e.message}.`);
    throw e;
  }
  if (frames.length === 0) return fail('vpdq_invalid', 'A vPDQ signal needs at least one frame.');
  if (frames.length > BANK_VPDQ_MAX_FRAMES) return fail('too_long', `A vPDQ signal has at most ${BANK_VPDQ_MAX_FRAMES} frames, got ${frames.length}.`);
  return { ok: true, kind: 'vpdq', value: formatVpdqLines(frames) };
}

/**
 * Parses a signal into its canonical value. `input` is self-describing (`pdq:<64 hex>`,
 * `md5:<32 hex>`, `sha256:…`, `simhash:<16 hex>`, `video_md5:…`, `vpdq:<lines or HMA JSON>`) or,
 * when `kind` is given, the bare value. A prefix naming another kind than `kind` is refused, never
 * reinterpreted. Hex may be upper case; the canonical value is lower case.
 *
 * @example
 * parseSignal(null, 'md5:D41D8CD98F00B204E9800998ECF8427E'); // { ok: true, kind: 'md5', value: 'd41d8cd9…' }
 * parseSignal('pdq', 'md5:d41d8cd98f00b204e9800998ecf8427e'); // { ok: false, problem: 'kind_mismatch', … }
 */
export function parseSignal(kind: SignalKind | null, input: string): ParsedSignal {
  if (input.length > SIGNAL_TEXT_MAX) return fail('too_long', `A signal is at most ${SIGNAL_TEXT_MAX} characters.`);
  let text = input.trim();
  let resolved: SignalKind | null = kind;
  const prefix = PREFIX_RE.exec(text);
  if (prefix) {
    const named = prefix[1]!.toLowerCase();
    if (!isSignalKind(named)) return fail('kind_unknown', `'${prefix[1]}:' is not a signal kind; use one of ${SIGNAL_KINDS.join(', ')}.`);
    if (kind !== null && named !== kind) return fail('kind_mismatch', `The value is labelled ${named}: but the entry's kind is ${kind}.`);
    resolved = named;
    text = text.slice(prefix[0].length).trim();
  }
  if (resolved === null) return fail('kind_unknown', `Say which kind of signal this is: give a kind, or write it as kind:value (${SIGNAL_KINDS.join(', ')}).`);
  if (text === '') return fail('empty', `The ${resolved} value is empty.`);
  return resolved === 'vpdq' ? parseVpdqSignal(text) : parseHexSignal(resolved, text);
}

/** `kind:value`, the form signals take in the API. */
export function formatSignal(kind: SignalKind, value: string): string {
  return `${kind}:${value}`;
}

/**
 * The lookup key of a canonical value: the hex itself, short enough to index; a vPDQ value can run
 * to megabytes, so its key is the SHA-256 of the value (hex), computed by the caller's hash port.
 */
export function signalKey(kind: SignalKind, value: string, sha256Hex: (text: string) => string): string {
  return kind === 'vpdq' ? sha256Hex(value) : value;
}

// ---------------------------------------------------------------------------
// Labels and provenance.

export type LabelsInput = Partial<Record<(typeof LABEL_KEYS)[number], string | null>>;

export type LabelsResult = { ok: true; labels: EntryLabels } | { ok: false; reason: string };

function cleanText(v: string): string | null {
  const s = v.trim();
  return s === '' ? null : s;
}

// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/**
 * Applies label input over `base` (a key given as null or '' clears it; a key left out keeps its
 * value): texts are trimmed, at most LABEL_MAX characters, without control characters; the tier is
 * one of TIERS.
 */
export function applyLabels(base: EntryLabels, input: LabelsInput | undefined): LabelsResult {
  if (input === undefined) return { ok: true, labels: base };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, reason: 'labels must be an object' };
  const out: EntryLabels = { ...base };
  for (const [key, raw] of Object.entries(input)) {
    if (!(LABEL_KEYS as readonly string[]).includes(key)) return { ok: false, reason: `'${key}' is not a label; labels are ${LABEL_KEYS.join(', ')}` };
    const k = key as (typeof LABEL_KEYS)[number];
    if (raw === null || raw === undefined) {
      out[k] = null;
      continue;
    }
    if (typeof raw !== 'string') return { ok: false, reason: `label ${k} must be text` };
    const v = cleanText(raw);
    if (v !== null && v.length > LABEL_MAX) return { ok: false, reason: `label ${k} is longer than ${LABEL_MAX} characters` };
    if (v !== null && CONTROL_RE.test(v)) return { ok: false, reason: `label ${k} contains control characters` };
    if (k === 'tier') {
      if (v !== null && !(TIERS as readonly string[]).includes(v)) return { ok: false, reason: `tier '${v.slice(0, 40)}' is not one of ${TIERS.join(', ')}` };
      out.tier = v as Tier | null;
    } else {
      out[k] = v;
    }
  }
  return { ok: true, labels: out };
}

/** One provenance text (source, external id, importer): trimmed, bounded, no control characters; null if absent. */
export function provenanceProblem(name: string, v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') return `${name} must be text`;
  if (v.trim().length > PROVENANCE_MAX) return `${name} is longer than ${PROVENANCE_MAX} characters`;
  if (CONTROL_RE.test(v)) return `${name} contains control characters`;
  return null;
}

export function cleanProvenance(v: string | null | undefined): string | null {
  return typeof v === 'string' ? cleanText(v) : null;
}

// ---------------------------------------------------------------------------
// Bank settings.

/** Why a bank's settings are refused, or null. */
export function bankSettingsProblem(s: Partial<BankThresholds> & { floodMaxItemsPerHour?: number; name?: string }): string | null {
  if (s.name !== undefined) {
    const n = s.name.trim();
    if (n === '' || n.length > BANK_NAME_MAX) return `the name must be 1 to ${BANK_NAME_MAX} characters`;
    if (CONTROL_RE.test(n)) return 'the name contains control characters';
  }
  const int = (v: number | undefined, lo: number, hi: number, what: string) => (v !== undefined && (!Number.isInteger(v) || v < lo || v > hi) ? `${what} must be an integer from ${lo} to ${hi}` : null);
  return (
    int(s.pdqDistance, 0, BANK_PDQ_DISTANCE_MAX, 'pdqDistance') ??
    int(s.vpdqDistance, 0, BANK_PDQ_DISTANCE_MAX, 'vpdqDistance') ??
    int(s.simhashDistance, 0, BANK_SIMHASH_DISTANCE_MAX, 'simhashDistance') ??
    // At 0% a video "matches" on any single shared frame; one percent is the least that means something.
    int(s.vpdqQueryMatchPercent, 1, 100, 'vpdqQueryMatchPercent') ??
    int(s.vpdqComparedMatchPercent, 0, 100, 'vpdqComparedMatchPercent') ??
    int(s.floodMaxItemsPerHour, 0, BANK_FLOOD_MAX, 'floodMaxItemsPerHour')
  );
}

/** The distance that counts as a match for a signal kind in this bank; null for exact-only kinds. */
export function bankDistanceFor(bank: BankThresholds, kind: SignalKind): number | null {
  if (kind === 'pdq') return bank.pdqDistance;
  if (kind === 'vpdq') return bank.vpdqDistance;
  if (kind === 'simhash') return bank.simhashDistance;
  return null;
}

// ---------------------------------------------------------------------------
// Entry state.

/**
 * Whether an entry takes part in matching at `now`: enabled (or its disable-until time has passed)
 * and not quarantined. The bank's own `enabled` flag is checked separately.
 */
export function isEntryActive(entry: Pick<BankEntry, 'enabled' | 'disabledUntil' | 'quarantinedAt'>, now: number): boolean {
  if (entry.quarantinedAt !== null) return false;
  return entry.enabled || (entry.disabledUntil !== null && entry.disabledUntil <= now);
}

/** Flood quarantine: an entry that matched more than `limit` distinct items within the window (0 = off). */
export function floodExceeded(distinctItemsLastHour: number, limit: number): boolean {
  return limit > 0 && distinctItemsLastHour > limit;
}

export function floodReason(distinctItems: number, limit: number): string {
  return `flood: matched ${distinctItems} distinct items within an hour (limit ${limit}); pending review`;
}

export interface EntryStatePatch {
  enabled?: boolean;
  disabledUntil?: number | null;
}

export type EntryStateResult = { ok: true; enabled: boolean; disabledUntil: number | null } | { ok: false; reason: string };

/**
 * The enabled state after a change: `enabled: true` enables (and clears any disable-until);
 * `enabled: false` disables until re-enabled, or until `disabledUntil` when given; `disabledUntil`
 * alone is a timed disable; `disabledUntil: null` drops the time, leaving a disabled entry disabled
 * until it is enabled. A disable-until time must be in the future and at most five years ahead.
 */
export function nextEntryState(current: Pick<BankEntry, 'enabled' | 'disabledUntil'>, patch: EntryStatePatch, now: number): EntryStateResult {
  const until = patch.disabledUntil;
  if (patch.enabled === true && until !== undefined && until !== null) return { ok: false, reason: 'enabled: true and a disabledUntil time contradict each other' };
  if (until !== undefined && until !== null) {
    if (!Number.isSafeInteger(until) || until <= now) return { ok: false, reason: 'disabledUntil must be a time in the future' };
    if (until - now > DISABLE_UNTIL_MAX_MS) return { ok: false, reason: 'disabledUntil may be at most five years ahead' };
    return { ok: true, enabled: false, disabledUntil: until };
  }
  if (patch.enabled === true) return { ok: true, enabled: true, disabledUntil: null };
  if (patch.enabled === false) return { ok: true, enabled: false, disabledUntil: null };
  if (until === null) return { ok: true, enabled: current.enabled, disabledUntil: null };
  return { ok: true, enabled: current.enabled, disabledUntil: current.disabledUntil };
}

// ---------------------------------------------------------------------------
// Following the change log.

/**
 * How far back a follower of the change log re-reads. Change ids are UUIDv7 (time-ordered), but a
 * transaction that took its id earlier can commit after a later one has been read (several API
 * processes on PostgreSQL), so a follower re-reads from `changeCursorBefore(lastSeenAt - this)`
 * and applies changes idempotently (reload the entry or bank the change names).
 */
export const BANK_CHANGE_SETTLE_MS = 60_000;

/** The smallest UUIDv7 of the given millisecond: every change id made at or after `ms` sorts above it. */
export function changeCursorBefore(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
