import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EpochMs, errorResponses, lit, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { GROUNDS } from '../review/review.model.ts';
import { toDispatchView } from '../dispatch/dispatch.routes.ts';
import {
  ITEM_OUTCOMES,
  nextReminderAt,
  REFERRAL_EVENT_KINDS,
  REFERRAL_ITEMS_MAX,
  REFERRAL_NOTE_MAX,
  REFERRAL_PAGE_DEFAULT,
  REFERRAL_PAGE_MAX,
  REFERRAL_REASONS_MAX,
  REFERRAL_REFERENCE_MAX,
  REFERRAL_STATES,
  REMINDABLE_STATES,
  type ReferralEvent,
  type ReferralEventKind,
  type ReferralItem,
} from './referral.model.ts';
import type { StoredReferral } from './referral.repository.ts';
import type { IssuerDetail, ReceivedReferral } from './referral.service.ts';

const SIDES = ['issuer', 'provider', 'system'] as const;
/** Which side each event comes from; the provider sees this, not the issuer's staff names. */
const EVENT_SIDE: Record<ReferralEventKind, (typeof SIDES)[number]> = {
  created: 'issuer',
  edited: 'issuer',
  sent: 'issuer',
  closed: 'issuer',
  delivered: 'system',
  reminded: 'system',
  acknowledged: 'provider',
  outcome: 'provider',
};

const ReferralFields = {
    id: Uuid,
    providerId: Uuid,
    reference: Type.String({ description: 'The issuer’s file reference, unique per issuing agency' }),
    reasons: Type.String({ description: 'Why the items break the provider’s terms, as the provider reads them' }),
    state: lit(REFERRAL_STATES),
    itemCount: Type.Integer(),
    answeredCount: Type.Integer({ description: 'Items with an outcome' }),
    reminders: Type.Integer({ description: 'Reminders sent while unacknowledged' }),
    nextReminderAt: Nullable(EpochMs),
    createdAt: EpochMs,
    sentAt: Nullable(EpochMs),
    deliveredAt: Nullable(EpochMs),
    acknowledgedAt: Nullable(EpochMs),
    actionedAt: Nullable(EpochMs),
    closedAt: Nullable(EpochMs),
    closeNote: Nullable(Type.String()),
};

export const ReferralView = Type.Object(ReferralFields, { $id: 'Referral', description: 'A voluntary referral to one provider: draft → sent → delivered → acknowledged → actioned → closed' });
const Issuer = Type.Object({ agencyId: Uuid, name: Type.String() });
export const ReceivedReferralSummaryView = Type.Object({ ...ReferralFields, issuer: Issuer }, { $id: 'ReceivedReferralSummary' });

const ItemFields = {
    id: Uuid,
    url: Type.String(),
    grounds: Type.Array(lit(GROUNDS), { description: 'TCO Art. 2(7) grounds found by the review' }),
    outcome: Nullable(lit(ITEM_OUTCOMES)),
    outcomeReason: Nullable(Type.String({ description: 'Why the provider declined' })),
    actionAt: Nullable(EpochMs),
    answeredAt: Nullable(EpochMs),
};

export const ReferralItemView = Type.Object(ItemFields, { $id: 'ReferralItem' });
const IssuerItemView = Type.Object({ ...ItemFields, itemId: Type.String({ description: 'Your agency’s item' }), decisionId: Type.String({ description: 'The review decision the item was referred on' }) });

const EventFields = { at: EpochMs, kind: lit(REFERRAL_EVENT_KINDS), by: lit(SIDES), detail: Type.Record(Type.String(), Type.Unknown()) };
const EventView = Type.Object(EventFields);

export const ReferralDetailView = Type.Object(
  {
    referral: Type.Ref('Referral'),
    items: Type.Array(IssuerItemView),
    events: Type.Array(Type.Object({ ...EventFields, actor: Type.String({ description: 'Who: user:…, token:…, provider:…, system:…' }) }), { description: 'The history, oldest first' }),
    dispatches: Type.Array(Type.Ref('Dispatch'), { description: 'Every message sent for the referral (first send and reminders), newest first' }),
  },
  { $id: 'ReferralDetail' },
);

export const ReceivedReferralView = Type.Object(
  {
    referral: Type.Ref('Referral'),
    issuer: Issuer,
    items: Type.Array(Type.Ref('ReferralItem')),
    events: Type.Array(EventView, { description: 'The history, oldest first' }),
  },
  { $id: 'ReceivedReferral', description: 'A referral addressed to your (provider) agency' },
);

