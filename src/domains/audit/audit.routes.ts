import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EpochMs, errorResponses, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { AUDIT_PAGE_MAX, type AuditEvent } from './audit.model.ts';
import { queryAudit } from './audit.service.ts';

export const AuditView = Type.Object(
  {
    id: Uuid,
    agencyId: Nullable(Uuid),
    userId: Nullable(Uuid),
    actor: Type.String(),
    action: Type.String(),
    targetType: Nullable(Type.String()),
    targetId: Nullable(Type.String()),
    at: EpochMs,
    clientIp: Nullable(Type.String()),
    requestId: Nullable(Type.String()),
    detail: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'AuditEvent' },
);

const Filters = Type.Object(
  {
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    userId: Type.Optional(Uuid),
    targetType: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    from: Type.Optional(EpochMs),
    to: Type.Optional(EpochMs),
    before: Type.Optional(Uuid),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: AUDIT_PAGE_MAX, default: 100 })),
  },
  { additionalProperties: false },
);

const toView = (e: AuditEvent) => e;

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {

  app.get(
    '/audit',
    {
      config: { auth: { permission: 'audit.read' } },
      schema: {
        tags: ['audit'],
        summary: 'Your agency’s audit log, newest first',
        querystring: Filters,
        response: { 200: Type.Object({ events: Type.Array(Type.Ref('AuditEvent')), nextBefore: Nullable(Uuid) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 100, ...filters } = request.query;
      const page = await queryAudit(requireScope(request).auditLog(), { ...filters, limit });
      return { events: page.events.map(toView), nextBefore: page.nextBefore };
    },
  );

  app.get(
    '/audit/export',
    {
      config: { auth: { permission: 'audit.read' } },
      schema: {
        tags: ['audit'],
        summary: 'The whole filtered audit log as JSON lines (oldest page last)',
        querystring: Type.Omit(Filters, ['limit', 'before']),
        produces: ['application/x-ndjson'],
        response: { 200: Type.String({ description: 'One AuditEvent JSON object per line' }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const scope = requireScope(request);
      await scope.audit.record({ action: 'audit.export', detail: { filters: request.query } });
      const repo = scope.auditLog();
      const lines: string[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await queryAudit(repo, { ...request.query, ...(before ? { before } : {}), limit: AUDIT_PAGE_MAX });
        for (const e of page.events) lines.push(JSON.stringify(e));
        if (!page.nextBefore) break;
        before = page.nextBefore;
      }
      reply.header('content-type', 'application/x-ndjson; charset=utf-8');
      reply.header('content-disposition', 'attachment; filename="vigil-audit.jsonl"');
      return lines.join('\n') + (lines.length ? '\n' : '');
    },
  );
};
