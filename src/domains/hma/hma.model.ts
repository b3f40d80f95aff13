/**
 * The HMA 2.0 ("Open Media Match") view of Vigil's banks: how banks are named, which signal and
 * content types exist, and how requests and answers are shaped, so that a platform integrated with
 * HMA can point at Vigil unchanged. Pure. Shapes follow HMA's blueprints (`OpenMediaMatch/
 * blueprints/{hashing,matching,curation}.py`) and python-threatexchange's signal types.
 *
 * Where Vigil differs, on purpose (README "HMA-compatible API"):
 * - bank names: HMA wants `^[A-Z_][A-Z0-9_]*$`; a Vigil bank's HMA name is derived from its name
 *   (`hmaNameOf`), and name clashes among the banks one agency sees are settled by `assignHmaNames`;
 * - a bank is on or off: `enabled_ratio` 0 or 1, no partial coinflip;
 * - `bank_content_id` is an integer that Vigil keeps beside its own entry ids (hma.repository.ts).
 */
import { PDQ_MATCH_DISTANCE, pdqDistance, pdqFromHex, pdqToHex } from '../../algorithms/pdq/pdq.ts';
import { fromHmaJson, matchVpdq, parseVpdqLines, toHmaJson, VpdqError, type VpdqFeature } from '../../algorithms/vpdq/vpdq.ts';
import { BANK_NAME_MAX, DISABLE_UNTIL_MAX_MS, type BankEntry, type SignalKind } from '../bank/bank.model.ts';

/** The signal types this API speaks; each is also a Vigil signal kind of the same name. */
export const HMA_SIGNAL_TYPES = ['pdq', 'video_md5', 'vpdq'] as const satisfies readonly SignalKind[];
export type HmaSignalType = (typeof HMA_SIGNAL_TYPES)[number];

/** Content types (multipart field names) and the signal types hashed from each, in answer order. */
export const HMA_CONTENT_TYPES = { photo: ['pdq'], video: ['video_md5', 'vpdq'] } as const satisfies Record<string, readonly HmaSignalType[]>;
export type HmaContentType = keyof typeof HMA_CONTENT_TYPES;

/** HMA's bank name grammar (`storage/postgres/database.py`). */
export const HMA_BANK_NAME_RE = /^[A-Z_][A-Z0-9_]*$/;
/** HMA caps a content note at 255 characters (`_validate_note`). */
export const HMA_NOTE_MAX = 255;
/** python-threatexchange's distance text for signal types without a distance (`NO_DISTANCE_STR`). */
export const HMA_NO_DISTANCE = '-';
/** HMA's magic `disable_until_ts` values (`BankContentConfig.ENABLED` / `DISABLED`). */
export const HMA_CONTENT_ENABLED = 1;
export const HMA_CONTENT_DISABLED = 0;

export function isHmaSignalType(v: string): v is HmaSignalType {
  return (HMA_SIGNAL_TYPES as readonly string[]).includes(v);
}

export function isHmaContentType(v: string): v is HmaContentType {
  return Object.hasOwn(HMA_CONTENT_TYPES, v);
}

// ---------------------------------------------------------------------------
// Bank names.

/**
 * The HMA name a Vigil bank name maps to: upper case, every character other than A-Z, 0-9 and `_`
 * replaced by `_`, and a leading digit prefixed with `_`. A name that already follows HMA's
 * grammar maps to itself, so a bank created through `/c/banks` keeps its name.
 *
 * @example
 * hmaNameOf('Amaq videos 2024'); // 'AMAQ_VIDEOS_2024'
 * hmaNameOf('1st wave'); // '_1ST_WAVE'
 */
export function hmaNameOf(vigilName: string): string {
  const upper = vigilName.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  if (upper === '') return '_';
  return /^[0-9]/.test(upper) ? `_${upper}` : upper;
}

export interface NamedBank {
  id: string;
  name: string;
  /** Shared with the agency by another: named after the agency's own banks. */
  readOnly: boolean;
  createdAt: number;
}

/**
 * HMA names for the banks one agency sees. Two banks whose names map to the same HMA name would be
 * indistinguishable, so names are handed out in a fixed order — the agency's own banks before
 * banks shared with it, each oldest first (then by id) — and a bank whose name is taken gets the
 * first free `_2`, `_3`, … suffix. An older bank therefore keeps its name when a newer one
 * collides with it, and a bank shared later never takes a name from the agency's own banks.
 */
