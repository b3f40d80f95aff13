/**
 * Referrals, both sides. The issuing agency (an authority or flagger) drafts a referral from items
 * its review found to be terrorist content, sends it to the one provider the URLs resolve to
 * (every channel of the provider, through dispatch), reminds while it stays unacknowledged, and
 * closes it. The addressed provider (its portal agency's users, or the provider by signed
 * callback) acknowledges it and answers each item; the answer is written to the issuer's rows at
 * once, with an event in the referral's history and a line in the issuer's audit log.
 */
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import type { AgencyKind } from '../agency/agency.model.ts';
import type { Item } from '../intake/intake.model.ts';
import type { Decision } from '../review/review.model.ts';
import type { Dispatch } from '../dispatch/dispatch.model.ts';
import type { NewMessage } from '../dispatch/dispatch.service.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import {
  actionTimeProblem,
  applyReferralAction,
  nextReminderAt,
  REFERRAL_ITEMS_MAX,
  REFERRAL_NOTE_MAX,
  REFERRAL_REASONS_MAX,
  REFERRAL_REFERENCE_MAX,
  referableDecision,
  referralPayload,
  referralText,
  singleProviderProblem,
  type ItemOutcome,
  type ReferralAction,
  type ReferralEvent,
  type ReferralEventKind,
  type ReferralItem,
  type ReferralMachine,
  type ReferralState,
} from './referral.model.ts';
import type { NewReferralItem, ReferralListQuery, ReferralPatch, ReferralRepository, StoredReferral } from './referral.repository.ts';

/**
 * An answer from the addressed provider, as the portal routes and the signed provider callback
 * (`POST /api/v1/callbacks/providers/:providerId`, body `{ subject: 'referral', referralId, answer }`)
 * both give it. Times are epoch milliseconds.
 */
export type ReferralAnswer =
  | { kind: 'acknowledge' }
  | {
      kind: 'outcome';
      /** The referral item's id (`items[].id` of the referral document), not the issuer's item id. */
      itemId: string;
      outcome: ItemOutcome;
      /** Required when declined: why the content stays up under the provider's terms. */
      reason?: string | null;
      /** When the content was removed or disabled; defaults to the time of the answer. */
      actionAt?: number | null;
    };

export interface ReferralDetail {
  referral: StoredReferral;
  items: ReferralItem[];
  events: ReferralEvent[];
}

/** The issuer's view: also every message sent for the referral. */
export interface IssuerDetail extends ReferralDetail {
  dispatches: Dispatch[];
}

interface StepDeps {
  referrals: ReferralRepository;
  clock: Clock;
  ids: Ids;
}

const machineOf = (r: StoredReferral, items: ReferralItem[]): ReferralMachine => ({ state: r.state, reminders: r.reminders, items: items.map((i) => ({ id: i.id, outcome: i.outcome })) });

/** The time columns a state is entered with, set once. */
function timesFor(r: StoredReferral, next: ReferralState, at: number): ReferralPatch {
  const patch: ReferralPatch = {};
  if (next === 'sent' && r.sentAt === null) patch.sent_at = at;
  if (next === 'delivered' && r.deliveredAt === null) patch.delivered_at = at;
  if ((next === 'acknowledged' || next === 'actioned') && r.acknowledgedAt === null) patch.acknowledged_at = at;
  if (next === 'actioned' && r.actionedAt === null) patch.actioned_at = at;
  if (next === 'closed') patch.closed_at = at;
  return patch;
}

/**
 * Runs one action through the state machine and stores the result in one transaction: the
 * referral (only if nobody changed it meanwhile), the item's outcome, and the event.
 */
