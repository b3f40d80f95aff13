/**
 * TCO removal orders for one issuing agency (Regulation 2021/784, Art. 3, 4, 11; Annex I–III):
 * proposal from reviewed items, four-eyes approval, issue (signed JSON document and PDF, dispatch
 * to every channel of the provider; the Art. 4(1) cross-border copy e-mailed to the host State's
 * authority by the `order.copy` job), receipt from the first delivery, the clock watch, the
 * provider's answers, and the issuer's follow-ups.
 *
 * Every change is an event appended to the order's stream; the state is the fold of the stream
 * (order.model.ts), checked by `applyOrderEvent` before anything is written, so a refused answer
 * changes nothing. The row keeps a cache of the fold for lists.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Agency } from '../agency/agency.model.ts';
import type { Item } from '../intake/intake.model.ts';
import type { Decision, Ground } from '../review/review.model.ts';
import type { Provider } from '../provider/provider.model.ts';
import type { Dispatch } from '../dispatch/dispatch.model.ts';
import type { MailPort, NewMessage } from '../dispatch/dispatch.service.ts';
import type { DispatchListQuery } from '../dispatch/dispatch.repository.ts';
import type { InstanceSigner } from '../custody/custody.service.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { annexIIIProblems, annexIIProblems, annexIProblems, canonicalJson, hostAuthorityEmailProblems, orderDocument, type AnnexI, type AnnexProblem, type AuthorityType, type MemberState, type OrderDocument } from './annex.model.ts';
import {
  applyOrderEvent,
  currentOrderDecision,
  dueClockEvents,
  finalAt,
  firstOrderNoticeProblem,
  isCrossBorder,
  nonDisclosureExtensionProblem,
  nonDisclosureUntil,
  orderClock,
  REMOVAL_WINDOW_MS,
  scrutinyWindows,
  storedOrderState,
  type Measure,
  type Obstacle,
  type OrderClock,
  type OrderEvent,
  type OrderState,
  type StoredOrderEventType,
} from './order.model.ts';
import type { NewOrderEvent, OrderEventRecord, OrderListQuery, OrderPatch, OrderRepository, PortalOrderRepository, StoredOrder } from './order.repository.ts';

/** Items one order may name through the API (Annex I allows more; a proposal this large is a bulk job). */
export const ORDER_ITEMS_MAX = 100;
/** Characters of a note, withdrawal reason or clarification. */
export const ORDER_NOTE_MAX = 5000;
/** Attempts at appending when another writer appended to the same order first. */
const APPEND_ATTEMPTS = 3;
/** Attempts of the `order.copy` job: with the queue's doubling backoff from 2 s, about an hour of trying. */
export const ORDER_COPY_MAX_ATTEMPTS = 12;

export interface OrderSettings {
  /** Escalate this long before the deadline (VIGIL_ORDER_ESCALATION_MINUTES). */
  escalationLeadMs: number;
  /** After receipt, the order becomes final when this has passed without appeal (VIGIL_ORDER_APPEAL_DAYS). */
  appealPeriodMs: number;
}

export interface OrderServiceDeps {
  orders: OrderRepository;
  /** The issuing agency. */
  agency(): Promise<Agency>;
  providers: {
    get(providerId: string): Promise<Provider | null>;
    resolve(url: string): Promise<{ provider: Provider | null; reason: string }>;
    noticeSentAt(providerId: string): Promise<number | null>;
  };
  items: { getItem(itemId: string): Promise<Item | null> };
  /** Decisions of this agency covering any of the items. */
  decisionsOfItems(itemIds: string[]): Promise<Decision[]>;
  dispatch: { create(m: NewMessage): Promise<Dispatch[]>; list(q: DispatchListQuery): Promise<Dispatch[]>; unreachable(p: Provider): string | null };
  /** Blobs of this agency (stores are content-addressed; reads are audited). */
  blobs: { put(body: Readable, mediaType: string | null, userId: string | null): Promise<unknown>; open(sha256: string): Promise<{ stream: Readable }> };
  renderPdf(doc: OrderDocument): Promise<Buffer>;
  signer(): InstanceSigner;
  /** Enqueues `order.clock` for this order at `runAt` (once per time). */
  scheduleClock(orderId: string, runAt: number): Promise<void>;
  /** The instance's mailer, for the Art. 4(1) copy; null when the instance has no VIGIL_SMTP_URL. */
  mail: MailPort | null;
  /** Enqueues `order.copy` for this order (once per order). */
  enqueueCopy(orderId: string): Promise<void>;
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
  actor: { userId: string | null; label: string };
  settings: OrderSettings;
}

export interface ProposeInput {
  itemIds: string[];
  referenceNumber: string;
  issuingState: string;
  grounds?: Ground[] | undefined;
  reasons?: string | undefined;
  /** Per item id: what locates the item beyond its URL (Annex I section B). */
  locating?: Record<string, string> | undefined;
  nonDisclosure?: { withheld: boolean; reason?: string | null | undefined } | undefined;
  /** Annex I section D: the competent authority of the host State, when the provider is established in another. */
  hostAuthority?: string | null | undefined;
  /** TCO Art. 4(1): where that authority gets its copy; required for a cross-border order, ignored for any other. */
  hostAuthorityEmail?: string | null | undefined;
  authority?: AnnexI['authority'] | undefined;
  followUpContact?: AnnexI['followUpContact'] | undefined;
  redress?: AnnexI['redress'] | undefined;
  emergency?: { declared: boolean; reason?: string | null | undefined } | undefined;
}

