/**
 * Referrals (DESIGN flow steps 6–7): a voluntary notice to one hosting provider that verified items
 * break its terms of service. Unlike a TCO removal order there is no legal clock; the provider
 * acts on its own terms and answers per item. Pure: the state machine, what may be referred, the
 * document the provider receives, and when a reminder is due.
 *
 * Lifecycle: draft → sent → delivered → acknowledged → actioned → closed. `delivered` is when a
 * dispatch reached the provider's system; `acknowledged` when the provider says it has the
 * referral; `actioned` once every item has an outcome (removed, disabled, or declined with a
 * reason). The issuer may close a referral at any point (withdrawn, or done).
 */
import type { Decision, Ground } from '../review/review.model.ts';
import { effectiveStatus } from '../review/review.model.ts';

export const REFERRAL_STATES = ['draft', 'sent', 'delivered', 'acknowledged', 'actioned', 'closed'] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];

/** What the provider did with one referred item. */
export const ITEM_OUTCOMES = ['removed', 'disabled', 'declined'] as const;
export type ItemOutcome = (typeof ITEM_OUTCOMES)[number];

export const REFERRAL_EVENT_KINDS = ['created', 'edited', 'sent', 'delivered', 'acknowledged', 'outcome', 'reminded', 'closed'] as const;
export type ReferralEventKind = (typeof REFERRAL_EVENT_KINDS)[number];

/** Items in one referral: a batch a provider's moderators can work through in one sitting. */
export const REFERRAL_ITEMS_MAX = 100;
/** Characters of the reasons the provider reads. */
export const REFERRAL_REASONS_MAX = 10_000;
/** Characters of the issuer's own file reference. */
export const REFERRAL_REFERENCE_MAX = 100;
/** Characters of a provider's reason for declining an item, or of an issuer's note on closing. */
export const REFERRAL_NOTE_MAX = 2_000;
/** Reminders sent while a referral stays unacknowledged; then the issuer follows up by hand. */
export const REFERRAL_REMINDERS_MAX = 3;
/** Default wait before each reminder (VIGIL_REFERRAL_REMINDER_HOURS). */
export const REFERRAL_REMINDER_HOURS_DEFAULT = 24;
export const REFERRAL_PAGE_MAX = 200;
export const REFERRAL_PAGE_DEFAULT = 50;

/**
 * Every state change the machine allows. Staying in a state is allowed too for three actions: a
 * further outcome while items remain open, a reminder, and a repeated delivery.
 */
export const REFERRAL_TRANSITIONS: Record<ReferralState, readonly ReferralState[]> = {
  draft: ['sent', 'closed'],
  sent: ['delivered', 'acknowledged', 'actioned', 'closed'],
  delivered: ['acknowledged', 'actioned', 'closed'],
  acknowledged: ['actioned', 'closed'],
  actioned: ['closed'],
  closed: [],
};

/** States in which the provider has the referral and may answer it. */
export const ANSWERABLE_STATES: readonly ReferralState[] = ['sent', 'delivered', 'acknowledged'];
/** States in which a reminder may go out: sent, but not yet acknowledged. */
export const REMINDABLE_STATES: readonly ReferralState[] = ['sent', 'delivered'];

export interface ReferralItemState {
  id: string;
  outcome: ItemOutcome | null;
}

/** What the machine looks at. */
export interface ReferralMachine {
  state: ReferralState;
  items: readonly ReferralItemState[];
  reminders: number;
}

export type ReferralAction =
  | { kind: 'send' }
  | { kind: 'deliver' }
  | { kind: 'acknowledge' }
  | { kind: 'outcome'; itemId: string; outcome: ItemOutcome; reason: string | null }
  | { kind: 'remind' }
  | { kind: 'close' };

export type ReferralErrorCode = 'VIGIL_REFERRAL_INVALID_TRANSITION' | 'VIGIL_REFERRAL_ITEM_ANSWERED' | 'VIGIL_REFERRAL_REASON_REQUIRED' | 'VIGIL_NOT_FOUND';

export interface ReferralRefusal {
  ok: false;
  code: ReferralErrorCode;
  message: string;
}

export type ReferralStep = { ok: true; machine: ReferralMachine; changed: boolean } | ReferralRefusal;

const refuse = (code: ReferralErrorCode, message: string): ReferralRefusal => ({ ok: false, code, message });
const stepTo = (m: ReferralMachine, patch: Partial<ReferralMachine>): ReferralStep => ({ ok: true, machine: { ...m, ...patch }, changed: true });

/**
 * Applies one action. Refusals say why, in words the caller can show; a repeated delivery is
 * accepted without change (several channels each report theirs).
 */
