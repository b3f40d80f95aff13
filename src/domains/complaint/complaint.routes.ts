import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EpochMs, errorResponses, lit, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import {
  COMPLAINT_EVENT_KINDS,
  COMPLAINT_OUTCOMES,
  COMPLAINT_PAGE_DEFAULT,
  COMPLAINT_PAGE_MAX,
  COMPLAINT_REASONS_MAX,
  COMPLAINT_STATES,
  COMPLAINT_TEXT_MAX,
  COMPLAINT_URL_MAX,
  MODERATION_REF_MAX,
  type Complaint,
} from './complaint.model.ts';
import type { ComplaintDetail } from './complaint.service.ts';
import { SOR_BATCH_MAX } from './dsa-sor.model.ts';

const Subject = Type.Union(
  [
    Type.Object({ kind: Type.Literal('referral_item'), referralId: Uuid, itemId: Uuid }, { additionalProperties: false, description: 'A referred item your agency removed or disabled' }),
    Type.Object({ kind: Type.Literal('order'), orderId: Uuid }, { additionalProperties: false, description: 'A TCO removal order your agency executed' }),
    Type.Object(
      { kind: Type.Literal('moderation'), reference: Type.String({ minLength: 1, maxLength: MODERATION_REF_MAX }), url: Type.Optional(Nullable(Type.String({ maxLength: COMPLAINT_URL_MAX }))) },
      { additionalProperties: false, description: 'A removal of your own initiative, by your reference (ticket, case number)' },
    ),
  ],
  { description: 'Which removal the complaint is about' },
);

const ComplaintFields = {
  id: Uuid,
  subject: Subject,
  contentUrl: Nullable(Type.String()),
  receivedAt: EpochMs,
  dueAt: Type.Integer({ minimum: 0, description: 'TCO Art. 10(2): the outcome is due two weeks after receipt (epoch ms)' }),
  overdue: Type.Boolean({ description: 'Still open after dueAt' }),
  text: Type.String({ description: 'The content provider’s complaint' }),
  state: lit(COMPLAINT_STATES),
  reasons: Nullable(Type.String()),
  reinstatedAt: Nullable(EpochMs),
  decidedAt: Nullable(EpochMs),
  createdAt: EpochMs,
};

export const ComplaintView = Type.Object(ComplaintFields, { $id: 'Complaint', description: 'A complaint about one of your removals (TCO Art. 10): open → upheld | reinstated' });
export const ComplaintDetailView = Type.Object(
  {
    complaint: Type.Ref('Complaint'),
    events: Type.Array(Type.Object({ at: EpochMs, kind: lit(COMPLAINT_EVENT_KINDS), actor: Type.String(), detail: Type.Record(Type.String(), Type.Unknown()) }), { description: 'The history, oldest first' }),
  },
  { $id: 'ComplaintDetail' },
);

function toComplaintView(c: Complaint, overdue: boolean) {
  return { id: c.id, subject: c.subject, contentUrl: c.contentUrl, receivedAt: c.receivedAt, dueAt: c.dueAt, overdue, text: c.text, state: c.state, reasons: c.reasons, reinstatedAt: c.reinstatedAt, decidedAt: c.decidedAt, createdAt: c.createdAt };
}

const toDetailView = (d: ComplaintDetail) => ({ complaint: toComplaintView(d.complaint, d.overdue), events: d.events.map((e) => ({ at: e.at, kind: e.kind, actor: e.actor, detail: e.detail })) });

const Params = Type.Object({ complaintId: Uuid });
const SorFields = Type.Record(Type.String(), Type.Unknown(), {
  description: 'DSA Transparency Database fields (schema v2), e.g. decision_ground, incompatible_content_ground, content_type, content_date, automated_detection, automated_decision, territorial_scope. Checked field by field; unknown fields are refused.',
});

