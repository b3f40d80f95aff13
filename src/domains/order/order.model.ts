/**
 * TCO removal orders: every legal clock and every state change of an order, as pure functions of
 * the order's events (EU Regulation 2021/784; facts in ../shared/reference/domain.md §1). Nothing
 * here reads the time: callers pass `now`. Times are epoch milliseconds (UTC instants), so a clock
 * that runs across midnight or a daylight-saving change runs exactly as many real minutes as the
 * law says; only what people read is shown in their zone.
 *
 * Hand-written because the clocks are the product's core: a deadline computed one minute early
 * would put a provider in breach of the law (Art. 18 penalties), one computed late lets content
 * stay up past the hour.
 */
import { effectiveStatus, type Decision } from '../review/review.model.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Art. 3(3): remove or disable "as soon as possible and in any event within one hour of receipt". */
export const REMOVAL_WINDOW_MS = HOUR;
/** Art. 3(2): procedures and deadlines reach a provider at least 12 hours before its first order, except in emergencies. */
export const FIRST_ORDER_NOTICE_MS = 12 * HOUR;
/** Escalation before the deadline, by default (issue 7: "default 15 minutes before"). */
export const ESCALATION_LEAD_DEFAULT_MS = 15 * MINUTE;
/** Art. 4(3): the provider or content provider may ask for scrutiny within 48 hours of receiving the order. */
export const SCRUTINY_REQUEST_WINDOW_MS = 48 * HOUR;
/** Art. 4(4): the host State's authority decides within 72 hours of the copy (own initiative) or of the request. */
export const SCRUTINY_DECISION_MS = 72 * HOUR;
/** Art. 11(3): disclosure to the content provider may be withheld for six weeks, extendable once by six weeks. */
export const NON_DISCLOSURE_MS = 6 * WEEK;
export const NON_DISCLOSURE_MAX_EXTENSIONS = 1;
/** Art. 10(2): a complaint is decided within two weeks of its receipt. */
export const COMPLAINT_OUTCOME_MS = 2 * WEEK;
/** Art. 5(4): a provider may be found exposed after two or more final orders within twelve months. */
export const EXPOSURE_MIN_FINAL_ORDERS = 2;
export const EXPOSURE_WINDOW_MONTHS = 12;
/** Art. 6(1): removed content and related data are preserved for six months. */
export const PRESERVATION_MONTHS = 6;

/** Annex III, section B: why an order cannot (yet) be executed. */
export const OBSTACLES = ['force_majeure', 'de_facto_impossibility', 'manifest_error', 'insufficient_information'] as const;
export type Obstacle = (typeof OBSTACLES)[number];

/** Art. 3(7): force majeure or impossibility ends when it ceases; Art. 3(8): an error or missing information ends with the clarification. */
export function obstacleEndsWith(o: Obstacle): 'obstacle_ceased' | 'clarification_sent' {
  return o === 'force_majeure' || o === 'de_facto_impossibility' ? 'obstacle_ceased' : 'clarification_sent';
}

export const MEASURES = ['removed', 'disabled'] as const;
export type Measure = (typeof MEASURES)[number];

export type OrderEvent =
  | { type: 'issued'; at: number }
  | { type: 'received'; at: number }
  | { type: 'annex_iii'; at: number; obstacle: Obstacle }
  | { type: 'obstacle_ceased'; at: number }
  | { type: 'clarification_sent'; at: number }
  /** Annex II: `actionAt` is the time of the measure the provider reports. */
  | { type: 'annex_ii'; at: number; measure: Measure; actionAt: number }
  | { type: 'scrutiny_requested'; at: number }
  | { type: 'scrutiny_upheld'; at: number }
  /** Art. 4(7): an infringement found on scrutiny voids the order; the provider reinstates. */
  | { type: 'infringement_found'; at: number }
  | { type: 'reinstated'; at: number }
  | { type: 'withdrawn'; at: number };

export type OrderEventType = OrderEvent['type'];