async function step(
  deps: StepDeps,
  referralId: string,
  action: ReferralAction,
  e: { actor: string; detail?: Record<string, unknown>; patch?: ReferralPatch; answer?: { actionAt: number | null; answeredBy: string }; at?: number },
): Promise<{ referral: StoredReferral; changed: boolean }> {
  const { referrals, clock, ids } = deps;
  const r = await referrals.get(referralId);
  if (!r) throw new VigilError('VIGIL_NOT_FOUND', `No referral ${referralId}.`);
  const items = await referrals.items(referralId);
  const res = applyReferralAction(machineOf(r, items), action);
  if (!res.ok) throw new VigilError(res.code, res.message, { state: r.state });
  if (!res.changed) return { referral: r, changed: false };
  const now = clock.now();
  const at = e.at ?? now;
  const kind: ReferralEventKind = action.kind === 'remind' ? 'reminded' : action.kind === 'send' ? 'sent' : action.kind === 'deliver' ? 'delivered' : action.kind === 'acknowledge' ? 'acknowledged' : action.kind === 'close' ? 'closed' : 'outcome';
  await referrals.transaction(async (tx) => {
    if (!(await tx.update(referralId, r.version, { ...timesFor(r, res.machine.state, at), state: res.machine.state, reminders: res.machine.reminders, ...e.patch }, now))) {
      throw new VigilError('VIGIL_CONFLICT', 'The referral changed while this request was handled; load it again and retry.');
    }
    if (action.kind === 'outcome') {
      const ok = await tx.answerItem(action.itemId, { outcome: action.outcome, reason: action.reason?.trim() || null, actionAt: e.answer?.actionAt ?? null, answeredAt: now, answeredBy: e.answer?.answeredBy ?? e.actor });
      if (!ok) throw new VigilError('VIGIL_REFERRAL_ITEM_ANSWERED', 'The item was answered meanwhile.');
    }
    const transition = res.machine.state !== r.state ? { from: r.state, to: res.machine.state } : {};
    await tx.addEvent(referralId, r.agencyId, { id: ids.next(), at, kind, actor: e.actor, detail: { ...transition, ...e.detail } });
  });
  return { referral: (await referrals.get(referralId))!, changed: true };
}

export interface ReferralServiceDeps {
  /** Scoped to the issuing agency. */
  referrals: ReferralRepository;
  agencyId: string;
  agencyKind(): Promise<AgencyKind>;
  agencyName(): Promise<string>;
  items: { getItem(itemId: string): Promise<Item | null> };
  /** The agency's review decisions that cover an item. */
  decisionsOfItem(itemId: string): Promise<Decision[]>;
  providers: {
    /** The provider whose domain patterns cover the URL best (provider.model.ts `resolveProvider`), or null. */
    resolve(url: string): Promise<{ id: string; name: string } | null>;
    get(providerId: string): Promise<{ id: string; name: string; providerAgencyId: string | null } | null>;
  };
  dispatch: { create(m: NewMessage): Promise<Dispatch[]>; list(q: { subjectKind: 'referral'; subjectId: string; limit: number }): Promise<Dispatch[]> };
  /** Enqueues `referral.remind` for this agency at `runAt`; the key keeps one job per reminder. */
  enqueueReminder(referralId: string, reminder: number, runAt: number): Promise<void>;
  reminderIntervalMs: number;
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
  actor: { userId: string | null; label: string };
}

export interface NewReferralInput {
  itemIds: string[];
  reference?: string | undefined;
  /** Defaults to the reasons of the review decisions, one paragraph each. */
  reasons?: string | undefined;
}

/** Dispatches per referral shown in its detail: the first send plus every reminder on every channel. */
const DISPATCHES_SHOWN_MAX = 50;

