import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import { EpochMs, errorResponses, lit, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { GROUNDS } from '../review/review.model.ts';
import { toDispatchView } from '../dispatch/dispatch.routes.ts';
import { ANNEX_SHORT_TEXT_MAX, ANNEX_TEXT_MAX, AUTHORITY_TYPES, EU_EEA_STATES } from './annex.model.ts';
import { MEASURES, OBSTACLES, ORDER_STATUSES, STORED_ORDER_EVENT_TYPES, STORED_ORDER_STATUSES, type OrderClock } from './order.model.ts';
import { ORDER_ITEMS_MAX, ORDER_NOTE_MAX, type OrderDetail, type PortalOrderDetail, type ProviderAnswer } from './order.service.ts';
import type { StoredOrder } from './order.repository.ts';

const Short = (o: { maxLength?: number; description?: string } = {}) => Type.String({ maxLength: ANNEX_SHORT_TEXT_MAX, ...o });
/** An epoch-millisecond time that may not have happened yet. */
const NullableTime = (description: string) => Nullable(Type.Integer({ minimum: 0, description: `Epoch milliseconds. ${description}` }));
/** Orders on one page of a list. */
export const ORDER_PAGE_MAX = 100;

const AuthoritySection = Type.Object(
  { type: lit(AUTHORITY_TYPES), name: Short(), representative: Short(), fileNumber: Short({ maxLength: 100 }), address: Short(), telephone: Short({ maxLength: 50 }), email: Short() },
  { additionalProperties: false, description: 'Annex I section E: the issuing authority' },
);
const FollowUpSection = Type.Object({ name: Short(), email: Short(), telephone: Nullable(Short({ maxLength: 50 })) }, { additionalProperties: false, description: 'Annex I section F: contact for follow-up' });
const RedressSection = Type.Object({ body: Short(), deadline: Short({ maxLength: 200 }), lawReference: Short() }, { additionalProperties: false, description: 'Annex I section G: redress' });

export const AnnexIView = Type.Object(
  {
    issuingState: Type.String(),
    addressee: Type.Object({ providerName: Type.String(), legalRepresentative: Nullable(Type.String()), contactPoint: Type.String(), mainEstablishment: Nullable(Type.String()) }),
    issuedAt: EpochMs,
    referenceNumber: Type.String(),
    items: Type.Array(Type.Object({ url: Type.String(), locating: Nullable(Type.String()) })),
    grounds: Type.Array(lit(GROUNDS), { description: 'TCO Art. 2(7)(a)–(e)' }),
    reasons: Type.String(),
    nonDisclosure: Type.Object({ withheld: Type.Boolean(), reason: Nullable(Type.String()) }, { description: 'Section C: Art. 11(3)' }),
    crossBorder: Type.Object({ copySent: Type.Boolean(), hostAuthority: Nullable(Type.String()) }, { description: 'Section D: Art. 4' }),
    authority: Type.Object({ type: lit(AUTHORITY_TYPES), name: Type.String(), representative: Type.String(), fileNumber: Type.String(), address: Type.String(), telephone: Type.String(), email: Type.String() }),
    followUpContact: Type.Object({ name: Type.String(), email: Type.String(), telephone: Nullable(Type.String()) }),
    redress: Type.Object({ body: Type.String(), deadline: Type.String(), lawReference: Type.String() }),
    emergency: Type.Object({ declared: Type.Boolean(), reason: Nullable(Type.String()) }, { description: 'Art. 3(2): issued without the 12-hour first-order notice' }),
  },
  { $id: 'AnnexI', description: 'Annex I of Regulation (EU) 2021/784, sections A–G. issuedAt is the proposal time until the order is issued.' },
);

const ClockView = Type.Object(
  {
    deadline: NullableTime('Art. 3(3): one hour from receipt (or from the end of an Annex III obstacle); null before receipt, while suspended, and once stopped'),
    remainingMs: Nullable(Type.Integer({ description: 'Negative once breached' })),
    escalateAt: Nullable(EpochMs),
    breachedAt: Nullable(EpochMs),
    executedInMs: Nullable(Type.Integer({ description: 'Annex II time of the measure minus the first receipt' })),
    obstacle: Type.Union([lit(OBSTACLES), Type.Null()], { description: 'The open Annex III obstacle while the clock is suspended' }),
  },
  { description: 'The removal clock now (order.model.ts orderClock)' },
);

const ScrutinyView = Type.Object(
  {
    requestUntil: NullableTime('Art. 4(3): 48 hours from receipt (cross-border orders)'),
    decisionDue: NullableTime('Art. 4(4): 72 hours from the copy or the request'),
    requestedAt: Nullable(EpochMs),
    outcome: Nullable(lit(['upheld', 'infringement'] as const)),
  },
  { description: 'Cross-border scrutiny by the host State authority' },
);

const EventView = Type.Object({ seq: Type.Integer(), type: lit(STORED_ORDER_EVENT_TYPES), at: EpochMs, actor: Type.String(), detail: Type.Record(Type.String(), Type.Unknown()) });

const DocumentView = Nullable(
  Type.Object({
    sha256: Type.String({ description: 'sha256:… of the JSON document (canonical: sorted keys, no whitespace)' }),
    pdfSha256: Type.String(),
    signature: Type.String({ description: 'Base64 Ed25519 signature by the instance key over the SHA-256 digest of the JSON document' }),
    keyId: Type.String({ description: 'The instance key id (first 16 hex digits of the SHA-256 of the raw public key)' }),
  }),
);

const summaryFields = {
  id: Uuid,
  referenceNumber: Type.String(),
  providerId: Uuid,
  status: lit(STORED_ORDER_STATUSES),
  emergency: Type.Boolean(),
  crossBorder: Type.Boolean(),
  hostAuthority: Nullable(Type.String()),
  hostAuthorityEmail: Nullable(Type.String({ description: 'TCO Art. 4(1): where the copy of a cross-border order is e-mailed; null for other orders' })),
  caseId: Nullable(Type.String()),
  itemIds: Type.Array(Uuid),
  decisionIds: Type.Array(Uuid),
  proposedBy: Type.String(),
  proposedAt: EpochMs,
  approvedBy: Nullable(Type.String()),
  approvedAt: Nullable(EpochMs),
  issuedAt: Nullable(EpochMs),
  receivedAt: NullableTime('First delivery of one of its dispatches (webhook 2xx, SMTP accepted, portal), or the provider’s acknowledgement'),
  finalAt: NullableTime('When the order becomes final: receipt + VIGIL_ORDER_APPEAL_DAYS'),
  nonDisclosureExtensions: Type.Integer(),
  document: DocumentView,
  createdAt: EpochMs,
  updatedAt: EpochMs,
};

export const OrderSummaryView = Type.Object({ ...summaryFields, clock: ClockView }, { $id: 'OrderSummary' });

export const OrderView = Type.Object(
  {
    ...summaryFields,
    annexI: Type.Ref('AnnexI'),
    clock: ClockView,
    scrutiny: ScrutinyView,
    nonDisclosureUntil: NullableTime('Art. 11(3): six weeks from issue, plus six per extension (one at most)'),
    reinstatementDue: Type.Boolean({ description: 'Art. 4(7): voided after execution; the provider must reinstate' }),
    reinstatedAt: Nullable(EpochMs),
    dispatches: Type.Array(Type.Ref('Dispatch'), { description: 'Every message sent for the order, with its delivery log' }),
    events: Type.Array(EventView, { description: 'The full timeline, oldest first; the state is the fold of it' }),
  },
  { $id: 'Order' },
);

export const PortalOrderView = Type.Object(
  {
    id: Uuid,
    referenceNumber: Type.String(),
    fromAgency: Type.Object({ id: Uuid, name: Type.String() }),
    providerId: Uuid,
    status: lit(ORDER_STATUSES),
    annexI: Type.Ref('AnnexI'),
    issuedAt: EpochMs,
    receivedAt: Nullable(EpochMs),
    clock: ClockView,
    scrutiny: ScrutinyView,
    reinstatementDue: Type.Boolean(),
    document: DocumentView,
    timeline: Type.Array(Type.Object({ type: lit(STORED_ORDER_EVENT_TYPES), at: EpochMs, detail: Type.Record(Type.String(), Type.Unknown()) }), { description: 'The order’s lifecycle and your answers, oldest first' }),
  },
  { $id: 'PortalOrder' },
);

const clockView = (c: OrderClock) => ({ deadline: c.deadline, remainingMs: c.remainingMs, escalateAt: c.escalateAt, breachedAt: c.breachedAt, executedInMs: c.executedInMs, obstacle: c.obstacle });

function toSummary(o: StoredOrder) {
  return {
    id: o.id,
    referenceNumber: o.referenceNumber,
    providerId: o.providerId,
    status: o.status,
    emergency: o.annexI.emergency.declared,
    crossBorder: o.crossBorder,
    hostAuthority: o.hostAuthority,
    hostAuthorityEmail: o.hostAuthorityEmail,
    caseId: o.caseId,
    itemIds: o.itemIds,
    decisionIds: o.decisionIds,
    proposedBy: o.proposedBy,
    proposedAt: o.proposedAt,
    approvedBy: o.approvedBy,
    approvedAt: o.approvedAt,
    issuedAt: o.issuedAt,
    receivedAt: o.receivedAt,
    finalAt: o.finalAt,
    nonDisclosureExtensions: o.nonDisclosureExtensions,
    document: o.document ? { ...o.document, sha256: `sha256:${o.document.sha256}`, pdfSha256: `sha256:${o.document.pdfSha256}` } : null,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

function toOrderView(d: OrderDetail, dispatches: Parameters<typeof toDispatchView>[0][]) {
  return {
    ...toSummary(d.order),
    annexI: d.order.annexI,
    clock: clockView(d.clock),
    scrutiny: d.scrutiny,
    nonDisclosureUntil: d.nonDisclosureUntil,
    reinstatementDue: d.state.reinstatementDue,
    reinstatedAt: d.state.reinstatedAt,
    dispatches: dispatches.map(toDispatchView),
    events: d.events.map((e) => ({ seq: e.seq, type: e.type, at: e.at, actor: e.actor, detail: e.detail })),
  };
}

export function toPortalOrderView(p: PortalOrderDetail) {
  const d = p.detail;
  const o = d.order;
  return {
    id: o.id,
    referenceNumber: o.referenceNumber,
    fromAgency: p.fromAgency,
    providerId: o.providerId,
    status: d.state.status,
    annexI: o.annexI,
    issuedAt: o.issuedAt!,
    receivedAt: o.receivedAt,
    clock: clockView(d.clock),
    scrutiny: d.scrutiny,
    reinstatementDue: d.state.reinstatementDue,
    document: o.document ? { ...o.document, sha256: `sha256:${o.document.sha256}`, pdfSha256: `sha256:${o.document.pdfSha256}` } : null,
    timeline: p.timeline,
  };
}

const Params = Type.Object({ orderId: Uuid });
const Note = Type.Optional(Type.Object({ note: Type.Optional(Type.String({ maxLength: ORDER_NOTE_MAX })) }, { additionalProperties: false }));
const Required = (name: string, description: string) => Type.Object({ [name]: Type.String({ minLength: 1, maxLength: ORDER_NOTE_MAX, pattern: '\\S', description }) }, { additionalProperties: false });

export const ProposeBody = Type.Object(
  {
    itemIds: Type.Array(Uuid, { minItems: 1, maxItems: ORDER_ITEMS_MAX, description: 'URL items of your agency, each with a current terrorist_content decision; they must resolve to one provider' }),
    referenceNumber: Type.String({ minLength: 1, maxLength: 100, description: 'Annex I section A; unique in your agency' }),
    issuingState: Type.String({ minLength: 2, maxLength: 2, description: `Annex I section A, one of ${EU_EEA_STATES.join(', ')}` }),
    grounds: Type.Optional(Type.Array(lit(GROUNDS), { maxItems: GROUNDS.length, description: 'Default: the decisions’ grounds' })),
    reasons: Type.Optional(Type.String({ maxLength: ANNEX_TEXT_MAX, description: 'Default: the decisions’ reasons' })),
    locating: Type.Optional(Type.Record(Uuid, Type.String({ maxLength: ANNEX_SHORT_TEXT_MAX }), { description: 'Per item id: what locates it beyond its URL' })),
    nonDisclosure: Type.Optional(Type.Object({ withheld: Type.Boolean(), reason: Type.Optional(Nullable(Short())) }, { additionalProperties: false, description: 'Section C: Art. 11(3)' })),
    hostAuthority: Type.Optional(Nullable(Short({ description: 'Section D: the competent authority of the host State, required when the provider is established in another Member State' }))),
    hostAuthorityEmail: Type.Optional(
      Nullable(Short({ description: 'TCO Art. 4(1): the e-mail address of that authority, which gets a copy of the order when it is issued; required for a cross-border order, ignored for any other' })),
    ),
    authority: Type.Optional(AuthoritySection),
    followUpContact: Type.Optional(FollowUpSection),
    redress: Type.Optional(RedressSection),
    emergency: Type.Optional(Type.Object({ declared: Type.Boolean(), reason: Type.Optional(Nullable(Short())) }, { additionalProperties: false, description: 'Art. 3(2): issue without the 12-hour notice; needs a reason' })),
  },
  { additionalProperties: false, description: 'Sections E–G default to your agency’s last order' },
);

const AnnexIIBody = Type.Object(
  {
    measure: lit(MEASURES),
    actionAt: EpochMs,
    authorisedPerson: Short({ description: 'Who answers for the provider' }),
    contactEmail: Short(),
    providerReference: Type.Optional(Nullable(Short({ maxLength: 100 }))),
  },
  { additionalProperties: false, description: 'Annex II: the content was removed, or access to it disabled, in all Member States; actionAt is the time of the measure' },
);
const AnnexIIIBody = Type.Object(
  {
    obstacle: lit(OBSTACLES),
    explanation: Type.String({ maxLength: ANNEX_TEXT_MAX }),
    clarificationRequested: Type.Optional(Nullable(Type.String({ maxLength: ANNEX_TEXT_MAX, description: 'Required for manifest_error and insufficient_information (Art. 3(8))' }))),
    authorisedPerson: Short(),
    contactEmail: Short(),
    providerReference: Type.Optional(Nullable(Short({ maxLength: 100 }))),
  },
  { additionalProperties: false, description: 'Annex III: why the order cannot be executed yet; the clock is suspended until the obstacle ceases or clarification is sent' },
);
const ScrutinyRequestBody = Type.Object({ reason: Type.Optional(Nullable(Type.String({ maxLength: ANNEX_TEXT_MAX }))) }, { additionalProperties: false });
const ReinstatedBody = Type.Object({ note: Type.Optional(Nullable(Type.String({ maxLength: ORDER_NOTE_MAX }))) }, { additionalProperties: false });

/** The provider's answers, as a callback carries them (`type` picks the form). */
export const CallbackAnswer = Type.Union([
  Type.Object({ type: Type.Literal('acknowledge') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('annex_ii'), ...AnnexIIBody.properties }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('annex_iii'), ...AnnexIIIBody.properties }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('scrutiny_request'), ...ScrutinyRequestBody.properties }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('reinstated'), ...ReinstatedBody.properties }, { additionalProperties: false }),
]);