export function assignHmaNames(banks: readonly NamedBank[]): Map<string, string> {
  const ordered = [...banks].sort((a, b) => Number(a.readOnly) - Number(b.readOnly) || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const taken = new Set<string>();
  const out = new Map<string, string>();
  for (const b of ordered) {
    const base = hmaNameOf(b.name);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    taken.add(name);
    out.set(b.id, name);
  }
  return out;
}

/** Why a bank name given to the HMA API is refused, or null. */
export function hmaBankNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || !HMA_BANK_NAME_RE.test(name)) return 'bank names must match ^[A-Z_][A-Z0-9_]*$ (capitals, digits and underscores, not starting with a digit)';
  if (name.length > BANK_NAME_MAX) return `bank names are at most ${BANK_NAME_MAX} characters`;
  return null;
}

/** HMA's `BankConfig`. */
export interface HmaBankConfig {
  name: string;
  matching_enabled_ratio: number;
}

export function hmaBankConfig(name: string, enabled: boolean): HmaBankConfig {
  return { name, matching_enabled_ratio: enabled ? 1 : 0 };
}

export type EnabledResult = { ok: true; enabled: boolean | undefined } | { ok: false; reason: string };

/**
 * A bank's on/off state from HMA's `enabled_ratio` and `enabled` fields (the ratio wins, as in
 * HMA). Vigil has no partial rollout: a ratio strictly between 0 and 1 is refused rather than
 * silently rounded. `undefined`: neither field was given.
 */
export function enabledFromHma(enabledRatio: number | null | undefined, enabled: boolean | null | undefined): EnabledResult {
  if (enabledRatio !== undefined && enabledRatio !== null) {
    if (!Number.isFinite(enabledRatio) || enabledRatio < 0 || enabledRatio > 1) return { ok: false, reason: 'enabled_ratio must be from 0.0 to 1.0' };
    if (enabledRatio !== 0 && enabledRatio !== 1) return { ok: false, reason: 'Vigil turns a bank on or off for every lookup: enabled_ratio must be 0.0 or 1.0' };
    return { ok: true, enabled: enabledRatio === 1 };
  }
  if (enabled !== undefined && enabled !== null) return { ok: true, enabled };
  return { ok: true, enabled: undefined };
}

/**
 * Parses HMA's `banks` query parameter (comma-separated names); null when absent, i.e. every bank.
 */
export function parseBankFilter(banks: string | undefined): Set<string> | null {
  if (banks === undefined || banks === '') return null;
  return new Set(banks.split(',').map((b) => b.trim()).filter((b) => b !== ''));
}

// ---------------------------------------------------------------------------
// Signals.

export type HmaSignal = { ok: true; type: HmaSignalType; value: string; frames: VpdqFeature[] | null } | { ok: false; reason: string };

/**
 * Validates a signal as HMA's `validate_signal_str` does, returning Vigil's canonical value: PDQ
 * is 64 hex digits, `video_md5` 32 (trimmed, lower-cased), vPDQ HMA's JSON array of
 * `"hex,quality,timestamp"` (its frames are returned as well).
 */
export function parseHmaSignal(type: HmaSignalType, text: string): HmaSignal {
  if (type === 'pdq') {
    if (!/^[0-9a-fA-F]{64}$/.test(text)) return { ok: false, reason: 'a pdq signal is 64 hexadecimal digits' };
    return { ok: true, type, value: pdqToHex(pdqFromHex(text.toLowerCase())), frames: null };
  }
  if (type === 'video_md5') {
    const v = text.trim().toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(v)) return { ok: false, reason: 'a video_md5 signal is 32 hexadecimal digits' };
    return { ok: true, type, value: v, frames: null };
  }
  try {
    const frames = fromHmaJson(text);
    if (frames.length === 0) return { ok: false, reason: 'a vpdq signal needs at least one frame' };
    return { ok: true, type, value: text, frames };
  } catch (e) {
    if (e instanceof VpdqError) return { ok: false, reason: e.message };
    throw e;
  }
}

/** A bank entry's value as HMA writes it: the hex, or for vPDQ HMA's JSON (Vigil stores reference lines). */
export function hmaSignalValue(entry: Pick<BankEntry, 'kind' | 'value'>): string {
  return entry.kind === 'vpdq' ? toHmaJson(parseVpdqLines(entry.value)) : entry.value;
}

