import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TLiteral, type TNull, type TUnion } from 'typebox';
import { EpochMs, errorResponses, lit, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { TIERS } from '../bank/bank.model.ts';
import { toMatchView } from '../matching/matching.routes.ts';
import {
  APPROVAL_NOTE_MAX,
  ATTRIBUTION_FIELD_MAX,
  CASE_NOTE_MAX,
  CASE_STATUSES,
  DECISION_STATUSES,
  EXEMPT_PURPOSES,
  GROUNDS,
  REASONS_MAX,
  REVIEW_QUEUE_PAGE_DEFAULT,
  REVIEW_QUEUE_PAGE_MAX,
  VERDICTS,
} from './review.model.ts';

/** One of `values`, or null, as one flat union (a union nested in Nullable loses its static type). */
const litOrNull = <T extends string>(values: readonly T[]) => Type.Union([...values.map((v) => Type.Literal(v)), Type.Null()]) as unknown as TUnion<[TLiteral<T>, TNull]>;

export const PriorityExplainedView = Type.Object(
  {
    score: Type.Integer({ minimum: 0, maximum: 100, description: 'confidence + severity; higher is more urgent' }),
    confidence: Type.Integer({ minimum: 0, maximum: 50 }),
    severity: Type.Integer({ minimum: 0, maximum: 50 }),
    parts: Type.Array(Type.Object({ kind: lit(['confidence', 'severity'] as const), points: Type.Integer(), text: Type.String() })),
    summary: Type.String({ description: 'The reasons in one line, e.g. "matched bank entry labelled X in bank Y at distance 4; tier: designated entity"' }),
  },
  { $id: 'PriorityExplained' },
);

const AttributionView = Type.Object({
  outletId: Nullable(Type.String()),
  group: Nullable(Type.String()),
  language: Nullable(Type.String()),
  contentType: Nullable(Type.String()),
});

export const DecisionView = Type.Object(
  {
    id: Uuid,
    caseId: Uuid,
    itemIds: Type.Array(Uuid),
    verdict: lit(VERDICTS),
    exemptPurpose: litOrNull(EXEMPT_PURPOSES),
    grounds: Type.Array(lit(GROUNDS), { description: 'TCO Art. 2(7) points (a)–(e)' }),
    tier: litOrNull(TIERS),
    reasons: Type.String(),
    attribution: AttributionView,
    proposeOrder: Type.Boolean(),
    status: lit(DECISION_STATUSES),
    reviewer: Type.Object({ userId: Uuid, name: Type.String() }),
    createdAt: EpochMs,
    undoUntil: EpochMs,
    publishedAt: Nullable(EpochMs),
    approval: Nullable(
      Type.Object({ approverId: Uuid, approverName: Type.String(), decision: lit(['approved', 'rejected'] as const), note: Nullable(Type.String()), at: EpochMs }),
    ),
  },
  { $id: 'ReviewDecision' },
);

const itemFields = {
  id: Uuid,
  url: Nullable(Type.String()),
  fileName: Nullable(Type.String()),
  language: Nullable(Type.String()),
  title: Nullable(Type.String()),
  sniffedType: Nullable(Type.String()),
  latestCaptureId: Nullable(Uuid),
};

export const CaseSummaryView = Type.Object(
  {
    id: Uuid,
    status: lit(CASE_STATUSES),
    itemCount: Type.Integer({ minimum: 0 }),
    leadItem: Type.Object({ ...itemFields, contentType: Nullable(Type.String()) }),
    priority: Type.Ref('PriorityExplained'),
    tier: litOrNull(TIERS),
    outlet: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
    latestDecision: Nullable(Type.Ref('ReviewDecision')),
    updatedAt: EpochMs,
  },
  { $id: 'CaseSummary' },
);

const CaseParams = Type.Object({ caseId: Uuid });
const DecisionParams = Type.Object({ decisionId: Uuid });
const DecisionReply = Type.Object({ decision: Type.Ref('ReviewDecision') });
const CaseReply = Type.Object({ case: Type.Ref('CaseSummary') });
const NoteBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: APPROVAL_NOTE_MAX })) }, { additionalProperties: false });
const CaseEventView = Type.Object({ at: EpochMs, actor: Type.String(), action: Type.String(), detail: Type.Record(Type.String(), Type.Unknown()) });
const text = (max: number) => Type.Optional(Nullable(Type.String({ maxLength: max })));

