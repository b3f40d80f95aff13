/**
 * The HTTP composition root: Fastify with security headers, cookies, rate limits, OpenAPI from the
 * route schemas, the web shell, and each domain's routes under /api/v1.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, VERSION } from './version.ts';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { DestinationStream } from 'pino';
import { v7 } from 'uuid';
import { pendingMigrations } from '../adapters/db/migrator.ts';
import type { Platform } from './platform.ts';
import { installAuth } from './http/auth-hook.ts';
import { installErrorHandling } from './http/error-handler.ts';
import { ErrorBody } from './http/schemas.ts';
import { authRoutes, Session, UserView } from '../domains/auth/auth.routes.ts';
import { userRoutes } from '../domains/auth/user.routes.ts';
import { tokenRoutes, TokenView } from '../domains/auth/token.routes.ts';
import { agencyRoutes, AgencyView } from '../domains/agency/agency.routes.ts';
import { auditRoutes, AuditView } from '../domains/audit/audit.routes.ts';
import { blobRoutes, BlobView } from '../domains/blob/blob.routes.ts';
import { jobRoutes, JobView } from '../domains/jobs/jobs.routes.ts';
import { intakeRoutes, ItemView, CaptureView } from '../domains/intake/intake.routes.ts';
import { sourceRoutes, SourceView } from '../domains/intake/source.routes.ts';
import { custodyRoutes, CustodyEventView } from '../domains/custody/custody.routes.ts';
import { bankRoutes, BankEntryView, BankView } from '../domains/bank/bank.routes.ts';
import { exchangeRoutes, ImportReportView } from '../domains/exchange/exchange.routes.ts';
import { matchingRoutes, MatchView } from '../domains/matching/matching.routes.ts';
import { hmaRoutes } from '../domains/hma/hma.routes.ts';
import { outletRoutes, OutletSuggestionView, OutletView } from '../domains/outlet/outlet.routes.ts';
import { CaseSummaryView, DecisionView, PriorityExplainedView, reviewRoutes } from '../domains/review/review.routes.ts';
import { providerRoutes, ProviderView } from '../domains/provider/provider.routes.ts';
import { dispatchRoutes, DispatchView, PortalMessageView } from '../domains/dispatch/dispatch.routes.ts';
import { AnnexIView, orderRoutes, OrderSummaryView, OrderView, PortalOrderView } from '../domains/order/order.routes.ts';
import { callbackRoutes } from '../domains/order/callback.routes.ts';
import { ReceivedReferralSummaryView, ReceivedReferralView, ReferralDetailView, ReferralItemView, referralRoutes, ReferralView } from '../domains/referral/referral.routes.ts';
import { complaintRoutes, ComplaintDetailView, ComplaintView } from '../domains/complaint/complaint.routes.ts';

export const WEB_DIST = join(REPO_ROOT, 'web', 'dist');
export { REPO_ROOT, VERSION };

/** JSON bodies above this are refused before parsing; blobs have their own, larger limit. */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Paths whose values never reach a log line. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.webhookSecret',
  '*.token',
  '*.csrfToken',
];

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
};

export interface ServerOptions {
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
  logLevel?: string;
  https?: { cert: Buffer; key: Buffer } | null;
}