export function createReferralService(deps: ReferralServiceDeps) {
  const { referrals, clock, ids } = deps;
  const actor = deps.actor.label;
  const by = deps.actor.userId ?? deps.actor.label;

  async function mustIssue(): Promise<void> {
    if ((await deps.agencyKind()) === 'provider') throw new VigilError('VIGIL_REFERRAL_NOT_ISSUER');
  }

  async function mustGetProvider(providerId: string): Promise<{ id: string; name: string; providerAgencyId: string | null }> {
    const p = await deps.providers.get(providerId);
    if (!p) throw new VigilError('VIGIL_NOT_FOUND', `No provider ${providerId}.`);
    return p;
  }

  async function mustGet(referralId: string): Promise<StoredReferral> {
    const r = await referrals.get(referralId);
    if (!r) throw new VigilError('VIGIL_NOT_FOUND', `No referral ${referralId}.`);
    return r;
  }

  function checkedText(field: { reference?: string | undefined; reasons?: string | undefined }): { reference?: string; reasons?: string } {
    const out: { reference?: string; reasons?: string } = {};
    if (field.reasons !== undefined) {
      const reasons = field.reasons.trim();
      if (!reasons) throw new VigilError('VIGIL_REFERRAL_INVALID', 'A referral needs reasons the provider can read.');
      if (reasons.length > REFERRAL_REASONS_MAX) throw new VigilError('VIGIL_REFERRAL_INVALID', `The reasons are longer than ${REFERRAL_REASONS_MAX} characters.`);
      out.reasons = reasons;
    }
    if (field.reference !== undefined) {
      const reference = field.reference.trim().replace(/\s+/g, ' ');
      if (!reference || reference.length > REFERRAL_REFERENCE_MAX) throw new VigilError('VIGIL_REFERRAL_INVALID', `A reference has 1 to ${REFERRAL_REFERENCE_MAX} characters.`);
      out.reference = reference;
    }
    return out;
  }

  async function mustBeFree(reference: string, selfId: string | null): Promise<void> {
    if (await referrals.referenceTaken(deps.agencyId, reference, selfId)) throw new VigilError('VIGIL_REFERRAL_REFERENCE_TAKEN', `Your agency already has a referral with reference ${reference}.`);
  }

  async function dispatchesOf(referralId: string): Promise<Dispatch[]> {
    return deps.dispatch.list({ subjectKind: 'referral', subjectId: referralId, limit: DISPATCHES_SHOWN_MAX });
  }

  /** Sends the referral (or reminder `reminder`) to every channel of the provider. */
  async function dispatchTo(r: StoredReferral, items: ReferralItem[], reminder: number | null): Promise<Dispatch[]> {
    const agencyName = await deps.agencyName();
    return deps.dispatch.create({
      providerId: r.providerId,
      subjectKind: 'referral',
      subjectId: r.id,
      title: `${reminder !== null ? `Reminder ${reminder}: ` : ''}Referral ${r.reference} from ${agencyName}: ${items.length} item${items.length === 1 ? '' : 's'} against your terms of service`,
      text: referralText(agencyName, r, items, reminder),
      payload: referralPayload(r, items, reminder),
    });
  }

  async function detail(referralId: string): Promise<IssuerDetail> {
    const referral = await mustGet(referralId);
    return { referral, items: await referrals.items(referralId), events: await referrals.events(referralId), dispatches: await dispatchesOf(referralId) };
  }

  /** A dispatch of the referral reached the provider's system (the `dispatch.send` job, or the portal at once). */
  async function markDelivered(referralId: string, at: number): Promise<void> {
    const r = await referrals.get(referralId);
    if (!r || r.state === 'draft' || r.state === 'closed') return;
    await step({ referrals, clock, ids }, referralId, { kind: 'deliver' }, { actor: 'system:dispatch', at });
  }

  return {
    /** A draft referral of items the agency's review found to be terrorist content, all on one provider. */
    async create(input: NewReferralInput): Promise<IssuerDetail> {
      await mustIssue();
      const itemIds = [...new Set(input.itemIds)];
      if (itemIds.length === 0 || itemIds.length > REFERRAL_ITEMS_MAX) throw new VigilError('VIGIL_REFERRAL_INVALID', `A referral has 1 to ${REFERRAL_ITEMS_MAX} items.`);
      const text = checkedText(input);
      const now = clock.now();
      const problems: { itemId: string; problem: string }[] = [];
      const chosen: { item: Item; decision: Decision }[] = [];
      for (const itemId of itemIds) {
        const item = await deps.items.getItem(itemId);
        if (!item) {
          problems.push({ itemId, problem: 'is not an item of your agency' });
          continue;
        }
        if (item.kind !== 'url') {
          problems.push({ itemId, problem: 'is an uploaded file, not a URL a provider can find' });
          continue;
        }
        const d = referableDecision(await deps.decisionsOfItem(itemId), now);
        if (!d.ok) problems.push({ itemId, problem: d.problem });
        else chosen.push({ item, decision: d.decision });
      }
      if (problems.length) throw new VigilError('VIGIL_REFERRAL_ITEMS_INVALID', `Not every item can be referred: ${problems.map((p) => `${p.itemId} ${p.problem}`).join('; ')}.`, { items: problems });
      const resolved = [];
      for (const c of chosen) {
        const p = await deps.providers.resolve(c.item.url);
        resolved.push({ url: c.item.url, providerId: p?.id ?? null, providerName: p?.name ?? null });
      }
      const mixed = singleProviderProblem(resolved);
      if (mixed) throw new VigilError('VIGIL_REFERRAL_MIXED_PROVIDERS', `The referral cannot be made: ${mixed}.`, { items: resolved.map((r, i) => ({ itemId: chosen[i]!.item.id, url: r.url, providerId: r.providerId })) });
      const provider = await mustGetProvider(resolved[0]!.providerId!);
      const id = ids.next();
      const reference = text.reference ?? `REF-${new Date(now).toISOString().slice(0, 10)}-${id.slice(-8)}`;
      await mustBeFree(reference, null);
      const reasons = text.reasons ?? [...new Set(chosen.map((c) => c.decision.reasons.trim()).filter(Boolean))].join('\n\n').slice(0, REFERRAL_REASONS_MAX);
      if (!reasons) throw new VigilError('VIGIL_REFERRAL_INVALID', 'A referral needs reasons the provider can read.');
      const items: NewReferralItem[] = chosen.map((c) => ({ id: ids.next(), itemId: c.item.id, url: c.item.url, decisionId: c.decision.id, grounds: c.decision.grounds }));
      await referrals.transaction(async (tx) => {
        await tx.insert(
          { id, providerId: provider.id, recipientAgencyId: provider.providerAgencyId, reference, reasons, state: 'draft', reminders: 0, createdAt: now, createdBy: by, updatedAt: now, sentAt: null, deliveredAt: null, acknowledgedAt: null, actionedAt: null, closedAt: null, closeNote: null },
          items,
          deps.agencyId,
        );
        await tx.addEvent(id, deps.agencyId, { id: ids.next(), at: now, kind: 'created', actor, detail: { providerId: provider.id, itemIds: items.map((i) => i.itemId) } });
      });
      await deps.audit.record({ action: 'referral.create', targetType: 'referral', targetId: id, detail: { providerId: provider.id, reference, itemIds: items.map((i) => i.itemId) } });
      return detail(id);
    },

    async list(q: ReferralListQuery): Promise<StoredReferral[]> {
      return referrals.list(q);
    },

    get: detail,

    /** Edits a draft's reference or reasons (the reasons start as the review's). */
    async update(referralId: string, patch: { reference?: string | undefined; reasons?: string | undefined }): Promise<IssuerDetail> {
      await mustIssue();
      const r = await mustGet(referralId);
      if (r.state !== 'draft') throw new VigilError('VIGIL_REFERRAL_INVALID_TRANSITION', `The referral is ${r.state}; only a draft is edited.`);
      const text = checkedText(patch);
      const changed = Object.fromEntries(Object.entries(text).filter(([k, v]) => r[k as 'reference' | 'reasons'] !== v));
      if (Object.keys(changed).length === 0) return detail(referralId);
      if (text.reference !== undefined) await mustBeFree(text.reference, referralId);
      const now = clock.now();
      await referrals.transaction(async (tx) => {
        if (!(await tx.update(referralId, r.version, changed, now))) throw new VigilError('VIGIL_CONFLICT', 'The referral changed while this request was handled; load it again and retry.');
        await tx.addEvent(referralId, deps.agencyId, { id: ids.next(), at: now, kind: 'edited', actor, detail: { fields: Object.keys(changed) } });
      });
      await deps.audit.record({ action: 'referral.update', targetType: 'referral', targetId: referralId, detail: { fields: Object.keys(changed) } });
      return detail(referralId);
    },

    /**
     * Sends a draft to every channel of its provider. The referral is claimed as sent first, so
     * two concurrent sends cannot both dispatch; if no channel can take it, the row is restored as
     * it was and nothing is stored. A portal message is delivered at once, which makes the referral delivered.
     */
    async send(referralId: string): Promise<IssuerDetail> {
      await mustIssue();
      const before = await mustGet(referralId);
      const items = await referrals.items(referralId);
      const res = applyReferralAction(machineOf(before, items), { kind: 'send' });
      if (!res.ok) throw new VigilError(res.code, res.message, { state: before.state });
      const provider = await mustGetProvider(before.providerId);
      const now = clock.now();
      if (!(await referrals.update(referralId, before.version, { state: 'sent', sent_at: now, recipient_agency_id: provider.providerAgencyId }, now))) {
        throw new VigilError('VIGIL_CONFLICT', 'The referral changed while this request was handled; load it again and retry.');
      }
      let dispatches: Dispatch[];
      try {
        dispatches = await dispatchTo({ ...before, state: 'sent', sentAt: now }, items, null);
      } catch (e) {
        await referrals.restore(before, before.version + 1);
        throw e;
      }
      await referrals.addEvent(referralId, deps.agencyId, { id: ids.next(), at: now, kind: 'sent', actor, detail: { from: 'draft', to: 'sent', dispatchIds: dispatches.map((d) => d.id), channels: dispatches.map((d) => d.channel) } });
      const at = nextReminderAt(now, 0, deps.reminderIntervalMs);
      if (at !== null) await deps.enqueueReminder(referralId, 1, at);
      await deps.audit.record({ action: 'referral.send', targetType: 'referral', targetId: referralId, detail: { providerId: provider.id, dispatchIds: dispatches.map((d) => d.id), channels: dispatches.map((d) => d.channel) } });
      const delivered = dispatches.filter((d) => d.deliveredAt !== null).map((d) => d.deliveredAt!);
      if (delivered.length) await markDelivered(referralId, Math.min(...delivered));
      return detail(referralId);
    },

    /** A dispatch of the referral reached the provider's system (the `dispatch.send` job, or the portal at once). */
    markDelivered,

    /**
     * The `referral.remind` job: while the referral is sent but not acknowledged, sends it again
     * marked as reminder n, records the reminder and schedules the next one, up to the maximum.
     */
    async remind(referralId: string): Promise<{ next: 'done' | 'skipped'; reason: string }> {
      const r = await referrals.get(referralId);
      if (!r) return { next: 'skipped', reason: `referral ${referralId} not found` };
      const res = applyReferralAction(machineOf(r, await referrals.items(referralId)), { kind: 'remind' });
      if (!res.ok) return { next: 'skipped', reason: res.message };
      const due = nextReminderAt(r.sentAt!, r.reminders, deps.reminderIntervalMs)!;
      if (clock.now() < due) return { next: 'skipped', reason: `reminder ${r.reminders + 1} is due at ${new Date(due).toISOString()}` };
      const reminder = r.reminders + 1;
      // Sent first: a reminder is recorded only once it went out (a failed send retries the job).
      const dispatches = await dispatchTo(r, await referrals.items(referralId), reminder);
      await step({ referrals, clock, ids }, referralId, { kind: 'remind' }, { actor: 'system:referral', detail: { reminder, dispatchIds: dispatches.map((d) => d.id) } });
      await deps.audit.record({ action: 'referral.remind', targetType: 'referral', targetId: referralId, detail: { reminder, dispatchIds: dispatches.map((d) => d.id) } });
      const next = nextReminderAt(r.sentAt!, reminder, deps.reminderIntervalMs);
      if (next !== null) await deps.enqueueReminder(referralId, reminder + 1, next);
      return { next: 'done', reason: `reminder ${reminder} sent on ${dispatches.length} channel${dispatches.length === 1 ? '' : 's'}` };
    },

    async close(referralId: string, note: string | undefined): Promise<IssuerDetail> {
      await mustIssue();
      const text = note?.trim() || null;
      if (text && text.length > REFERRAL_NOTE_MAX) throw new VigilError('VIGIL_REFERRAL_INVALID', `The note is longer than ${REFERRAL_NOTE_MAX} characters.`);
      const before = await mustGet(referralId);
      await step({ referrals, clock, ids }, referralId, { kind: 'close' }, { actor, patch: { close_note: text }, detail: text ? { note: text } : {} });
      await deps.audit.record({ action: 'referral.close', targetType: 'referral', targetId: referralId, detail: { from: before.state } });
      return detail(referralId);
    },
  };
}