export function applyReferralAction(m: ReferralMachine, action: ReferralAction): ReferralStep {
  const is = (...states: ReferralState[]) => states.includes(m.state);
  switch (action.kind) {
    case 'send':
      if (!is('draft')) return refuse('VIGIL_REFERRAL_INVALID_TRANSITION', `The referral is ${m.state}; only a draft is sent.`);
      if (m.items.length === 0) return refuse('VIGIL_REFERRAL_INVALID_TRANSITION', 'The referral has no items.');
      return stepTo(m, { state: 'sent' });
    case 'deliver':
      if (is('draft', 'closed')) return refuse('VIGIL_REFERRAL_INVALID_TRANSITION', `The referral is ${m.state}; nothing was delivered.`);
      if (!is('sent')) return { ok: true, machine: m, changed: false };
      return stepTo(m, { state: 'delivered' });
    case 'acknowledge':
      if (!is('sent', 'delivered')) return refuse('VIGIL_REFERRAL_INVALID_TRANSITION', m.state === 'draft' ? 'The referral has not been sent.' : `The referral is already ${m.state}.`);
      return stepTo(m, { state: 'acknowledged' });
    case 'outcome': {
      if (!ANSWERABLE_STATES.includes(m.state)) return refuse('VIGIL_REFERRAL_INVALID_TRANSITION', m.state === 'draft' ? 'The referral has not been sent.' : `The referral is ${m.state}; its items can no longer be answered.`);
      const item = m.items.find((i) => i.id === action.itemId);
      if (!item) return refuse('VIGIL_NOT_FOUND', `The referral has no item ${action.itemId}.`);
      if (item.outcome !== null) return refuse('VIGIL_REFERRAL_ITEM_ANSWERED', `The item was already answered: ${item.outcome}.`);
      if (action.outcome === 'declined' && !action.reason?.trim()) return refuse('VIGIL_REFERRAL_REASON_REQUIRED', 'Declining an item needs a reason the issuer can read.');
      const items = m.items.map((i) => (i.id === action.itemId ? { ...i, outcome: action.outcome } : i));
      // An outcome is also an acknowledgement: the provider evidently has the referral.
      return stepTo(m, { items, state: items.every((i) => i.outcome !== null) ? 'actioned' : 'acknowledged' });
    }
    case 'remind':
      if (!REMINDABLE_STATES.includes(m.state)) return refuse('VIGIL_REFERRAL_INVALID_TRANSITION', `The referral is ${m.state}; reminders go only to referrals not yet acknowledged.`);
      if (m.reminders >= REFERRAL_REMINDERS_MAX) return refuse('VIGIL_REFERRAL_INVALID_TRANSITION', `The referral was already reminded ${REFERRAL_REMINDERS_MAX} times.`);
      return stepTo(m, { reminders: m.reminders + 1 });
    case 'close':
      if (is('closed')) return refuse('VIGIL_REFERRAL_INVALID_TRANSITION', 'The referral is already closed.');
      return stepTo(m, { state: 'closed' });
  }
}

/** When the next reminder is due: one interval after sending, then one after each reminder. */
export function nextReminderAt(sentAt: number, reminders: number, intervalMs: number): number | null {
  return reminders >= REFERRAL_REMINDERS_MAX ? null : sentAt + (reminders + 1) * intervalMs;
}

/**
 * Why an item cannot be referred on the strength of the agency's review, or null with the
 * decision it rests on. The item's newest decision counts (a later one replaces an earlier), once
 * its undo window has closed; it must find terrorist content. A decision awaiting a removal
 * order's approval qualifies: the content finding is made, only the order waits for four eyes.
 */
export function referableDecision(decisionsOfItem: readonly Decision[], now: number): { ok: true; decision: Decision } | { ok: false; problem: string } {
  const live = decisionsOfItem.filter((d) => effectiveStatus(d, now) !== 'undone').sort((a, b) => (a.createdAt - b.createdAt) || (a.id < b.id ? -1 : 1));
  const latest = live.at(-1);
  if (!latest) return { ok: false, problem: 'has no review decision' };
  const status = effectiveStatus(latest, now);
  if (status === 'draft') return { ok: false, problem: 'has a decision still in its undo window' };
  if (latest.verdict !== 'terrorist_content') return { ok: false, problem: `was last decided ${latest.verdict}` };
  if (status === 'rejected') return { ok: false, problem: 'has a decision whose removal order was rejected; decide it again' };
  return { ok: true, decision: latest };
}

