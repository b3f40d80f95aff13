/** API tokens for machines: shown once, stored as a hash, scoped, expiring, revocable. */
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { isPermission, TOKEN_DEFAULT_TTL_DAYS, TOKEN_MAX_TTL_DAYS, type Permission } from './auth.model.ts';
import { newTokenSecret } from './auth.service.ts';
import type { ApiToken } from './token.model.ts';
import type { TokenRepository } from './token.repository.ts';

const DAY_MS = 86_400_000;

export interface TokenServiceDeps {
  tokens: TokenRepository;
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
}

export function createTokenService(deps: TokenServiceDeps) {
  return {
    list: (userId?: string) => deps.tokens.list(userId),

    async create(owner: { userId: string; permissions: Set<Permission> }, input: { name: string; scopes: string[]; expiresInDays?: number }): Promise<{ token: ApiToken; secret: string }> {
      const bad = input.scopes.filter((s) => !isPermission(s) || !owner.permissions.has(s));
      if (bad.length) throw new VigilError('VIGIL_TOKEN_SCOPE_INVALID', `Scopes you cannot grant: ${bad.join(', ')}.`);
      if (input.scopes.length === 0) throw new VigilError('VIGIL_TOKEN_SCOPE_INVALID', 'A token needs at least one scope.');
      const days = input.expiresInDays ?? TOKEN_DEFAULT_TTL_DAYS;
      if (!Number.isInteger(days) || days < 1 || days > TOKEN_MAX_TTL_DAYS) {
        throw new VigilError('VIGIL_TOKEN_EXPIRY_INVALID', `expiresInDays must be a whole number from 1 to ${TOKEN_MAX_TTL_DAYS}.`);
      }
      const now = deps.clock.now();
      const { secret, prefix, hash } = newTokenSecret();
      const token: ApiToken = {
        id: deps.ids.next(),
        agencyId: '',
        userId: owner.userId,
        name: input.name.trim(),
        prefix,
        scopes: [...new Set(input.scopes as Permission[])].sort(),
        createdAt: now,
        expiresAt: now + days * DAY_MS,
        revokedAt: null,
        lastUsedAt: null,
      };
      await deps.tokens.insert(token, hash);
      await deps.audit.record({ action: 'token.create', targetType: 'api_token', targetId: token.id, detail: { name: token.name, prefix, scopes: token.scopes, expiresAt: token.expiresAt } });
      const stored = await deps.tokens.get(token.id);
      return { token: stored ?? token, secret };
    },

    async revoke(tokenId: string, actor: { userId: string; canManageOthers: boolean }): Promise<ApiToken> {
      const t = await deps.tokens.get(tokenId);
      // Someone else's token in the same agency is as invisible as another agency's, unless you are an admin.
      if (!t || (t.userId !== actor.userId && !actor.canManageOthers)) throw new VigilError('VIGIL_NOT_FOUND', `No token ${tokenId}.`);
      if (t.revokedAt === null) {
        await deps.tokens.revoke(tokenId, deps.clock.now());
        await deps.audit.record({ action: 'token.revoke', targetType: 'api_token', targetId: tokenId, detail: { prefix: t.prefix } });
      }
      return (await deps.tokens.get(tokenId)) ?? t;
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