/** An answer of the provider (portal, or a signed callback). */
export type ProviderAnswer =
  | { type: 'acknowledge' }
  | { type: 'annex_ii'; measure: Measure; actionAt: number; authorisedPerson: string; contactEmail: string; providerReference?: string | null | undefined }
  | { type: 'annex_iii'; obstacle: Obstacle; explanation: string; clarificationRequested?: string | null | undefined; authorisedPerson: string; contactEmail: string; providerReference?: string | null | undefined }
  | { type: 'scrutiny_request'; reason?: string | null | undefined }
  | { type: 'reinstated'; note?: string | null | undefined };

export interface OrderDetail {
  order: StoredOrder;
  state: OrderState;
  clock: OrderClock;
  scrutiny: { requestUntil: number | null; decisionDue: number | null; requestedAt: number | null; outcome: 'upheld' | 'infringement' | null };
  nonDisclosureUntil: number | null;
  events: OrderEventRecord[];
}

function fail(code: 'VIGIL_ORDER_TRANSITION_REFUSED', reason: string): never {
  throw new VigilError(code, `The order cannot do this now: ${reason}.`, { reason });
}

function annexProblem(problems: AnnexProblem[], code: 'VIGIL_ORDER_ANNEX_INCOMPLETE' | 'VIGIL_ORDER_ANSWER_INVALID'): never {
  const what = code === 'VIGIL_ORDER_ANNEX_INCOMPLETE' ? 'Annex I is not complete' : 'The answer is not complete';
  throw new VigilError(code, `${what}: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, { problems });
}

const sha256Hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

export interface CopyResult {
  /** What the `order.copy` job does next: a failure is tried again on the queue's backoff. */
  next: 'done' | 'skipped' | 'retry';
  reason: string;
}

export function createOrderService(deps: OrderServiceDeps) {
  const { orders, clock, ids, settings } = deps;

  function requireUser(): string {
    if (!deps.actor.userId) throw new VigilError('VIGIL_FORBIDDEN', 'Orders are proposed and approved by people: act as a user of the agency.');
    return deps.actor.userId;
  }

  async function mustGet(orderId: string): Promise<StoredOrder> {
    const o = await orders.get(orderId);
    if (!o) throw new VigilError('VIGIL_NOT_FOUND', `No order ${orderId} in your agency.`);
    return o;
  }

  async function folded(o: StoredOrder): Promise<{ events: OrderEventRecord[]; state: OrderState }> {
    const events = await orders.events(o.id);
    const r = storedOrderState(events);
    // The stream is only ever written through applyOrderEvent, so a refusal here is corruption.
    if (!r.ok) throw new Error(`order ${o.id}: event ${r.index} does not fold: ${r.reason}`);
    return { events, state: r.state };
  }

  const event = (type: StoredOrderEventType, at: number, detail: Record<string, unknown> = {}): NewOrderEvent => ({ id: ids.next(), type, at, actor: deps.actor.label, detail, recordedAt: clock.now() });

  /** The clock jobs of a running hour: at the escalation time and just after the deadline. */
  async function scheduleFor(orderId: string, s: OrderState): Promise<void> {
    if (s.status !== 'running' || s.clockStartedAt === null) return;
    const deadline = s.clockStartedAt + REMOVAL_WINDOW_MS;
    await deps.scheduleClock(orderId, deadline - settings.escalationLeadMs);
    await deps.scheduleClock(orderId, deadline + 1);
  }

  type Step = { event: OrderEvent; detail?: Record<string, unknown> };

  /**
   * Applies lifecycle events (then workflow events) to the order's stream: one refused by the
   * model → VIGIL_ORDER_TRANSITION_REFUSED and nothing written. Retries when another writer
   * appended first, re-checking against the new stream.
   */
  async function transition(orderId: string, build: (o: StoredOrder, s: OrderState, now: number) => { steps?: Step[]; after?: NewOrderEvent[]; patch?: OrderPatch }): Promise<StoredOrder> {
    for (let attempt = 1; ; attempt++) {
      const o = await mustGet(orderId);
      const { state } = await folded(o);
      const now = clock.now();
      const plan = build(o, state, now);
      let next = state;
      const events: NewOrderEvent[] = [];
      for (const step of plan.steps ?? []) {
        const r = applyOrderEvent(next, step.event);
        if (!r.ok) fail('VIGIL_ORDER_TRANSITION_REFUSED', r.reason);
        next = r.state;
        const { type, at, ...fields } = step.event;
        events.push(event(type, at, { ...fields, ...(step.detail ?? {}) }));
      }
      events.push(...(plan.after ?? []));
      const patch: OrderPatch = { ...plan.patch };
      if (next.issuedAt !== null) patch.status = next.status;
      if (next.receivedAt !== null && state.receivedAt === null) {
        patch.receivedAt = next.receivedAt;
        patch.finalAt = finalAt(next.receivedAt, o.appealPeriodMs);
      }
      if (next.executedAt !== null && next.measure !== null && state.executedAt === null) patch.executed = { at: next.executedAt, measure: next.measure };
      if (await orders.append(o.id, o.seq, events, patch, now)) {
        if (next.clockStartedAt !== state.clockStartedAt) await scheduleFor(o.id, next);
        return mustGet(o.id);
      }
      if (attempt >= APPEND_ATTEMPTS) throw new VigilError('VIGIL_CONFLICT', 'The order changed while this request was handled; try again.');
    }
  }

  async function detail(o: StoredOrder): Promise<OrderDetail> {
    const { events, state } = await folded(o);
    const now = clock.now();
    const windows = scrutinyWindows(state);
    const nd = o.annexI.nonDisclosure.withheld && state.issuedAt !== null ? nonDisclosureUntil(state.issuedAt, o.nonDisclosureExtensions) : null;
    return {
      order: o,
      state,
      clock: orderClock(state, now, settings.escalationLeadMs),
      // Art. 4 windows apply to cross-border orders only.
      scrutiny: o.crossBorder ? { ...windows, requestedAt: state.scrutinyRequestedAt, outcome: state.scrutinyOutcome } : { requestUntil: null, decisionDue: null, requestedAt: state.scrutinyRequestedAt, outcome: state.scrutinyOutcome },
      nonDisclosureUntil: nd?.ok ? nd.until : null,
      events,
    };
  }

  /** Annex I sections E–G: given, else the agency's last order's. */
  async function prefilled(input: ProposeInput): Promise<Pick<AnnexI, 'authority' | 'followUpContact' | 'redress'>> {
    const last = input.authority && input.followUpContact && input.redress ? null : await orders.latest();
    const blankAuthority = { type: 'other' as AuthorityType, name: '', representative: '', fileNumber: '', address: '', telephone: '', email: '' };
    return {
      authority: input.authority ?? last?.annexI.authority ?? blankAuthority,
      // The HTTP layer coerces a JSON null to '' for a nullable string: an empty telephone is none.
      followUpContact: input.followUpContact ? { ...input.followUpContact, telephone: input.followUpContact.telephone?.trim() || null } : (last?.annexI.followUpContact ?? { name: '', email: '', telephone: null }),
      redress: input.redress ?? last?.annexI.redress ?? { body: '', deadline: '', lawReference: '' },
    };
  }

  function contactPointOf(p: Provider): string {
    return [p.contact.email ? `e-mail ${p.contact.email}` : null, p.contact.webhookUrl ? `webhook ${p.contact.webhookUrl}` : null, p.providerAgencyId ? 'Vigil portal' : null].filter(Boolean).join('; ');
  }

  async function audited(action: string, o: StoredOrder, detail: Record<string, unknown> = {}): Promise<void> {
    await deps.audit.record({ action, targetType: 'removal_order', targetId: o.id, detail: { referenceNumber: o.referenceNumber, providerId: o.providerId, ...detail } });
  }

  /** Issue (on approval): the signed document and its PDF, stored as blobs of the agency. */
  async function issueDocument(o: StoredOrder, issuedAt: number): Promise<{ annexI: AnnexI; document: { sha256: string; pdfSha256: string; signature: string; keyId: string } }> {
    const agency = await deps.agency();
    const annexI: AnnexI = { ...o.annexI, issuedAt };
    const doc = orderDocument({ orderId: o.id, issuingAgency: { id: agency.id, name: agency.name }, annexI });
    const json = Buffer.from(canonicalJson(doc), 'utf8');
    const pdf = await deps.renderPdf(doc);
    await deps.blobs.put(Readable.from([json]), 'application/json', deps.actor.userId);
    await deps.blobs.put(Readable.from([pdf]), 'application/pdf', deps.actor.userId);
    const signer = deps.signer();
    const digest = createHash('sha256').update(json).digest();
    return { annexI, document: { sha256: sha256Hex(json), pdfSha256: sha256Hex(pdf), signature: Buffer.from(signer.sign(digest)).toString('base64'), keyId: signer.keyId } };
  }

  return {
    /**
     * Proposes an order (TCO Art. 3) from items this agency decided are terrorist content, to the
     * one provider their URLs resolve to. Grounds and reasons default to the decisions'; sections
     * E–G to the agency's last order. Refused unless Annex I is complete.
     */
    async propose(input: ProposeInput): Promise<OrderDetail> {
      const agency = await deps.agency();
      // TCO Art. 3(1): only a competent authority issues removal orders.
      if (agency.kind !== 'authority') throw new VigilError('VIGIL_ORDER_NOT_AUTHORITY', `Only an agency of kind authority issues removal orders; ${agency.name} is a ${agency.kind}.`);
      const by = requireUser();
      const itemIds = [...new Set(input.itemIds)];
      if (itemIds.length === 0 || itemIds.length > ORDER_ITEMS_MAX) throw new VigilError('VIGIL_VALIDATION_FAILED', `An order names 1 to ${ORDER_ITEMS_MAX} items.`);
      const items: Item[] = [];
      const bad: { itemId: string; problem: string }[] = [];
      for (const id of itemIds) {
        const item = await deps.items.getItem(id);
        if (!item) bad.push({ itemId: id, problem: 'is not an item of your agency' });
        else if (item.kind !== 'url') bad.push({ itemId: id, problem: 'is an uploaded file, not a URL a provider hosts' });
        else items.push(item);
      }
      if (bad.length) throw new VigilError('VIGIL_ORDER_ITEMS_NOT_DECIDED', `These items cannot be ordered removed: ${bad.map((b) => `${b.itemId} ${b.problem}`).join('; ')}.`, { items: bad });
      const now = clock.now();
      const decisions = await deps.decisionsOfItems(itemIds);
      const chosen: Decision[] = [];
      for (const id of itemIds) {
        const r = currentOrderDecision(
          decisions.filter((d) => d.itemIds.includes(id)),
          now,
        );
        if (r.ok) chosen.push(r.decision);
        else bad.push({ itemId: id, problem: r.reason });
      }
      if (bad.length) throw new VigilError('VIGIL_ORDER_ITEMS_NOT_DECIDED', `Each item needs a current terrorist_content decision of your agency: ${bad.map((b) => `${b.itemId} ${b.problem}`).join('; ')}.`, { items: bad });

      const byProvider = new Map<string, { provider: Provider; itemIds: string[] }>();
      const unresolved: { itemId: string; url: string; reason: string }[] = [];
      for (const item of items) {
        const r = await deps.providers.resolve(item.url);
        if (!r.provider) unresolved.push({ itemId: item.id, url: item.url, reason: r.reason });
        else byProvider.set(r.provider.id, { provider: r.provider, itemIds: [...(byProvider.get(r.provider.id)?.itemIds ?? []), item.id] });
      }
      if (unresolved.length) throw new VigilError('VIGIL_ORDER_NO_PROVIDER', `No provider in the registry hosts: ${unresolved.map((u) => `${u.url} (${u.reason})`).join('; ')}.`, { items: unresolved });
      if (byProvider.size > 1) {
        const groups = [...byProvider.values()].map((g) => ({ providerId: g.provider.id, name: g.provider.name, itemIds: g.itemIds }));
        throw new VigilError('VIGIL_ORDER_MIXED_PROVIDERS', `An order goes to one provider; these items are hosted by ${groups.map((g) => `${g.name} (${g.itemIds.length})`).join(', ')}. Propose one order per provider.`, { providers: groups });
      }
      const provider = [...byProvider.values()][0]!.provider;

      const decisionIds = [...new Set(chosen.map((d) => d.id))];
      const uniqueDecisions = decisionIds.map((id) => chosen.find((d) => d.id === id)!);
      const issuingState = input.issuingState.trim().toUpperCase();
      const lr = provider.legalRepresentative;
      const annexI: AnnexI = {
        issuingState: issuingState as MemberState,
        addressee: { providerName: provider.name, legalRepresentative: lr ? `${lr.name}, ${lr.address} (${lr.email})` : null, contactPoint: contactPointOf(provider), mainEstablishment: provider.mainEstablishment },
        // Set again to the time of issue when the order is approved.
        issuedAt: now,
        referenceNumber: input.referenceNumber.trim(),
        items: items.map((i) => ({ url: i.url, locating: input.locating?.[i.id]?.trim() || null })),
        grounds: input.grounds?.length ? [...new Set(input.grounds)].sort() : [...new Set(uniqueDecisions.flatMap((d) => d.grounds))].sort(),
        reasons: input.reasons?.trim() || [...new Set(uniqueDecisions.map((d) => d.reasons))].join('\n\n'),
        nonDisclosure: { withheld: input.nonDisclosure?.withheld ?? false, reason: input.nonDisclosure?.withheld ? (input.nonDisclosure.reason?.trim() ?? null) : null },
        crossBorder: { copySent: isCrossBorder(issuingState, provider.mainEstablishment), hostAuthority: input.hostAuthority?.trim() || null },
        ...(await prefilled(input)),
        emergency: { declared: input.emergency?.declared ?? false, reason: input.emergency?.declared ? (input.emergency.reason?.trim() ?? null) : null },
      };
      // Only a cross-border order is copied to the host State (Art. 4(1)); any other ignores the address.
      const hostAuthorityEmail = annexI.crossBorder.copySent ? input.hostAuthorityEmail?.trim() || null : null;
      const problems = [...annexIProblems(annexI), ...hostAuthorityEmailProblems(annexI.crossBorder.copySent, hostAuthorityEmail)];
      if (problems.length) annexProblem(problems, 'VIGIL_ORDER_ANNEX_INCOMPLETE');

      const id = ids.next();
      const inserted = await orders.insert(
        {
          id,
          providerId: provider.id,
          referenceNumber: annexI.referenceNumber,
          status: 'proposed',
          annexI,
          caseId: uniqueDecisions[0]?.caseId ?? null,
          decisionIds,
          itemIds,
          proposedBy: by,
          proposedAt: now,
          crossBorder: annexI.crossBorder.copySent,
          hostAuthority: annexI.crossBorder.hostAuthority,
          hostAuthorityEmail,
          appealPeriodMs: settings.appealPeriodMs,
          createdAt: now,
        },
        event('proposed', now, { itemIds, decisionIds, by }),
      );
      if (!inserted) throw new VigilError('VIGIL_ORDER_REFERENCE_TAKEN', `Your agency already has an order with reference number ${annexI.referenceNumber}.`);
      const o = await mustGet(id);
      await audited('order.propose', o, { itemIds, decisionIds, emergency: annexI.emergency.declared });
      return detail(o);
    },

    /** A page of orders, each with its clock now, so a list can show every countdown. */
    async list(q: OrderListQuery): Promise<{ order: StoredOrder; clock: OrderClock }[]> {
      const now = clock.now();
      return Promise.all((await orders.list(q)).map(async (o) => ({ order: o, clock: orderClock((await folded(o)).state, now, settings.escalationLeadMs) })));
    },
    get: async (orderId: string) => detail(await mustGet(orderId)),
    dispatchesOf: (orderId: string) => deps.dispatch.list({ subjectKind: 'order', subjectId: orderId, limit: 100 }),

    /**
     * Four eyes: someone other than the proposer approves, and approval issues the order. Art. 3(2):
     * a first order to the provider waits for the 12-hour notice unless it is an emergency with a
     * reason. The document is signed, stored, and dispatched to every channel of the provider;
     * a cross-border order's copy to the host authority (Art. 4(1)) goes out by the `order.copy` job.
     */
    async approve(orderId: string, note: string | null): Promise<OrderDetail> {
      const by = requireUser();
      const o = await mustGet(orderId);
      if (o.status !== 'proposed') throw new VigilError('VIGIL_ORDER_NOT_PROPOSED', `The order is ${o.status}, not awaiting approval.`);
      if (o.proposedBy === by) throw new VigilError('VIGIL_ORDER_OWN_APPROVAL');
      const provider = await deps.providers.get(o.providerId);
      if (!provider) throw new VigilError('VIGIL_NOT_FOUND', `No provider ${o.providerId}.`);
      // Checked before the order is issued: an issued order that cannot be sent would start no clock and reach no one.
      const unreachable = deps.dispatch.unreachable(provider);
      if (unreachable) throw new VigilError('VIGIL_PROVIDER_NO_CONTACT', unreachable);
      // TCO Art. 4(1): the copy goes to the host State's authority at the same time as the order, so an order whose copy cannot be e-mailed is not issued.
      if (o.crossBorder && !deps.mail)
        throw new VigilError(
          'VIGIL_ORDER_COPY_UNDELIVERABLE',
          `Order ${o.referenceNumber} is cross-border (${provider.name} is established in ${provider.mainEstablishment ?? 'another Member State'}), and its Art. 4(1) copy is e-mailed to the host State's authority, but this instance has no VIGIL_SMTP_URL.`,
        );
      const now = clock.now();
      const problem = firstOrderNoticeProblem({
        priorOrdersToProvider: await orders.issuedCount(o.providerId),
        noticeSentAt: await deps.providers.noticeSentAt(o.providerId),
        issueAt: now,
        emergency: o.annexI.emergency.declared,
        emergencyReason: o.annexI.emergency.reason,
      });
      if (problem) throw new VigilError('VIGIL_ORDER_FIRST_NOTICE_PENDING', `The order cannot be issued yet: ${problem}.`, { problem });

      const { annexI, document } = await issueDocument(o, now);
      const events = [event('approved', now, { by, ...(note ? { note } : {}) }), event('issued', now, { documentSha256: document.sha256, pdfSha256: document.pdfSha256, keyId: document.keyId })];
      if (!(await orders.append(o.id, o.seq, events, { status: 'issued', approvedBy: by, approvedAt: now, issuedAt: now, annexI, document }, now)))
        throw new VigilError('VIGIL_ORDER_NOT_PROPOSED', 'Another approver answered first.');
      if (o.crossBorder) await deps.enqueueCopy(o.id);
      const issued = await mustGet(o.id);
      await audited('order.approve', issued, { proposedBy: o.proposedBy, ...(note ? { note } : {}) });

      const agency = await deps.agency();
      const hours = REMOVAL_WINDOW_MS / 3_600_000;
      const dispatches = await deps.dispatch.create({
        providerId: o.providerId,
        subjectKind: 'order',
        subjectId: o.id,
        title: `${annexI.emergency.declared ? 'EMERGENCY ' : ''}Removal order ${annexI.referenceNumber} from ${agency.name}`,
        text: [
          `${agency.name} issues removal order ${annexI.referenceNumber} under Regulation (EU) 2021/784.`,
          `Remove or disable the ${annexI.items.length} item(s) in all Member States within ${hours} hour of receipt (Art. 3(3)), and answer with Annex II, or Annex III if you cannot.`,
          'The order is attached as PDF and as the signed JSON document; the signature is Ed25519 by the instance key over the SHA-256 of the JSON document.',
        ].join('\n'),
        payload: {
          order: { id: o.id, referenceNumber: annexI.referenceNumber, issuedAt: now, emergency: annexI.emergency.declared },
          documentJson: canonicalJson(orderDocument({ orderId: o.id, issuingAgency: { id: agency.id, name: agency.name }, annexI })),
          documentSha256: `sha256:${document.sha256}`,
          signature: { algorithm: 'Ed25519', signedOver: 'the SHA-256 digest of documentJson (UTF-8)', keyId: document.keyId, publicKeyPem: deps.signer().publicKeyPem, value: document.signature },
          links: { portal: `/api/v1/portal/orders/${o.id}`, callback: `/api/v1/callbacks/providers/${o.providerId}` },
        },
        attachments: [
          { filename: `removal-order-${o.id}.pdf`, contentType: 'application/pdf', sha256: document.pdfSha256 },
          { filename: `removal-order-${o.id}.json`, contentType: 'application/json', sha256: document.sha256 },
        ],
      });
      await transition(o.id, (_o, _s, at) => ({ after: [event('dispatched', at, { dispatchIds: dispatches.map((d) => d.id), channels: dispatches.map((d) => d.channel) })] }));
      return detail(await mustGet(o.id));
    },

    /** Four eyes: the approver sends the proposal back; it stays on record as rejected. */
    async reject(orderId: string, note: string | null): Promise<OrderDetail> {
      const by = requireUser();
      const o = await mustGet(orderId);
      if (o.status !== 'proposed') throw new VigilError('VIGIL_ORDER_NOT_PROPOSED', `The order is ${o.status}, not awaiting approval.`);
      if (o.proposedBy === by) throw new VigilError('VIGIL_ORDER_OWN_APPROVAL');
      const now = clock.now();
      if (!(await orders.append(o.id, o.seq, [event('rejected', now, { by, ...(note ? { note } : {}) })], { status: 'rejected' }, now))) throw new VigilError('VIGIL_ORDER_NOT_PROPOSED', 'Another approver answered first.');
      await audited('order.reject', o, { ...(note ? { note } : {}) });
      return detail(await mustGet(o.id));
    },

    /** The receipt: the first delivery of one of the order's dispatches starts the hour (Art. 3(3)). */
    async recordDelivery(orderId: string, d: { dispatchId: string; channel: string; deliveredAt: number }): Promise<void> {
      const o = await orders.get(orderId);
      if (!o || o.issuedAt === null) return;
      const { state } = await folded(o);
      if (state.receivedAt !== null || state.status === 'withdrawn' || state.status === 'voided') return;
      const updated = await transition(orderId, (_o, s) =>
        s.receivedAt !== null ? {} : { steps: [{ event: { type: 'received', at: Math.max(d.deliveredAt, s.lastEventAt ?? 0) }, detail: { via: 'delivery', dispatchId: d.dispatchId, channel: d.channel } }] },
      );
      await audited('order.received', updated, { dispatchId: d.dispatchId, channel: d.channel });
    },

    /** The `order.clock` job: escalation before the deadline and the breach after it, once each per deadline. */
    async watchClock(orderId: string): Promise<{ recorded: string[] }> {
      const o = await orders.get(orderId);
      if (!o) return { recorded: [] };
      const { state, events } = await folded(o);
      const due = dueClockEvents(state, events, clock.now(), settings.escalationLeadMs);
      if (due.length === 0) return { recorded: [] };
      const now = clock.now();
      if (!(await orders.append(o.id, o.seq, due.map((e) => event(e.type, now, { deadline: e.deadline })), {}, now))) throw new VigilError('VIGIL_CONFLICT', 'The order changed while its clock was checked.');
      for (const e of due) await audited(e.type === 'escalated' ? 'order.escalate' : 'order.breach', o, { deadline: e.deadline, ...(e.type === 'escalated' ? { remainingMs: e.deadline - now } : {}) });
      return { recorded: due.map((e) => e.type) };
    },

    /**
     * The `order.copy` job, TCO Art. 4(1): e-mails the issued cross-border order (PDF and signed
     * JSON document) to the competent authority of the host State, and records `copy_sent` once the
     * SMTP server accepted it. Never sends again once `copy_sent` is on record; `final` is the job's
     * last attempt, whose failure is audited.
     */
    async sendCopy(orderId: string, attempt: { final: boolean }): Promise<CopyResult> {
      const o = await orders.get(orderId);
      if (!o?.crossBorder || !o.document) return { next: 'skipped', reason: 'not an issued cross-border order' };
      const { events } = await folded(o);
      if (events.some((e) => e.type === 'copy_sent')) return { next: 'skipped', reason: 'the copy was already sent' };
      const failed = async (reason: string): Promise<CopyResult> => {
        if (attempt.final) await audited('order.copy.failed', o, { to: o.hostAuthorityEmail, reason });
        return { next: 'retry', reason };
      };
      if (!deps.mail) return failed('the instance has no VIGIL_SMTP_URL');
      const to = o.hostAuthorityEmail;
      if (!to) return failed('the order names no e-mail address of the host State authority');
      const agency = await deps.agency();
      const a = o.annexI;
      const { document } = o;
      const messageId = `<order-copy-${o.id}@vigil>`;
      const r = await deps.mail.send({
        to,
        subject: `Copy of removal order ${o.referenceNumber} from ${agency.name} (Regulation (EU) 2021/784, Art. 4(1))`,
        text: [
          `${agency.name} (${a.issuingState}) issued removal order ${o.referenceNumber} on ${new Date(a.issuedAt).toISOString()} to ${a.addressee.providerName}, whose main establishment is in ${a.addressee.mainEstablishment ?? 'your Member State'}.`,
          `Under Art. 4(1) of Regulation (EU) 2021/784 this copy goes to the competent authority of that Member State${o.hostAuthority ? ` (${o.hostAuthority})` : ''}, which may scrutinise the order under Art. 4(4) within 72 hours of receiving it.`,
          'The order is attached as PDF and as the signed JSON document.',
          `Signature: Ed25519 by the instance key ${document.keyId} over the SHA-256 of the JSON document (sha256:${document.sha256}), base64: ${document.signature}`,
          `Public key:\n${deps.signer().publicKeyPem}`,
          `Follow-up: ${a.followUpContact.name} <${a.followUpContact.email}>`,
        ].join('\n\n'),
        attachments: [
          { filename: `removal-order-${o.id}.pdf`, contentType: 'application/pdf', content: await readAll((await deps.blobs.open(document.pdfSha256)).stream) },
          { filename: `removal-order-${o.id}.json`, contentType: 'application/json', content: await readAll((await deps.blobs.open(document.sha256)).stream) },
        ],
        messageId,
      });
      if (r.kind !== 'accepted') return failed(r.reason);
      const sent = await transition(o.id, (_o, _s, now) => ({ after: [event('copy_sent', now, { hostAuthority: o.hostAuthority, to, messageId })] }));
      await audited('order.copy.sent', sent, { to });
      return { next: 'done', reason: `sent to ${to}` };
    },

    /** A provider's answer (portal or signed callback), recorded on the order at once. */
    async answer(orderId: string, a: ProviderAnswer, via: { channel: 'portal' | 'callback'; deliveryId?: string }): Promise<OrderDetail> {
      const source = { via: via.channel, ...(via.deliveryId ? { deliveryId: via.deliveryId } : {}) };
      const current = await mustGet(orderId);
      const { state, events } = await folded(current);
      // An answer shows the order arrived: a receipt not yet recorded is taken to be now.
      const receipt = (s: OrderState, now: number): Step[] => (s.receivedAt === null && s.status === 'issued' ? [{ event: { type: 'received', at: now }, detail: { ...source, implied: true } }] : []);
      let updated: StoredOrder;
      if (a.type === 'acknowledge') {
        if (state.status === 'withdrawn' || state.status === 'voided') fail('VIGIL_ORDER_TRANSITION_REFUSED', state.status === 'withdrawn' ? 'the order was withdrawn' : 'the order was voided on scrutiny');
        // Acknowledging again changes nothing: the first acknowledgement stands.
        if (events.some((e) => e.type === 'acknowledged')) return detail(current);
        updated = await transition(orderId, (_o, s, now) => ({ steps: receipt(s, now), after: [event('acknowledged', now, source)] }));
      } else if (a.type === 'annex_ii') {
        const problems = annexIIProblems({ orderReference: current.referenceNumber, providerReference: a.providerReference ?? null, receivedAt: state.receivedAt ?? clock.now(), measure: a.measure, actionAt: a.actionAt, authorisedPerson: a.authorisedPerson, contactEmail: a.contactEmail });
        if (problems.length) annexProblem(problems, 'VIGIL_ORDER_ANSWER_INVALID');
        updated = await transition(orderId, (_o, s, now) => ({
          steps: [
            ...receipt(s, now),
            { event: { type: 'annex_ii', at: now, measure: a.measure, actionAt: a.actionAt }, detail: { ...source, authorisedPerson: a.authorisedPerson, contactEmail: a.contactEmail, providerReference: a.providerReference ?? null } },
          ],
        }));
      } else if (a.type === 'annex_iii') {
        const problems = annexIIIProblems({
          orderReference: current.referenceNumber,
          providerReference: a.providerReference ?? null,
          receivedAt: state.receivedAt ?? clock.now(),
          obstacle: a.obstacle,
          explanation: a.explanation,
          clarificationRequested: a.clarificationRequested ?? null,
          authorisedPerson: a.authorisedPerson,
          contactEmail: a.contactEmail,
        });
        if (problems.length) annexProblem(problems, 'VIGIL_ORDER_ANSWER_INVALID');
        updated = await transition(orderId, (_o, s, now) => ({
          steps: [
            ...receipt(s, now),
            {
              event: { type: 'annex_iii', at: now, obstacle: a.obstacle },
              detail: { ...source, explanation: a.explanation, clarificationRequested: a.clarificationRequested ?? null, authorisedPerson: a.authorisedPerson, contactEmail: a.contactEmail, providerReference: a.providerReference ?? null },
            },
          ],
        }));
      } else if (a.type === 'scrutiny_request') {
        if (!current.crossBorder) fail('VIGIL_ORDER_TRANSITION_REFUSED', 'scrutiny by the host State applies to cross-border orders only (Art. 4)');
        updated = await transition(orderId, (_o, _s, now) => ({ steps: [{ event: { type: 'scrutiny_requested', at: now }, detail: { ...source, reason: a.reason ?? null } }] }));
      } else {
        updated = await transition(orderId, (_o, _s, now) => ({ steps: [{ event: { type: 'reinstated', at: now }, detail: { ...source, note: a.note ?? null } }] }));
      }
      await audited(`order.answer.${a.type}`, updated, source);
      return detail(updated);
    },

    /** The issuer withdraws an order not yet executed. */
    async withdraw(orderId: string, reason: string): Promise<OrderDetail> {
      requireUser();
      const o = await transition(orderId, (_o, _s, now) => ({ steps: [{ event: { type: 'withdrawn', at: now }, detail: { reason } }] }));
      await audited('order.withdraw', o, { reason });
      return detail(o);
    },

    /** Art. 3(7): the force majeure or impossibility the provider reported has ceased; the hour starts again. */
    async obstacleCeased(orderId: string, note: string | null): Promise<OrderDetail> {
      requireUser();
      const o = await transition(orderId, (_o, _s, now) => ({ steps: [{ event: { type: 'obstacle_ceased', at: now }, detail: { note } }] }));
      await audited('order.obstacle_ceased', o, {});
      return detail(o);
    },

    /** Art. 3(8): the issuer sends the clarification the provider asked for; the hour starts again on it. */
    async clarify(orderId: string, clarification: string): Promise<OrderDetail> {
      requireUser();
      const o = await transition(orderId, (_o, _s, now) => ({ steps: [{ event: { type: 'clarification_sent', at: now }, detail: { clarification } }] }));
      const agency = await deps.agency();
      await deps.dispatch.create({
        providerId: o.providerId,
        subjectKind: 'order',
        subjectId: o.id,
        title: `Clarification of removal order ${o.referenceNumber} from ${agency.name}`,
        text: `${clarification}\n\nThe one-hour period of Art. 3(3) runs again from the receipt of this clarification (Art. 3(8)).`,
        payload: { order: { id: o.id, referenceNumber: o.referenceNumber }, clarification },
      });
      await audited('order.clarification', o, {});
      return detail(o);
    },

    /** Art. 4(4)–(7): the host State authority's scrutiny outcome; an infringement voids the order. */
    async recordScrutiny(orderId: string, outcome: 'upheld' | 'infringement_found', note: string | null): Promise<OrderDetail> {
      requireUser();
      const current = await mustGet(orderId);
      if (!current.crossBorder) fail('VIGIL_ORDER_TRANSITION_REFUSED', 'scrutiny by the host State applies to cross-border orders only (Art. 4)');
      const o = await transition(orderId, (_o, _s, now) => ({ steps: [{ event: { type: outcome === 'upheld' ? 'scrutiny_upheld' : 'infringement_found', at: now }, detail: { note } }] }));
      await audited('order.scrutiny', o, { outcome });
      return detail(o);
    },

    /** Art. 11(3): six more weeks of non-disclosure, once. */
    async extendNonDisclosure(orderId: string, reason: string): Promise<OrderDetail> {
      requireUser();
      const o = await transition(orderId, (cur, s, now) => {
        const problem = nonDisclosureExtensionProblem({ withheld: cur.annexI.nonDisclosure.withheld, issuedAt: s.issuedAt, extensions: cur.nonDisclosureExtensions, now });
        if (problem) fail('VIGIL_ORDER_TRANSITION_REFUSED', problem);
        const until = nonDisclosureUntil(s.issuedAt!, cur.nonDisclosureExtensions + 1);
        return { after: [event('non_disclosure_extended', now, { reason, until: until.ok ? until.until : null })], patch: { nonDisclosureExtensions: cur.nonDisclosureExtensions + 1 } };
      });
      await audited('order.non_disclosure_extend', o, { extensions: o.nonDisclosureExtensions });
      return detail(o);
    },

    /** The issued document, JSON or PDF; every read is audited. */
    async document(orderId: string, kind: 'json' | 'pdf'): Promise<{ stream: Readable; sha256: string }> {
      const o = await mustGet(orderId);
      if (!o.document) throw new VigilError('VIGIL_NOT_FOUND', `Order ${o.referenceNumber} has not been issued, so it has no document yet.`);
      const sha256 = kind === 'json' ? o.document.sha256 : o.document.pdfSha256;
      const { stream } = await deps.blobs.open(sha256);
      await audited('order.document.read', o, { kind });
      return { stream, sha256 };
    },
  };
}