export function toReferralView(r: StoredReferral, reminderIntervalMs: number) {
  return {
    id: r.id,
    providerId: r.providerId,
    reference: r.reference,
    reasons: r.reasons,
    state: r.state,
    itemCount: r.itemCount,
    answeredCount: r.answeredCount,
    reminders: r.reminders,
    nextReminderAt: REMINDABLE_STATES.includes(r.state) && r.sentAt !== null ? nextReminderAt(r.sentAt, r.reminders, reminderIntervalMs) : null,
    createdAt: r.createdAt,
    sentAt: r.sentAt,
    deliveredAt: r.deliveredAt,
    acknowledgedAt: r.acknowledgedAt,
    actionedAt: r.actionedAt,
    closedAt: r.closedAt,
    closeNote: r.closeNote,
  };
}

const itemView = (i: ReferralItem) => ({ id: i.id, url: i.url, grounds: i.grounds, outcome: i.outcome, outcomeReason: i.outcomeReason, actionAt: i.actionAt, answeredAt: i.answeredAt });
const eventView = (e: ReferralEvent) => ({ at: e.at, kind: e.kind, by: EVENT_SIDE[e.kind], detail: e.detail });

function toDetailView(d: IssuerDetail, intervalMs: number) {
  return {
    referral: toReferralView(d.referral, intervalMs),
    items: d.items.map((i) => ({ ...itemView(i), itemId: i.itemId, decisionId: i.decisionId })),
    events: d.events.map((e) => ({ ...eventView(e), actor: e.actor })),
    dispatches: d.dispatches.map(toDispatchView),
  };
}

function toReceivedView(d: ReceivedReferral, intervalMs: number) {
  return { referral: toReferralView(d.referral, intervalMs), issuer: d.issuer, items: d.items.map(itemView), events: d.events.map(eventView) };
}

const Params = Type.Object({ referralId: Uuid });
const Page = {
  before: Type.Optional(Uuid),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: REFERRAL_PAGE_MAX, default: REFERRAL_PAGE_DEFAULT })),
};
const Reference = Type.String({ minLength: 1, maxLength: REFERRAL_REFERENCE_MAX, pattern: '\\S' });
const Reasons = Type.String({ minLength: 1, maxLength: REFERRAL_REASONS_MAX, pattern: '\\S' });