/** Refuses a batch whose URLs belong to different providers (or none), naming each group. */
export function singleProviderProblem(resolved: readonly { url: string; providerId: string | null; providerName: string | null }[]): string | null {
  const none = resolved.filter((r) => r.providerId === null);
  if (none.length) return `no provider's domain pattern covers ${none.map((r) => r.url).join(', ')}`;
  const groups = new Map<string, { name: string; urls: string[] }>();
  for (const r of resolved) {
    const g = groups.get(r.providerId!) ?? { name: r.providerName ?? r.providerId!, urls: [] };
    g.urls.push(r.url);
    groups.set(r.providerId!, g);
  }
  if (groups.size <= 1) return null;
  return `the items belong to ${groups.size} providers (${[...groups.values()].map((g) => `${g.name}: ${g.urls.length} item${g.urls.length === 1 ? '' : 's'}`).join('; ')}); a referral goes to one provider, so make one per provider`;
}

export interface Referral {
  id: string;
  agencyId: string;
  providerId: string;
  /** The provider's portal agency when the referral was made or sent: who may see and answer it. */
  recipientAgencyId: string | null;
  reference: string;
  reasons: string;
  state: ReferralState;
  reminders: number;
  createdAt: number;
  createdBy: string | null;
  updatedAt: number;
  sentAt: number | null;
  deliveredAt: number | null;
  acknowledgedAt: number | null;
  actionedAt: number | null;
  closedAt: number | null;
  closeNote: string | null;
  itemCount: number;
  answeredCount: number;
}

export interface ReferralItem {
  id: string;
  referralId: string;
  itemId: string;
  url: string;
  decisionId: string;
  grounds: Ground[];
  outcome: ItemOutcome | null;
  outcomeReason: string | null;
  /** When the provider removed or disabled the content (it may report an earlier time than its answer). */
  actionAt: number | null;
  answeredAt: number | null;
  answeredBy: string | null;
}

export interface ReferralEvent {
  id: string;
  at: number;
  kind: ReferralEventKind;
  actor: string;
  detail: Record<string, unknown>;
}

/** Problems with an answer's action time, or null: not in the future, not before the referral was sent. */
export function actionTimeProblem(actionAt: number, sentAt: number, now: number): string | null {
  if (actionAt > now) return 'the action time is in the future';
  if (actionAt < sentAt) return `the action time is before the referral was sent (${new Date(sentAt).toISOString()})`;
  return null;
}

/** TCO Art. 2(7) wording of each ground, as the provider reads it. */
export const GROUND_WORDS: Record<Ground, string> = {
  a: 'incites the commission of terrorist offences (Art. 2(7)(a))',
  b: 'solicits a person or group to commit or contribute to terrorist offences (Art. 2(7)(b))',
  c: 'solicits participation in the activities of a terrorist group (Art. 2(7)(c))',
  d: 'provides instruction on making or using explosives, weapons or other methods for terrorist offences (Art. 2(7)(d))',
  e: 'threatens to commit a terrorist offence (Art. 2(7)(e))',
};

/** The document the provider receives (the webhook body's payload, the e-mail's JSON, the portal's). */
export function referralPayload(r: Pick<Referral, 'id' | 'reference' | 'reasons'>, items: readonly Pick<ReferralItem, 'id' | 'url' | 'grounds'>[], reminder: number | null): Record<string, unknown> {
  return {
    referral: {
      id: r.id,
      reference: r.reference,
      voluntary: true,
      reasons: r.reasons,
      items: items.map((i) => ({ id: i.id, url: i.url, grounds: i.grounds })),
      ...(reminder !== null ? { reminder } : {}),
    },
    answer: {
      outcomes: ITEM_OUTCOMES,
      note: 'Acknowledge the referral, then give each item an outcome: removed, disabled, or declined with a reason.',
    },
  };
}

/** The plain text of the e-mail and the portal message. */
export function referralText(agencyName: string, r: Pick<Referral, 'reference' | 'reasons'>, items: readonly Pick<ReferralItem, 'url' | 'grounds'>[], reminder: number | null): string {
  return [
    ...(reminder !== null ? [`Reminder ${reminder} of ${REFERRAL_REMINDERS_MAX}: this referral has not been acknowledged yet.`, ''] : []),
    `${agencyName} refers ${items.length} item${items.length === 1 ? '' : 's'} to you (reference ${r.reference}).`,
    'This is a voluntary referral, not a removal order: please assess the content against your terms of service.',
    '',
    ...items.map((i, n) => `${n + 1}. ${i.url}\n   ${i.grounds.map((g) => GROUND_WORDS[g]).join('; ')}`),
    '',
    'Reasons:',
    r.reasons,
    '',
    'Answer in the portal or by signed callback: acknowledge, then removed, disabled, or declined (with a reason) for each item.',
  ].join('\n');
}