export type OrderService = ReturnType<typeof createOrderService>;

/** An order as the provider sees it: no issuer staff names, no internal workflow. */
export interface PortalOrderDetail {
  detail: OrderDetail;
  fromAgency: { id: string; name: string };
  timeline: { type: StoredOrderEventType; at: number; detail: Record<string, unknown> }[];
}

/** Events a provider sees, with the fields of them it may read (its own answers in full). */
const PORTAL_EVENT_FIELDS: Partial<Record<StoredOrderEventType, readonly string[]>> = {
  issued: [],
  received: ['via', 'channel', 'implied'],
  acknowledged: ['via'],
  annex_ii: ['via', 'measure', 'actionAt', 'authorisedPerson', 'contactEmail', 'providerReference'],
  annex_iii: ['via', 'obstacle', 'explanation', 'clarificationRequested', 'authorisedPerson', 'contactEmail', 'providerReference'],
  obstacle_ceased: [],
  clarification_sent: ['clarification'],
  scrutiny_requested: ['via', 'reason'],
  scrutiny_upheld: [],
  infringement_found: [],
  reinstated: ['via', 'note'],
  withdrawn: ['reason'],
  non_disclosure_extended: ['until'],
};

export interface OrderPortalServiceDeps {
  orders: PortalOrderRepository;
  /** The issuing agency's order service, acting as this (provider) user. */
  issuer(agencyId: string): OrderService;
  agencyName(agencyId: string): Promise<string>;
  audit: AuditLog;
}