export async function buildServer(platform: Platform, options: ServerOptions = {}): Promise<FastifyInstance> {
  const { config } = platform;
  const app = Fastify({
    logger: {
      level: options.logLevel ?? config.logLevel,
      redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
      // Headers are logged because they help trace a client (user agent, forwarded-for); the
      // redaction list above is what keeps credentials among them out of the log.
      serializers: {
        req: (req: { method: string; url: string; ip?: string; headers: Record<string, unknown> }) => ({ method: req.method, url: req.url, remoteAddress: req.ip, headers: req.headers }),
      },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    ...(options.https ? { https: options.https } : {}),
    trustProxy: config.trustProxy,
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : v7();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  const spa = existsSync(join(WEB_DIST, 'index.html'));
  installErrorHandling(app, { spa });
  await app.register(helmet, {
    global: true,
    // Over plain HTTP (the loopback default) upgrading would point the browser at a port that speaks no TLS.
    contentSecurityPolicy: { directives: { ...CONTENT_SECURITY_POLICY, upgradeInsecureRequests: options.https ? [] : null } },
    crossOriginEmbedderPolicy: true,
    hsts: options.https ? { maxAge: 31_536_000 } : false,
  });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: config.apiRatePerMinute > 0,
    max: config.apiRatePerMinute || 1,
    timeWindow: 60_000,
    errorResponseBuilder: (request, ctx) => ({ statusCode: 429, error: { code: 'VIGIL_RATE_LIMITED', message: `Too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s.` }, requestId: request.id }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Vigil API', version: VERSION, description: 'Intake, preservation, matching, review, referral and removal of terrorist content. Errors: docs/errors.md.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'vigil_session', description: 'From POST /api/v1/auth/login; mutating requests also need x-csrf-token.' },
          token: { type: 'http', scheme: 'bearer', description: 'A scoped API token: vgl_<prefix>_<secret>.' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  // Shared response shapes live at the root so every route plugin (and OpenAPI) can $ref them.
  for (const schema of [ErrorBody, AgencyView, UserView, Session, TokenView, AuditView, JobView, BlobView, ItemView, CaptureView, SourceView, CustodyEventView, BankView, BankEntryView, ImportReportView, MatchView, PriorityExplainedView, DecisionView, CaseSummaryView, OutletView, OutletSuggestionView, ProviderView, DispatchView, PortalMessageView, ReferralView, ReferralItemView, ReferralDetailView, ReceivedReferralView, ReceivedReferralSummaryView, ComplaintView, ComplaintDetailView, AnnexIView, OrderSummaryView, OrderView, PortalOrderView]) app.addSchema(schema);

  installAuth(app, platform);

  app.get('/api/openapi.json', { schema: { hide: true }, config: { auth: 'public' } }, async () => app.swagger());

  app.get(
    '/healthz',
    { config: { auth: 'public' }, schema: { tags: ['health'], summary: 'The process is up', response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) } } },
    async () => ({ status: 'ok' as const, version: VERSION }),
  );
  app.get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: { tags: ['health'], summary: 'The database answers and is migrated', response: { 200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }), 503: Type.Ref('ErrorBody') } },
    },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(platform.db);
        const pending = await pendingMigrations(platform.db);
        if (pending.length) return reply.status(503).send({ error: { code: 'VIGIL_NOT_READY', message: `Migrations pending: ${pending.join(', ')}. Run vigil migrate.` }, requestId: request.id });
      } catch (e) {
        request.log.warn({ err: e }, 'readiness check failed');
        return reply.status(503).send({ error: { code: 'VIGIL_NOT_READY', message: 'The database does not answer.' }, requestId: request.id });
      }
      return { status: 'ready' as const, database: platform.dialect };
    },
  );

  await app.register(
    async (api) => {
      await api.register(authRoutes(platform));
      await api.register(agencyRoutes);
      await api.register(userRoutes);
      await api.register(tokenRoutes);
      await api.register(auditRoutes);
      await api.register(jobRoutes(platform.queue));
      await api.register(blobRoutes(config.maxBlobBytes));
      await api.register(intakeRoutes(config.maxBlobBytes));
      await api.register(sourceRoutes);
      await api.register(custodyRoutes);
      await api.register(bankRoutes);
      await api.register(exchangeRoutes);
      await api.register(matchingRoutes);
      await api.register(reviewRoutes);
      await api.register(outletRoutes);
      await api.register(providerRoutes);
      await api.register(dispatchRoutes);
      await api.register(orderRoutes);
      await api.register(callbackRoutes(platform));
      await api.register(referralRoutes(config.referralReminderMs));
      await api.register(complaintRoutes);
    },
    { prefix: '/api/v1' },
  );
  // HMA 2.0-compatible routes at the root, so an HMA client's base URL is this origin; each
  // prefix answers unknown paths with JSON rather than the web app's page.
  await app.register(hmaRoutes(platform));

  if (spa) await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: false, index: 'index.html' });

  return app;
}