export const reviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/review/queue',
    {
      config: { auth: { permission: 'item.read' } },
      schema: {
        tags: ['review'],
        summary: 'Cases to review, most urgent first, each with its priority explained',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([...CASE_STATUSES, 'all'].map((v) => Type.Literal(v)), { description: 'Default: open' })),
            tier: Type.Optional(lit(TIERS)),
            outlet: Type.Optional(Type.String({ maxLength: 100, description: 'Outlet id of the latest decision' })),
            language: Type.Optional(Type.String({ maxLength: 35 })),
            source: Type.Optional(Uuid),
            bank: Type.Optional(Uuid),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: REVIEW_QUEUE_PAGE_MAX, default: REVIEW_QUEUE_PAGE_DEFAULT })),
            cursor: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ cases: Type.Array(Type.Ref('CaseSummary')), nextCursor: Nullable(Type.String()) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      return requireScope(request)
        .review()
        .queue({ status: q.status ?? 'open', tier: q.tier, outletId: q.outlet, language: q.language, sourceId: q.source, bankId: q.bank, limit: q.limit ?? REVIEW_QUEUE_PAGE_DEFAULT, cursor: q.cursor });
    },
  );

  app.get(
    '/review/cases/:caseId',
    {
      config: { auth: { permission: 'item.read' } },
      schema: {
        tags: ['review'],
        summary: 'One case: its items with their matches, every decision (oldest first) and its event history',
        params: CaseParams,
        response: {
          200: Type.Object({
            case: Type.Ref('CaseSummary'),
            items: Type.Array(Type.Object({ ...itemFields, matches: Type.Array(Type.Ref('Match')) })),
            decisions: Type.Array(Type.Ref('ReviewDecision')),
            events: Type.Array(CaseEventView),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      const detail = await scope.review().getCase(request.params.caseId);
      return { ...detail, items: detail.items.map((i) => ({ ...i, matches: i.matches.map((m) => toMatchView(m, scope.agencyId)) })) };
    },
  );

  app.post(
    '/review/cases/:caseId/decisions',
    {
      config: { auth: { permission: 'review.decide' } },
      schema: {
        tags: ['review'],
        summary: 'Decide on a case (or some of its items): a draft that its reviewer can undo until undoUntil, then published',
        params: CaseParams,
        body: Type.Object(
          {
            verdict: lit(VERDICTS),
            exemptPurpose: Type.Optional(lit(EXEMPT_PURPOSES)),
            grounds: Type.Optional(Type.Array(lit(GROUNDS), { maxItems: GROUNDS.length, description: 'TCO Art. 2(7) points (a)–(e); at least one for terrorist_content' })),
            tier: Type.Optional(lit(TIERS)),
            reasons: Type.Optional(Type.String({ maxLength: REASONS_MAX, description: 'Required; optional here only so that a missing one gets VIGIL_REVIEW_REASONS_REQUIRED' })),
            attribution: Type.Optional(
              Type.Object(
                { outletId: text(100), group: text(ATTRIBUTION_FIELD_MAX), language: text(ATTRIBUTION_FIELD_MAX), contentType: text(ATTRIBUTION_FIELD_MAX) },
                { additionalProperties: false },
              ),
            ),
            itemIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 10_000, description: 'Default: every item of the case' })),
            proposeOrder: Type.Optional(Type.Boolean({ description: 'Propose a TCO removal order: needs a second user with review.approve (authority agencies only)' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: DecisionReply, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const decision = await requireScope(request)
        .review()
        .decide(request.params.caseId, { ...b, reasons: b.reasons ?? '' });
      return reply.status(201).send({ decision });
    },
  );

  app.post(
    '/review/decisions/:decisionId/undo',
    {
      config: { auth: { permission: 'review.decide' } },
      schema: { tags: ['review'], summary: 'Take back a draft decision before its undo window closes (its reviewer only)', params: DecisionParams, response: { 200: DecisionReply, ...errorResponses(400, 401, 403, 404, 409) } },
    },
    async (request) => ({ decision: await requireScope(request).review().undo(request.params.decisionId) }),
  );

  for (const verb of ['approve', 'reject'] as const) {
    app.post(
      `/review/decisions/:decisionId/${verb}`,
      {
        config: { auth: { permission: 'review.approve' } },
        schema: {
          tags: ['review'],
          summary: `${verb === 'approve' ? 'Approve' : 'Reject'} a proposed removal order (four eyes: not its reviewer)`,
          params: DecisionParams,
          body: NoteBody,
          response: { 200: DecisionReply, ...errorResponses(400, 401, 403, 404, 409) },
        },
        // The note is optional, so is the body: a bare POST approves.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) => {
        const note = request.body.note?.trim() || null;
        const review = requireScope(request).review();
        return { decision: verb === 'approve' ? await review.approve(request.params.decisionId, note) : await review.reject(request.params.decisionId, note) };
      },
    );
  }

  app.post(
    '/review/cases/:caseId/notes',
    {
      config: { auth: { permission: 'review.decide' } },
      schema: {
        tags: ['review'],
        summary: 'Add a note to the case history (kept, never edited)',
        params: CaseParams,
        body: Type.Object({ note: Type.String({ minLength: 1, maxLength: CASE_NOTE_MAX }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ event: CaseEventView }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send({ event: await requireScope(request).review().addNote(request.params.caseId, request.body.note) }),
  );

  app.post(
    '/review/cases/:caseId/split',
    {
      config: { auth: { permission: 'review.decide' } },
      schema: {
        tags: ['review'],
        summary: 'Move some items of a case into a new case',
        params: CaseParams,
        body: Type.Object({ itemIds: Type.Array(Uuid, { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false }),
        response: { 200: CaseReply, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({ case: await requireScope(request).review().split(request.params.caseId, request.body.itemIds) }),
  );

  app.post(
    '/review/cases/:caseId/merge',
    {
      config: { auth: { permission: 'review.decide' } },
      schema: {
        tags: ['review'],
        summary: 'Move every item of another case into this one; the other case keeps its history, marked merged',
        params: CaseParams,
        body: Type.Object({ otherCaseId: Uuid }, { additionalProperties: false }),
        response: { 200: CaseReply, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({ case: await requireScope(request).review().merge(request.params.caseId, request.body.otherCaseId) }),
  );

  app.post(
    '/items/:itemId/reveal',
    {
      config: { auth: { permission: 'content.read' } },
      schema: {
        tags: ['review'],
        summary: "Un-blur an item's content: audited, and counted towards the caller's exposure today",
        params: Type.Object({ itemId: Uuid }),
        response: {
          200: Type.Object({ itemId: Uuid, revealedAt: EpochMs, exposureToday: Type.Integer(), dailyLimit: Type.Integer(), overLimit: Type.Boolean() }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => requireScope(request).review().reveal(request.params.itemId),
  );

  app.get(
    '/review/exposure',
    {
      config: { auth: { permission: 'item.read' } },
      schema: {
        tags: ['review'],
        summary: "The caller's content reveals today (UTC) against the daily limit; admins also see every reviewer's",
        response: {
          200: Type.Object({
            me: Type.Object({ today: Type.Integer(), dailyLimit: Type.Integer(), overLimit: Type.Boolean() }),
            reviewers: Nullable(Type.Array(Type.Object({ userId: Uuid, name: Type.String(), today: Type.Integer(), overLimit: Type.Boolean() }))),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      return scope.review().exposure(scope.principal.permissions.has('user.read'));
    },
  );
};
