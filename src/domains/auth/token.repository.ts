import type { Kysely, Selectable } from 'kysely';
import type { ApiTokenTable, Database } from '../../adapters/db/schema.ts';
import type { Permission } from './auth.model.ts';
import type { ApiToken } from './token.model.ts';

export function toToken(r: Selectable<ApiTokenTable>): ApiToken {
  return {
    id: r.api_token_id,
    agencyId: r.agency_id,
    userId: r.user_id,
    name: r.name,
    prefix: r.token_prefix,
    scopes: JSON.parse(r.scopes) as Permission[],
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

/** Tokens of one agency. */
export function createTokenRepository(db: Kysely<Database>, agencyId: string) {
  const base = () => db.selectFrom('api_token').selectAll().where('agency_id', '=', agencyId);
  return {
    async list(userId?: string): Promise<ApiToken[]> {
      let q = base().orderBy('created_at', 'desc');
      if (userId) q = q.where('user_id', '=', userId);
      return (await q.execute()).map(toToken);
    },
    async get(tokenId: string): Promise<ApiToken | null> {
      const r = await base().where('api_token_id', '=', tokenId).executeTakeFirst();
      return r ? toToken(r) : null;
    },
    async insert(t: ApiToken, tokenHash: string): Promise<void> {
      await db
        .insertInto('api_token')
        .values({
          api_token_id: t.id,
          agency_id: agencyId,
          user_id: t.userId,
          name: t.name,
          token_hash: tokenHash,
          token_prefix: t.prefix,
          scopes: JSON.stringify(t.scopes),
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          revoked_at: null,
          last_used_at: null,
        })
        .execute();
    },
    async revoke(tokenId: string, now: number): Promise<boolean> {
      const res = await db
        .updateTable('api_token')
        .set({ revoked_at: now })
        .where('agency_id', '=', agencyId)
        .where('api_token_id', '=', tokenId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}

export type TokenRepository = ReturnType<typeof createTokenRepository>;