/** Python's `f"{x:.0f}"`: round half to even. */
function pythonRound0(x: number): string {
  const r = Math.round(x);
  const even = Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
  return String(even === 0 ? 0 : even);
}

/**
 * The `distance` text of a match (python-threatexchange `pretty_str`): PDQ's bit distance,
 * `-` for exact types, vPDQ's `Q%[C%]` (query share, then compared share).
 */
export function hmaDistance(type: HmaSignalType, d: { distance: number } | { queryMatchPercent: number; comparedMatchPercent: number }): string {
  if (type === 'video_md5') return HMA_NO_DISTANCE;
  if ('queryMatchPercent' in d) return `${pythonRound0(d.queryMatchPercent)}%[${pythonRound0(d.comparedMatchPercent)}%]`;
  return String(d.distance);
}

export type CompareResult = { ok: true; value: [boolean, Record<string, number>] } | { ok: false; reason: string };

/**
 * `/m/compare` for one signal type: HMA answers python-threatexchange's `SignalComparisonResult`
 * as JSON, `[match, similarity]`: PDQ `{distance}` (match at ≤ 31), `video_md5` `{}`, vPDQ the two
 * frame shares (match at query ≥ 80 %, compared ≥ 0 %).
 */
export function compareHmaSignals(type: HmaSignalType, left: string, right: string): CompareResult {
  const a = parseHmaSignal(type, left);
  const b = parseHmaSignal(type, right);
  if (!a.ok) return { ok: false, reason: `invalid ${type} hash: ${a.reason}` };
  if (!b.ok) return { ok: false, reason: `invalid ${type} hash: ${b.reason}` };
  if (type === 'pdq') {
    const distance = pdqDistance(pdqFromHex(a.value), pdqFromHex(b.value));
    return { ok: true, value: [distance <= PDQ_MATCH_DISTANCE, { distance }] };
  }
  if (type === 'video_md5') return { ok: true, value: [a.value === b.value, {}] };
  const m = matchVpdq(a.frames!, b.frames!);
  return { ok: true, value: [m.match, { query_match_percent: m.queryMatchPercent, compared_match_percent: m.comparedMatchPercent }] };
}

// ---------------------------------------------------------------------------
// Matches.

export interface HmaMatch {
  bank_content_id: number;
  distance: string;
}

export interface BankHit {
  bankName: string;
  contentId: number;
  distance: string;
  /** Sorts the hits of one content: the closest is kept. */
  rank: number;
}

/**
 * HMA's lookup answer for one signal type, `{BANK_NAME: [{bank_content_id, distance}]}`: banks by
 * name, contents by id, one match per content (its closest entry), restricted to `only` when
 * given (HMA's `banks` filter).
 */
export function matchesByBank(hits: readonly BankHit[], only: ReadonlySet<string> | null): Record<string, HmaMatch[]> {
  const best = new Map<string, BankHit>();
  for (const h of hits) {
    if (only && !only.has(h.bankName)) continue;
    const key = `${h.bankName}\u0000${h.contentId}`;
    const prev = best.get(key);
    if (!prev || h.rank < prev.rank) best.set(key, h);
  }
  const out: Record<string, HmaMatch[]> = {};
  const sorted = [...best.values()].sort((a, b) => (a.bankName < b.bankName ? -1 : a.bankName > b.bankName ? 1 : a.contentId - b.contentId));
  for (const h of sorted) (out[h.bankName] ??= []).push({ bank_content_id: h.contentId, distance: h.distance });
  return out;
}

// ---------------------------------------------------------------------------
// Content state.

/**
 * HMA's `disable_until_ts` of an entry: 1 enabled, 0 disabled, else the epoch second matching
 * resumes. A content of several entries (a video's `video_md5` and `vpdq`) is shown by its first.
 */
export function disableUntilTs(entry: Pick<BankEntry, 'enabled' | 'disabledUntil'>): number {
  if (entry.enabled) return HMA_CONTENT_ENABLED;
  if (entry.disabledUntil !== null) return Math.floor(entry.disabledUntil / 1000);
  return HMA_CONTENT_DISABLED;
}

export type EntryStateChange = { ok: true; patch: { enabled: boolean } | { disabledUntil: number } } | { ok: false; reason: string };

