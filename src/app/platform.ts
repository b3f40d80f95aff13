/**
 * The composition root shared by the server, the worker and the CLI: plain constructors, no DI
 * framework. `scopeFor` hands a request the services of its own agency and nothing else.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../adapters/db/schema.ts';
import type { Dialect } from '../adapters/db/database.ts';
import type { Clock, Ids } from '../domains/ports.ts';
import { FileBlobStore } from '../adapters/blob/file-blob-store.ts';
import { createAgencyRepository } from '../domains/agency/agency.repository.ts';
import { createAgencyService } from '../domains/agency/agency.service.ts';
import { createAuditRepository } from '../domains/audit/audit.repository.ts';
import { createAuditLog, type AuditLog } from '../domains/audit/audit.service.ts';
import type { AuditContext } from '../domains/audit/audit.model.ts';
import { createAuthService, type PasswordHasher, type Principal } from '../domains/auth/auth.service.ts';
import { createCredentialRepository } from '../domains/auth/credential.repository.ts';
import { createUserRepository } from '../domains/auth/user.repository.ts';
import { createUserService } from '../domains/auth/user.service.ts';
import { createTokenRepository } from '../domains/auth/token.repository.ts';
import { createTokenService } from '../domains/auth/token.service.ts';
import { createBlobRepository } from '../domains/blob/blob.repository.ts';
import { createBlobService } from '../domains/blob/blob.service.ts';
import { JobQueue } from '../adapters/queue/job-queue.ts';
import { createSafeFetcher } from '../adapters/fetch/safe-fetch.ts';
import { loadOrCreateInstanceKey } from '../adapters/crypto/instance-key.ts';
import { requestTimestamp } from '../adapters/crypto/tsa-client.ts';
import { createCustodyRepository } from '../domains/custody/custody.repository.ts';
import { createCustodyLog, createCustodyService, type InstanceSigner, type Timestamper } from '../domains/custody/custody.service.ts';
import { createIntakeRepository } from '../domains/intake/intake.repository.ts';
import { createIntakeService } from '../domains/intake/intake.service.ts';
import { createCaptureService } from '../domains/intake/capture.service.ts';
import { createSourceRepository } from '../domains/intake/source.repository.ts';
import { createSourceService } from '../domains/intake/source.service.ts';
import { createEvidenceService } from '../domains/evidence/evidence.service.ts';
import { createBankFeed, createBankRepository } from '../domains/bank/bank.repository.ts';
import { createBankService } from '../domains/bank/bank.service.ts';
import { createExchangeRepository } from '../domains/exchange/exchange.repository.ts';
import { createExchangeService } from '../domains/exchange/exchange.service.ts';
import type { BankRepository } from '../domains/bank/bank.repository.ts';
import { MatchIndex } from '../domains/matching/match-index.ts';
import { createMatchRepository } from '../domains/matching/match.repository.ts';
import { createMatchService, type ImageHasher, type VideoHasher } from '../domains/matching/match.service.ts';
import { hashImagePdqDihedral, ImageDecodeError } from '../adapters/media/image-decode.ts';
import { hashVideoBytes } from '../adapters/media/vpdq-hasher.ts';
import { VideoDecodeError } from '../adapters/media/video-frames.ts';
import { createReviewRepository } from '../domains/review/review.repository.ts';
import { createReviewService, type OutletLookup } from '../domains/review/review.service.ts';
import { createOutletRepository } from '../domains/outlet/outlet.repository.ts';
import { collectItemFacts, createOutletService } from '../domains/outlet/outlet.service.ts';
import { createProviderRepository } from '../domains/provider/provider.repository.ts';
import { createProviderService } from '../domains/provider/provider.service.ts';
import { createDispatchRepository, createPortalRepository } from '../domains/dispatch/dispatch.repository.ts';
import { createDispatchService, createPortalService } from '../domains/dispatch/dispatch.service.ts';
import { DISPATCH_MAX_ATTEMPTS } from '../domains/dispatch/dispatch.model.ts';
import { createWebhookSender } from '../adapters/webhook/webhook-sender.ts';
import { createSmtpMailer } from '../adapters/mail/smtp-mailer.ts';
import { renderOrderPdf } from '../adapters/pdf/order-pdf.ts';
import { createOrderPortalService, createOrderService, ORDER_COPY_MAX_ATTEMPTS, type OrderService } from '../domains/order/order.service.ts';
import { createOrderRepository, createPortalOrderRepository, finalOrderTimes, type StoredOrder } from '../domains/order/order.repository.ts';
import { createReferralRepository } from '../domains/referral/referral.repository.ts';
import { createReferralAnswerService, createReferralService } from '../domains/referral/referral.service.ts';
import { resolveProvider } from '../domains/provider/provider.model.ts';
import { createComplaintRepository } from '../domains/complaint/complaint.repository.ts';
import { createComplaintService, type OrderRemoval } from '../domains/complaint/complaint.service.ts';
import { createHash } from 'node:crypto';
import type { Config } from './config.ts';
import { SOFTWARE } from './version.ts';

export interface PlatformDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  config: Config;
  clock: Clock;
  ids: Ids;
  hasher: PasswordHasher;
  blobRoot: string;
}

/** Image hashing for matching: an undecodable image has no PDQ hash, and that is not an error. */
const imageHasher: ImageHasher = {
  async pdqDihedral(bytes) {
    try {
      return await hashImagePdqDihedral(bytes);
    } catch (e) {
      if (e instanceof ImageDecodeError) return null;
      throw e;
    }
  },
};