export const complaintRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/portal/complaints',
    {
      config: { auth: { permission: 'portal.respond' } },
      schema: {
        tags: ['portal'],
        summary: 'Record a content provider’s complaint about one of your removals; its outcome is due within two weeks (TCO Art. 10)',
        body: Type.Object({ subject: Subject, receivedAt: EpochMs, text: Type.String({ minLength: 1, maxLength: COMPLAINT_TEXT_MAX }) }, { additionalProperties: false }),
        response: { 201: Type.Ref('ComplaintDetail'), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.status(201).send(toDetailView(await requireScope(request).complaints().record(request.body))),
  );

  app.get(
    '/portal/complaints',
    {
      config: { auth: { permission: 'portal.respond' } },
      schema: {
        tags: ['portal'],
        summary: 'Your agency’s complaints, newest first; overdue ones are flagged',
        querystring: Type.Object(
          {
            state: Type.Optional(lit(COMPLAINT_STATES)),
            overdue: Type.Optional(Type.Boolean({ description: 'Only open complaints past their two weeks' })),
            before: Type.Optional(Uuid),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: COMPLAINT_PAGE_MAX, default: COMPLAINT_PAGE_DEFAULT })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ complaints: Type.Array(Type.Ref('Complaint')), nextBefore: Nullable(Uuid) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = COMPLAINT_PAGE_DEFAULT, ...q } = request.query;
      const rows = await requireScope(request).complaints().list({ ...q, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { complaints: page.map((r) => toComplaintView(r.complaint, r.overdue)), nextBefore: rows.length > limit ? (page.at(-1)?.complaint.id ?? null) : null };
    },
  );

  app.get(
    '/portal/complaints/:complaintId',
    {
      config: { auth: { permission: 'portal.respond' } },
      schema: { tags: ['portal'], summary: 'One complaint with its history', params: Params, response: { 200: Type.Ref('ComplaintDetail'), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => toDetailView(await requireScope(request).complaints().get(request.params.complaintId)),
  );

  app.post(
    '/portal/complaints/:complaintId/decision',
    {
      config: { auth: { permission: 'portal.respond' } },
      schema: {
        tags: ['portal'],
        summary: 'Decide a complaint: upheld (the removal stands) or reinstated (it was unjustified; the content is back since reinstatedAt)',
        params: Params,
        body: Type.Object(
          {
            outcome: lit(COMPLAINT_OUTCOMES),
            reasons: Type.String({ minLength: 1, maxLength: COMPLAINT_REASONS_MAX }),
            reinstatedAt: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch ms the content was reinstated; default now; only for reinstated' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('ComplaintDetail'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => toDetailView(await requireScope(request).complaints().decide(request.params.complaintId, request.body)),
  );

  app.post(
    '/portal/statements-of-reasons',
    {
      config: { auth: { permission: 'portal.respond' } },
      schema: {
        tags: ['portal'],
        summary: `DSA statements of reasons (Transparency Database schema v2) for your removals and disablings of referred items and under removal orders, at most ${SOR_BATCH_MAX} per call; invalid fields are listed per statement and nothing is exported`,
        body: Type.Object(
          {
            actions: Type.Optional(
              Type.Array(
                Type.Union([
                  Type.Object({ referralId: Uuid, itemId: Uuid, fields: Type.Optional(SorFields) }, { additionalProperties: false }),
                  Type.Object({ orderId: Uuid, fields: Type.Optional(SorFields) }, { additionalProperties: false }),
                ]),
                {
                minItems: 1,
                maxItems: SOR_BATCH_MAX,
                description: 'The actions to describe, with fields for each; without it, every action in [from, to)',
              }),
            ),
            from: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch ms, inclusive; default the beginning' })),
            to: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch ms, exclusive; default now' })),
            batch: Type.Optional(Type.Integer({ minimum: 0, description: `Which batch of ${SOR_BATCH_MAX} of the range, from 0` })),
            fields: SorFields,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            statements: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'Ready to submit to the Transparency Database API, singly or as one batch (puid: vigil-ri-<referral item id>)' }),
            batch: Type.Integer(),
            hasMore: Type.Boolean({ description: 'The range has another batch' }),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => requireScope(request).complaints().statements(request.body),
  );
};
