/**
 * For a provider agency: complaints about its removals (TCO Art. 10) and DSA statements of
 * reasons for its actions. Both reach across to referrals addressed to the agency (never another
 * provider's), and to its executed removal orders through a small port.
 */
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import type { AgencyKind } from '../agency/agency.model.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { complaintDueAt } from '../order/order.model.ts';
import type { ReferralRepository } from '../referral/referral.repository.ts';
import type { ReferralItem } from '../referral/referral.model.ts';
import { COMPLAINT_URL_MAX, decideComplaint, isOverdue, MODERATION_REF_MAX, newComplaintProblem, type Complaint, type ComplaintEvent, type ComplaintSubject, type DecisionInput } from './complaint.model.ts';
import type { ComplaintListQuery, ComplaintRepository } from './complaint.repository.ts';
import { buildStatement, SOR_BATCH_MAX, sorProblems, type SorAction } from './dsa-sor.model.ts';

/** A removal order this agency executed (Annex II). */
export interface OrderRemoval {
  orderId: string;
  /** The order's first URL (an order names up to ORDER_ITEMS_MAX). */
  url: string | null;
  removedAt: number;
  measure: 'removed' | 'disabled';
  referenceNumber: string;
  reasons: string;
  issuerAgencyId: string;
}

/** Removal orders this agency executed, as complaints and statements of reasons need them; wired by the composition root. */
export interface OrderRemovals {
  /** The order's removal, or null when the agency executed no such order. */
  removal(orderId: string): Promise<OrderRemoval | null>;
  /** Executed with the time of the measure in [from, to), oldest first. */
  executedBetween(q: { from: number; to: number; limit: number }): Promise<OrderRemoval[]>;
}

export interface ComplaintServiceDeps {
  complaints: ComplaintRepository;
  agencyKind(): Promise<AgencyKind>;
  /** Referrals addressed to this agency (its portal's scope). */
  received: ReferralRepository;
  orders: OrderRemovals;
  agencyName(agencyId: string): Promise<string | null>;
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
  actor: { userId: string | null; label: string };
}

export interface NewComplaint {
  subject: ComplaintSubject;
  receivedAt: number;
  text: string;
}

export interface ComplaintDetail {
  complaint: Complaint;
  overdue: boolean;
  events: ComplaintEvent[];
}

export interface StatementsInput {
  /** The actions to describe (referred items, executed removal orders); or none, to take every removal and disabling with an action time in [from, to). */
  actions?: ({ referralId: string; itemId: string; fields?: Record<string, unknown> | undefined } | { orderId: string; fields?: Record<string, unknown> | undefined })[] | undefined;
  from?: number | undefined;
  to?: number | undefined;
  /** Which batch of SOR_BATCH_MAX of the range, from 0. */
  batch?: number | undefined;
  /** Fields for every statement (decision_ground, content_type, automated_detection, …). */
  fields: Record<string, unknown>;
}

