/**
 * Complaints (TCO Art. 10): a content provider whose content a hosting provider removed or
 * disabled complains to that hosting provider, which decides within two weeks of receipt whether
 * the removal stands (upheld) or was unjustified (reinstated, without undue delay). Vigil keeps
 * them for the provider agency, about its own removals: referred items it removed or disabled,
 * removal orders it executed, and moderation of its own initiative. Pure: validation, the outcome,
 * and the two-week clock (order.model.ts `complaintDueAt`).
 */
export const COMPLAINT_SUBJECTS = ['referral_item', 'order', 'moderation'] as const;
export type ComplaintSubjectKind = (typeof COMPLAINT_SUBJECTS)[number];

export const COMPLAINT_STATES = ['open', 'upheld', 'reinstated'] as const;
export type ComplaintState = (typeof COMPLAINT_STATES)[number];
export const COMPLAINT_OUTCOMES = ['upheld', 'reinstated'] as const;
export type ComplaintOutcome = (typeof COMPLAINT_OUTCOMES)[number];

export const COMPLAINT_EVENT_KINDS = ['recorded', 'decided'] as const;
export type ComplaintEventKind = (typeof COMPLAINT_EVENT_KINDS)[number];

/** Characters of the content provider's complaint as recorded. */
export const COMPLAINT_TEXT_MAX = 10_000;
/** Characters of the reasons for an outcome. */
export const COMPLAINT_REASONS_MAX = 5_000;
/** Characters of the provider's own reference for a moderation action (ticket, case number). */
export const MODERATION_REF_MAX = 200;
export const COMPLAINT_URL_MAX = 2_048;
export const COMPLAINT_PAGE_MAX = 200;
export const COMPLAINT_PAGE_DEFAULT = 50;

/** Which removal a complaint is about. */
export type ComplaintSubject =
  | { kind: 'referral_item'; referralId: string; itemId: string }
  | { kind: 'order'; orderId: string }
  | { kind: 'moderation'; reference: string; url?: string | null | undefined };

export interface Complaint {
  id: string;
  agencyId: string;
  subject: ComplaintSubject;
  /** The removed content's URL where Vigil knows it. */
  contentUrl: string | null;
  receivedAt: number;
  dueAt: number;
  text: string;
  state: ComplaintState;
  reasons: string | null;
  reinstatedAt: number | null;
  decidedAt: number | null;
  decidedBy: string | null;
  createdAt: number;
  createdBy: string | null;
}

export interface ComplaintEvent {
  id: string;
  at: number;
  kind: ComplaintEventKind;
  actor: string;
  detail: Record<string, unknown>;
}

/**
 * Why a new complaint cannot be recorded, or null. A complaint is received after the removal it
 * is about (when Vigil knows that time) and not in the future.
 */
export function newComplaintProblem(c: { text: string; receivedAt: number; removedAt: number | null }, now: number): string | null {
  if (!c.text.trim()) return 'the complaint needs its text';
  if (c.text.length > COMPLAINT_TEXT_MAX) return `the text is longer than ${COMPLAINT_TEXT_MAX} characters`;
  if (c.receivedAt > now) return 'the complaint cannot be received in the future';
  if (c.removedAt !== null && c.receivedAt < c.removedAt) return `the complaint was received before the removal it is about (${new Date(c.removedAt).toISOString()})`;
  return null;
}

/** Art. 10(2): open past its two weeks. */
export function isOverdue(c: Pick<Complaint, 'state' | 'dueAt'>, now: number): boolean {
  return c.state === 'open' && now > c.dueAt;
}

export type DecisionInput = { outcome: ComplaintOutcome; reasons: string; reinstatedAt?: number | null | undefined };

export type ComplaintDecision =
  | { ok: true; state: ComplaintOutcome; reasons: string; reinstatedAt: number | null }
  | { ok: false; code: 'VIGIL_COMPLAINT_DECIDED' | 'VIGIL_COMPLAINT_DECISION_INVALID'; message: string };

/**
 * The outcome of an open complaint: reasons always (Art. 10(2) asks the provider to inform the
 * complainant of its decision), and for a reinstatement the time the content came back (default
 * now), not before the complaint nor in the future.
 */
export function decideComplaint(c: Pick<Complaint, 'state' | 'receivedAt'>, input: DecisionInput, now: number): ComplaintDecision {
  if (c.state !== 'open') return { ok: false, code: 'VIGIL_COMPLAINT_DECIDED', message: `The complaint was already decided: ${c.state}.` };
  const reasons = input.reasons.trim();
  if (!reasons) return { ok: false, code: 'VIGIL_COMPLAINT_DECISION_INVALID', message: 'An outcome needs its reasons, as the complainant is told them.' };
  if (reasons.length > COMPLAINT_REASONS_MAX) return { ok: false, code: 'VIGIL_COMPLAINT_DECISION_INVALID', message: `The reasons are longer than ${COMPLAINT_REASONS_MAX} characters.` };
  if (input.outcome === 'upheld') {
    if (input.reinstatedAt != null) return { ok: false, code: 'VIGIL_COMPLAINT_DECISION_INVALID', message: 'An upheld removal has no reinstatement time.' };
    return { ok: true, state: 'upheld', reasons, reinstatedAt: null };
  }
  const at = input.reinstatedAt ?? now;
  if (at > now) return { ok: false, code: 'VIGIL_COMPLAINT_DECISION_INVALID', message: 'The reinstatement time is in the future.' };
  if (at < c.receivedAt) return { ok: false, code: 'VIGIL_COMPLAINT_DECISION_INVALID', message: 'The reinstatement time is before the complaint was received.' };
  return { ok: true, state: 'reinstated', reasons, reinstatedAt: at };
}
