/**
 * HMA 2.0-compatible routes at the root of the server (`/h/hash`, `/m/lookup`, `/c/banks`, …,
 * `/status`), so an HMA client's base URL is Vigil's origin. Every route needs a Vigil API token
 * (`Authorization: Bearer vgl_…`): `bank.read` to hash, look up and list, `bank.manage` to curate.
 * Errors carry HMA's `message` beside Vigil's `error.code`, with HMA's status codes.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { Type } from 'typebox';
import type { Platform } from '../../app/platform.ts';
import { requireScope } from '../../app/http/auth-hook.ts';
import { isVigilError, VigilError } from '../../errors/vigil-error.ts';
import { SIGNAL_TEXT_MAX } from '../bank/bank.model.ts';
import { createHmaRepository } from './hma.repository.ts';
import { createHmaService, requireSignal, type LookupSignal } from './hma.service.ts';
import { fetchMedia, hashMedia, HMA_UPLOAD_FIELD_MAX_BYTES, HMA_UPLOAD_MAX_FIELDS, readUpload, type HmaMedia } from './hma.media.ts';
import {
  compareHmaSignals,
  HMA_CONTENT_TYPES,
  HMA_SIGNAL_TYPES,
  isHmaSignalType,
  parseBankFilter,
  parseHmaBool,
  parseHmaMetadata,
  signalTypesFor,
} from './hma.model.ts';

const READ = { auth: { permission: 'bank.read' as const }, tokenOnly: true };
const MANAGE = { auth: { permission: 'bank.manage' as const }, tokenOnly: true };
const security = [{ token: [] }];
const tags = ['hma'];

const HmaError = Type.Object(
  {
    message: Type.String({ description: 'HMA’s error text' }),
    error: Type.Object({ code: Type.String({ description: 'Stable VIGIL_… code, see docs/errors.md' }), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
    requestId: Type.String(),
  },
  { title: 'HMA error' },
);
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, HmaError]));

const Match = Type.Object({ bank_content_id: Type.Integer(), distance: Type.String({ description: 'PDQ bits, "-" for video_md5, "Q%[C%]" for vPDQ' }) });
const ByBank = Type.Record(Type.String(), Type.Array(Match), { description: 'HMA bank name → matches' });
const BySignalType = Type.Record(Type.String(), ByBank, { description: 'signal type → HMA bank name → matches' });
const Hashes = Type.Record(Type.String(), Type.String(), { description: 'signal type → signal ("" for a photo whose PDQ quality is under 50)' });
const BankConfig = Type.Object({ name: Type.String(), matching_enabled_ratio: Type.Number({ description: '1.0 on, 0.0 off' }) });
const Signals = Type.Record(Type.String(), Type.String());
const Metadata = Type.Object({ content_id: Type.Optional(Type.String()), content_uri: Type.Optional(Type.String()), json: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });
const BankParams = Type.Object({ bank_name: Type.String({ maxLength: 200 }) });
const ContentParams = Type.Object({ bank_name: Type.String({ maxLength: 200 }), content_id: Type.Integer({ minimum: 0 }) });
const BankSettings = Type.Object({
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  enabled_ratio: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  enabled: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
});
const Flag = Type.Optional(Type.String({ maxLength: 8 }));
const BanksFilter = Type.Optional(Type.String({ maxLength: 10_000, description: 'Comma-separated HMA bank names' }));
const UrlParam = Type.String({ minLength: 1, maxLength: 4096 });
const CoinflipParams = {
  bypass_coinflip: Type.Optional(Type.String({ maxLength: 8, description: 'Accepted for HMA clients; Vigil banks are on or off, so there is no coinflip to bypass' })),
  seed: Type.Optional(Type.String({ maxLength: 200, description: 'Accepted for HMA clients; no effect (no coinflip)' })),
};
/** A vPDQ signal in a JSON body can be as large as a banked one. */
const SIGNAL_BODY_LIMIT = SIGNAL_TEXT_MAX + 64 * 1024;

/** Keeps the TypeBox type provider on a nested plugin. */
const typed = (plugin: FastifyPluginAsyncTypebox): FastifyPluginAsyncTypebox => plugin;

function sendHmaError(reply: FastifyReply, request: FastifyRequest, e: VigilError) {
  return reply.status(e.status).send({ message: e.message, error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) }, requestId: request.id });
}

/** The signals of freshly hashed media to look up; an empty PDQ (quality under 50) cannot be matched, and is HMA's 400. */
function lookupSignalsOf(hashes: Record<string, string>): LookupSignal[] {
  return Object.entries(hashes).map(([type, value]) => {
    if (type === 'pdq' && value === '') throw new VigilError('VIGIL_HMA_SIGNAL_INVALID', 'invalid signal: the photo’s PDQ quality is under 50, too low to match');
    return requireSignal(type, value);
  });
}

