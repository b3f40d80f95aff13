/**
 * Lookups that happen before we know who is asking: a login by e-mail, a session cookie, an API
 * token. They return the agency they find, and everything after them goes through scoped handles.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../adapters/db/schema.ts';
import type { User } from './user.model.ts';
import { rolesOf, toUser } from './user.repository.ts';
import { toToken } from './token.repository.ts';
import type { ApiToken } from './token.model.ts';

export interface SessionRecord {
  sessionIdHash: string;
  userId: string;
  agencyId: string;
  csrfToken: string;
  clientIp: string | null;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
}

export function createCredentialRepository(db: Kysely<Database>) {
  async function userById(userId: string): Promise<User | null> {
    const r = await db.selectFrom('user_account').selectAll().where('user_id', '=', userId).executeTakeFirst();
    if (!r) return null;
    return toUser(r, (await rolesOf(db, [userId])).get(userId) ?? []);
  }
  return {
    userById,
    async findLogin(email: string): Promise<{ user: User; passwordHash: string } | null> {
      const r = await db.selectFrom('user_account').selectAll().where('email', '=', email).executeTakeFirst();
      if (!r) return null;
      return { user: toUser(r, (await rolesOf(db, [r.user_id])).get(r.user_id) ?? []), passwordHash: r.password_hash };
    },
    async setLockState(userId: string, failedLogins: number, lockedUntil: number | null): Promise<void> {
      await db.updateTable('user_account').set({ failed_logins: failedLogins, locked_until: lockedUntil }).where('user_id', '=', userId).execute();
    },
    async insertSession(s: SessionRecord): Promise<void> {
      await db
        .insertInto('session')
        .values({
          session_id: s.sessionIdHash,
          user_id: s.userId,
          agency_id: s.agencyId,
          csrf_token: s.csrfToken,
          client_ip: s.clientIp,
          created_at: s.createdAt,
          expires_at: s.expiresAt,
          last_seen_at: s.lastSeenAt,
        })
        .execute();
    },
    async findSession(sessionIdHash: string): Promise<SessionRecord | null> {
      const r = await db.selectFrom('session').selectAll().where('session_id', '=', sessionIdHash).executeTakeFirst();
      if (!r) return null;
      return {
        sessionIdHash: r.session_id,
        userId: r.user_id,
        agencyId: r.agency_id,
        csrfToken: r.csrf_token,
        clientIp: r.client_ip,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
        lastSeenAt: r.last_seen_at,
      };
    },
    async touchSession(sessionIdHash: string, now: number): Promise<void> {
      await db.updateTable('session').set({ last_seen_at: now }).where('session_id', '=', sessionIdHash).execute();
    },
    async deleteSession(sessionIdHash: string): Promise<void> {
      await db.deleteFrom('session').where('session_id', '=', sessionIdHash).execute();
    },
    async deleteSessionsOf(userId: string): Promise<void> {
      await db.deleteFrom('session').where('user_id', '=', userId).execute();
    },
    async purgeExpiredSessions(now: number): Promise<number> {
      const res = await db.deleteFrom('session').where('expires_at', '<=', now).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
    async findToken(tokenHash: string): Promise<ApiToken | null> {
      const r = await db.selectFrom('api_token').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return r ? toToken(r) : null;
    },
    async touchToken(tokenId: string, now: number): Promise<void> {
      await db.updateTable('api_token').set({ last_used_at: now }).where('api_token_id', '=', tokenId).execute();
    },
  };
}

export type CredentialRepository = ReturnType<typeof createCredentialRepository>;