export const ORDER_STATUSES = ['issued', 'running', 'suspended', 'executed', 'voided', 'withdrawn'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Everything the clocks need, folded from the events in order. */
export interface OrderState {
  status: OrderStatus;
  issuedAt: number | null;
  receivedAt: number | null;
  /** When the running hour started: receipt, or the end of the last Annex III obstacle (the hour starts again). */
  clockStartedAt: number | null;
  /** The open Annex III obstacle while suspended. */
  obstacle: Obstacle | null;
  /** The deadline that passed before the clock was stopped or suspended: the breach on record. */
  breachedAt: number | null;
  executedAt: number | null;
  measure: Measure | null;
  scrutinyRequestedAt: number | null;
  scrutinyOutcome: 'upheld' | 'infringement' | null;
  /** Set when an order voided after execution still needs the content reinstated. */
  reinstatementDue: boolean;
  reinstatedAt: number | null;
  lastEventAt: number | null;
}

export const INITIAL_ORDER_STATE: OrderState = {
  status: 'issued',
  issuedAt: null,
  receivedAt: null,
  clockStartedAt: null,
  obstacle: null,
  breachedAt: null,
  executedAt: null,
  measure: null,
  scrutinyRequestedAt: null,
  scrutinyOutcome: null,
  reinstatementDue: false,
  reinstatedAt: null,
  lastEventAt: null,
};

export type TransitionResult = { ok: true; state: OrderState } | { ok: false; reason: string };

const refuse = (reason: string): TransitionResult => ({ ok: false, reason });

/**
 * The state after one event, or why the event cannot happen now. Events come in time order (an
 * event may share its time with the previous one); every rule of the order's lifecycle is here.
 *
 * @example
 * applyOrderEvent(INITIAL_ORDER_STATE, { type: 'received', at: t }); // refused: not issued yet
 */
export function applyOrderEvent(s: OrderState, e: OrderEvent): TransitionResult {
  if (!Number.isSafeInteger(e.at) || e.at < 0) return refuse('the event has no valid time');
  if (s.lastEventAt !== null && e.at < s.lastEventAt) return refuse('events must come in time order: this one is earlier than the last');
  const next = (patch: Partial<OrderState>): TransitionResult => ({ ok: true, state: { ...s, ...patch, lastEventAt: e.at } });
  /** Stopping or suspending a running clock at `t` records a breach if its deadline had passed. */
  const stopAt = (t: number): Pick<OrderState, 'breachedAt'> => {
    const deadline = s.status === 'running' ? removalDeadlineOf(s) : null;
    return { breachedAt: s.breachedAt ?? (deadline !== null && t > deadline ? deadline : null) };
  };
  if (e.type === 'issued') return s.issuedAt !== null ? refuse('the order was already issued') : next({ issuedAt: e.at, status: 'issued' });
  if (s.issuedAt === null) return refuse('the order has not been issued');
  if (s.status === 'withdrawn') return refuse('the order was withdrawn');
  if (s.status === 'voided' && e.type !== 'reinstated') return refuse('the order was voided on scrutiny');
  switch (e.type) {
    case 'received':
      if (s.receivedAt !== null) return refuse('the provider already received the order');
      return next({ receivedAt: e.at, clockStartedAt: e.at, status: 'running' });
    case 'annex_iii':
      if (s.status !== 'running') return refuse(s.status === 'suspended' ? 'an Annex III obstacle is already open' : `Annex III cannot be answered on a ${s.status} order`);
      return next({ status: 'suspended', obstacle: e.obstacle, ...stopAt(e.at) });
    case 'obstacle_ceased':
    case 'clarification_sent':
      if (s.status !== 'suspended' || s.obstacle === null) return refuse('no Annex III obstacle is open');
      if (obstacleEndsWith(s.obstacle) !== e.type)
        return refuse(e.type === 'obstacle_ceased' ? `a ${s.obstacle.replace(/_/g, ' ')} ends with a clarification, not by ceasing` : `a ${s.obstacle.replace(/_/g, ' ')} ends when it ceases, not with a clarification`);
      // Art. 3(7)/(8): the hour starts again in full once the obstacle is gone.
      return next({ status: 'running', obstacle: null, clockStartedAt: e.at });
    case 'annex_ii':
      if (s.status !== 'running' && s.status !== 'suspended') return refuse(s.status === 'executed' ? 'the order was already executed' : 'the provider has not received the order');
      if (!Number.isSafeInteger(e.actionAt) || e.actionAt > e.at) return refuse('the time of the measure cannot be later than the answer reporting it');
      if (e.actionAt < s.receivedAt!) return refuse('the time of the measure cannot be earlier than the receipt of the order');
      // What counts is the time of the measure, not of the answer: removed in time and reported late is no breach.
      return next({ status: 'executed', executedAt: e.actionAt, measure: e.measure, obstacle: null, ...stopAt(e.actionAt) });
    case 'scrutiny_requested':
      if (s.receivedAt === null) return refuse('scrutiny can be requested only after the order was received');
      if (s.scrutinyRequestedAt !== null) return refuse('scrutiny was already requested');
      if (e.at > s.receivedAt + SCRUTINY_REQUEST_WINDOW_MS) return refuse('the 48-hour window to request scrutiny has closed (Art. 4(3))');
      return next({ scrutinyRequestedAt: e.at });
    case 'scrutiny_upheld':
      if (s.scrutinyOutcome !== null) return refuse('the scrutiny was already decided');
      return next({ scrutinyOutcome: 'upheld' });
    case 'infringement_found':
      if (s.scrutinyOutcome !== null) return refuse('the scrutiny was already decided');
      return next({ scrutinyOutcome: 'infringement', status: 'voided', obstacle: null, reinstatementDue: s.executedAt !== null, ...stopAt(e.at) });
    case 'reinstated':
      if (!s.reinstatementDue) return refuse('nothing is to be reinstated');
      return next({ reinstatementDue: false, reinstatedAt: e.at });
    case 'withdrawn':
      if (s.status === 'executed') return refuse('an executed order cannot be withdrawn');
      return next({ status: 'withdrawn', obstacle: null, ...stopAt(e.at) });
  }
}

/** Folds events into a state; the first refused event is reported with its index. */
export function foldOrderEvents(events: readonly OrderEvent[]): { ok: true; state: OrderState } | { ok: false; index: number; reason: string } {
  let state = INITIAL_ORDER_STATE;
  for (const [index, e] of events.entries()) {
    const r = applyOrderEvent(state, e);
    if (!r.ok) return { ok: false, index, reason: r.reason };
    state = r.state;
  }
  return { ok: true, state };
}

function removalDeadlineOf(s: OrderState): number | null {
  return s.clockStartedAt === null ? null : s.clockStartedAt + REMOVAL_WINDOW_MS;
}

export interface OrderClock {
  status: OrderStatus;
  /** The one-hour deadline while the clock runs; null before receipt, while suspended, and once stopped. */
  deadline: number | null;
  /** When to escalate: `deadline − lead`. */
  escalateAt: number | null;
  /** The deadline passed before execution; the time it passed. */
  breachedAt: number | null;
  /** Execution time from first receipt (Annex II time of the measure − receipt). */
  executedInMs: number | null;
  /** Real time left at `now` (negative once breached); null when no clock runs. */
  remainingMs: number | null;
  /** The open Annex III obstacle that suspends the clock. */
  obstacle: Obstacle | null;
}

/**
 * The removal clock at `now` (TCO Art. 3(3), 3(7), 3(8)): one hour from receipt; an Annex III
 * obstacle suspends it and its end starts a new full hour; an Annex II answer stops it. A breach is
 * when the deadline in force passed before the measure (or is past at `now` while still running).
 */
export function orderClock(s: OrderState, now: number, escalationLeadMs: number = ESCALATION_LEAD_DEFAULT_MS): OrderClock {
  const running = s.status === 'running' ? removalDeadlineOf(s) : null;
  const breachedAt = s.breachedAt ?? (running !== null && now > running ? running : null);
  return {
    status: s.status,
    deadline: running,
    escalateAt: running === null ? null : running - escalationLeadMs,
    breachedAt,
    executedInMs: s.executedAt !== null && s.receivedAt !== null ? s.executedAt - s.receivedAt : null,
    remainingMs: running === null ? null : running - now,
    obstacle: s.obstacle,
  };
}

/** Art. 3(2): why an order may not be issued to a provider yet, or null. Emergencies need a reason. */
export function firstOrderNoticeProblem(o: { priorOrdersToProvider: number; noticeSentAt: number | null; issueAt: number; emergency: boolean; emergencyReason: string | null }): string | null {
  if (o.priorOrdersToProvider > 0) return null;
  if (o.emergency) return o.emergencyReason && o.emergencyReason.trim() !== '' ? null : 'an emergency order needs the reason for the emergency';
  if (o.noticeSentAt === null) return "the provider's first order needs the 12-hour notice of procedures and deadlines first (Art. 3(2)), or an emergency with a reason";
  const ready = o.noticeSentAt + FIRST_ORDER_NOTICE_MS;
  if (o.issueAt < ready) return `the 12-hour notice was sent at ${new Date(o.noticeSentAt).toISOString()}; the first order may be issued from ${new Date(ready).toISOString()} (Art. 3(2))`;
  return null;
}

/** Art. 4: the scrutiny windows of a cross-border order, from the copy sent to the host State at issue. */
export function scrutinyWindows(s: Pick<OrderState, 'issuedAt' | 'receivedAt' | 'scrutinyRequestedAt'>): { requestUntil: number | null; decisionDue: number | null } {
  const requestUntil = s.receivedAt === null ? null : s.receivedAt + SCRUTINY_REQUEST_WINDOW_MS;
  // Own-initiative scrutiny runs from the copy (sent with the order); a request starts its own 72 hours.
  const from = s.scrutinyRequestedAt ?? s.issuedAt;
  return { requestUntil, decisionDue: from === null ? null : from + SCRUTINY_DECISION_MS };
}

/** Art. 11(3): until when the content provider is not told, or why the extension is refused. */
export function nonDisclosureUntil(issuedAt: number, extensions: number): { ok: true; until: number } | { ok: false; reason: string } {
  if (!Number.isInteger(extensions) || extensions < 0) return { ok: false, reason: 'extensions must be a whole number' };
  if (extensions > NON_DISCLOSURE_MAX_EXTENSIONS) return { ok: false, reason: 'non-disclosure is six weeks, extendable once by six weeks (Art. 11(3))' };
  return { ok: true, until: issuedAt + NON_DISCLOSURE_MS * (1 + extensions) };
}

/** Calendar months added to an instant, in UTC, clamped to the month's last day (31 Mar − 1 month = 28/29 Feb). */
export function addMonthsUtc(t: number, months: number): number {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** When an order becomes final: the appeal period (national law, configured) lapsed after receipt. */
export function finalAt(receivedAt: number, appealPeriodMs: number): number {
  return receivedAt + appealPeriodMs;
}

/** Art. 5(4): exposure when at least two orders became final in the twelve months up to `now`. */
export function isExposed(finalTimes: readonly number[], now: number): boolean {
  const from = addMonthsUtc(now, -EXPOSURE_WINDOW_MONTHS);
  return finalTimes.filter((t) => t > from && t <= now).length >= EXPOSURE_MIN_FINAL_ORDERS;
}

/** Art. 10(2): when a complaint's outcome is due. */
export function complaintDueAt(receivedAt: number): number {
  return receivedAt + COMPLAINT_OUTCOME_MS;
}

/** Art. 6(1): until when removed content and related data are preserved (extendable by review or complaint). */
export function preservationUntil(executedAt: number): number {
  return addMonthsUtc(executedAt, PRESERVATION_MONTHS);
}

// ---------------------------------------------------------------------------------------------
// Stored orders: the lifecycle above plus the workflow around it, as one append-only stream.

/** The lifecycle events `applyOrderEvent` folds; a Record so the list cannot drift from the union. */
const LIFECYCLE: Record<OrderEventType, true> = {
  issued: true,
  received: true,
  annex_iii: true,
  obstacle_ceased: true,
  clarification_sent: true,
  annex_ii: true,
  scrutiny_requested: true,
  scrutiny_upheld: true,
  infringement_found: true,
  reinstated: true,
  withdrawn: true,
};
export const ORDER_LIFECYCLE_EVENT_TYPES = Object.keys(LIFECYCLE) as OrderEventType[];

/**
 * Events of the issuing agency's workflow and of the clock watch: they change no legal clock, and
 * record who did what (four eyes, dispatch, escalation, the Art. 4(1) copy, Art. 11(3) extensions).
 */
export const ORDER_WORKFLOW_EVENT_TYPES = ['proposed', 'approved', 'rejected', 'dispatched', 'acknowledged', 'escalated', 'breached', 'copy_sent', 'non_disclosure_extended'] as const;
export type OrderWorkflowEventType = (typeof ORDER_WORKFLOW_EVENT_TYPES)[number];

export const STORED_ORDER_EVENT_TYPES = [...ORDER_LIFECYCLE_EVENT_TYPES, ...ORDER_WORKFLOW_EVENT_TYPES] as const;
export type StoredOrderEventType = OrderEventType | OrderWorkflowEventType;

/** Before issue an order is a proposal (four eyes); a rejected proposal stays on record, closed. */
export const STORED_ORDER_STATUSES = ['proposed', 'rejected', ...ORDER_STATUSES] as const;
export type StoredOrderStatus = (typeof STORED_ORDER_STATUSES)[number];

export interface StoredOrderEvent {
  type: StoredOrderEventType;
  at: number;
  detail: Record<string, unknown>;
}

/** The lifecycle event a stored event carries, or null for a workflow event (or one missing its fields). */
export function lifecycleEventOf(e: StoredOrderEvent): OrderEvent | null {
  switch (e.type) {
    case 'annex_iii': {
      const obstacle = e.detail.obstacle;
      return (OBSTACLES as readonly unknown[]).includes(obstacle) ? { type: 'annex_iii', at: e.at, obstacle: obstacle as Obstacle } : null;
    }
    case 'annex_ii': {
      const { measure, actionAt } = e.detail;
      return (MEASURES as readonly unknown[]).includes(measure) && typeof actionAt === 'number' ? { type: 'annex_ii', at: e.at, measure: measure as Measure, actionAt } : null;
    }
    default:
      return e.type in LIFECYCLE ? ({ type: e.type, at: e.at } as OrderEvent) : null;
  }
}

/**
 * The order's state as the fold of its stored events, and the status lists show: `proposed` or
 * `rejected` before issue, else the lifecycle status.
 */
export function storedOrderState(events: readonly StoredOrderEvent[]): { ok: true; state: OrderState; status: StoredOrderStatus } | { ok: false; index: number; reason: string } {
  const lifecycle = events.map(lifecycleEventOf).filter((e): e is OrderEvent => e !== null);
  const r = foldOrderEvents(lifecycle);
  if (!r.ok) return r;
  const status: StoredOrderStatus = r.state.issuedAt !== null ? r.state.status : events.some((e) => e.type === 'rejected') ? 'rejected' : 'proposed';
  return { ok: true, state: r.state, status };
}

/**
 * What the clock watch (`order.clock` job) records at `now`: an escalation once `now` reaches
 * `deadline − lead`, a breach once the deadline has passed with the clock still running. Each is
 * recorded once per deadline: a restart after Annex III (Art. 3(7)/(8)) brings a new deadline and
 * so a new escalation.
 */
export function dueClockEvents(s: OrderState, recorded: readonly StoredOrderEvent[], now: number, escalationLeadMs: number): { type: 'escalated' | 'breached'; deadline: number }[] {
  if (s.status !== 'running' || s.clockStartedAt === null) return [];
  const deadline = s.clockStartedAt + REMOVAL_WINDOW_MS;
  const done = (type: string) => recorded.some((e) => e.type === type && e.detail.deadline === deadline);
  const out: { type: 'escalated' | 'breached'; deadline: number }[] = [];
  if (now >= deadline - escalationLeadMs && !done('escalated')) out.push({ type: 'escalated', deadline });
  if (now > deadline && !done('breached')) out.push({ type: 'breached', deadline });
  return out;
}

/** Art. 4(1): a copy goes to the host State's authority when the provider's main establishment is in another Member State. */
export function isCrossBorder(issuingState: string, mainEstablishment: string | null): boolean {
  return mainEstablishment !== null && mainEstablishment !== issuingState;
}

/** Art. 11(3): why the non-disclosure period of an order cannot be extended now, or null. */
export function nonDisclosureExtensionProblem(o: { withheld: boolean; issuedAt: number | null; extensions: number; now: number }): string | null {
  if (!o.withheld) return 'the order does not withhold disclosure from the content provider (Annex I section C)';
  if (o.issuedAt === null) return 'the order has not been issued';
  const current = nonDisclosureUntil(o.issuedAt, o.extensions);
  if (!current.ok) return current.reason;
  if (o.now > current.until) return `the non-disclosure period ended at ${new Date(current.until).toISOString()}; an extension follows on without a gap`;
  const next = nonDisclosureUntil(o.issuedAt, o.extensions + 1);
  return next.ok ? null : next.reason;
}

/** A review decision as the order rule needs it. */
export type DecisionFacts = Pick<Decision, 'id' | 'verdict' | 'status' | 'reviewerId' | 'proposeOrder' | 'undoUntil'>;

/**
 * The item's current decision, when it supports a removal order: the newest decision on the item
 * that was not undone, published or approved (past its undo window and any four-eyes approval),
 * with the verdict terrorist_content. Otherwise why not. `decisions` are those covering the item.
 */
export function currentOrderDecision<D extends DecisionFacts>(decisions: readonly D[], now: number): { ok: true; decision: D } | { ok: false; reason: string } {
  const live = [...decisions].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).find((d) => effectiveStatus(d, now) !== 'undone');
  if (!live) return { ok: false, reason: 'has no review decision' };
  const status = effectiveStatus(live, now);
  if (status === 'draft') return { ok: false, reason: 'has a decision still in its undo window' };
  if (status === 'awaiting_approval') return { ok: false, reason: 'has a decision awaiting four-eyes approval' };
  if (status === 'rejected') return { ok: false, reason: 'has a decision its approver rejected' };
  if (live.verdict !== 'terrorist_content') return { ok: false, reason: `was decided ${live.verdict.replace(/_/g, ' ')}` };
  return { ok: true, decision: live };
}