/** Video hashing for matching: an undecodable or over-limit video has no vPDQ; a missing ffmpeg is an error (the job retries). */
const videoHasher: VideoHasher = {
  async vpdq(bytes) {
    try {
      return await hashVideoBytes(bytes);
    } catch (e) {
      if (e instanceof VideoDecodeError && e.code !== 'VIGIL_FFMPEG_MISSING') return null;
      throw e;
    }
  },
};

/** A bank repository that tells `onWrite` after every write (each one appends to the change log). */
function notifyingBankRepository(repo: BankRepository, onWrite: () => void): BankRepository {
  const after =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await f(...args);
      } finally {
        onWrite();
      }
    };
  return {
    ...repo,
    insertBank: after(repo.insertBank),
    updateBank: after(repo.updateBank),
    insertShare: after(repo.insertShare),
    deleteShare: after(repo.deleteShare),
    insertEntries: after(repo.insertEntries),
    updateEntry: after(repo.updateEntry),
    quarantineEntry: after(repo.quarantineEntry),
  };
}

export interface RequestMeta {
  clientIp: string | null;
  requestId: string | null;
}

/** An order its provider executed, as complaints and statements of reasons see it. */
function orderRemovalOf(o: StoredOrder): OrderRemoval | null {
  if (o.executedAt === null || o.measure === null) return null;
  return { orderId: o.id, url: o.annexI.items[0]?.url ?? null, removedAt: o.executedAt, measure: o.measure, referenceNumber: o.referenceNumber, reasons: o.annexI.reasons, issuerAgencyId: o.agencyId };
}