/** A provider agency's side of removal orders (TCO Art. 3(6), Annex II/III): read, and answer. */
export function createOrderPortalService(deps: OrderPortalServiceDeps) {
  async function visible(orderId: string): Promise<StoredOrder> {
    const o = await deps.orders.get(orderId);
    if (!o) throw new VigilError('VIGIL_NOT_FOUND', `No order ${orderId} addressed to your agency.`);
    return o;
  }
  async function portalDetail(d: OrderDetail): Promise<PortalOrderDetail> {
    const timeline = d.events.flatMap((e) => {
      const fields = PORTAL_EVENT_FIELDS[e.type];
      return fields ? [{ type: e.type, at: e.at, detail: Object.fromEntries(fields.filter((f) => f in e.detail).map((f) => [f, e.detail[f]])) }] : [];
    });
    return { detail: d, fromAgency: { id: d.order.agencyId, name: await deps.agencyName(d.order.agencyId) }, timeline };
  }
  return {
    async list(q: Omit<OrderListQuery, 'providerId'>): Promise<PortalOrderDetail[]> {
      const out: PortalOrderDetail[] = [];
      for (const o of await deps.orders.list(q)) out.push(await portalDetail(await deps.issuer(o.agencyId).get(o.id)));
      return out;
    },
    async get(orderId: string): Promise<PortalOrderDetail> {
      const o = await visible(orderId);
      const d = await portalDetail(await deps.issuer(o.agencyId).get(o.id));
      await deps.audit.record({ action: 'portal.order.read', targetType: 'removal_order', targetId: o.id, detail: { referenceNumber: o.referenceNumber, fromAgencyId: o.agencyId } });
      return d;
    },
    /** The issued document, as the issuing agency holds it (the read is audited on both sides). */
    async document(orderId: string, kind: 'json' | 'pdf'): Promise<{ stream: Readable; sha256: string }> {
      const o = await visible(orderId);
      const doc = await deps.issuer(o.agencyId).document(o.id, kind);
      await deps.audit.record({ action: 'portal.order.document.read', targetType: 'removal_order', targetId: o.id, detail: { referenceNumber: o.referenceNumber, fromAgencyId: o.agencyId, kind } });
      return doc;
    },
    /** The answer is an event on the issuing agency's order at once; another provider's order is not found. */
    async answer(orderId: string, a: ProviderAnswer): Promise<PortalOrderDetail> {
      const o = await visible(orderId);
      const d = await deps.issuer(o.agencyId).answer(o.id, a, { channel: 'portal' });
      await deps.audit.record({ action: `portal.order.${a.type}`, targetType: 'removal_order', targetId: o.id, detail: { referenceNumber: o.referenceNumber, fromAgencyId: o.agencyId } });
      return portalDetail(d);
    },
  };
}

export type OrderPortalService = ReturnType<typeof createOrderPortalService>;
