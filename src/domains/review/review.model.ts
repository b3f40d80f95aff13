/**
 * Review (DESIGN flow steps 4–5): cases, the priority a reviewer can read, decisions and their
 * state machine, four eyes, and the exposure count. Pure: the service asks these rules and stores
 * what they answer.
 */
import type { EntryLabels, Tier } from '../bank/bank.model.ts';
import type { AgencyKind } from '../agency/agency.model.ts';
import { TIER_PRIORITY, UNLABELLED_PRIORITY } from '../matching/match.model.ts';

/** What the queue shows; a merged case keeps its row (and history) as `merged`, out of the queue. */
export const CASE_STATUSES = ['open', 'draft', 'awaiting_approval', 'decided'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const STORED_CASE_STATUSES = [...CASE_STATUSES, 'merged'] as const;
export type StoredCaseStatus = (typeof STORED_CASE_STATUSES)[number];
/** Cases a new item may join: nothing final has been said about them yet. */
export const JOINABLE_CASE_STATUSES: readonly CaseStatus[] = ['open', 'draft', 'awaiting_approval'];

export const VERDICTS = ['terrorist_content', 'not_terrorist_content', 'exempt', 'needs_more_information'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** TCO Art. 1(3): material disseminated for these purposes is not terrorist content. */
export const EXEMPT_PURPOSES = ['educational', 'journalistic', 'artistic', 'research', 'counter_terrorism', 'public_debate'] as const;
export type ExemptPurpose = (typeof EXEMPT_PURPOSES)[number];

/** TCO Art. 2(7)(a)–(e): incites, solicits committing, solicits participation, instructs, threatens. */
export const GROUNDS = ['a', 'b', 'c', 'd', 'e'] as const;
export type Ground = (typeof GROUNDS)[number];

export const DECISION_STATUSES = ['draft', 'undone', 'published', 'awaiting_approval', 'approved', 'rejected'] as const;
export type DecisionStatus = (typeof DECISION_STATUSES)[number];

/** How long a reviewer can take a decision back before it publishes (Altitude's draft reviews). */
export const UNDO_WINDOW_MS = 60_000;
/** Free-text reasons of one decision. */
export const REASONS_MAX = 10_000;
/** Attribution fields (group, language, content type). */
export const ATTRIBUTION_FIELD_MAX = 200;
/** An approver's note. */
export const APPROVAL_NOTE_MAX = 2_000;
/** Characters of one note on a case. */
export const CASE_NOTE_MAX = 5_000;
/** Cases on one queue page. */
export const REVIEW_QUEUE_PAGE_MAX = 100;
export const REVIEW_QUEUE_PAGE_DEFAULT = 50;
/** Reveals of content per reviewer per UTC day before Vigil warns them and their admins. */
export const EXPOSURE_DAILY_LIMIT_DEFAULT = 100;

export interface Attribution {
  outletId: string | null;
  group: string | null;
  language: string | null;
  contentType: string | null;
}

export interface Approval {
  approverId: string;
  decision: 'approved' | 'rejected';
  note: string | null;
  at: number;
}

export interface Decision {
  id: string;
  agencyId: string;
  caseId: string;
  itemIds: string[];
  verdict: Verdict;
  exemptPurpose: ExemptPurpose | null;
  grounds: Ground[];
  tier: Tier | null;
  reasons: string;
  attribution: Attribution;
  proposeOrder: boolean;
  /** As stored; `effectiveStatus` says what it is now. */
  status: DecisionStatus;
  reviewerId: string;
  createdAt: number;
  undoUntil: number;
  publishedAt: number | null;
  approval: Approval | null;
}

export interface ReviewCase {
  id: string;
  agencyId: string;
  status: StoredCaseStatus;
  leadItemId: string;
  /** PriorityExplained.score when last computed; the queue sorts on it. */
  priority: number;
  tier: Tier | null;
  outletId: string | null;
  latestDecisionId: string | null;
  itemCount: number;
  mergedInto: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Refusals the service turns into VigilErrors with these codes. */
export type ReviewErrorCode =
  | 'VIGIL_VALIDATION_FAILED'
  | 'VIGIL_FORBIDDEN'
  | 'VIGIL_REVIEW_GROUNDS_REQUIRED'
  | 'VIGIL_REVIEW_REASONS_REQUIRED'
  | 'VIGIL_REVIEW_EXEMPT_PURPOSE_REQUIRED'
  | 'VIGIL_REVIEW_UNDO_CLOSED'
  | 'VIGIL_REVIEW_OWN_DECISION'
  | 'VIGIL_REVIEW_NOT_AWAITING_APPROVAL'
  | 'VIGIL_REVIEW_ORDER_NOT_AUTHORITY';

export interface Refusal {
  ok: false;
  code: ReviewErrorCode;
  message: string;
}

const refuse = (code: ReviewErrorCode, message: string): Refusal => ({ ok: false, code, message });

// ---------------------------------------------------------------------------------------------
// Decisions: validation

export interface DecisionInput {
  verdict: Verdict;
  exemptPurpose?: ExemptPurpose | null | undefined;
  grounds?: readonly Ground[] | undefined;
  tier?: Tier | null | undefined;
  reasons: string;
  attribution?: Partial<Attribution> | null | undefined;
  itemIds?: readonly string[] | undefined;
  proposeOrder?: boolean | undefined;
}

export type ValidDecision = Pick<Decision, 'verdict' | 'exemptPurpose' | 'grounds' | 'tier' | 'reasons' | 'attribution' | 'itemIds' | 'proposeOrder'>;

const clean = (s: string | null | undefined): string | null => {
  const t = (s ?? '').trim();
  return t === '' ? null : t;
};

/**
 * Checks a decision before anything is stored, in the order a reviewer fixes them: reasons, the
 * verdict's own requirements (grounds for terrorist content, a purpose for an exemption), the
 * items, and whether the agency may propose a removal order at all.
 *
 * @example
 * validateDecision({ verdict: 'terrorist_content', grounds: [], reasons: 'x' }, { agencyKind: 'authority', caseItemIds: ['i'] });
 * // { ok: false, code: 'VIGIL_REVIEW_GROUNDS_REQUIRED', … }
 */
export function validateDecision(input: DecisionInput, ctx: { agencyKind: AgencyKind; caseItemIds: readonly string[] }): { ok: true; value: ValidDecision } | Refusal {
  const reasons = input.reasons.trim();
  if (reasons === '') return refuse('VIGIL_REVIEW_REASONS_REQUIRED', 'Write the reasons for the decision; they are required.');
  if (reasons.length > REASONS_MAX) return refuse('VIGIL_VALIDATION_FAILED', `Reasons may be at most ${REASONS_MAX} characters.`);
  const grounds = [...new Set(input.grounds ?? [])].sort();
  if (input.verdict === 'terrorist_content' && grounds.length === 0) {
    return refuse('VIGIL_REVIEW_GROUNDS_REQUIRED', 'A terrorist_content verdict needs at least one TCO Art. 2(7) ground (a)–(e).');
  }
  // An exempt item may still meet Art. 2(7) (the exemption is about purpose); content that is not
  // terrorist content, or not yet assessed, has no grounds to give.
  if (grounds.length > 0 && input.verdict !== 'terrorist_content' && input.verdict !== 'exempt') {
    return refuse('VIGIL_VALIDATION_FAILED', `Art. 2(7) grounds go with terrorist_content or exempt, not ${input.verdict}.`);
  }
  const exemptPurpose = input.exemptPurpose ?? null;
  if (input.verdict === 'exempt' && !exemptPurpose) {
    return refuse('VIGIL_REVIEW_EXEMPT_PURPOSE_REQUIRED', 'An exempt verdict needs the TCO Art. 1(3) purpose (educational, journalistic, artistic, research, counter_terrorism or public_debate).');
  }
  if (exemptPurpose && input.verdict !== 'exempt') return refuse('VIGIL_VALIDATION_FAILED', 'An exemption purpose goes only with the exempt verdict.');
  const itemIds = input.itemIds === undefined ? [...ctx.caseItemIds] : [...new Set(input.itemIds)];
  if (itemIds.length === 0) return refuse('VIGIL_VALIDATION_FAILED', 'A decision covers at least one item of the case.');
  const outside = itemIds.filter((id) => !ctx.caseItemIds.includes(id));
  if (outside.length > 0) return refuse('VIGIL_VALIDATION_FAILED', `Not items of this case: ${outside.join(', ')}.`);
  const proposeOrder = input.proposeOrder === true;
  // TCO Art. 3: only a competent authority issues removal orders.
  if (proposeOrder && ctx.agencyKind !== 'authority') {
    return refuse('VIGIL_REVIEW_ORDER_NOT_AUTHORITY', `Only an agency of kind authority can propose a removal order; this one is a ${ctx.agencyKind}.`);
  }
  if (proposeOrder && input.verdict !== 'terrorist_content') return refuse('VIGIL_VALIDATION_FAILED', 'A removal order can only be proposed for terrorist_content.');
  const a = input.attribution ?? {};
  const attribution: Attribution = { outletId: clean(a.outletId), group: clean(a.group), language: clean(a.language), contentType: clean(a.contentType) };
  for (const [k, v] of Object.entries(attribution)) {
    if (k !== 'outletId' && v !== null && v.length > ATTRIBUTION_FIELD_MAX) return refuse('VIGIL_VALIDATION_FAILED', `attribution.${k} may be at most ${ATTRIBUTION_FIELD_MAX} characters.`);
  }
  return { ok: true, value: { verdict: input.verdict, exemptPurpose, grounds, tier: input.tier ?? null, reasons, attribution, itemIds, proposeOrder } };
}

// ---------------------------------------------------------------------------------------------
// Decisions: the state machine

/**
 * Allowed transitions. A draft publishes by itself when its undo window closes (to
 * awaiting_approval when it proposes a removal order); undone, approved, rejected and a published
 * decision without an order are final. A new decision, not an edit, changes a verdict.
 */
export const DECISION_TRANSITIONS: Record<DecisionStatus, readonly DecisionStatus[]> = {
  draft: ['undone', 'published', 'awaiting_approval'],
  undone: [],
  published: [],
  awaiting_approval: ['approved', 'rejected'],
  approved: [],
  rejected: [],
};

export type DecisionState = Pick<Decision, 'status' | 'reviewerId' | 'proposeOrder' | 'undoUntil'>;

/** What a stored decision is at `now`: a draft past its undo window has published. */
export function effectiveStatus(d: DecisionState, now: number): DecisionStatus {
  if (d.status === 'draft' && now >= d.undoUntil) return d.proposeOrder ? 'awaiting_approval' : 'published';
  return d.status;
}

export type DecisionAction = { kind: 'undo'; by: string } | { kind: 'approve'; by: string } | { kind: 'reject'; by: string };

/**
 * Applies a person's action to a decision at `now`: undo only by its reviewer inside the undo
 * window; approve or reject only while awaiting approval and only by someone else (four eyes).
 */
export function applyDecisionAction(d: DecisionState, action: DecisionAction, now: number): { ok: true; status: DecisionStatus } | Refusal {
  const current = effectiveStatus(d, now);
  if (action.kind === 'undo') {
    if (action.by !== d.reviewerId) return refuse('VIGIL_FORBIDDEN', 'Only the reviewer who made a decision can undo it.');
    if (current !== 'draft') return refuse('VIGIL_REVIEW_UNDO_CLOSED', `The undo window closed; the decision is ${current}. Make a new decision instead.`);
    return { ok: true, status: 'undone' };
  }
  if (current !== 'awaiting_approval') return refuse('VIGIL_REVIEW_NOT_AWAITING_APPROVAL', `The decision is ${current}, not awaiting approval.`);
  if (action.by === d.reviewerId) return refuse('VIGIL_REVIEW_OWN_DECISION', 'A removal order needs a second person: you cannot approve or reject your own decision.');
  return { ok: true, status: action.kind === 'approve' ? 'approved' : 'rejected' };
}

/**
 * A case's status from its latest decision that was not undone. Asking for more information, or
 * an approver rejecting the proposed order, sends the case back to the queue.
 */
export function caseStatusOf(latest: { status: DecisionStatus; verdict: Verdict } | null): CaseStatus {
  if (!latest) return 'open';
  switch (latest.status) {
    case 'draft':
      return 'draft';
    case 'awaiting_approval':
      return 'awaiting_approval';
    case 'rejected':
    case 'undone':
      return 'open';
    case 'published':
      return latest.verdict === 'needs_more_information' ? 'open' : 'decided';
    case 'approved':
      return 'decided';
  }
}

// ---------------------------------------------------------------------------------------------
// Cases: clustering

/**
 * Which existing case a new item joins: among the agency's joinable cases that share a bank entry
 * hit or an exact fingerprint with it, the oldest (the wave's first case stays the one reviewed).
 * Null: open a new case.
 */
export function chooseCase(candidates: readonly { id: string; status: StoredCaseStatus; createdAt: number }[]): string | null {
  const joinable = candidates.filter((c) => (JOINABLE_CASE_STATUSES as readonly string[]).includes(c.status));
  joinable.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return joinable[0]?.id ?? null;
}

/** Whether `itemIds` can be split off a case of `caseItemIds`: a non-empty, proper subset. */
export function splitProblem(caseItemIds: readonly string[], itemIds: readonly string[]): string | null {
  const ids = [...new Set(itemIds)];
  if (ids.length === 0) return 'Name at least one item to split off.';
  const outside = ids.filter((id) => !caseItemIds.includes(id));
  if (outside.length > 0) return `Not items of this case: ${outside.join(', ')}.`;
  if (ids.length >= caseItemIds.length) return 'A split leaves at least one item in the case.';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Priority, explained

export interface PriorityFacts {
  /** An item of the case was found by a watched source (a vetted beacon), not a one-off submission. */
  watchedSource: boolean;
  /** Distinct places the case's items came from (sources, hosts, uploaders). */
  independentSources: number;
  /** Unsuppressed bank hits: one per entry, the closest. */
  bankHits: readonly { entryId: string; bankName: string; distance: number; labels: EntryLabels }[];
  /** The reviewer's tier when decided; otherwise the bank labels say. */
  decidedTier: Tier | null;
  /** The outlet the latest decision attributes the case to. */
  outletName: string | null;
}

export interface PriorityPart {
  kind: 'confidence' | 'severity';
  points: number;
  text: string;
}

export interface PriorityExplained {
  score: number;
  confidence: number;
  severity: number;
  parts: PriorityPart[];
  summary: string;
}

/** Confidence and severity each give up to half of the 0–100 score (Altitude: confidence + severity). */
export const PRIORITY_HALF = 50;
export const SOURCE_TRUST_POINTS = { watched: 10, submitted: 4 } as const;
export const POINTS_PER_EXTRA_SOURCE = 5;
export const POINTS_PER_BANK_HIT = 5;
/** Counted sources and hits stop adding points here, so one flood cannot outweigh severity. */
export const COUNTED_SOURCES_MAX = 4;
export const COUNTED_BANK_HITS_MAX = 3;
/** Points for an exact match, less one per 3 bits of Hamming distance (31, PDQ's default threshold, leaves none). */
export const DISTANCE_POINTS_MAX = 10;
/** TIER_PRIORITY (matching) scaled to the severity half: 30, 24, 18, 12; a bank entry without a tier 9. */
export const TIER_SEVERITY_SCALE = 0.3;
export const LABEL_POINTS = 10;
export const OUTLET_POINTS = 10;

const TIER_WORDS: Record<Tier, string> = { threat_to_life: 'threat to life', crisis: 'crisis', designated_entity: 'designated entity', promotional: 'promotional' };

export function tierWords(t: Tier): string {
  return TIER_WORDS[t];
}

/** The most severe tier among the labels (by TIER_PRIORITY), or null. */
export function highestTier(tiers: readonly (Tier | null)[]): Tier | null {
  let best: Tier | null = null;
  for (const t of tiers) if (t && (!best || TIER_PRIORITY[t] > TIER_PRIORITY[best])) best = t;
  return best;
}

const labelOf = (l: EntryLabels): string | null => l.outlet ?? l.group;

/**
 * The case's priority with its parts in words, so a reviewer sees why a case is on top.
 *
 * @example
 * explainPriority({ watchedSource: false, independentSources: 1, decidedTier: null, outletName: null,
 *   bankHits: [{ entryId: 'e', bankName: 'GIFCT-STYLE', distance: 4, labels: { …, outlet: 'Amaq', tier: 'designated_entity' } }] }).summary;
 * // 'matched bank entry labelled Amaq in bank GIFCT-STYLE at distance 4; tier: designated entity'
 */
export function explainPriority(f: PriorityFacts): PriorityExplained {
  const parts: PriorityPart[] = [];
  const add = (kind: PriorityPart['kind'], points: number, text: string) => {
    if (points > 0) parts.push({ kind, points, text });
  };
  add('confidence', f.watchedSource ? SOURCE_TRUST_POINTS.watched : SOURCE_TRUST_POINTS.submitted, f.watchedSource ? 'found by a watched source' : f.independentSources > 1 ? 'submitted by hand' : 'a single submission');
  const sources = Math.min(COUNTED_SOURCES_MAX, Math.max(1, f.independentSources));
  add('confidence', (sources - 1) * POINTS_PER_EXTRA_SOURCE, `seen at ${f.independentSources} independent sources`);
  const hits = [...f.bankHits].sort((a, b) => a.distance - b.distance || (labelOf(b.labels) ? 1 : 0) - (labelOf(a.labels) ? 1 : 0));
  const best = hits[0];
  add('confidence', Math.min(COUNTED_BANK_HITS_MAX, hits.length) * POINTS_PER_BANK_HIT, `${hits.length} bank ${hits.length === 1 ? 'entry' : 'entries'} matched`);
  if (best) add('confidence', Math.max(0, DISTANCE_POINTS_MAX - Math.ceil(best.distance / 3)), best.distance === 0 ? 'closest match exact (distance 0)' : `closest match at distance ${best.distance}`);

  const tier = f.decidedTier ?? highestTier(hits.map((h) => h.labels.tier));
  if (tier) add('severity', Math.round(TIER_PRIORITY[tier] * TIER_SEVERITY_SCALE), `tier: ${TIER_WORDS[tier]}${f.decidedTier ? ' (reviewer)' : ' (bank label)'}`);
  else if (hits.length > 0) add('severity', Math.round(UNLABELLED_PRIORITY * TIER_SEVERITY_SCALE), 'in a bank, without a tier');
  const labelled = hits.find((h) => labelOf(h.labels));
  if (labelled) add('severity', LABEL_POINTS, `bank entry labelled ${labelOf(labelled.labels)}`);
  if (f.outletName) add('severity', OUTLET_POINTS, `attributed to outlet ${f.outletName}`);

  const confidence = Math.min(PRIORITY_HALF, parts.filter((p) => p.kind === 'confidence').reduce((s, p) => s + p.points, 0));
  const severity = Math.min(PRIORITY_HALF, parts.filter((p) => p.kind === 'severity').reduce((s, p) => s + p.points, 0));

  const phrases: string[] = [];
  if (best) {
    const shown = labelled && labelled.distance === best.distance ? labelled : best;
    const label = labelOf(shown.labels);
    phrases.push(`matched bank entry${label ? ` labelled ${label}` : ''} in bank ${shown.bankName} at distance ${shown.distance}`);
    if (hits.length > 1) phrases.push(`${hits.length} bank entries in all`);
  } else {
    phrases.push('no bank match');
  }
  if (f.independentSources > 1) phrases.push(`${f.independentSources} independent sources`);
  if (f.watchedSource) phrases.push('found by a watched source');
  if (tier) phrases.push(`tier: ${TIER_WORDS[tier]}`);
  if (f.outletName) phrases.push(`outlet: ${f.outletName}`);
  return { score: confidence + severity, confidence, severity, parts, summary: phrases.join('; ') };
}

// ---------------------------------------------------------------------------------------------
// Queue paging and exposure

export function encodeQueueCursor(c: { priority: number; id: string }): string {
  return `${c.priority}.${c.id}`;
}

export function decodeQueueCursor(s: string): { priority: number; id: string } | null {
  const m = /^(\d{1,3})\.([0-9a-f-]{36})$/.exec(s);
  return m ? { priority: Number(m[1]), id: m[2]! } : null;
}

/** The UTC calendar day of `now`, as exposure counts are kept. */
export function exposureDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** Over the limit once the count passes it: the limit-th reveal is still within it. */
export function isOverExposureLimit(count: number, limit: number): boolean {
  return count > limit;
}
