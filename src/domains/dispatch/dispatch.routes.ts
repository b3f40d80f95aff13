import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EpochMs, errorResponses, lit, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { ATTEMPT_STATUSES, CHANNELS, DISPATCH_PAGE_MAX, DISPATCH_STATES, SUBJECT_KINDS, type Dispatch } from './dispatch.model.ts';

const AttemptView = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  at: EpochMs,
  status: lit(ATTEMPT_STATUSES),
  httpStatus: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
});

export const DispatchView = Type.Object(
  {
    id: Uuid,
    providerId: Uuid,
    channel: lit(CHANNELS),
    destination: Nullable(Type.String({ description: 'The webhook URL or e-mail address used; null for the portal' })),
    subjectKind: lit(SUBJECT_KINDS),
    subjectId: Type.String(),
    title: Type.String(),
    state: lit(DISPATCH_STATES),
    lastError: Nullable(Type.String()),
    attempts: Type.Array(AttemptView, { description: 'The delivery log, oldest first' }),
    createdAt: EpochMs,
    deliveredAt: Nullable(EpochMs),
    receivedAt: Nullable(EpochMs),
  },
  { $id: 'Dispatch' },
);

export function toDispatchView(d: Dispatch) {
  return {
    id: d.id,
    providerId: d.providerId,
    channel: d.channel,
    destination: d.destination,
    subjectKind: d.subjectKind,
    subjectId: d.subjectId,
    title: d.title,
    state: d.state,
    lastError: d.lastError,
    attempts: d.attempts,
    createdAt: d.createdAt,
    deliveredAt: d.deliveredAt,
    receivedAt: d.receivedAt,
  };
}

export const PortalMessageView = Type.Object(
  {
    id: Uuid,
    fromAgencyId: Uuid,
    providerId: Uuid,
    subjectKind: lit(SUBJECT_KINDS),
    subjectId: Type.String(),
    title: Type.String(),
    text: Type.String(),
    payload: Type.Record(Type.String(), Type.Unknown()),
    createdAt: EpochMs,
    deliveredAt: Nullable(EpochMs),
    receivedAt: Nullable(EpochMs),
  },
  { $id: 'PortalMessage' },
);

function toPortalView(d: Dispatch) {
  const { text, ...payload } = d.payload;
  return {
    id: d.id,
    fromAgencyId: d.agencyId,
    providerId: d.providerId,
    subjectKind: d.subjectKind,
    subjectId: d.subjectId,
    title: d.title,
    text: typeof text === 'string' ? text : '',
    payload,
    createdAt: d.createdAt,
    deliveredAt: d.deliveredAt,
    receivedAt: d.receivedAt,
  };
}

const Page = {
  before: Type.Optional(Uuid),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: DISPATCH_PAGE_MAX, default: 50 })),
};

export const dispatchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/dispatches',
    {
      config: { auth: { permission: 'provider.read' } },
      schema: {
        tags: ['dispatch'],
        summary: 'Messages your agency sent to providers, newest first, with their delivery logs',
        querystring: Type.Object(
          { providerId: Type.Optional(Uuid), subjectKind: Type.Optional(lit(SUBJECT_KINDS)), subjectId: Type.Optional(Type.String({ maxLength: 100 })), state: Type.Optional(lit(DISPATCH_STATES)), ...Page },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ dispatches: Type.Array(Type.Ref('Dispatch')), nextBefore: Nullable(Uuid) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, ...q } = request.query;
      const rows = await requireScope(request).dispatches().list({ ...q, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { dispatches: page.map(toDispatchView), nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
    },
  );

  app.get(
    '/dispatches/:dispatchId',
    {
      config: { auth: { permission: 'provider.read' } },
      schema: { tags: ['dispatch'], summary: 'One message your agency sent, with its delivery log', params: Type.Object({ dispatchId: Uuid }), response: { 200: Type.Ref('Dispatch'), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => toDispatchView(await requireScope(request).dispatches().get(request.params.dispatchId)),
  );

  app.get(
    '/portal/messages',
    {
      config: { auth: { permission: 'portal.respond' } },
      schema: {
        tags: ['portal'],
        summary: 'Messages authorities sent to your (provider) agency through the portal, newest first',
        querystring: Type.Object({ unreceived: Type.Optional(Type.Boolean({ description: 'Only those not yet marked received' })), ...Page }, { additionalProperties: false }),
        response: { 200: Type.Object({ messages: Type.Array(Type.Ref('PortalMessage')), nextBefore: Nullable(Uuid) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 50, unreceived = false, before } = request.query;
      const rows = await requireScope(request).portal().list({ unreceivedOnly: unreceived, limit: limit + 1, ...(before ? { before } : {}) });
      const page = rows.slice(0, limit);
      return { messages: page.map(toPortalView), nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
    },
  );

  app.post(
    '/portal/messages/:dispatchId/received',
    {
      config: { auth: { permission: 'portal.respond' } },
      schema: {
        tags: ['portal'],
        summary: 'Acknowledge receipt of a message (the time of receipt starts TCO clocks); the first receipt stands',
        params: Type.Object({ dispatchId: Uuid }),
        response: { 200: Type.Ref('PortalMessage'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => toPortalView(await requireScope(request).portal().markReceived(request.params.dispatchId)),
  );
};
