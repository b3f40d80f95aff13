import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EpochMs, errorResponses, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { SOURCE_KINDS, SOURCE_MAX_INTERVAL_MS, SOURCE_MIN_INTERVAL_MS, type WatchedSource } from './source.model.ts';
import type { SourceRun } from './source.repository.ts';
import { URL_MAX_LENGTH } from './url.model.ts';

export const SourceView = Type.Object(
  {
    id: Uuid,
    kind: Type.Union(SOURCE_KINDS.map((k) => Type.Literal(k))),
    url: Type.String(),
    label: Type.String(),
    intervalMinutes: Type.Integer(),
    paused: Type.Boolean(),
    nextRunAt: EpochMs,
    lastRunAt: Nullable(EpochMs),
    lastStatus: Nullable(Type.String()),
    lastError: Nullable(Type.String()),
    consecutiveFailures: Type.Integer(),
    itemsFound: Type.Integer(),
    createdAt: EpochMs,
  },
  { $id: 'WatchedSource' },
);

const RunView = Type.Object({ id: Uuid, startedAt: EpochMs, finishedAt: EpochMs, status: Type.String(), error: Nullable(Type.String()), seen: Type.Integer(), newItems: Type.Integer() });

function toSourceView(s: WatchedSource) {
  return { id: s.id, kind: s.kind, url: s.url, label: s.label, intervalMinutes: Math.round(s.intervalMs / 60_000), paused: s.paused, nextRunAt: s.nextRunAt, lastRunAt: s.lastRunAt, lastStatus: s.lastStatus, lastError: s.lastError, consecutiveFailures: s.consecutiveFailures, itemsFound: s.itemsFound, createdAt: s.createdAt };
}

const toRunView = (r: SourceRun) => ({ id: r.id, startedAt: r.startedAt, finishedAt: r.finishedAt, status: r.status, error: r.error, seen: r.seen, newItems: r.newItems });
const SourceParams = Type.Object({ sourceId: Uuid });

export const sourceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/sources',
    {
      config: { auth: { permission: 'item.read' } },
      schema: { tags: ['sources'], summary: 'Watched sources of your agency', response: { 200: Type.Object({ sources: Type.Array(Type.Ref('WatchedSource')) }), ...errorResponses(401, 403) } },
    },
    async (request) => ({ sources: (await requireScope(request).sources().list()).map(toSourceView) }),
  );

  app.post(
    '/sources',
    {
      config: { auth: { permission: 'source.manage' } },
      schema: {
        tags: ['sources'],
        summary: 'Watch a feed, a page (its new out-links) or a Telegram channel preview (https://t.me/s/NAME)',
        body: Type.Object(
          {
            kind: Type.Union(SOURCE_KINDS.map((k) => Type.Literal(k))),
            url: Type.String({ minLength: 1, maxLength: URL_MAX_LENGTH }),
            label: Type.Optional(Type.String({ maxLength: 200 })),
            intervalMinutes: Type.Integer({ minimum: SOURCE_MIN_INTERVAL_MS / 60_000, maximum: SOURCE_MAX_INTERVAL_MS / 60_000 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('WatchedSource'), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.status(201).send(toSourceView(await requireScope(request).sources().create(request.body, requireScope(request).principal.user.id))),
  );

  app.get(
    '/sources/:sourceId',
    {
      config: { auth: { permission: 'item.read' } },
      schema: { tags: ['sources'], summary: 'One source with its recent runs', params: SourceParams, response: { 200: Type.Object({ source: Type.Ref('WatchedSource'), runs: Type.Array(RunView) }), ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => {
      const svc = requireScope(request).sources();
      const source = await svc.get(request.params.sourceId);
      return { source: toSourceView(source), runs: (await svc.runs(source.id)).map(toRunView) };
    },
  );

  app.post(
    '/sources/:sourceId/paused',
    {
      config: { auth: { permission: 'source.manage' } },
      schema: {
        tags: ['sources'],
        summary: 'Pause or resume a source',
        params: SourceParams,
        body: Type.Object({ paused: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: Type.Ref('WatchedSource'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => toSourceView(await requireScope(request).sources().setPaused(request.params.sourceId, request.body.paused)),
  );
};
