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
import type { BankRepository } from '../domains/bank/bank.repository.ts';
import { MatchIndex } from '../domains/matching/match-index.ts';
import { createMatchRepository } from '../domains/matching/match.repository.ts';
import { createMatchService, type ImageHasher } from '../domains/matching/match.service.ts';
import { hashImagePdqDihedral, ImageDecodeError } from '../adapters/media/image-decode.ts';
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

export function createPlatform(deps: PlatformDeps) {
  const { db, clock, ids, config } = deps;
  const agencies = createAgencyRepository(db);
  const store = new FileBlobStore(deps.blobRoot);
  const queue = new JobQueue({ db, dialect: deps.dialect, clock, ids });
  const fetcher = createSafeFetcher({ allow: config.fetchAllow, socksProxy: config.socksProxy, proxyAll: config.proxyAll, userAgent: SOFTWARE, clock });
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
        audit,
        clock,
        ids,
      });
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
          matcher: matching(),
        }),
      sources: () => createSourceService({ sources: createSourceRepository(db, agencyId), intake: intake(), fetcher, audit, clock, ids }),
      items: () => createIntakeRepository(db, agencyId),
      users: () => createUserService({ users: createUserRepository(db, agencyId), hasher: deps.hasher, audit, clock, ids }),
      tokens: () => createTokenService({ tokens: createTokenRepository(db, agencyId), audit, clock, ids }),
      blobs,
      auditLog: () => createAuditRepository(db, agencyId),
      banks,
      bankRepository: () => bankRepositoryOf(agencyId),
      matching,
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

  return { db, dialect: deps.dialect, config, clock, ids, agencies, store, queue, fetcher, sha256, instanceSigner, auth, auditFor, scopeFor, systemScope, agencyServices, bankFeed, matchIndex };
}

export type Platform = ReturnType<typeof createPlatform>;
export type RequestScope = ReturnType<Platform['scopeFor']>;
