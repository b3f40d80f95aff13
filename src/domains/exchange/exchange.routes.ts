import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { errorResponses, lit, Nullable, Uuid } from '../../app/http/schemas.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { PROVENANCE_MAX, SIGNAL_KINDS } from '../bank/bank.model.ts';
import { EXCHANGE_CHECKPOINT_MAX, EXCHANGE_FORMATS, EXCHANGE_MAX_BYTES } from './exchange.model.ts';

/** Raw bodies an import takes; the format comes from the query, never from the content type. */
const IMPORT_TYPES = ['text/plain', 'text/csv', 'application/json', 'application/x-ndjson', 'application/octet-stream'];

export const ImportReportView = Type.Object(
  {
    added: Type.Integer(),
    duplicate: Type.Integer(),
    removed: Type.Integer({ description: 'Entries disabled by tombstones (TCAP deleted: true)' }),
    rejected: Type.Integer(),
    checkpoint: Nullable(Type.String({ description: 'TCAP: the checkpoint of the last page, <unix_ts>,<id>' })),
    lines: Type.Array(
      Type.Object({
        line: Type.Integer({ description: '1-based line in the file where the row starts' }),
        outcome: Type.Union([Type.Literal('added'), Type.Literal('duplicate'), Type.Literal('removed'), Type.Literal('rejected'), Type.Literal('skipped')]),
        code: Nullable(Type.String()),
        reason: Nullable(Type.String()),
      }),
    ),
  },
  { $id: 'ImportReport' },
);

const BankParams = Type.Object({ bankId: Uuid });
const Format = lit(EXCHANGE_FORMATS);

export const exchangeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Files arrive raw and are read as a stream, in a scope of their own so the JSON body parser of
  // every other route stays as it is.
  await app.register(async (scope) => {
    const raw = scope.withTypeProvider<TypeBoxTypeProvider>();
    raw.removeContentTypeParser(['application/json', 'text/plain']);
    raw.addContentTypeParser(IMPORT_TYPES, { bodyLimit: EXCHANGE_MAX_BYTES }, (_req, payload, done) => done(null, payload));
    raw.post(
      '/banks/:bankId/import',
      {
        config: { auth: { permission: 'bank.manage' } },
        bodyLimit: EXCHANGE_MAX_BYTES,
        schema: {
          tags: ['banks'],
          summary: 'Import a hash-list file (TCAP JSON, ThreatExchange text or CSV, Vigil CSV) into a bank you own; every row gets an outcome, and importing the same file again changes nothing',
          params: BankParams,
          querystring: Type.Object(
            {
              format: Format,
              kind: Type.Optional(lit(SIGNAL_KINDS)),
              source: Type.Optional(Type.String({ minLength: 1, maxLength: PROVENANCE_MAX, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._:@/-]*$', description: 'Provenance of the entries, and the namespace of TCAP ids for tombstones' })),
            },
            { additionalProperties: false },
          ),
          consumes: IMPORT_TYPES,
          response: { 200: Type.Ref('ImportReport'), ...errorResponses(400, 401, 403, 404, 413, 415) },
        },
      },
      async (request) => {
        const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        if (!IMPORT_TYPES.includes(type)) throw new VigilError('VIGIL_UNSUPPORTED_MEDIA_TYPE', `Send the file as ${IMPORT_TYPES.join(', ')}.`);
        const { format, kind, source } = request.query;
        return requireScope(request).exchange().importFile(request.params.bankId, request.body as Readable, { format, kind: kind ?? null, source: source ?? null });
      },
    );
  });

  app.get(
    '/banks/:bankId/export',
    {
      config: { auth: { permission: 'bank.read' } },
      schema: {
        tags: ['banks'],
        summary: 'Export a bank (yours or shared with you) as a hash-list file; TCAP with after= gives the changes since that checkpoint, removals as deleted: true',
        params: BankParams,
        querystring: Type.Object(
          {
            format: Format,
            after: Type.Optional(Type.String({ minLength: 1, maxLength: EXCHANGE_CHECKPOINT_MAX, description: 'tcap only: the checkpoint of an earlier export' })),
          },
          { additionalProperties: false },
        ),
        produces: ['application/json', 'text/plain', 'text/csv'],
        response: { 200: Type.Unsafe({ type: 'string', description: 'The file' }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const file = await requireScope(request).exchange().exportFile(request.params.bankId, request.query.format, request.query.after ?? null);
      reply.header('content-type', file.contentType);
      reply.header('content-disposition', `attachment; filename="${file.filename}"`);
      reply.header('cache-control', 'no-store');
      return reply.send(Readable.from(file.body));
    },
  );
};
