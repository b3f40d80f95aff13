import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EpochMs, errorResponses, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CustodyEventView = Type.Object(
  {
    seq: Type.Integer(),
    at: EpochMs,
    kind: Type.String(),
    actor: Type.String(),
    subject: Type.Object({ type: Type.String(), id: Type.String() }),
    data: Type.Record(Type.String(), Type.Unknown()),
    prevHash: Type.String(),
    hash: Type.String(),
  },
  { $id: 'CustodyEvent' },
);

export const custodyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/items/:itemId/custody',
    {
      config: { auth: { permission: 'item.read' } },
      schema: {
        tags: ['custody'],
        summary: 'The custody events of one item, in chain order',
        params: Type.Object({ itemId: Uuid }),
        response: { 200: Type.Object({ events: Type.Array(Type.Ref('CustodyEvent')) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      if (!(await scope.items().getItem(request.params.itemId))) throw new VigilError('VIGIL_NOT_FOUND', `No item ${request.params.itemId}.`);
      const events = await scope.custody().eventsFor('item', [request.params.itemId]);
      return { events: events.map(({ seq, at, kind, actor, subject, data, prevHash, hash }) => ({ seq, at, kind, actor, subject, data, prevHash, hash })) };
    },
  );

  app.post(
    '/items/:itemId/evidence',
    {
      config: { auth: { permission: 'evidence.export' } },
      schema: {
        tags: ['custody'],
        summary: 'Download a signed WACZ evidence package of the item (recorded in the custody chain)',
        params: Type.Object({ itemId: Uuid }),
        produces: ['application/wacz'],
        response: { 200: Type.Unsafe({ type: 'string', format: 'binary' }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const scope = requireScope(request);
      const dir = await mkdtemp(join(tmpdir(), 'vigil-evidence-'));
      const out = join(dir, 'evidence.wacz');
      try {
        const r = await (await scope.evidence()).exportItem(request.params.itemId, out);
        const bytes = await readFile(out);
        reply.header('content-type', 'application/wacz');
        reply.header('content-disposition', `attachment; filename="vigil-evidence-${request.params.itemId}.wacz"`);
        reply.header('x-vigil-package-sha256', r.sha256);
        return reply.send(bytes);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  app.post(
    '/custody/verify',
    {
      config: { auth: { permission: 'custody.verify' } },
      schema: {
        tags: ['custody'],
        summary: 'Verify your agency’s whole custody chain and its signed checkpoints',
        response: {
          200: Type.Object({ ok: Type.Boolean(), events: Type.Integer(), checkpoints: Type.Integer(), headSeq: Nullable(Type.Integer()), firstBadSeq: Nullable(Type.Integer()), problem: Nullable(Type.String()) }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      const result = await scope.custody().verify();
      await scope.audit.record({ action: 'custody.verify', detail: { ok: result.ok, events: result.events, firstBadSeq: result.firstBadSeq } });
      const { agencyId: _agencyId, ...view } = result;
      return view;
    },
  );
};
