import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { EpochMs, errorResponses, lit, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { ITEM_KINDS, ITEM_ORIGINS, ITEM_STATES, UPLOAD_FILENAME_MAX } from './intake.model.ts';
import { toCaptureView, toItemApiView } from './intake.views.ts';
import { BULK_MAX_BYTES } from './bulk-list.ts';
import { URL_MAX_LENGTH } from './url.model.ts';

export const ItemView = Type.Object(
  {
    id: Uuid,
    kind: lit(ITEM_KINDS),
    url: Type.String(),
    submittedUrl: Type.String(),
    host: Nullable(Type.String()),
    platform: Nullable(Type.String()),
    origin: lit(ITEM_ORIGINS),
    parentItemId: Nullable(Uuid),
    sourceId: Nullable(Uuid),
    state: lit(ITEM_STATES),
    captureCount: Type.Integer(),
    lastCapturedAt: Nullable(EpochMs),
    lastError: Nullable(Type.String()),
    createdAt: EpochMs,
    priority: Type.Integer({ description: 'Raised by bank matches (0 to 100); higher is reviewed first' }),
  },
  { $id: 'Item' },
);

export const CaptureView = Type.Object(
  {
    id: Uuid,
    itemId: Uuid,
    state: Type.Union([Type.Literal('ok'), Type.Literal('failed')]),
    startedAt: EpochMs,
    finishedAt: EpochMs,
    errorCode: Nullable(Type.String()),
    errorMessage: Nullable(Type.String()),
    httpStatus: Nullable(Type.Integer()),
    finalUrl: Nullable(Type.String()),
    resolvedIp: Nullable(Type.String()),
    via: Nullable(Type.String()),
    redirects: Type.Array(Type.Object({ url: Type.String(), status: Type.Integer(), location: Type.String() })),
    headers: Type.Array(Type.Array(Type.String())),
    tls: Nullable(Type.Object({ subject: Type.String(), issuer: Type.String(), validFrom: Type.String(), validTo: Type.String(), fingerprint256: Type.String(), serialNumber: Type.String() })),
    timings: Type.Record(Type.String(), Type.Number()),
    fetcherVersion: Type.String(),
    bodyHash: Nullable(Type.String()),
    bodySize: Nullable(Type.Integer()),
    warcHash: Nullable(Type.String()),
    textHash: Nullable(Type.String()),
    declaredType: Nullable(Type.String()),
    sniffedType: Nullable(Type.String()),
    title: Nullable(Type.String()),
    languageHint: Nullable(Type.String({ description: 'The language the page declares (html lang), as given' })),
    language: Nullable(Type.String({ description: 'The language detected from the extracted text (BCP-47 primary subtag: ar, ps, fa, tl…); null when the text was too short or the detector unsure' })),
    languageConfidence: Nullable(Type.Integer({ minimum: 0, maximum: 100, description: 'The detector’s probability for language, in percent' })),
    outlinkCount: Type.Integer(),
    childItemCount: Type.Integer(),
    screenshots: Type.Array(Type.Object({ id: Uuid, hash: Type.String(), width: Type.Integer(), height: Type.Integer(), renderedAt: EpochMs, blockedRequests: Type.Integer() })),
  },
  { $id: 'Capture' },
);

const BulkLine = Type.Object({
  line: Type.Integer(),
  input: Type.String(),
  outcome: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('rejected')]),
  url: Nullable(Type.String()),
  itemId: Nullable(Uuid),
  code: Nullable(Type.String()),
  reason: Nullable(Type.String()),
});

const ItemParams = Type.Object({ itemId: Uuid });
const BULK_TYPES = ['text/plain', 'text/csv', 'application/json', 'application/x-ndjson'];