function typesOrThrow(media: HmaMedia, types: string | undefined) {
  const t = signalTypesFor(media.contentType, types);
  if (!t.ok) throw new VigilError('VIGIL_HMA_SIGNAL_TYPE_UNKNOWN', t.reason);
  return t.types;
}

export function hmaRoutes(platform: Platform): FastifyPluginAsyncTypebox {
  const contentIdCache = new Map<string, number>();
  const maxBytes = platform.config.maxBlobBytes;
  const serviceOf = (request: FastifyRequest) => {
    const scope = requireScope(request);
    return createHmaService({
      banks: scope.banks(),
      visibleBanks: () => scope.bankRepository().visibleBanks(),
      contents: createHmaRepository(platform.db, scope.agencyId),
      index: platform.matchIndex,
      clock: platform.clock,
      contentIdCache,
    });
  };
  const withUpload = async <T>(request: FastifyRequest, work: (media: HmaMedia, fields: Record<string, string>) => Promise<T>): Promise<T> => {
    const upload = await readUpload(request, maxBytes);
    try {
      return await work(upload.media, upload.fields);
    } finally {
      await upload.cleanup();
    }
  };
  /** Answers an unknown path under an HMA prefix with a JSON 404, not the web app's page. */
  const jsonNotFound = (app: FastifyInstance) =>
    app.setNotFoundHandler((request, reply) => sendHmaError(reply, request, new VigilError('VIGIL_ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`)));

  return async (app) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if (isVigilError(err)) return sendHmaError(reply, request, err);
      if (err.validation) return sendHmaError(reply, request, new VigilError('VIGIL_VALIDATION_FAILED', `Invalid request: ${err.message}.`, err.validation.map((v) => ({ path: v.instancePath, message: v.message }))));
      throw err;
    });
    // HMA's site map lists its paths with Flask's <param> syntax.
    const paths = new Set<string>();
    app.addHook('onRoute', (route) => {
      if (route.method !== 'HEAD') paths.add(route.url.replace(/:(\w+)/g, '<$1>'));
    });
    await app.register(multipart, {
      limits: { fileSize: maxBytes, files: 1, fields: HMA_UPLOAD_MAX_FIELDS, fieldSize: HMA_UPLOAD_FIELD_MAX_BYTES, parts: HMA_UPLOAD_MAX_FIELDS + 1 },
      throwFileSizeLimit: true,
    });

    app.get(
      '/status',
      {
        config: READ,
        schema: {
          tags,
          security,
          summary: 'HMA liveness: I-AM-ALIVE once the match index is loaded',
          produces: ['text/plain'],
          response: { 200: Type.String(), 503: Type.String(), ...errors(401, 403) },
        },
      },
      async (request, reply) => {
        try {
          await platform.matchIndex.load();
        } catch (e) {
          request.log.warn({ err: e }, 'match index does not load');
          return reply.status(503).type('text/plain; charset=utf-8').send('INDEX-NOT-LOADED');
        }
        return reply.type('text/plain; charset=utf-8').send('I-AM-ALIVE');
      },
    );

    app.get(
      '/site-map',
      {
        config: READ,
        schema: { tags, security, summary: 'Every HMA path this server answers', response: { 200: Type.Array(Type.String()), ...errors(401, 403) } },
      },
      async () => [...paths].sort(),
    );

    await app.register(
      typed(async (h) => {
        jsonNotFound(h);
        h.get(
          '/hash',
          {
            config: READ,
            schema: {
              tags,
              security,
              summary: 'Fetch a URL (SSRF-safe) and hash it: photo → pdq, video → video_md5 and vpdq',
              querystring: Type.Object({ url: UrlParam, content_type: Type.Optional(Type.String({ maxLength: 40 })), types: Type.Optional(Type.String({ maxLength: 200 })) }),
              response: { 200: Hashes, ...errors(400, 401, 403, 413) },
            },
          },
          async (request) => {
            const media = await fetchMedia(platform.fetcher, request.query.url, request.query.content_type);
            return hashMedia(media, typesOrThrow(media, request.query.types));
          },
        );
        h.post(
          '/hash',
          {
            config: READ,
            schema: {
              tags,
              security,
              summary: 'Hash an uploaded file; the multipart field name is its content type (photo=@x.png, video=@x.mp4)',
              consumes: ['multipart/form-data'],
              querystring: Type.Object({ types: Type.Optional(Type.String({ maxLength: 200 })) }),
              response: { 200: Hashes, ...errors(400, 401, 403, 413) },
            },
          },
          async (request) => withUpload(request, (media) => hashMedia(media, typesOrThrow(media, request.query.types))),
        );
      }),
      { prefix: '/h' },
    );

    await app.register(
      typed(async (m) => {
        jsonNotFound(m);
        m.get(
          '/raw_lookup',
          {
            config: READ,
            schema: {
              tags,
              security,
              summary: 'Look a signal up in the index only: entry and bank enabled states are not checked',
              querystring: Type.Object({ signal: Type.String({ maxLength: 16_384 }), signal_type: Type.String({ maxLength: 40 }), banks: BanksFilter, include_distance: Flag }),
              response: { 200: Type.Object({ matches: Type.Array(Type.Union([Type.Integer(), Match])) }), ...errors(400, 401, 403) },
            },
          },
          async (request) => {
            const s = requireSignal(request.query.signal_type, request.query.signal);
            const res = await serviceOf(request).lookup([s], { raw: true, only: parseBankFilter(request.query.banks) });
            const matches = Object.values(res[s.type] ?? {})
              .flat()
              .sort((a, b) => a.bank_content_id - b.bank_content_id);
            return { matches: parseHmaBool(request.query.include_distance, false) ? matches : matches.map((x) => x.bank_content_id) };
          },
        );
        m.get(
          '/lookup',
          {
            config: READ,
            schema: {
              tags,
              security,
              summary: 'Look up a signal (signal_type + signal: {BANK: [matches]}) or a URL (hashed: {signal_type: {BANK: [matches]}})',
              querystring: Type.Object({
                url: Type.Optional(UrlParam),
                content_type: Type.Optional(Type.String({ maxLength: 40 })),
                types: Type.Optional(Type.String({ maxLength: 200 })),
                signal: Type.Optional(Type.String({ maxLength: 16_384 })),
                signal_type: Type.Optional(Type.String({ maxLength: 40 })),
                banks: BanksFilter,
                ...CoinflipParams,
              }),
              response: { 200: Type.Record(Type.String(), Type.Unknown(), { description: 'With signal_type: HMA bank name → matches; with url alone: signal type → bank name → matches' }), ...errors(400, 401, 403, 413) },
            },
          },
          async (request) => {
            const q = request.query;
            const only = parseBankFilter(q.banks);
            if (q.url) {
              const media = await fetchMedia(platform.fetcher, q.url, q.content_type);
              const res = await serviceOf(request).lookup(lookupSignalsOf(await hashMedia(media, typesOrThrow(media, q.types))), { raw: false, only });
              return q.signal_type !== undefined ? (res[q.signal_type] ?? {}) : res;
            }
            if (!q.signal || !q.signal_type) throw new VigilError('VIGIL_HMA_BAD_REQUEST', 'Either url or both signal and signal_type are required');
            const s = requireSignal(q.signal_type, q.signal);
            const res = await serviceOf(request).lookup([s], { raw: false, only });
            return res[s.type] ?? {};
          },
        );
        m.post(
          '/lookup',
          {
            config: READ,
            schema: {
              tags,
              security,
              summary: 'Hash an uploaded file (field name = content type) and look each signal up',
              consumes: ['multipart/form-data'],
              querystring: Type.Object({ banks: BanksFilter, types: Type.Optional(Type.String({ maxLength: 200 })), ...CoinflipParams }),
              response: { 200: BySignalType, ...errors(400, 401, 403, 413) },
            },
          },
          async (request) =>
            withUpload(request, async (media) => {
              const signals = lookupSignalsOf(await hashMedia(media, typesOrThrow(media, request.query.types)));
              return serviceOf(request).lookup(signals, { raw: false, only: parseBankFilter(request.query.banks) });
            }),
        );
        m.post(
          '/compare',
          {
            config: READ,
            bodyLimit: 2 * SIGNAL_BODY_LIMIT,
            schema: {
              tags,
              security,
              summary: 'Compare pairs of signals: {"pdq": [h1, h2]} → {"pdq": [match, {"distance": d}]}',
              body: Type.Record(Type.String(), Type.Unknown()),
              response: { 200: Type.Record(Type.String(), Type.Tuple([Type.Boolean(), Type.Record(Type.String(), Type.Number())])), ...errors(400, 401, 403) },
            },
          },
          async (request) => {
            const out: Record<string, [boolean, Record<string, number>]> = {};
            for (const [type, pair] of Object.entries(request.body)) {
              if (!Array.isArray(pair)) throw new VigilError('VIGIL_HMA_BAD_REQUEST', `Comparison hashes for ${type.slice(0, 40)} was not a list`);
              if (pair.length !== 2) throw new VigilError('VIGIL_HMA_BAD_REQUEST', 'Comparison hash list length must be exactly 2');
              if (!isHmaSignalType(type)) throw new VigilError('VIGIL_HMA_SIGNAL_TYPE_UNKNOWN', `No such SignalType '${type.slice(0, 40)}'`);
              if (typeof pair[0] !== 'string' || typeof pair[1] !== 'string') throw new VigilError('VIGIL_HMA_SIGNAL_INVALID', `Invalid ${type} hash: not a string`);
              const r = compareHmaSignals(type, pair[0], pair[1]);
              if (!r.ok) throw new VigilError('VIGIL_HMA_SIGNAL_INVALID', r.reason.replace(/^invalid/, 'Invalid'));
              out[type] = r.value;
            }
            return out;
          },
        );
        m.get(
          '/index/status',
          {
            config: READ,
            schema: {
              tags,
              security,
              summary: 'What the match index holds for your agency, per signal type',
              querystring: Type.Object({ signal_type: Type.Optional(Type.String({ maxLength: 40 })) }),
              response: { 200: Type.Record(Type.String(), Type.Object({ built_to: Type.Integer({ description: 'Epoch second of the newest indexed change; -1 when empty' }), present: Type.Boolean(), size: Type.Integer() })), ...errors(400, 401, 403) },
            },
          },
          async (request) => serviceOf(request).indexStatus(request.query.signal_type),
        );
      }),
      { prefix: '/m' },
    );

    await app.register(
      typed(async (c) => {
        jsonNotFound(c);
        c.get(
          '/banks',
          { config: READ, schema: { tags, security, summary: 'Banks your agency sees, with their HMA names', response: { 200: Type.Array(BankConfig), ...errors(401, 403) } } },
          async (request) => serviceOf(request).listBanks(),
        );
        c.post(
          '/banks',
          {
            config: MANAGE,
            schema: { tags, security, summary: 'Create a bank named ^[A-Z_][A-Z0-9_]*$ (enabled_ratio 0.0 or 1.0)', body: BankSettings, response: { 201: BankConfig, ...errors(400, 401, 403) } },
          },
          async (request, reply) => reply.status(201).send(await serviceOf(request).createBank(request.body)),
        );
        c.get(
          '/bank/:bank_name',
          { config: READ, schema: { tags, security, summary: 'One bank by HMA name', params: BankParams, response: { 200: BankConfig, ...errors(401, 403, 404) } } },
          async (request) => serviceOf(request).getBank(request.params.bank_name),
        );
        c.put(
          '/bank/:bank_name',
          {
            config: MANAGE,
            schema: { tags, security, summary: 'Rename, enable or disable a bank', params: BankParams, body: BankSettings, response: { 200: BankConfig, ...errors(400, 401, 403, 404) } },
          },
          async (request) => serviceOf(request).updateBank(request.params.bank_name, request.body),
        );
        c.delete(
          '/bank/:bank_name',
          {
            config: MANAGE,
            schema: {
              tags,
              security,
              summary: 'Always refused: Vigil keeps banks (disable one with PUT {"enabled": false}); 404 for an unknown bank',
              params: BankParams,
              response: errors(401, 403, 404, 409),
            },
          },
          async (request) => serviceOf(request).deleteBank(request.params.bank_name),
        );
        c.post(
          '/bank/:bank_name/content',
          {
            config: MANAGE,
            schema: {
              tags,
              security,
              summary: 'Bank content from ?url= or a multipart upload (field name = content type), with optional metadata and note',
              consumes: ['application/json', 'multipart/form-data'],
              params: BankParams,
              querystring: Type.Object({ url: Type.Optional(UrlParam), content_type: Type.Optional(Type.String({ maxLength: 40 })), types: Type.Optional(Type.String({ maxLength: 200 })) }),
              response: { 200: Type.Object({ id: Type.Integer(), signals: Signals }), ...errors(400, 401, 403, 404, 413) },
            },
          },
          async (request) => {
            const service = serviceOf(request);
            await service.getBank(request.params.bank_name);
            const add = (hashes: Record<string, string>, metadataRaw: unknown, note: unknown) => {
              const metadata = parseHmaMetadata(metadataRaw);
              if (!metadata.ok) throw new VigilError('VIGIL_HMA_BAD_REQUEST', metadata.reason);
              return service.addContent(request.params.bank_name, hashes, note, metadata.metadata);
            };
            if (request.isMultipart()) {
              return withUpload(request, async (media, fields) => {
                let metadata: unknown;
                if (fields.metadata !== undefined) {
                  try {
                    metadata = JSON.parse(fields.metadata);
                  } catch {
                    throw new VigilError('VIGIL_HMA_BAD_REQUEST', 'metadata form field must be valid JSON');
                  }
                }
                return add(await hashMedia(media, typesOrThrow(media, request.query.types)), metadata, fields.note);
              });
            }
            if (!request.query.url) throw new VigilError('VIGIL_HMA_BAD_REQUEST', 'Neither `url` nor multipart file upload was received');
            const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as { metadata?: unknown; note?: unknown };
            const media = await fetchMedia(platform.fetcher, request.query.url, request.query.content_type);
            return add(await hashMedia(media, typesOrThrow(media, request.query.types)), body.metadata, body.note);
          },
        );
        c.post(
          '/bank/:bank_name/signal',
          {
            config: MANAGE,
            bodyLimit: SIGNAL_BODY_LIMIT,
            schema: {
              tags,
              security,
              summary: 'Bank signals directly: {"pdq": "<64 hex>", "note": "…"}',
              params: BankParams,
              body: Type.Record(Type.String(), Type.Unknown()),
              response: { 200: Type.Object({ id: Type.Integer(), signals: Signals }), ...errors(400, 401, 403, 404) },
            },
          },
          async (request) => {
            const { note, ...signals } = request.body;
            return serviceOf(request).addContent(request.params.bank_name, signals as Record<string, string>, note, null);
          },
        );
        c.get(
          '/bank/:bank_name/content/:content_id',
          {
            config: READ,
            schema: {
              tags,
              security,
              summary: 'One banked content',
              params: ContentParams,
              querystring: Type.Object({ include_signals: Flag, include_metadata: Flag }),
              response: {
                200: Type.Object({
                  id: Type.Integer(),
                  disable_until_ts: Type.Integer({ description: '1 enabled, 0 disabled, else the epoch second matching resumes' }),
                  original_media_uri: Type.Null(),
                  bank: BankConfig,
                  signals: Type.Optional(Signals),
                  metadata: Type.Optional(Metadata),
                  note: Type.Optional(Type.String()),
                }),
                ...errors(401, 403, 404),
              },
            },
          },
          async (request) =>
            serviceOf(request).getContent(request.params.bank_name, request.params.content_id, {
              signals: parseHmaBool(request.query.include_signals, false),
              metadata: parseHmaBool(request.query.include_metadata, true),
            }),
        );
        c.put(
          '/bank/:bank_name/content/:content_id',
          {
            config: MANAGE,
            schema: {
              tags,
              security,
              summary: 'Disable until a time (disable_until_ts, epoch seconds; 0 off, 1 on) and set the note',
              params: ContentParams,
              body: Type.Record(Type.String(), Type.Unknown()),
              response: {
                200: Type.Object({
                  id: Type.Integer(),
                  disable_until_ts: Type.Integer(),
                  collab_metadata: Type.Record(Type.String(), Type.Array(Type.String())),
                  original_media_uri: Type.Null(),
                  bank: BankConfig,
                  user_metadata: Type.Union([Metadata, Type.Null()]),
                  note: Type.Union([Type.String(), Type.Null()]),
                }),
                ...errors(400, 401, 403, 404),
              },
            },
          },
          async (request) => serviceOf(request).updateContent(request.params.bank_name, request.params.content_id, request.body),
        );
        c.delete(
          '/bank/:bank_name/content/:content_id',
          {
            config: MANAGE,
            schema: { tags, security, summary: 'Disable a content for good (Vigil keeps the entries)', params: ContentParams, response: { 200: Type.Object({ deleted: Type.Integer() }), ...errors(401, 403, 404) } },
          },
          async (request) => serviceOf(request).deleteContent(request.params.bank_name, request.params.content_id),
        );
        c.get(
          '/signal_type',
          { config: READ, schema: { tags, security, summary: 'Signal types', response: { 200: Type.Array(Type.Object({ name: Type.String(), enabled_ratio: Type.Number() })), ...errors(401, 403) } } },
          async () => HMA_SIGNAL_TYPES.map((name) => ({ name, enabled_ratio: 1 })),
        );
        c.get(
          '/content_type',
          { config: READ, schema: { tags, security, summary: 'Content types (multipart field names)', response: { 200: Type.Array(Type.Object({ name: Type.String(), enabled: Type.Boolean() })), ...errors(401, 403) } } },
          async () => Object.keys(HMA_CONTENT_TYPES).map((name) => ({ name, enabled: true })),
        );
      }),
      { prefix: '/c' },
    );
  };
}

