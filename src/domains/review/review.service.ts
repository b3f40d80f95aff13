/**
 * Review use cases: cases formed as items are matched, the queue with its explained priority,
 * decisions with an undo window and four-eyes approval, splitting and merging, and the exposure
 * count of content reveals.
 *
 * Drafts publish lazily rather than by a delayed job: every read and write first settles the
 * drafts whose undo window has closed (`settle`). A job could run late and leave a window in which
 * the queue shows a draft that can no longer be undone; deriving it from the clock is exact at the
 * boundary, needs no worker, and follows the Clock port in tests. The settle step is idempotent
 * (a guarded status update), so concurrent requests publish each draft once.
 */
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import type { AgencyKind } from '../agency/agency.model.ts';
import type { Item } from '../intake/intake.model.ts';
import type { Match } from '../matching/match.model.ts';
import { PDQ_MIN_QUALITY } from '../../algorithms/pdq/pdq.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import {
  applyDecisionAction,
  CASE_NOTE_MAX,
  caseStatusOf,
  chooseCase,
  decodeQueueCursor,
  effectiveStatus,
  encodeQueueCursor,
  explainPriority,
  exposureDay,
  highestTier,
  isOverExposureLimit,
  splitProblem,
  validateDecision,
  type CaseStatus,
  type Decision,
  type DecisionInput,
  type DecisionStatus,
  type PriorityExplained,
  type PriorityFacts,
  type Refusal,
  type ReviewCase,
} from './review.model.ts';
import type { CaseItemFacts, ItemHit, LatestCapture, QueueQuery, ReviewRepository } from './review.repository.ts';
import type { Tier } from '../bank/bank.model.ts';

/** The instance's outlet registry, as review needs it: a name for an id. */
export interface OutletLookup {
  get(id: string): Promise<{ id: string; name: string } | null>;
}

export interface ReviewSettings {
  undoWindowMs: number;
  exposureDailyLimit: number;
}

export interface ReviewServiceDeps {
  reviews: ReviewRepository;
  items: { getItem(itemId: string): Promise<Item | null> };
  matches: { matchesOf(itemId: string): Promise<Match[]> };
  agencyKind(): Promise<AgencyKind>;
  outlets: OutletLookup;
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
  /** Who acts: a person for decisions, approvals and reveals; the system for case assignment. */
  actor: { userId: string | null; label: string };
  settings: ReviewSettings;
}

export interface DecisionView {
  id: string;
  caseId: string;
  itemIds: string[];
  verdict: Decision['verdict'];
  exemptPurpose: Decision['exemptPurpose'];
  grounds: Decision['grounds'];
  tier: Tier | null;
  reasons: string;
  attribution: Decision['attribution'];
  proposeOrder: boolean;
  status: DecisionStatus;
  reviewer: { userId: string; name: string };
  createdAt: number;
  undoUntil: number;
  publishedAt: number | null;
  approval: { approverId: string; approverName: string; decision: 'approved' | 'rejected'; note: string | null; at: number } | null;
}

export interface LeadItemView {
  id: string;
  url: string | null;
  fileName: string | null;
  contentType: string | null;
  language: string | null;
  title: string | null;
  sniffedType: string | null;
  latestCaptureId: string | null;
}

export interface CaseSummary {
  id: string;
  status: CaseStatus;
  itemCount: number;
  leadItem: LeadItemView;
  priority: PriorityExplained;
  tier: Tier | null;
  outlet: { id: string; name: string } | null;
  latestDecision: DecisionView | null;
  updatedAt: number;
}

export interface CaseDetail {
  case: CaseSummary;
  items: (Omit<LeadItemView, 'contentType'> & { matches: Match[] })[];
  decisions: DecisionView[];
  events: { at: number; actor: string; action: string; detail: Record<string, unknown> }[];
}

const notFound = (what: string, id: string) => new VigilError('VIGIL_NOT_FOUND', `No ${what} ${id}.`);
const fail = (r: Refusal): never => {
  throw new VigilError(r.code, r.message);
};

/** Where an item came from, for counting independent sources. */
function sourceKey(i: CaseItemFacts): string {
  if (i.sourceId) return `source:${i.sourceId}`;
  if (i.host) return `host:${i.host}`;
  return `by:${i.createdBy ?? 'system'}`;
}

