import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { EpochMs, errorResponses, Nullable } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { BLOB_HASH_PATTERN, MEDIA_TYPE_MAX, parseBlobHash } from './blob.model.ts';

export const BlobView = Type.Object({ hash: Type.String({ pattern: BLOB_HASH_PATTERN.source }), size: Type.Integer({ minimum: 0 }), mediaType: Nullable(Type.String()), createdAt: EpochMs }, { $id: 'Blob' });
const HashParams = Type.Object({ hash: Type.String({ maxLength: 80, description: 'sha256:<64 lowercase hex>' }) });

function hexOf(hash: string): string {
  const hex = parseBlobHash(hash);
  if (!hex) throw new VigilError('VIGIL_HASH_INVALID', `"${hash.slice(0, 80)}" is not of the form sha256:<64 lowercase hex digits>.`);
  return hex;
}

export function blobRoutes(maxBytes: number): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Uploads stream straight to the blob store; they are never buffered whole in memory.
    app.addContentTypeParser('application/octet-stream', { bodyLimit: maxBytes }, (_req, payload, done) => done(null, payload));

    app.post(
      '/blobs',
      {
        config: { auth: { permission: 'blob.write' } },
        bodyLimit: maxBytes,
        schema: {
          tags: ['blobs'],
          summary: 'Store bytes (application/octet-stream); identical bytes are stored once',
          headers: Type.Object({ 'x-media-type': Type.Optional(Type.String({ maxLength: MEDIA_TYPE_MAX, pattern: '^[\\w.+-]+/[\\w.+-]+$' })) }),
          response: { 201: Type.Ref('Blob'), 200: Type.Ref('Blob'), ...errorResponses(400, 401, 403, 413, 415) },
        },
      },
      async (request, reply) => {
        if (!request.headers['content-type']?.startsWith('application/octet-stream')) throw new VigilError('VIGIL_UNSUPPORTED_MEDIA_TYPE', 'Send the bytes as application/octet-stream.');
        const declared = Number(request.headers['content-length']);
        if (declared > maxBytes) throw new VigilError('VIGIL_BLOB_TOO_LARGE', `The blob (${declared} bytes) is larger than the limit of ${maxBytes} bytes; nothing was stored.`);
        const media = request.headers['x-media-type'];
        const info = await requireScope(request).blobs().put(request.body as Readable, typeof media === 'string' ? media : null, requireScope(request).principal.user.id);
        const { created, ...view } = info;
        return reply.status(created ? 201 : 200).send(view);
      },
    );

    app.get(
      '/blobs/:hash/meta',
      {
        config: { auth: { permission: 'blob.read' } },
        schema: { tags: ['blobs'], summary: 'What is known of a blob, without its content', params: HashParams, response: { 200: Type.Ref('Blob'), ...errorResponses(400, 401, 403, 404) } },
      },
      async (request) => requireScope(request).blobs().info(hexOf(request.params.hash)),
    );

    app.get(
      '/blobs/:hash',
      {
        config: { auth: { permission: 'blob.read' } },
        schema: {
          tags: ['blobs'],
          summary: 'Read a blob’s content (audited); always served as an attachment',
          params: HashParams,
          produces: ['application/octet-stream'],
          response: { 200: Type.Unsafe({ type: 'string', format: 'binary' }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const { info, stream } = await requireScope(request).blobs().open(hexOf(request.params.hash));
        // Evidence must never render in the application's origin: no sniffing, download only.
        reply.header('content-type', 'application/octet-stream');
        reply.header('content-disposition', `attachment; filename="${info.hash.replace(':', '-')}"`);
        reply.header('content-length', String(info.size));
        reply.header('cache-control', 'no-store');
        return reply.send(stream);
      },
    );
  };
}