/**
 * The entry change for an HMA `disable_until_ts` (epoch seconds): 1 enables, 0 disables, a time
 * that has passed enables, a future time disables until then (at most five years ahead, as HMA).
 */
export function entryChangeFromDisableUntil(ts: unknown, nowMs: number): EntryStateChange {
  const n = typeof ts === 'string' && /^-?\d+$/.test(ts.trim()) ? Number(ts.trim()) : ts;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return { ok: false, reason: 'disable_until_ts must be a non-negative integer' };
  if (n === HMA_CONTENT_ENABLED) return { ok: true, patch: { enabled: true } };
  if (n === HMA_CONTENT_DISABLED) return { ok: true, patch: { enabled: false } };
  const ms = n * 1000;
  if (ms <= nowMs) return { ok: true, patch: { enabled: true } };
  if (ms - nowMs > DISABLE_UNTIL_MAX_MS) return { ok: false, reason: 'disable_until_ts must be less than 5 years in the future' };
  return { ok: true, patch: { disabledUntil: ms } };
}

/** Why an HMA note is refused, or null; an empty note is no note (HMA `_validate_note`). */
export function hmaNoteProblem(note: unknown): string | null {
  if (note === undefined || note === null || note === '') return null;
  if (typeof note !== 'string') return 'note should be a string';
  if (note.length > HMA_NOTE_MAX) return `note must be at most ${HMA_NOTE_MAX} characters`;
  return null;
}

/** HMA's `BankedContentMetadata` as a client sends it: only `content_id`, `content_uri` and `json`. */
export interface HmaContentMetadata {
  content_id?: string;
  content_uri?: string;
  json?: Record<string, unknown>;
}

export type MetadataResult = { ok: true; metadata: HmaContentMetadata | null } | { ok: false; reason: string };

/** Validates HMA content metadata (unknown keys refused, `collab` dropped, as HMA). */
export function parseHmaMetadata(raw: unknown): MetadataResult {
  if (raw === undefined || raw === null) return { ok: true, metadata: null };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'metadata should be a json object' };
  const out: HmaContentMetadata = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k === 'collab') continue;
    if (k === 'content_id' || k === 'content_uri') {
      if (v === null) continue;
      if (typeof v !== 'string') return { ok: false, reason: `metadata.${k} should be a string` };
      out[k] = v;
    } else if (k === 'json') {
      if (v === null) continue;
      if (typeof v !== 'object' || Array.isArray(v)) return { ok: false, reason: 'metadata.json should be a json object' };
      out.json = v as Record<string, unknown>;
    } else {
      return { ok: false, reason: `metadata has an unknown field '${k.slice(0, 40)}'; fields are content_id, content_uri, json` };
    }
  }
  return { ok: true, metadata: Object.keys(out).length ? out : null };
}

/** Which content type a fetched body is, from HMA's `content_type` hint or the media type. */
export function contentTypeOfMedia(hint: string | undefined, mediaType: string | null): HmaContentType | null {
  if (hint) return isHmaContentType(hint) ? hint : null;
  const t = (mediaType ?? '').toLowerCase();
  if (t.startsWith('image')) return 'photo';
  if (t.startsWith('video')) return 'video';
  return null;
}

export type SignalTypesResult = { ok: true; types: HmaSignalType[] } | { ok: false; reason: string };

/** The signal types to hash for a content type, narrowed by HMA's `types` parameter (comma-separated). */
export function signalTypesFor(contentType: HmaContentType, types: string | undefined): SignalTypesResult {
  const all: readonly HmaSignalType[] = HMA_CONTENT_TYPES[contentType];
  if (types === undefined) return { ok: true, types: [...all] };
  const out: HmaSignalType[] = [];
  for (const raw of types.split(',')) {
    const t = raw.trim();
    if (t === '') continue;
    if (!(all as readonly string[]).includes(t)) return { ok: false, reason: `signal type '${t.slice(0, 40)}' doesn't exist or is disabled` };
    if (!out.includes(t as HmaSignalType)) out.push(t as HmaSignalType);
  }
  if (out.length === 0) return { ok: false, reason: 'empty signal type selection' };
  return { ok: true, types: out };
}

/** A boolean query parameter as HMA's pydantic reads one (`true`/`1`/`yes`/`on`, any case); absent is `fallback`. */
export function parseHmaBool(v: string | undefined, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  return ['true', '1', 'yes', 'on'].includes(v.trim().toLowerCase());
}