export function createComplaintService(deps: ComplaintServiceDeps) {
  const { complaints, clock, ids } = deps;
  const by = deps.actor.userId ?? deps.actor.label;

  async function mustBeProvider(): Promise<void> {
    if ((await deps.agencyKind()) !== 'provider') throw new VigilError('VIGIL_COMPLAINT_NOT_PROVIDER');
  }

  async function detail(complaintId: string): Promise<ComplaintDetail> {
    const complaint = await complaints.get(complaintId);
    if (!complaint) throw new VigilError('VIGIL_NOT_FOUND', `No complaint ${complaintId}.`);
    return { complaint, overdue: isOverdue(complaint, clock.now()), events: await complaints.events(complaintId) };
  }

  /** A referred item addressed to this agency, with the referral, or null. */
  async function receivedItem(referralId: string, itemId: string): Promise<{ item: ReferralItem; reference: string; reasons: string; issuerAgencyId: string } | null> {
    const referral = await deps.received.get(referralId);
    if (!referral) return null;
    const item = (await deps.received.items(referralId)).find((i) => i.id === itemId);
    return item ? { item, reference: referral.reference, reasons: referral.reasons, issuerAgencyId: referral.agencyId } : null;
  }

  /** What a complaint is about: it must be a removal of this agency's; returns the content URL and removal time Vigil knows. */
  async function removalOf(s: ComplaintSubject): Promise<{ url: string | null; removedAt: number | null }> {
    const invalid = (why: string) => new VigilError('VIGIL_COMPLAINT_SUBJECT_INVALID', `The complaint is not about a removal of yours: ${why}.`);
    if (s.kind === 'referral_item') {
      const found = await receivedItem(s.referralId, s.itemId);
      if (!found) throw invalid(`no referred item ${s.itemId} in a referral ${s.referralId} addressed to your agency`);
      if (found.item.outcome !== 'removed' && found.item.outcome !== 'disabled') throw invalid(`the item's outcome is ${found.item.outcome ?? 'not given yet'}, not removed or disabled`);
      return { url: found.item.url, removedAt: found.item.actionAt };
    }
    if (s.kind === 'order') {
      const r = await deps.orders.removal(s.orderId);
      if (!r) throw invalid(`no removal order ${s.orderId} executed by your agency`);
      return { url: r.url, removedAt: r.removedAt };
    }
    const reference = s.reference.trim();
    if (!reference || reference.length > MODERATION_REF_MAX) throw invalid(`a moderation action needs your reference of 1 to ${MODERATION_REF_MAX} characters`);
    const url = s.url?.trim() || null;
    if (url && url.length > COMPLAINT_URL_MAX) throw invalid(`the URL is longer than ${COMPLAINT_URL_MAX} characters`);
    return { url, removedAt: null };
  }

  return {
    /** Records a content provider's complaint about one of the agency's removals; due in two weeks (Art. 10(2)). */
    async record(input: NewComplaint): Promise<ComplaintDetail> {
      await mustBeProvider();
      const removal = await removalOf(input.subject);
      const now = clock.now();
      const text = input.text.trim();
      const problem = newComplaintProblem({ text, receivedAt: input.receivedAt, removedAt: removal.removedAt }, now);
      if (problem) throw new VigilError('VIGIL_COMPLAINT_INVALID', `The complaint is not valid: ${problem}.`);
      const subject: ComplaintSubject = input.subject.kind === 'moderation' ? { kind: 'moderation', reference: input.subject.reference.trim(), url: removal.url } : input.subject;
      const id = ids.next();
      const dueAt = complaintDueAt(input.receivedAt);
      await complaints.insert(
        { id, subject, contentUrl: removal.url, receivedAt: input.receivedAt, dueAt, text, state: 'open', reasons: null, reinstatedAt: null, decidedAt: null, decidedBy: null, createdAt: now, createdBy: by },
        { id: ids.next(), at: now, kind: 'recorded', actor: deps.actor.label, detail: { subject: subject.kind, receivedAt: input.receivedAt, dueAt } },
      );
      await deps.audit.record({ action: 'complaint.record', targetType: 'complaint', targetId: id, detail: { subject: subject.kind, dueAt } });
      return detail(id);
    },

    async list(q: Omit<ComplaintListQuery, 'overdueAt'> & { overdue?: boolean | undefined }): Promise<{ complaint: Complaint; overdue: boolean }[]> {
      const { overdue, ...rest } = q;
      const now = clock.now();
      const rows = await complaints.list({ ...rest, ...(overdue ? { overdueAt: now } : {}) });
      return rows.map((complaint) => ({ complaint, overdue: isOverdue(complaint, now) }));
    },

    /** One complaint with its history; the read is audited (it quotes the complainant). */
    async get(complaintId: string): Promise<ComplaintDetail> {
      const d = await detail(complaintId);
      await deps.audit.record({ action: 'complaint.read', targetType: 'complaint', targetId: complaintId });
      return d;
    },

    async decide(complaintId: string, input: DecisionInput): Promise<ComplaintDetail> {
      await mustBeProvider();
      const c = await complaints.get(complaintId);
      if (!c) throw new VigilError('VIGIL_NOT_FOUND', `No complaint ${complaintId}.`);
      const now = clock.now();
      const d = decideComplaint(c, input, now);
      if (!d.ok) throw new VigilError(d.code, d.message);
      const late = isOverdue(c, now);
      const stored = await complaints.decide(
        complaintId,
        { state: d.state, reasons: d.reasons, reinstatedAt: d.reinstatedAt, decidedAt: now, decidedBy: by },
        { id: ids.next(), at: now, kind: 'decided', actor: deps.actor.label, detail: { outcome: d.state, ...(d.reinstatedAt !== null ? { reinstatedAt: d.reinstatedAt } : {}), ...(late ? { afterDueAt: c.dueAt } : {}) } },
      );
      if (!stored) throw new VigilError('VIGIL_COMPLAINT_DECIDED', 'The complaint was decided meanwhile.');
      await deps.audit.record({ action: 'complaint.decide', targetType: 'complaint', targetId: complaintId, detail: { outcome: d.state, late } });
      return detail(complaintId);
    },

    /**
     * DSA statements of reasons for the agency's removals and disablings of referred items and under removal orders, in
     * the Transparency Database's v2 shape, at most SOR_BATCH_MAX per call. Each is checked against
     * the database's rules; if any fails, the answer lists every problem and nothing is exported.
     */
    async statements(input: StatementsInput): Promise<{ statements: Record<string, unknown>[]; batch: number; hasMore: boolean }> {
      await mustBeProvider();
      const names = new Map<string, string>();
      const notifier = async (agencyId: string) => names.get(agencyId) ?? names.set(agencyId, (await deps.agencyName(agencyId)) ?? 'issuing agency').get(agencyId)!;
      const chosen: { action: SorAction; own: Record<string, unknown> }[] = [];
      const batch = input.batch ?? 0;
      let hasMore = false;
      const actionOf = async (item: ReferralItem, reference: string, reasons: string, issuerAgencyId: string): Promise<SorAction> => {
        const issuer = await notifier(issuerAgencyId);
        return { puid: `vigil-ri-${item.id}`, measure: item.outcome as 'removed' | 'disabled', actionAt: item.actionAt!, notifier: issuer, facts: `Voluntary referral ${reference} from ${issuer}: ${reasons}` };
      };
      const orderActionOf = async (o: OrderRemoval): Promise<SorAction> => {
        const issuer = await notifier(o.issuerAgencyId);
        return { puid: `vigil-order-${o.orderId}`, measure: o.measure, actionAt: o.removedAt, notifier: issuer, facts: `Removal order ${o.referenceNumber} under Regulation (EU) 2021/784 from ${issuer}: ${o.reasons}` };
      };
      if (input.actions?.length) {
        if (input.actions.length > SOR_BATCH_MAX) throw new VigilError('VIGIL_SOR_ACTION_INVALID', `At most ${SOR_BATCH_MAX} actions per batch.`);
        const bad: (({ referralId: string; itemId: string } | { orderId: string }) & { problem: string })[] = [];
        for (const a of input.actions) {
          if ('orderId' in a) {
            const o = await deps.orders.removal(a.orderId);
            if (!o) bad.push({ orderId: a.orderId, problem: 'no removal order executed by your agency' });
            else chosen.push({ action: await orderActionOf(o), own: a.fields ?? {} });
            continue;
          }
          const found = await receivedItem(a.referralId, a.itemId);
          if (!found) bad.push({ referralId: a.referralId, itemId: a.itemId, problem: 'no such referred item addressed to your agency' });
          else if ((found.item.outcome !== 'removed' && found.item.outcome !== 'disabled') || found.item.actionAt === null) bad.push({ referralId: a.referralId, itemId: a.itemId, problem: `the outcome is ${found.item.outcome ?? 'not given yet'}, not removed or disabled` });
          else chosen.push({ action: await actionOf(found.item, found.reference, found.reasons, found.issuerAgencyId), own: a.fields ?? {} });
        }
        if (bad.length) throw new VigilError('VIGIL_SOR_ACTION_INVALID', `Not every action can have a statement of reasons: ${bad.map((b) => `${'orderId' in b ? b.orderId : b.itemId}: ${b.problem}`).join('; ')}.`, { actions: bad });
      } else {
        // Referred items and orders in one time order: take enough of each to fill this batch, then merge.
        const range = { from: input.from ?? 0, to: input.to ?? clock.now() + 1 };
        const upTo = (batch + 1) * SOR_BATCH_MAX + 1;
        const referred = await deps.received.actionedItems({ ...range, outcomes: ['removed', 'disabled'], limit: upTo, offset: 0 });
        const ordered = await deps.orders.executedBetween({ ...range, limit: upTo });
        const all = [...(await Promise.all(referred.map((r) => actionOf(r.item, r.referral.reference, r.referral.reasons, r.referral.agencyId)))), ...(await Promise.all(ordered.map(orderActionOf)))];
        all.sort((a, b) => a.actionAt - b.actionAt || (a.puid < b.puid ? -1 : a.puid > b.puid ? 1 : 0));
        hasMore = all.length > (batch + 1) * SOR_BATCH_MAX;
        for (const action of all.slice(batch * SOR_BATCH_MAX, (batch + 1) * SOR_BATCH_MAX)) chosen.push({ action, own: {} });
      }
      const statements = chosen.map((c) => buildStatement(c.action, input.fields, c.own));
      const problems = statements.flatMap((s, index) => sorProblems(s).map((p) => ({ index, puid: s.puid, ...p })));
      if (problems.length) {
        throw new VigilError('VIGIL_SOR_INVALID', `${new Set(problems.map((p) => p.index)).size} of ${statements.length} statements break the Transparency Database's rules: ${problems.slice(0, 5).map((p) => `#${p.index} ${p.field} ${p.problem}`).join('; ')}${problems.length > 5 ? '; …' : ''}.`, { problems });
      }
      await deps.audit.record({ action: 'sor.export', detail: { count: statements.length, puids: statements.map((s) => s.puid) } });
      return { statements, batch, hasMore };
    },
  };
}

export type ComplaintService = ReturnType<typeof createComplaintService>;