export function referralRoutes(reminderIntervalMs: number): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/referrals',
      {
        config: { auth: { permission: 'review.decide' } },
        schema: {
          tags: ['referrals'],
          summary: 'Draft a referral of items your review found to be terrorist content; their URLs must all belong to one provider',
          body: Type.Object(
            {
              itemIds: Type.Array(Uuid, { minItems: 1, maxItems: REFERRAL_ITEMS_MAX }),
              reference: Type.Optional(Reference),
              reasons: Type.Optional(Type.String({ ...Reasons, description: 'Defaults to the reasons of the review decisions' })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Type.Ref('ReferralDetail'), ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => reply.status(201).send(toDetailView(await requireScope(request).referrals().create(request.body), reminderIntervalMs)),
    );

    app.get(
      '/referrals',
      {
        config: { auth: { permission: 'provider.read' } },
        schema: {
          tags: ['referrals'],
          summary: 'Your agency’s referrals, newest first',
          querystring: Type.Object({ state: Type.Optional(lit(REFERRAL_STATES)), providerId: Type.Optional(Uuid), ...Page }, { additionalProperties: false }),
          response: { 200: Type.Object({ referrals: Type.Array(Type.Ref('Referral')), nextBefore: Nullable(Uuid) }), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const { limit = REFERRAL_PAGE_DEFAULT, ...q } = request.query;
        const rows = await requireScope(request).referrals().list({ ...q, limit: limit + 1 });
        const page = rows.slice(0, limit);
        return { referrals: page.map((r) => toReferralView(r, reminderIntervalMs)), nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
      },
    );

    app.get(
      '/referrals/:referralId',
      {
        config: { auth: { permission: 'provider.read' } },
        schema: { tags: ['referrals'], summary: 'One referral: items with the provider’s outcomes, history, and every dispatch', params: Params, response: { 200: Type.Ref('ReferralDetail'), ...errorResponses(400, 401, 403, 404) } },
      },
      async (request) => toDetailView(await requireScope(request).referrals().get(request.params.referralId), reminderIntervalMs),
    );

    app.patch(
      '/referrals/:referralId',
      {
        config: { auth: { permission: 'review.decide' } },
        schema: {
          tags: ['referrals'],
          summary: 'Edit a draft’s reference or reasons',
          params: Params,
          body: Type.Object({ reference: Type.Optional(Reference), reasons: Type.Optional(Reasons) }, { additionalProperties: false, minProperties: 1 }),
          response: { 200: Type.Ref('ReferralDetail'), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => toDetailView(await requireScope(request).referrals().update(request.params.referralId, request.body), reminderIntervalMs),
    );

    app.post(
      '/referrals/:referralId/send',
      {
        config: { auth: { permission: 'review.decide' } },
        schema: {
          tags: ['referrals'],
          summary: 'Send a draft to every channel of its provider (webhook, e-mail, portal); reminders follow while it stays unacknowledged',
          params: Params,
          response: { 200: Type.Ref('ReferralDetail'), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => toDetailView(await requireScope(request).referrals().send(request.params.referralId), reminderIntervalMs),
    );

    app.post(
      '/referrals/:referralId/close',
      {
        config: { auth: { permission: 'review.decide' } },
        schema: {
          tags: ['referrals'],
          summary: 'Close a referral (done, or withdrawn); the provider can no longer answer it',
          params: Params,
          body: Type.Optional(Type.Object({ note: Type.Optional(Type.String({ maxLength: REFERRAL_NOTE_MAX })) }, { additionalProperties: false })),
          response: { 200: Type.Ref('ReferralDetail'), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => toDetailView(await requireScope(request).referrals().close(request.params.referralId, request.body?.note), reminderIntervalMs),
    );

    app.get(
      '/portal/referrals',
      {
        config: { auth: { permission: 'portal.respond' } },
        schema: {
          tags: ['portal'],
          summary: 'Referrals addressed to your (provider) agency, newest first',
          querystring: Type.Object({ open: Type.Optional(Type.Boolean({ description: 'Only those still awaiting your answer' })), ...Page }, { additionalProperties: false }),
          response: { 200: Type.Object({ referrals: Type.Array(Type.Ref('ReceivedReferralSummary')), nextBefore: Nullable(Uuid) }), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const { limit = REFERRAL_PAGE_DEFAULT, open = false, before } = request.query;
        const service = requireScope(request).portalReferrals();
        const rows = await service.list({ open, limit: limit + 1, ...(before ? { before } : {}) });
        const page = rows.slice(0, limit);
        const names = await service.issuerNames(page.map((r) => r.agencyId));
        return { referrals: page.map((r) => ({ ...toReferralView(r, reminderIntervalMs), issuer: { agencyId: r.agencyId, name: names.get(r.agencyId) ?? r.agencyId } })), nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
      },
    );

    app.get(
      '/portal/referrals/:referralId',
      {
        config: { auth: { permission: 'portal.respond' } },
        schema: { tags: ['portal'], summary: 'One referral addressed to your agency, with its items and history', params: Params, response: { 200: Type.Ref('ReceivedReferral'), ...errorResponses(400, 401, 403, 404) } },
      },
      async (request) => toReceivedView(await requireScope(request).portalReferrals().get(request.params.referralId), reminderIntervalMs),
    );

    app.post(
      '/portal/referrals/:referralId/acknowledge',
      {
        config: { auth: { permission: 'portal.respond' } },
        schema: { tags: ['portal'], summary: 'Acknowledge a referral: you have it and are assessing it', params: Params, response: { 200: Type.Ref('ReceivedReferral'), ...errorResponses(400, 401, 403, 404, 409) } },
      },
      async (request) => toReceivedView(await requireScope(request).portalReferrals().answer(request.params.referralId, { kind: 'acknowledge' }), reminderIntervalMs),
    );

    app.post(
      '/portal/referrals/:referralId/items/:itemId/outcome',
      {
        config: { auth: { permission: 'portal.respond' } },
        schema: {
          tags: ['portal'],
          summary: 'Answer one referred item: removed, disabled, or declined with a reason; the issuer sees it at once',
          params: Type.Object({ referralId: Uuid, itemId: Uuid }),
          body: Type.Object(
            {
              outcome: lit(ITEM_OUTCOMES),
              reason: Type.Optional(Type.String({ maxLength: REFERRAL_NOTE_MAX, description: 'Required when declined' })),
              actionAt: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch ms when the content was removed or disabled; default now. Not for declined.' })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Ref('ReceivedReferral'), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const { outcome, reason, actionAt } = request.body;
        const answer = { kind: 'outcome' as const, itemId: request.params.itemId, outcome, reason: reason ?? null, actionAt: actionAt ?? null };
        return toReceivedView(await requireScope(request).portalReferrals().answer(request.params.referralId, answer), reminderIntervalMs);
      },
    );
  };
}
