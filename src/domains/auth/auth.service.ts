/**
 * Logging in, sessions and API tokens: turns a credential into a Principal (who, which agency,
 * which permissions). Everything after this point is scoped by the principal's agency.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock, Ids } from '../ports.ts';
import type { Agency } from '../agency/agency.model.ts';
import type { AgencyRepository } from '../agency/agency.repository.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import type { AuditContext } from '../audit/audit.model.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { afterFailedLogin, isLocked, permissionsOf, tokenPermissions, type LoginPolicy, type Permission } from './auth.model.ts';
import type { CredentialRepository } from './credential.repository.ts';
import { normaliseEmail, type User } from './user.model.ts';
import { isTokenUsable, TOKEN_PATTERN } from './token.model.ts';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(passwordHash: string, password: string): Promise<boolean>;
}

export interface Principal {
  via: 'session' | 'token';
  user: User;
  agency: Agency;
  permissions: Set<Permission>;
  sessionIdHash?: string;
  csrfToken?: string;
  tokenId?: string;
  tokenPrefix?: string;
}

export interface AuthDeps {
  credentials: CredentialRepository;
  agencies: AgencyRepository;
  hasher: PasswordHasher;
  clock: Clock;
  ids: Ids;
  policy: LoginPolicy & { sessionTtlMs: number };
  /** An audit log for the given context; login events are written before a principal exists. */
  auditFor(ctx: AuditContext): AuditLog;
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createAuthService(deps: AuthDeps) {
  let dummyHash: Promise<string> | null = null;
  // Verifying against a throwaway hash when the e-mail is unknown keeps response times from
  // telling which addresses have accounts.
  const burnTime = async (password: string) => {
    dummyHash ??= deps.hasher.hash(randomToken(24));
    await deps.hasher.verify(await dummyHash, password);
  };

  async function principalFor(user: User, via: Principal['via']): Promise<Principal | null> {
    if (user.disabled) return null;
    const agency = await deps.agencies.get(user.agencyId);
    if (!agency) return null;
    return { via, user, agency, permissions: permissionsOf(user.roles, agency.operator) };
  }

  return {
    async login(
      emailInput: string,
      password: string,
      meta: { clientIp: string | null; requestId: string | null },
    ): Promise<{ sessionSecret: string; principal: Principal; expiresAt: number }> {
      const email = normaliseEmail(emailInput);
      const now = deps.clock.now();
      const found = await deps.credentials.findLogin(email);
      if (!found) {
        await burnTime(password);
        await deps.auditFor({ agencyId: null, userId: null, actor: 'anonymous', ...meta }).record({ action: 'auth.login_failed', detail: { reason: 'unknown_email' } });
        throw new VigilError('VIGIL_AUTH_INVALID_CREDENTIALS');
      }
      const { user, passwordHash } = found;
      const audit = deps.auditFor({ agencyId: user.agencyId, userId: user.id, actor: `user:${user.email}`, ...meta });
      if (isLocked(user, now)) {
        await audit.record({ action: 'auth.login_refused', targetType: 'user', targetId: user.id, detail: { reason: 'locked' } });
        throw new VigilError('VIGIL_AUTH_LOCKED');
      }
      if (!(await deps.hasher.verify(passwordHash, password))) {
        const next = afterFailedLogin(user, now, deps.policy);
        await deps.credentials.setLockState(user.id, next.failedLogins, next.lockedUntil);
        const lockedNow = isLocked(next, now);
        await audit.record({ action: lockedNow ? 'auth.locked' : 'auth.login_failed', targetType: 'user', targetId: user.id, detail: { reason: 'wrong_password' } });
        throw new VigilError(lockedNow ? 'VIGIL_AUTH_LOCKED' : 'VIGIL_AUTH_INVALID_CREDENTIALS');
      }
      if (user.disabled) {
        await audit.record({ action: 'auth.login_refused', targetType: 'user', targetId: user.id, detail: { reason: 'disabled' } });
        throw new VigilError('VIGIL_AUTH_DISABLED');
      }
      await deps.credentials.setLockState(user.id, 0, null);
      const principal = await principalFor({ ...user, failedLogins: 0, lockedUntil: null }, 'session');
      if (!principal) throw new VigilError('VIGIL_AUTH_DISABLED');
      const sessionSecret = randomToken(32);
      const csrfToken = randomToken(32);
      const sessionIdHash = sha256Hex(sessionSecret);
      const expiresAt = now + deps.policy.sessionTtlMs;
      await deps.credentials.insertSession({ sessionIdHash, userId: user.id, agencyId: user.agencyId, csrfToken, clientIp: meta.clientIp, createdAt: now, expiresAt, lastSeenAt: now });
      await audit.record({ action: 'auth.login', targetType: 'user', targetId: user.id });
      return { sessionSecret, principal: { ...principal, sessionIdHash, csrfToken }, expiresAt };
    },

    async authenticateSession(sessionSecret: string): Promise<Principal | null> {
      const hash = sha256Hex(sessionSecret);
      const s = await deps.credentials.findSession(hash);
      const now = deps.clock.now();
      if (!s || s.expiresAt <= now) return null;
      const user = await deps.credentials.userById(s.userId);
      if (!user || user.agencyId !== s.agencyId) return null;
      const p = await principalFor(user, 'session');
      if (!p) return null;
      // Touch at most once a minute: a write per request would serialise SQLite readers behind it.
      if (now - s.lastSeenAt > 60_000) await deps.credentials.touchSession(hash, now);
      return { ...p, sessionIdHash: hash, csrfToken: s.csrfToken };
    },

    async authenticateToken(raw: string): Promise<Principal | null> {
      const m = TOKEN_PATTERN.exec(raw);
      if (!m) return null;
      const t = await deps.credentials.findToken(sha256Hex(raw));
      const now = deps.clock.now();
      if (!t || !isTokenUsable(t, now)) return null;
      const user = await deps.credentials.userById(t.userId);
      if (!user || user.agencyId !== t.agencyId) return null;
      const p = await principalFor(user, 'token');
      if (!p) return null;
      if (t.lastUsedAt === null || now - t.lastUsedAt > 60_000) await deps.credentials.touchToken(t.id, now);
      return { ...p, permissions: tokenPermissions(p.permissions, t.scopes), tokenId: t.id, tokenPrefix: t.prefix };
    },

    checkCsrf(principal: Principal, header: string | undefined): boolean {
      return principal.via !== 'session' || (header !== undefined && principal.csrfToken !== undefined && safeEqual(header, principal.csrfToken));
    },

    async logout(principal: Principal, audit: AuditLog): Promise<void> {
      if (principal.sessionIdHash) await deps.credentials.deleteSession(principal.sessionIdHash);
      await audit.record({ action: 'auth.logout', targetType: 'user', targetId: principal.user.id });
    },

    async purgeExpiredSessions(): Promise<number> {
      return deps.credentials.purgeExpiredSessions(deps.clock.now());
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

/** A new token secret: `vgl_<8 char prefix>_<43 char secret>`; only its SHA-256 is stored. */
export function newTokenSecret(): { secret: string; prefix: string; hash: string } {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(8);
  let prefix = '';
  for (const b of bytes) prefix += alphabet[b % alphabet.length];
  const secret = `vgl_${prefix}_${randomToken(32)}`;
  return { secret, prefix, hash: sha256Hex(secret) };
}