export const orderRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const view = async (request: Parameters<typeof requireScope>[0], d: OrderDetail) => toOrderView(d, await requireScope(request).orders().dispatchesOf(d.order.id));

  app.post(
    '/orders',
    {
      config: { auth: { permission: 'review.decide' } },
      schema: {
        tags: ['orders'],
        summary: 'Propose a TCO removal order (authority agencies): Annex I from reviewed items to the one provider hosting them; a second person approves it',
        body: ProposeBody,
        response: { 201: Type.Ref('Order'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const d = await requireScope(request).orders().propose(request.body);
      return reply.status(201).send(await view(request, d));
    },
  );

  app.get(
    '/orders',
    {
      config: { auth: { permission: 'order.read' } },
      schema: {
        tags: ['orders'],
        summary: 'Your agency’s removal orders, newest first',
        querystring: Type.Object(
          { status: Type.Optional(lit(STORED_ORDER_STATUSES)), providerId: Type.Optional(Uuid), before: Type.Optional(Uuid), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: ORDER_PAGE_MAX, default: 50 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ orders: Type.Array(Type.Ref('OrderSummary')), nextBefore: Nullable(Uuid) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, ...q } = request.query;
      const rows = await requireScope(request).orders().list({ ...q, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { orders: page.map((r) => ({ ...toSummary(r.order), clock: clockView(r.clock) })), nextBefore: rows.length > limit ? (page.at(-1)?.order.id ?? null) : null };
    },
  );

  app.get(
    '/orders/:orderId',
    {
      config: { auth: { permission: 'order.read' } },
      schema: { tags: ['orders'], summary: 'One order: Annex I, state, clock, scrutiny and non-disclosure windows, dispatches with delivery, and the full timeline', params: Params, response: { 200: Type.Ref('Order'), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => view(request, await requireScope(request).orders().get(request.params.orderId)),
  );

  const action = (
    path: string,
    permission: 'review.decide' | 'review.approve',
    summary: string,
    body: typeof Note | ReturnType<typeof Required>,
    run: (svc: ReturnType<ReturnType<typeof requireScope>['orders']>, orderId: string, body: Record<string, string | undefined>) => Promise<OrderDetail>,
  ) =>
    app.post(
      `/orders/:orderId/${path}`,
      { config: { auth: { permission } }, schema: { tags: ['orders'], summary, params: Params, body, response: { 200: Type.Ref('Order'), ...errorResponses(400, 401, 403, 404, 409) } } },
      async (request) => view(request, await run(requireScope(request).orders(), request.params.orderId, (request.body ?? {}) as Record<string, string | undefined>)),
    );

  action('approve', 'review.approve', 'Four eyes: approve and so issue the order (signed JSON + PDF, dispatched to every channel of the provider); not by its proposer', Note, (s, id, b) => s.approve(id, b.note?.trim() || null));
  action('reject', 'review.approve', 'Four eyes: send the proposal back; it stays on record as rejected', Note, (s, id, b) => s.reject(id, b.note?.trim() || null));
  action('withdraw', 'review.approve', 'Withdraw an issued order that is not executed', Required('reason', 'Why the order is withdrawn'), (s, id, b) => s.withdraw(id, b.reason!.trim()));
  action('obstacle-ceased', 'review.decide', 'Art. 3(7): the force majeure or impossibility reported in Annex III has ceased; the hour starts again', Note, (s, id, b) => s.obstacleCeased(id, b.note?.trim() || null));
  action('clarification', 'review.decide', 'Art. 3(8): send the clarification the provider asked for in Annex III; the hour starts again', Required('clarification', 'Sent to the provider'), (s, id, b) => s.clarify(id, b.clarification!.trim()));
  action('non-disclosure/extend', 'review.approve', 'Art. 11(3): extend the non-disclosure period by six weeks (once)', Required('reason', 'Why disclosure is still withheld'), (s, id, b) => s.extendNonDisclosure(id, b.reason!.trim()));

  app.post(
    '/orders/:orderId/scrutiny',
    {
      config: { auth: { permission: 'review.approve' } },
      schema: {
        tags: ['orders'],
        summary: 'Art. 4(4)–(7): record the host State authority’s scrutiny decision; an infringement voids the order and the provider must reinstate',
        params: Params,
        body: Type.Object({ outcome: lit(['upheld', 'infringement_found'] as const), note: Type.Optional(Nullable(Type.String({ maxLength: ORDER_NOTE_MAX }))) }, { additionalProperties: false }),
        response: { 200: Type.Ref('Order'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => view(request, await requireScope(request).orders().recordScrutiny(request.params.orderId, request.body.outcome, request.body.note?.trim() || null)),
  );

  for (const [side, kind] of [['orders', 'json'], ['orders', 'pdf'], ['portal/orders', 'json'], ['portal/orders', 'pdf']] as const) {
    const portal = side === 'portal/orders';
    app.get(
      `/${side}/:orderId/document.${kind}`,
      {
        config: { auth: { permission: portal ? 'portal.respond' : 'order.read' } },
        schema: {
          tags: [portal ? 'portal' : 'orders'],
          summary: `${kind === 'json' ? 'The signed Annex I JSON document' : 'The Annex I PDF'} as issued${portal ? ', of an order addressed to your agency' : ''} (audited)`,
          params: Params,
          produces: [kind === 'json' ? 'application/json' : 'application/pdf'],
          response: { 200: Type.Unsafe({ type: 'string', format: 'binary' }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const scope = requireScope(request);
        const { stream, sha256 } = await (portal ? scope.portalOrders() : scope.orders()).document(request.params.orderId, kind);
        return reply
          .type(kind === 'json' ? 'application/json' : 'application/pdf')
          .header('content-disposition', `attachment; filename="removal-order-${request.params.orderId}.${kind}"`)
          .header('x-content-sha256', `sha256:${sha256}`)
          .header('cache-control', 'no-store')
          .send(stream);
      },
    );
  }

  // The provider's side: orders addressed to its agency, and its answers.
  app.get(
    '/portal/orders',
    {
      config: { auth: { permission: 'portal.respond' } },
      schema: {
        tags: ['portal'],
        summary: 'Removal orders addressed to your (provider) agency, newest first',
        querystring: Type.Object({ status: Type.Optional(lit(ORDER_STATUSES)), before: Type.Optional(Uuid), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: ORDER_PAGE_MAX, default: 50 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ orders: Type.Array(Type.Ref('PortalOrder')), nextBefore: Nullable(Uuid) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, ...q } = request.query;
      const rows = await requireScope(request).portalOrders().list({ ...q, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { orders: page.map(toPortalOrderView), nextBefore: rows.length > limit ? (page.at(-1)?.detail.order.id ?? null) : null };
    },
  );

  app.get(
    '/portal/orders/:orderId',
    {
      config: { auth: { permission: 'portal.respond' } },
      schema: { tags: ['portal'], summary: 'One removal order addressed to your agency, with its clock and timeline', params: Params, response: { 200: Type.Ref('PortalOrder'), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => toPortalOrderView(await requireScope(request).portalOrders().get(request.params.orderId)),
  );

  const answer = (path: string, summary: string, body: TSchema | undefined, toAnswer: (b: Record<string, unknown>) => ProviderAnswer) =>
    app.post(
      `/portal/orders/:orderId/${path}`,
      {
        config: { auth: { permission: 'portal.respond' } },
        schema: { tags: ['portal'], summary, params: Params, ...(body ? { body } : {}), response: { 200: Type.Ref('PortalOrder'), ...errorResponses(400, 401, 403, 404, 409) } },
      },
      async (request) => toPortalOrderView(await requireScope(request).portalOrders().answer(request.params.orderId, toAnswer((request.body ?? {}) as Record<string, unknown>))),
    );

  answer('acknowledge', 'Acknowledge receipt of the order (if no delivery was recorded yet, the hour starts now)', undefined, () => ({ type: 'acknowledge' }));
  answer('annex-ii', 'Annex II: the content was removed or disabled in all Member States at actionAt; stops the clock', AnnexIIBody, (b) => ({ type: 'annex_ii', ...b }) as ProviderAnswer);
  answer('annex-iii', 'Annex III: the order cannot be executed yet (force majeure, de facto impossibility, manifest error, insufficient information); suspends the clock', AnnexIIIBody, (b) => ({ type: 'annex_iii', ...b }) as ProviderAnswer);
  answer('scrutiny-request', 'Art. 4(3): ask the host State authority to scrutinise the order (within 48 hours of receipt; cross-border orders)', ScrutinyRequestBody, (b) => ({ type: 'scrutiny_request', ...b }) as ProviderAnswer);
  answer('reinstated', 'Art. 4(7): the content of a voided order was reinstated', ReinstatedBody, (b) => ({ type: 'reinstated', ...b }) as ProviderAnswer);
};