export function createPlatform(deps: PlatformDeps) {
  const { db, clock, ids, config } = deps;
  const agencies = createAgencyRepository(db);
  const store = new FileBlobStore(deps.blobRoot);
  const queue = new JobQueue({ db, dialect: deps.dialect, clock, ids });
  const fetcher = createSafeFetcher({ allow: config.fetchAllow, socksProxy: config.socksProxy, proxyAll: config.proxyAll, userAgent: SOFTWARE, clock });
  // Webhook URLs come from the registry, typed by people: the same address policy as fetching.
  const webhookSender = createWebhookSender({ allow: config.fetchAllow });
  const mailer = config.smtpUrl ? createSmtpMailer({ url: config.smtpUrl, from: config.mailFrom }) : null;
  const sha256 = (b: Uint8Array): Uint8Array => createHash('sha256').update(b).digest();
  let signer: InstanceSigner | null = null;
  // The instance key is read (or made, at first use) only by processes that sign or verify.
  const instanceSigner = (): InstanceSigner => (signer ??= loadOrCreateInstanceKey(config.dataDir));
  const { tsaUrl, tsaCa } = config;
  const timestamper: Timestamper | null = tsaUrl ? { stamp: (digest) => requestTimestamp(tsaUrl, digest, tsaCa ? { ca: tsaCa } : {}) } : null;
  const auditFor = (ctx: AuditContext): AuditLog => createAuditLog({ audit: createAuditRepository(db, ctx.agencyId), clock, ids }, ctx);
  const auth = createAuthService({
    credentials: createCredentialRepository(db),
    agencies,
    hasher: deps.hasher,
    clock,
    ids,
    policy: { maxFailures: config.loginMaxFailures, lockoutMs: config.loginLockoutMs, sessionTtlMs: config.sessionTtlMs },
    auditFor,
  });

  /** The instance-wide bank change log and entries, for matcher processes' indexes. */
  const bankFeed = createBankFeed(db);
  /**
   * One match index per process, loaded at first lookup and kept current from the change log
   * (match-index.ts). Bank writes through this platform mark it stale, so the next lookup here
   * sees them at once; writes by other processes are seen within MATCH_INDEX_SYNC_MS.
   */
  const matchIndex = new MatchIndex({ feed: bankFeed, newId: () => ids.next() });
  /** The instance's outlet registry, as review attributions name it. */
  const outlets: OutletLookup = {
    async get(id) {
      const o = await createOutletRepository(db).get(id);
      return o ? { id: o.id, name: o.name } : null;
    },
  };
  const bankRepositoryOf = (agencyId: string) => notifyingBankRepository(createBankRepository(db, agencyId), () => matchIndex.markStale());

  function actorOf(p: Principal): string {
    return p.via === 'token' ? `token:${p.tokenPrefix}` : `user:${p.user.email}`;
  }

  /** Services for one agency, acting as one actor. */
  function agencyServices(agencyId: string, ctx: AuditContext) {
    const audit = auditFor(ctx);
    const custodyRepo = createCustodyRepository(db, deps.dialect, agencyId);
    const custodyLog = createCustodyLog({ custody: custodyRepo, clock, ids, sha256 }, ctx.actor);
    const custody = () => createCustodyService({ custody: custodyRepo, clock, ids, sha256, signer: instanceSigner, timestamper });
    const blobs = () => createBlobService({ store, blobs: createBlobRepository(db, agencyId), audit, clock, maxBytes: config.maxBlobBytes });
    const intake = () =>
      createIntakeService({ items: createIntakeRepository(db, agencyId), blobs: blobs(), queue, audit, custody: custodyLog, clock, ids, actor: { userId: ctx.userId, label: ctx.actor } });
    const banks = () =>
      createBankService({
        banks: bankRepositoryOf(agencyId),
        agencies,
        audit,
        auditOf: (ownerId: string) => auditFor({ ...ctx, agencyId: ownerId }),
        clock,
        ids,
        sha256Hex: (text: string) => Buffer.from(sha256(Buffer.from(text, 'utf8'))).toString('hex'),
        actor: { userId: ctx.userId, label: ctx.actor },
      });
    const matching = () =>
      createMatchService({
        matches: createMatchRepository(db, agencyId),
        index: matchIndex,
        visibleBankIds: () => createBankRepository(db, agencyId).visibleBankIds(),
        recordHit: (entryId, itemId) => banks().recordHit(entryId, itemId),
        items: createIntakeRepository(db, agencyId),
        images: imageHasher,
        videos: videoHasher,
        audit,
        clock,
        ids,
      });
    const dispatches = () =>
      createDispatchService({
        dispatches: createDispatchRepository(db, agencyId),
        providers: createProviderRepository(db),
        // One job per dispatch; its attempts follow DISPATCH_BACKOFF_MS, with room for workers that die mid-attempt.
        enqueueSend: async (dispatchId) => void (await queue.enqueue('dispatch.send', { dispatchId }, { agencyId, idempotencyKey: `dispatch.send:${dispatchId}`, maxAttempts: DISPATCH_MAX_ATTEMPTS * 2 })),
        webhook: webhookSender,
        mail: mailer,
        openBlob: async (hex) => (await blobs().open(hex)).stream,
        agencyId,
        agencyName: async () => (await agencies.get(agencyId))?.name ?? agencyId,
        audit,
        clock,
        ids,
        actor: { userId: ctx.userId, label: ctx.actor },
        userAgent: SOFTWARE,
        onDelivered: async (d, deliveredAt) => {
          if (d.subjectKind === 'order') await orders().recordDelivery(d.subjectId, { dispatchId: d.id, channel: d.channel, deliveredAt });
        },
      });
    const review = () =>
      createReviewService({
        reviews: createReviewRepository(db, agencyId),
        items: createIntakeRepository(db, agencyId),
        matches: createMatchRepository(db, agencyId),
        agencyKind: async () => {
          const agency = await agencies.get(agencyId);
          if (!agency) throw new Error(`agency ${agencyId} vanished`);
          return agency.kind;
        },
        outlets,
        audit,
        clock,
        ids,
        actor: { userId: ctx.userId, label: ctx.actor },
        settings: { undoWindowMs: config.reviewUndoMs, exposureDailyLimit: config.exposureDailyLimit },
      });
    const referrals = () =>
      createReferralService({
        referrals: createReferralRepository(db, { by: 'issuer', agencyId }),
        agencyId,
        agencyKind: async () => {
          const agency = await agencies.get(agencyId);
          if (!agency) throw new Error(`agency ${agencyId} vanished`);
          return agency.kind;
        },
        agencyName: async () => (await agencies.get(agencyId))?.name ?? agencyId,
        items: createIntakeRepository(db, agencyId),
        decisionsOfItem: (itemId) => createReviewRepository(db, agencyId).decisionsOf([], [itemId]),
        providers: {
          async resolve(url) {
            const r = resolveProvider(url, await createProviderRepository(db).list());
            return r.ok && r.resolution ? { id: r.resolution.provider.id, name: r.resolution.provider.name } : null;
          },
          get: (providerId) => createProviderRepository(db).get(providerId),
        },
        dispatch: dispatches(),
        enqueueReminder: async (referralId, reminder, runAt) => void (await queue.enqueue('referral.remind', { referralId }, { agencyId, runAt, idempotencyKey: `referral.remind:${referralId}:${reminder}` })),
        reminderIntervalMs: config.referralReminderMs,
        audit,
        clock,
        ids,
        actor: { userId: ctx.userId, label: ctx.actor },
      });
    /** The instance-wide provider registry, changed as this agency (provider.service.ts says why it is shared). */
    const providers = () =>
      createProviderService({
        providers: createProviderRepository(db),
        agencies,
        agencyId,
        finalOrderTimes: (providerId) => finalOrderTimes(db, providerId, clock.now()),
        dispatch: dispatches(),
        audit,
        clock,
        ids,
        actor: { userId: ctx.userId, label: ctx.actor },
      });
    const orders = (): OrderService =>
      createOrderService({
        orders: createOrderRepository(db, agencyId),
        agency: async () => {
          const agency = await agencies.get(agencyId);
          if (!agency) throw new Error(`agency ${agencyId} vanished`);
          return agency;
        },
        providers: {
          get: (providerId) => createProviderRepository(db).get(providerId),
          resolve: async (url) => {
            const r = await providers().resolve(url);
            return { provider: r.provider, reason: r.reason };
          },
          noticeSentAt: (providerId) => createProviderRepository(db).noticesOf(agencyId).sentAt(providerId),
        },
        items: createIntakeRepository(db, agencyId),
        decisionsOfItems: (itemIds) => createReviewRepository(db, agencyId).decisionsOf([], itemIds),
        dispatch: dispatches(),
        blobs: blobs(),
        renderPdf: renderOrderPdf,
        signer: instanceSigner,
        // One job per order and time: the key keeps a rescheduled clock from doubling up.
        scheduleClock: async (orderId, runAt) => void (await queue.enqueue('order.clock', { orderId }, { agencyId, runAt, idempotencyKey: `order.clock:${orderId}:${runAt}` })),
        mail: mailer,
        // One copy per order (TCO Art. 4(1)); a failed attempt is tried again on the queue's backoff.
        enqueueCopy: async (orderId) => void (await queue.enqueue('order.copy', { orderId }, { agencyId, idempotencyKey: `order.copy:${orderId}`, maxAttempts: ORDER_COPY_MAX_ATTEMPTS })),
        audit,
        clock,
        ids,
        actor: { userId: ctx.userId, label: ctx.actor },
        settings: { escalationLeadMs: config.orderEscalationMs, appealPeriodMs: config.orderAppealMs },
      });
    // Every matched capture's item joins or opens a review case (DESIGN flow step 4).
    const matchThenAssign = () => {
      const matcher = matching();
      return {
        async fingerprintAndMatch(...args: Parameters<typeof matcher.fingerprintAndMatch>) {
          const outcome = await matcher.fingerprintAndMatch(...args);
          await review().assignItem(args[0].itemId);
          return outcome;
        },
      };
    };
    return {
      agencyId,
      audit,
      custodyLog,
      custody,
      evidence: async () => {
        const agency = await agencies.get(agencyId);
        if (!agency) throw new Error(`agency ${agencyId} vanished`);
        return createEvidenceService({
          agency,
          items: createIntakeRepository(db, agencyId),
          custodyRepo,
          custody: custody(),
          custodyLog,
          store,
          signer: instanceSigner(),
          audit,
          clock,
          sha256,
          actor: ctx.actor,
          software: SOFTWARE,
        });
      },
      intake,
      capture: () =>
        createCaptureService({
          items: createIntakeRepository(db, agencyId),
          intake: intake(),
          blobs: blobs(),
          store,
          fetcher,
          queue,
          custody: custodyLog,
          audit,
          clock,
          ids,
          software: SOFTWARE,
          screenshots: config.screenshots,
          matcher: matchThenAssign(),
        }),
      sources: () => createSourceService({ sources: createSourceRepository(db, agencyId), intake: intake(), fetcher, audit, clock, ids }),
      items: () => createIntakeRepository(db, agencyId),
      users: () => createUserService({ users: createUserRepository(db, agencyId), hasher: deps.hasher, audit, clock, ids }),
      tokens: () => createTokenService({ tokens: createTokenRepository(db, agencyId), audit, clock, ids }),
      blobs,
      auditLog: () => createAuditRepository(db, agencyId),
      banks,
      bankRepository: () => bankRepositoryOf(agencyId),
      exchange: () => createExchangeService({ banks: banks(), imports: createExchangeRepository(db, agencyId), audit, clock, ids, actor: ctx.actor }),
      matching,
      review,
      dispatches,
      providers,
      /** TCO removal orders issued by this agency. */
      orders,
      /** Removal orders addressed to this agency (a provider agency); answers land on the issuer's order. */
      portalOrders: () =>
        createOrderPortalService({
          orders: createPortalOrderRepository(db, agencyId),
          issuer: (issuerId) => agencyServices(issuerId, { ...ctx, agencyId: issuerId }).orders(),
          agencyName: async (id) => (await agencies.get(id))?.name ?? id,
          audit,
        }),
      referrals,
      /** Referrals addressed to this agency (a provider agency), to read and answer. */
      portalReferrals: () =>
        createReferralAnswerService({
          referrals: createReferralRepository(db, { by: 'recipient', agencyId }),
          audit,
          auditOf: (issuerId) => auditFor({ ...ctx, agencyId: issuerId }),
          agencyName: async (id) => (await agencies.get(id))?.name ?? null,
          clock,
          ids,
          actor: ctx.actor,
        }),
      /** Complaints about this (provider) agency's removals, and its DSA statements of reasons. */
      complaints: () =>
        createComplaintService({
          complaints: createComplaintRepository(db, agencyId),
          agencyKind: async () => {
            const agency = await agencies.get(agencyId);
            if (!agency) throw new Error(`agency ${agencyId} vanished`);
            return agency.kind;
          },
          received: createReferralRepository(db, { by: 'recipient', agencyId }),
          orders: {
            async removal(orderId) {
              const o = await createPortalOrderRepository(db, agencyId).get(orderId);
              return o ? orderRemovalOf(o) : null;
            },
            async executedBetween(q) {
              return (await createPortalOrderRepository(db, agencyId).executedBetween(q)).flatMap((o) => orderRemovalOf(o) ?? []);
            },
          },
          agencyName: async (id) => (await agencies.get(id))?.name ?? null,
          audit,
          clock,
          ids,
          actor: { userId: ctx.userId, label: ctx.actor },
        }),
      /** Portal messages addressed to this agency (a provider agency). */
      portal: () => createPortalService({ portal: createPortalRepository(db, agencyId), audit, clock }),
      /** The instance-wide outlet registry, changed as this agency (outlet.service.ts says why it is shared). */
      outlets: () =>
        createOutletService({
          outlets: createOutletRepository(db),
          audit,
          clock,
          ids,
          actor: { userId: ctx.userId, label: ctx.actor },
          agencyKind: async () => (await agencies.get(agencyId))?.kind ?? null,
          itemFacts: (itemId) =>
            collectItemFacts(
              {
                items: createIntakeRepository(db, agencyId),
                matchesOf: (id) => createMatchRepository(db, agencyId).matchesOf(id),
                sourceUrl: async (id) => (await createSourceRepository(db, agencyId).get(id))?.url ?? null,
                openBlob: (hex) => store.open(hex),
              },
              itemId,
            ),
        }),
    };
  }

  function scopeFor(principal: Principal, meta: RequestMeta) {
    const ctx: AuditContext = { agencyId: principal.agency.id, userId: principal.user.id, actor: actorOf(principal), ...meta };
    return {
      principal,
      ...agencyServices(principal.agency.id, ctx),
      /** Instance-level agency management; callers check `instance.manage` first. */
      agencies: () => createAgencyService({ agencies, audit: auditFor(ctx), clock, ids }),
      /** Another agency's user management, for the operator's admins; audited under the operator's agency. */
      usersOf: (agencyId: string) => createUserService({ users: createUserRepository(db, agencyId), hasher: deps.hasher, audit: auditFor(ctx), clock, ids }),
    };
  }

  /** For the CLI and jobs: acts as `actor` with no user, on behalf of an agency or the instance. */
  function systemScope(actor: string, agencyId: string | null, meta: RequestMeta = { clientIp: null, requestId: null }) {
    const ctx: AuditContext = { agencyId, userId: null, actor, ...meta };
    return {
      audit: auditFor(ctx),
      agencies: () => createAgencyService({ agencies, audit: auditFor(ctx), clock, ids }),
      usersOf: (id: string) => createUserService({ users: createUserRepository(db, id), hasher: deps.hasher, audit: auditFor(ctx), clock, ids }),
      tokensOf: (id: string) => createTokenService({ tokens: createTokenRepository(db, id), audit: auditFor(ctx), clock, ids }),
    };
  }

  /**
   * Referral answers from a provider itself, for its signed webhook callbacks: it sees only the
   * referrals sent to it, and each answer is audited in the issuing agency's log as `provider:<id>`.
   */
  function referralAnswersOf(providerId: string) {
    const actor = `provider:${providerId}`;
    return createReferralAnswerService({
      referrals: createReferralRepository(db, { by: 'provider', providerId }),
      audit: null,
      auditOf: (issuerId) => auditFor({ agencyId: issuerId, userId: null, actor, clientIp: null, requestId: null }),
      agencyName: async (id) => (await agencies.get(id))?.name ?? null,
      clock,
      ids,
      actor,
    });
  }

  return { db, dialect: deps.dialect, config, clock, ids, agencies, store, queue, fetcher, sha256, instanceSigner, auth, auditFor, scopeFor, systemScope, agencyServices, referralAnswersOf, bankFeed, matchIndex };
}

export type Platform = ReturnType<typeof createPlatform>;
export type RequestScope = ReturnType<Platform['scopeFor']>;