export type ReferralService = ReturnType<typeof createReferralService>;

export interface ReferralAnswerDeps {
  /** Scoped to the addressed provider: its portal agency, or the provider itself (callbacks). */
  referrals: ReferralRepository;
  /** The answering side's own audit log (its agency's), or null for a provider without a portal agency. */
  audit: AuditLog | null;
  /** The issuing agency's audit log: answers reach it at once. */
  auditOf(agencyId: string): AuditLog;
  agencyName(agencyId: string): Promise<string | null>;
  clock: Clock;
  ids: Ids;
  /** Who answers: `user:…`/`token:…` in the portal, `provider:<id>` for a signed callback. */
  actor: string;
}

/** A referral as the provider sees it. */
export interface ReceivedReferral extends ReferralDetail {
  issuer: { agencyId: string; name: string };
}

export function createReferralAnswerService(deps: ReferralAnswerDeps) {
  const { referrals, clock, ids } = deps;

  async function detail(referralId: string): Promise<ReceivedReferral> {
    const referral = await referrals.get(referralId);
    if (!referral) throw new VigilError('VIGIL_NOT_FOUND', `No referral ${referralId} addressed to you.`);
    return { referral, items: await referrals.items(referralId), events: await referrals.events(referralId), issuer: { agencyId: referral.agencyId, name: (await deps.agencyName(referral.agencyId)) ?? referral.agencyId } };
  }

  async function record(referral: StoredReferral, action: string, detail: Record<string, unknown>): Promise<void> {
    await deps.auditOf(referral.agencyId).record({ action, targetType: 'referral', targetId: referral.id, detail: { ...detail, by: deps.actor } });
    await deps.audit?.record({ action, targetType: 'referral', targetId: referral.id, detail });
  }

  return {
    async list(q: ReferralListQuery): Promise<StoredReferral[]> {
      return referrals.list(q);
    },

    /** Names of issuing agencies, for lists. */
    async issuerNames(agencyIds: string[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      for (const id of new Set(agencyIds)) out.set(id, (await deps.agencyName(id)) ?? id);
      return out;
    },

    /** One referral, its items and history; the read is audited (it names the content). */
    async get(referralId: string): Promise<ReceivedReferral> {
      const d = await detail(referralId);
      await deps.audit?.record({ action: 'referral.read', targetType: 'referral', targetId: referralId, detail: { issuerAgencyId: d.referral.agencyId } });
      return d;
    },

    /**
     * Acknowledges a referral or answers one of its items, for the portal and for the signed
     * provider callback alike. A referral not addressed to this provider is not found.
     */
    async answer(referralId: string, answer: ReferralAnswer): Promise<ReceivedReferral> {
      const before = await referrals.get(referralId);
      if (!before) throw new VigilError('VIGIL_NOT_FOUND', `No referral ${referralId} addressed to you.`);
      if (answer.kind === 'acknowledge') {
        const { referral } = await step({ referrals, clock, ids }, referralId, { kind: 'acknowledge' }, { actor: deps.actor });
        await record(referral, 'referral.acknowledge', {});
        return detail(referralId);
      }
      const now = clock.now();
      const reason = answer.reason?.trim() || null;
      if (reason && reason.length > REFERRAL_NOTE_MAX) throw new VigilError('VIGIL_REFERRAL_ANSWER_INVALID', `The reason is longer than ${REFERRAL_NOTE_MAX} characters.`);
      const actionAt = answer.outcome === 'declined' ? null : (answer.actionAt ?? now);
      if (answer.outcome === 'declined' && answer.actionAt != null) throw new VigilError('VIGIL_REFERRAL_ANSWER_INVALID', 'A declined item has no action time: nothing was removed or disabled.');
      if (actionAt !== null && before.sentAt !== null) {
        const problem = actionTimeProblem(actionAt, before.sentAt, now);
        if (problem) throw new VigilError('VIGIL_REFERRAL_ANSWER_INVALID', `The answer is not valid: ${problem}.`);
      }
      const { referral } = await step(
        { referrals, clock, ids },
        referralId,
        { kind: 'outcome', itemId: answer.itemId, outcome: answer.outcome, reason },
        { actor: deps.actor, detail: { itemId: answer.itemId, outcome: answer.outcome, ...(reason ? { reason } : {}), ...(actionAt !== null ? { actionAt } : {}) }, answer: { actionAt, answeredBy: deps.actor } },
      );
      await record(referral, 'referral.outcome', { itemId: answer.itemId, outcome: answer.outcome });
      return detail(referralId);
    },
  };
}

export type ReferralAnswerService = ReturnType<typeof createReferralAnswerService>;
