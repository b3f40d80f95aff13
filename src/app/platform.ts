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
import type { Config } from './config.ts';

export interface PlatformDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  config: Config;
  clock: Clock;
  ids: Ids;
  hasher: PasswordHasher;
  blobRoot: string;
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

  function actorOf(p: Principal): string {
    return p.via === 'token' ? `token:${p.tokenPrefix}` : `user:${p.user.email}`;
  }

  /** Services for one agency, acting as one actor. */
  function agencyServices(agencyId: string, ctx: AuditContext) {
    const audit = auditFor(ctx);
    return {
      agencyId,
      audit,
      users: () => createUserService({ users: createUserRepository(db, agencyId), hasher: deps.hasher, audit, clock, ids }),
      tokens: () => createTokenService({ tokens: createTokenRepository(db, agencyId), audit, clock, ids }),
      blobs: () => createBlobService({ store, blobs: createBlobRepository(db, agencyId), audit, clock, maxBytes: config.maxBlobBytes }),
      auditLog: () => createAuditRepository(db, agencyId),
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

  return { db, dialect: deps.dialect, config, clock, ids, agencies, store, queue, auth, auditFor, scopeFor, systemScope, agencyServices };
}

export type Platform = ReturnType<typeof createPlatform>;
export type RequestScope = ReturnType<Platform['scopeFor']>;