function priorityFacts(items: CaseItemFacts[], hits: ItemHit[], decidedTier: Tier | null, outletName: string | null): PriorityFacts {
  const best = new Map<string, ItemHit>();
  for (const h of hits) {
    const prev = best.get(h.entryId);
    if (!prev || h.distance < prev.distance) best.set(h.entryId, h);
  }
  return {
    watchedSource: items.some((i) => i.origin === 'watch'),
    independentSources: new Set(items.map(sourceKey)).size,
    bankHits: [...best.values()].map((h) => ({ entryId: h.entryId, bankName: h.bankName, distance: h.distance, labels: h.labels })),
    decidedTier,
    outletName,
  };
}

function itemView(i: CaseItemFacts, c: LatestCapture | undefined): LeadItemView {
  return {
    id: i.itemId,
    url: i.kind === 'url' ? i.url : null,
    fileName: i.kind === 'file' ? i.submittedUrl : null,
    contentType: c ? (c.sniffedType ?? c.declaredType) : null,
    language: c?.language ?? null,
    title: c?.title ?? null,
    sniffedType: c?.sniffedType ?? null,
    latestCaptureId: c?.captureId ?? null,
  };
}

export function createReviewService(deps: ReviewServiceDeps) {
  const { reviews, clock, ids, settings } = deps;

  function requireUser(): string {
    if (!deps.actor.userId) throw new VigilError('VIGIL_FORBIDDEN', 'Review actions are made by a person: act as a user of the agency.');
    return deps.actor.userId;
  }

  async function outletOf(id: string | null): Promise<{ id: string; name: string } | null> {
    if (!id) return null;
    const o = await deps.outlets.get(id);
    return o ? { id: o.id, name: o.name } : { id, name: id };
  }

  /** Recomputes what a case shows from its members and decisions. */
  async function refresh(r: ReviewRepository, caseId: string): Promise<void> {
    const c = await r.getCase(caseId);
    if (!c || c.status === 'merged') return;
    const members = await r.itemFacts([caseId]);
    const latest = await r.latestLiveDecision(caseId);
    const hits = await r.hitsOf(members.map((m) => m.itemId));
    // Only the score is stored, and it needs only whether an outlet is attributed: the registry is
    // not read here, inside the transaction (on SQLite that would wait on its one connection).
    const priority = explainPriority(priorityFacts(members, hits, latest?.tier ?? null, latest?.attribution.outletId ?? null));
    const memberIds = members.map((m) => m.itemId);
    await r.updateCase(caseId, {
      status: caseStatusOf(latest),
      itemCount: members.length,
      leadItemId: memberIds.includes(c.leadItemId) ? c.leadItemId : (memberIds[0] ?? c.leadItemId),
      priority: priority.score,
      tier: latest?.tier ?? highestTier(hits.map((h) => h.labels.tier)),
      outletId: latest?.attribution.outletId ?? null,
      latestDecisionId: latest?.id ?? null,
      updatedAt: clock.now(),
    });
  }

  /** Publishes every draft whose undo window has closed (see the file comment). */
  async function settle(): Promise<void> {
    const now = clock.now();
    for (const d of await reviews.dueDrafts(now)) {
      const to = effectiveStatus(d, now);
      await reviews.transaction(async (r) => {
        if (!(await r.transitionDecision(d.id, 'draft', to, { publishedAt: d.undoUntil }))) return;
        await r.insertEvent({ id: ids.next(), caseId: d.caseId, at: d.undoUntil, actor: 'system:review', action: to === 'awaiting_approval' ? 'decision.awaiting_approval' : 'decision.published', detail: { decisionId: d.id } });
        await refresh(r, d.caseId);
      });
    }
  }

  async function decisionViews(list: Decision[]): Promise<DecisionView[]> {
    const names = await reviews.userNames(list.flatMap((d) => [d.reviewerId, ...(d.approval ? [d.approval.approverId] : [])]));
    const now = clock.now();
    return list.map((d) => {
      const status = effectiveStatus(d, now);
      return {
        id: d.id,
        caseId: d.caseId,
        itemIds: d.itemIds,
        verdict: d.verdict,
        exemptPurpose: d.exemptPurpose,
        grounds: d.grounds,
        tier: d.tier,
        reasons: d.reasons,
        attribution: d.attribution,
        proposeOrder: d.proposeOrder,
        status,
        reviewer: { userId: d.reviewerId, name: names.get(d.reviewerId) ?? d.reviewerId },
        createdAt: d.createdAt,
        undoUntil: d.undoUntil,
        publishedAt: d.publishedAt ?? (status !== 'draft' && status !== 'undone' ? d.undoUntil : null),
        approval: d.approval ? { approverId: d.approval.approverId, approverName: names.get(d.approval.approverId) ?? d.approval.approverId, decision: d.approval.decision, note: d.approval.note, at: d.approval.at } : null,
      };
    });
  }

  async function summaries(list: ReviewCase[]): Promise<CaseSummary[]> {
    const caseIds = list.map((c) => c.id);
    const members = await reviews.itemFacts(caseIds);
    const hits = await reviews.hitsOf(members.map((m) => m.itemId));
    const captures = await reviews.latestCaptures(list.map((c) => c.leadItemId));
    const latest = new Map((await decisionViews(await reviews.decisionsByIds(list.flatMap((c) => (c.latestDecisionId ? [c.latestDecisionId] : []))))).map((d) => [d.id, d]));
    const out: CaseSummary[] = [];
    for (const c of list) {
      const mine = members.filter((m) => m.caseId === c.id);
      const mineIds = new Set(mine.map((m) => m.itemId));
      const decision = c.latestDecisionId ? (latest.get(c.latestDecisionId) ?? null) : null;
      const outlet = await outletOf(c.outletId);
      const lead = mine.find((m) => m.itemId === c.leadItemId) ?? mine[0];
      out.push({
        id: c.id,
        status: c.status === 'merged' ? 'decided' : c.status,
        itemCount: c.itemCount,
        leadItem: lead ? itemView(lead, captures.get(lead.itemId)) : { id: c.leadItemId, url: null, fileName: null, contentType: null, language: null, title: null, sniffedType: null, latestCaptureId: null },
        priority: explainPriority(priorityFacts(mine, hits.filter((h) => mineIds.has(h.itemId)), decision?.tier ?? null, outlet?.name ?? null)),
        tier: c.tier,
        outlet,
        latestDecision: decision,
        updatedAt: c.updatedAt,
      });
    }
    return out;
  }

  /** A case to act on: this agency's and not merged away. */
  async function activeCase(caseId: string): Promise<ReviewCase> {
    const c = await reviews.getCase(caseId);
    if (!c) throw notFound('case', caseId);
    if (c.status === 'merged') throw new VigilError('VIGIL_CONFLICT', `Case ${caseId} was merged into case ${c.mergedInto}; act on that case.`);
    return c;
  }

  async function summaryOf(caseId: string): Promise<CaseSummary> {
    const c = await reviews.getCase(caseId);
    if (!c) throw notFound('case', caseId);
    return (await summaries([c]))[0]!;
  }

  async function transition(decisionId: string, kind: 'undo' | 'approve' | 'reject', note: string | null): Promise<DecisionView> {
    const by = requireUser();
    await settle();
    const d = await reviews.getDecision(decisionId);
    if (!d) throw notFound('decision', decisionId);
    const now = clock.now();
    const res = applyDecisionAction(d, { kind, by }, now);
    if (!res.ok) return fail(res);
    const from = effectiveStatus(d, now);
    const approval = kind === 'undo' ? undefined : { approverId: by, decision: res.status as 'approved' | 'rejected', note, at: now };
    const moved = await reviews.transaction(async (r) => {
      if (!(await r.transitionDecision(d.id, from, res.status, approval ? { approval } : {}))) return false;
      await r.insertEvent({ id: ids.next(), caseId: d.caseId, at: now, actor: deps.actor.label, action: `decision.${res.status}`, detail: { decisionId: d.id, ...(note ? { note } : {}) } });
      await refresh(r, d.caseId);
      return true;
    });
    // Another request moved it first (the window closed, or another approver answered).
    if (!moved) throw new VigilError(kind === 'undo' ? 'VIGIL_REVIEW_UNDO_CLOSED' : 'VIGIL_REVIEW_NOT_AWAITING_APPROVAL');
    const action = { undo: 'review.undo', approve: 'review.approve', reject: 'review.reject' }[kind];
    await deps.audit.record({ action, targetType: 'review_decision', targetId: d.id, detail: { caseId: d.caseId, reviewerId: d.reviewerId, ...(note ? { note } : {}) } });
    const after = await reviews.getDecision(d.id);
    return (await decisionViews([after!]))[0]!;
  }

  return {
    /**
     * Puts a freshly matched item into a case (DESIGN flow step 4): an item already in one stays
     * there (its case's priority is refreshed); otherwise it joins the oldest open case of the
     * agency that shares a bank entry hit or an exact sha256/md5/PDQ value with it, or opens a new
     * case. Near PDQ copies meet through the bank entries they both hit.
     */
    async assignItem(itemId: string): Promise<{ caseId: string; opened: boolean; joined: boolean }> {
      const now = clock.now();
      const res = await reviews.transaction(async (r) => {
        const existing = await r.caseOfItem(itemId);
        if (existing) {
          await refresh(r, existing);
          return { caseId: existing, opened: false, joined: false };
        }
        const target = chooseCase(await r.casesSharingContent(itemId, PDQ_MIN_QUALITY));
        if (target) {
          await r.addItem(target, itemId, 'shared content', now);
          await r.insertEvent({ id: ids.next(), caseId: target, at: now, actor: deps.actor.label, action: 'item.joined', detail: { itemId, reason: 'shares a bank entry hit or an exact fingerprint' } });
          await refresh(r, target);
          return { caseId: target, opened: false, joined: true };
        }
        const caseId = ids.next();
        await r.insertCase({ id: caseId, status: 'open', leadItemId: itemId, priority: 0, tier: null, outletId: null, latestDecisionId: null, itemCount: 1, mergedInto: null, createdAt: now, updatedAt: now });
        await r.addItem(caseId, itemId, 'opened', now);
        await r.insertEvent({ id: ids.next(), caseId, at: now, actor: deps.actor.label, action: 'case.opened', detail: { itemId } });
        await refresh(r, caseId);
        return { caseId, opened: true, joined: false };
      });
      if (res.opened || res.joined) await deps.audit.record({ action: 'review.assign', targetType: 'review_case', targetId: res.caseId, detail: { itemId, opened: res.opened } });
      return res;
    },

    async queue(q: Omit<QueueQuery, 'after'> & { cursor?: string | undefined }): Promise<{ cases: CaseSummary[]; nextCursor: string | null }> {
      const after = q.cursor ? decodeQueueCursor(q.cursor) : null;
      if (q.cursor && !after) throw new VigilError('VIGIL_VALIDATION_FAILED', 'The cursor is not one this queue gave out.');
      await settle();
      const rows = await reviews.listCases({ ...q, after, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return { cases: await summaries(page), nextCursor: rows.length > q.limit && last ? encodeQueueCursor(last) : null };
    },

    /** A case with its items, matches, full decision history and events; a merged case answers as the case it went into. */
    async getCase(caseId: string): Promise<CaseDetail> {
      await settle();
      let c = await reviews.getCase(caseId);
      if (!c) throw notFound('case', caseId);
      for (let hops = 0; c.status === 'merged' && c.mergedInto && hops < 100; hops++) {
        const next: ReviewCase | null = await reviews.getCase(c.mergedInto);
        if (!next) break;
        c = next;
      }
      const merged = await reviews.mergedInto(c.id);
      const members = await reviews.itemFacts([c.id]);
      const memberIds = members.map((m) => m.itemId);
      const captures = await reviews.latestCaptures(memberIds);
      const items = [];
      for (const m of members) {
        const { contentType: _contentType, ...view } = itemView(m, captures.get(m.itemId));
        items.push({ ...view, matches: await deps.matches.matchesOf(m.itemId) });
      }
      const decisions = await decisionViews(await reviews.decisionsOf([c.id, ...merged], memberIds));
      const events = (await reviews.eventsOf([c.id, ...merged])).map((e) => ({ at: e.at, actor: e.actor, action: e.action, detail: e.caseId === c.id ? e.detail : { ...e.detail, caseId: e.caseId } }));
      return { case: (await summaries([c]))[0]!, items, decisions, events };
    },

    async decide(caseId: string, input: DecisionInput): Promise<DecisionView> {
      const reviewerId = requireUser();
      await settle();
      const c = await activeCase(caseId);
      const caseItemIds = await reviews.itemIdsOf(c.id);
      const v = validateDecision(input, { agencyKind: await deps.agencyKind(), caseItemIds });
      if (!v.ok) return fail(v);
      const outletId = v.value.attribution.outletId;
      if (outletId && !(await deps.outlets.get(outletId))) throw new VigilError('VIGIL_VALIDATION_FAILED', `No outlet ${outletId} in the outlet registry.`);
      const pending = await reviews.latestLiveDecision(c.id);
      if (pending && (pending.status === 'draft' || pending.status === 'awaiting_approval')) {
        throw new VigilError('VIGIL_CONFLICT', pending.status === 'draft' ? `Decision ${pending.id} is still a draft; undo it first to decide again.` : `Decision ${pending.id} awaits approval; an approver answers it before a new decision.`);
      }
      const now = clock.now();
      const decision: Omit<Decision, 'agencyId'> = { id: ids.next(), caseId: c.id, ...v.value, status: 'draft', reviewerId, createdAt: now, undoUntil: now + settings.undoWindowMs, publishedAt: null, approval: null };
      await reviews.transaction(async (r) => {
        await r.insertDecision(decision);
        await r.insertEvent({ id: ids.next(), caseId: c.id, at: now, actor: deps.actor.label, action: 'decision.draft', detail: { decisionId: decision.id, verdict: decision.verdict, itemIds: decision.itemIds, proposeOrder: decision.proposeOrder } });
        await refresh(r, c.id);
      });
      await deps.audit.record({
        action: 'review.decide',
        targetType: 'review_decision',
        targetId: decision.id,
        detail: { caseId: c.id, verdict: decision.verdict, grounds: decision.grounds, exemptPurpose: decision.exemptPurpose, tier: decision.tier, itemIds: decision.itemIds, proposeOrder: decision.proposeOrder, undoUntil: decision.undoUntil },
      });
      return (await decisionViews([{ ...decision, agencyId: reviews.agencyId }]))[0]!;
    },

    undo: (decisionId: string) => transition(decisionId, 'undo', null),
    approve: (decisionId: string, note: string | null) => transition(decisionId, 'approve', note),
    reject: (decisionId: string, note: string | null) => transition(decisionId, 'reject', note),

    /** A reviewer's note joins the case history; like every event it is kept, never edited. */
    async addNote(caseId: string, note: string): Promise<{ at: number; actor: string; action: string; detail: Record<string, unknown> }> {
      requireUser();
      const text = note.trim();
      if (text === '') throw new VigilError('VIGIL_VALIDATION_FAILED', 'A note needs some text.');
      if (text.length > CASE_NOTE_MAX) throw new VigilError('VIGIL_VALIDATION_FAILED', `A note may be at most ${CASE_NOTE_MAX} characters.`);
      const c = await activeCase(caseId);
      const event = { at: clock.now(), actor: deps.actor.label, action: 'note', detail: { note: text } };
      await reviews.insertEvent({ id: ids.next(), caseId: c.id, ...event });
      await deps.audit.record({ action: 'review.note', targetType: 'review_case', targetId: c.id, detail: { characters: text.length } });
      return event;
    },

    /** Moves `itemIds` into a new case; the decisions on them stay visible in both. */
    async split(caseId: string, itemIds: string[]): Promise<CaseSummary> {
      requireUser();
      await settle();
      const c = await activeCase(caseId);
      const problem = splitProblem(await reviews.itemIdsOf(c.id), itemIds);
      if (problem) throw new VigilError('VIGIL_VALIDATION_FAILED', problem);
      const moving = [...new Set(itemIds)];
      const now = clock.now();
      const newId = ids.next();
      await reviews.transaction(async (r) => {
        await r.insertCase({ id: newId, status: 'open', leadItemId: moving[0]!, priority: 0, tier: null, outletId: null, latestDecisionId: null, itemCount: moving.length, mergedInto: null, createdAt: now, updatedAt: now });
        await r.moveItems(moving, newId, 'split', now);
        await r.insertEvent({ id: ids.next(), caseId: c.id, at: now, actor: deps.actor.label, action: 'case.split', detail: { itemIds: moving, newCaseId: newId } });
        await r.insertEvent({ id: ids.next(), caseId: newId, at: now, actor: deps.actor.label, action: 'case.split_from', detail: { itemIds: moving, fromCaseId: c.id } });
        await refresh(r, c.id);
        await refresh(r, newId);
      });
      await deps.audit.record({ action: 'review.split', targetType: 'review_case', targetId: c.id, detail: { itemIds: moving, newCaseId: newId } });
      return summaryOf(newId);
    },

    /** Moves every item of `otherCaseId` into `caseId`; the other case stays, marked merged, with its history. */
    async merge(caseId: string, otherCaseId: string): Promise<CaseSummary> {
      requireUser();
      await settle();
      const c = await activeCase(caseId);
      if (caseId === otherCaseId) throw new VigilError('VIGIL_VALIDATION_FAILED', 'A case cannot be merged with itself.');
      const other = await activeCase(otherCaseId);
      const now = clock.now();
      await reviews.transaction(async (r) => {
        const moving = await r.itemIdsOf(other.id);
        await r.moveItems(moving, c.id, 'merge', now);
        await r.updateCase(other.id, { status: 'merged', mergedInto: c.id, itemCount: 0, updatedAt: now });
        await r.insertEvent({ id: ids.next(), caseId: c.id, at: now, actor: deps.actor.label, action: 'case.merged', detail: { otherCaseId: other.id, itemIds: moving } });
        await r.insertEvent({ id: ids.next(), caseId: other.id, at: now, actor: deps.actor.label, action: 'case.merged_into', detail: { caseId: c.id, itemIds: moving } });
        await refresh(r, c.id);
      });
      await deps.audit.record({ action: 'review.merge', targetType: 'review_case', targetId: c.id, detail: { otherCaseId: other.id } });
      return summaryOf(c.id);
    },

    /**
     * A person un-blurs an item's content: audited with the capture shown, and counted towards
     * their exposure today (UTC). Past the daily limit the answer says so, and the first reveal
     * past it is recorded for their admins.
     */
    async reveal(itemId: string): Promise<{ itemId: string; revealedAt: number; exposureToday: number; dailyLimit: number; overLimit: boolean }> {
      const userId = requireUser();
      if (!(await deps.items.getItem(itemId))) throw notFound('item', itemId);
      const now = clock.now();
      const day = exposureDay(now);
      const capture = (await reviews.latestCaptures([itemId])).get(itemId) ?? null;
      const count = await reviews.countReveal(userId, day);
      const limit = settings.exposureDailyLimit;
      const overLimit = isOverExposureLimit(count, limit);
      await deps.audit.record({ action: 'content.reveal', targetType: 'item', targetId: itemId, detail: { captureId: capture?.captureId ?? null, exposureToday: count } });
      if (overLimit && (await reviews.markWarned(userId, day, now))) {
        await deps.audit.record({ action: 'exposure.limit_exceeded', targetType: 'user', targetId: userId, detail: { day, reveals: count, dailyLimit: limit } });
      }
      return { itemId, revealedAt: now, exposureToday: count, dailyLimit: limit, overLimit };
    },

    /** The caller's exposure today; with `everyone`, every reviewer's of the agency (for admins). */
    async exposure(everyone: boolean) {
      const userId = requireUser();
      const day = exposureDay(clock.now());
      const limit = settings.exposureDailyLimit;
      const today = await reviews.revealsOf(userId, day);
      const reviewers = everyone ? (await reviews.revealsOfDay(day)).map((r) => ({ userId: r.userId, name: r.name, today: r.reveals, overLimit: isOverExposureLimit(r.reveals, limit) })) : null;
      return { me: { today, dailyLimit: limit, overLimit: isOverExposureLimit(today, limit) }, reviewers };
    },

    settle,
  };
}

export type ReviewService = ReturnType<typeof createReviewService>;