export function intakeRoutes(uploadMaxBytes: number): FastifyPluginAsyncTypebox {
  return async (app) => {
    // One byte over the limit, so a file of exactly the limit is whole and anything larger is cut short (and refused).
    await app.register(multipart, { limits: { fileSize: uploadMaxBytes + 1, files: 1, fields: 5, fieldSize: 1024, parts: 6 }, throwFileSizeLimit: true });

    app.post(
      '/items',
      {
        config: { auth: { permission: 'item.write' } },
        schema: {
          tags: ['intake'],
          summary: 'Submit one URL; a URL the agency already has is returned as a duplicate',
          // The schema allows more than URL_MAX_LENGTH so an overlong URL gets the URL error, not a schema error.
          body: Type.Object({ url: Type.String({ minLength: 1, maxLength: URL_MAX_LENGTH * 4 }) }, { additionalProperties: false }),
          response: { 201: Type.Object({ item: Type.Ref('Item'), created: Type.Boolean() }), 200: Type.Object({ item: Type.Ref('Item'), created: Type.Boolean() }), ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const { item, created } = await requireScope(request).intake().submitUrl(request.body.url, request.principal?.via === 'token' ? 'api' : 'ui');
        return reply.status(created ? 201 : 200).send({ item: toItemApiView(item), created });
      },
    );

    // Bulk lists arrive raw and are parsed as a stream, in a scope of their own so the JSON body
    // parser of every other route stays as it is.
    await app.register(async (scope) => {
      const bulk = scope.withTypeProvider<TypeBoxTypeProvider>();
      bulk.removeContentTypeParser(['application/json', 'text/plain']);
      bulk.addContentTypeParser(BULK_TYPES, { bodyLimit: BULK_MAX_BYTES }, (_req, payload, done) => done(null, payload));
      bulk.post(
        '/items/bulk',
        {
          config: { auth: { permission: 'item.write' } },
          bodyLimit: BULK_MAX_BYTES,
          schema: {
            tags: ['intake'],
            summary: 'Submit a bulk list (text, CSV with a url column, JSON array or JSON lines); every line gets an outcome',
            querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('text'), Type.Literal('csv'), Type.Literal('json')])) }, { additionalProperties: false }),
            response: { 200: Type.Object({ accepted: Type.Integer(), duplicate: Type.Integer(), rejected: Type.Integer(), lines: Type.Array(BulkLine) }), ...errorResponses(400, 401, 403, 413, 415) },
          },
        },
        async (request) => {
          const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
          if (!BULK_TYPES.includes(type)) throw new VigilError('VIGIL_UNSUPPORTED_MEDIA_TYPE', `Send the list as ${BULK_TYPES.join(', ')}.`);
          const format = request.query.format ?? (type === 'text/csv' ? 'csv' : type === 'text/plain' ? 'auto' : type === 'application/json' || type === 'application/x-ndjson' ? 'json' : 'auto');
          return requireScope(request).intake().submitBulk(request.body as Readable, format);
        },
      );
    });

    app.post(
      '/items/upload',
      {
        config: { auth: { permission: 'item.write' } },
        schema: {
          tags: ['intake'],
          summary: 'Upload one file (multipart/form-data, field "file"); stored by SHA-256 and captured',
          consumes: ['multipart/form-data'],
          response: { 201: Type.Object({ item: Type.Ref('Item'), created: Type.Boolean() }), 200: Type.Object({ item: Type.Ref('Item'), created: Type.Boolean() }), ...errorResponses(400, 401, 403, 413, 415) },
        },
      },
      async (request, reply) => {
        if (!request.isMultipart()) throw new VigilError('VIGIL_UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data in a field named file.');
        let part;
        try {
          part = await request.file();
        } catch (e) {
          throw new VigilError('VIGIL_UPLOAD_INVALID', `The upload cannot be read: ${(e as Error).message}.`);
        }
        if (!part || part.fieldname !== 'file') throw new VigilError('VIGIL_UPLOAD_INVALID');
        const filename = (part.filename || 'upload').slice(0, UPLOAD_FILENAME_MAX);
        try {
          const { item, created } = await requireScope(request).intake().submitFile(part.file, filename, part.mimetype || null);
          return reply.status(created ? 201 : 200).send({ item: toItemApiView(item), created });
        } catch (e) {
          if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE' || part.file.truncated) throw new VigilError('VIGIL_BLOB_TOO_LARGE', `The file is larger than the limit of ${uploadMaxBytes} bytes; nothing was stored.`);
          throw e;
        }
      },
    );

    app.get(
      '/items',
      {
        config: { auth: { permission: 'item.read' } },
        schema: {
          tags: ['intake'],
          summary: 'Items of your agency, newest first',
          querystring: Type.Object(
            {
              state: Type.Optional(lit(ITEM_STATES)),
              origin: Type.Optional(lit(ITEM_ORIGINS)),
              host: Type.Optional(Type.String({ maxLength: 255 })),
              sourceId: Type.Optional(Uuid),
              parentItemId: Type.Optional(Uuid),
              before: Type.Optional(Uuid),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(Type.Ref('Item')), total: Type.Integer(), nextBefore: Nullable(Uuid) }), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const repo = requireScope(request).items();
        const limit = request.query.limit ?? 100;
        const rows = await repo.listItems({ ...request.query, limit: limit + 1 });
        const page = rows.slice(0, limit);
        return { items: page.map(toItemApiView), total: await repo.countItems(), nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
      },
    );

    app.get(
      '/items/:itemId',
      {
        config: { auth: { permission: 'item.read' } },
        schema: {
          tags: ['intake'],
          summary: 'One item with every capture (oldest first) and its screenshots',
          params: ItemParams,
          response: { 200: Type.Object({ item: Type.Ref('Item'), captures: Type.Array(Type.Ref('Capture')), children: Type.Integer() }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const repo = requireScope(request).items();
        const item = await repo.getItem(request.params.itemId);
        if (!item) throw new VigilError('VIGIL_NOT_FOUND', `No item ${request.params.itemId}.`);
        const captures = await repo.capturesOf(item.id);
        const shots = await repo.screenshotsOf(captures.map((c) => c.id));
        const children = await repo.listItems({ parentItemId: item.id, limit: 1000 });
        return { item: toItemApiView(item), captures: captures.map((c) => toCaptureView(c, shots)), children: children.length };
      },
    );

    app.post(
      '/items/:itemId/capture',
      {
        config: { auth: { permission: 'item.write' } },
        schema: { tags: ['intake'], summary: 'Capture the item again; earlier captures are kept', params: ItemParams, response: { 202: Type.Ref('Item'), ...errorResponses(400, 401, 403, 404) } },
      },
      async (request, reply) => reply.status(202).send(toItemApiView(await requireScope(request).intake().recapture(request.params.itemId))),
    );

    app.get(
      '/captures/:captureId/content/:part',
      {
        config: { auth: { permission: 'content.read' } },
        schema: {
          tags: ['intake'],
          summary: 'Read captured content (body, text, warc or a screenshot id); audited and recorded in the custody chain',
          params: Type.Object({ captureId: Uuid, part: Type.String({ pattern: '^(body|text|warc|[0-9a-f-]{36})$' }) }),
          produces: ['application/octet-stream', 'image/png'],
          response: { 200: Type.Unsafe({ type: 'string', format: 'binary' }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const scope = requireScope(request);
        const repo = scope.items();
        const capture = await repo.getCapture(request.params.captureId);
        if (!capture) throw new VigilError('VIGIL_NOT_FOUND', `No capture ${request.params.captureId}.`);
        const { part } = request.params;
        let hex: string | null;
        let png = false;
        if (part === 'body') hex = capture.bodySha256;
        else if (part === 'text') hex = capture.textSha256;
        else if (part === 'warc') hex = capture.warcSha256;
        else {
          hex = (await repo.screenshotsOf([capture.id])).find((s) => s.id === part)?.sha256 ?? null;
          png = true;
        }
        if (!hex) throw new VigilError('VIGIL_NOT_FOUND', `Capture ${capture.id} has no ${png ? `screenshot ${part}` : part}.`);
        const { info, stream } = await scope.blobs().open(hex);
        await scope.custodyLog.append({ kind: 'content.view', subject: { type: 'item', id: capture.itemId }, data: { captureId: capture.id, part, sha256: hex, viewer: scope.principal.user.id } });
        // Captured content never renders as a page in the app's origin; screenshots are images only.
        reply.header('content-type', png ? 'image/png' : 'application/octet-stream');
        reply.header('content-disposition', png ? 'inline' : `attachment; filename="${capture.id}-${part}"`);
        reply.header('content-security-policy', "default-src 'none'; sandbox");
        reply.header('content-length', String(info.size));
        reply.header('cache-control', 'no-store');
        return reply.send(stream);
      },
    );
  };
}
