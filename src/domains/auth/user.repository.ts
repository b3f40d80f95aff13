/**
 * Users of one agency. The agency id is fixed when the handle is made; no method can reach
 * another agency's users.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, UserAccountTable } from '../../adapters/db/schema.ts';
import type { Role } from './auth.model.ts';
import type { User } from './user.model.ts';

export function toUser(r: Selectable<UserAccountTable>, roles: string[]): User {
  return {
    id: r.user_id,
    agencyId: r.agency_id,
    email: r.email,
    displayName: r.display_name,
    roles: roles.sort() as Role[],
    disabled: r.disabled === 1,
    failedLogins: r.failed_logins,
    lockedUntil: r.locked_until,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function rolesOf(db: Kysely<Database>, userIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return out;
  const rows = await db.selectFrom('user_role').select(['user_id', 'role']).where('user_id', 'in', userIds).execute();
  for (const r of rows) out.get(r.user_id)?.push(r.role);
  return out;
}

export function createUserRepository(db: Kysely<Database>, agencyId: string) {
  const base = () => db.selectFrom('user_account').selectAll().where('agency_id', '=', agencyId);
  return {
    agencyId,
    async list(): Promise<User[]> {
      const rows = await base().orderBy('email').execute();
      const roles = await rolesOf(db, rows.map((r) => r.user_id));
      return rows.map((r) => toUser(r, roles.get(r.user_id) ?? []));
    },
    async get(userId: string): Promise<User | null> {
      const r = await base().where('user_id', '=', userId).executeTakeFirst();
      if (!r) return null;
      const roles = await rolesOf(db, [r.user_id]);
      return toUser(r, roles.get(r.user_id) ?? []);
    },
    async insert(u: User, passwordHash: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('user_account')
          .values({
            user_id: u.id,
            agency_id: agencyId,
            email: u.email,
            display_name: u.displayName,
            password_hash: passwordHash,
            disabled: u.disabled ? 1 : 0,
            failed_logins: 0,
            locked_until: null,
            created_at: u.createdAt,
            updated_at: u.updatedAt,
          })
          .execute();
        if (u.roles.length) await trx.insertInto('user_role').values(u.roles.map((role) => ({ user_id: u.id, role }))).execute();
      });
    },
    async update(userId: string, patch: { displayName?: string; disabled?: boolean; roles?: Role[] }, now: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const res = await trx
          .updateTable('user_account')
          .set({
            ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
            ...(patch.disabled !== undefined ? { disabled: patch.disabled ? 1 : 0 } : {}),
            updated_at: now,
          })
          .where('agency_id', '=', agencyId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) return false;
        if (patch.roles) {
          await trx.deleteFrom('user_role').where('user_id', '=', userId).execute();
          if (patch.roles.length) await trx.insertInto('user_role').values(patch.roles.map((role) => ({ user_id: userId, role }))).execute();
        }
        return true;
      });
    },
    async setPassword(userId: string, passwordHash: string, now: number): Promise<boolean> {
      const res = await db
        .updateTable('user_account')
        .set({ password_hash: passwordHash, failed_logins: 0, locked_until: null, updated_at: now })
        .where('agency_id', '=', agencyId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      // A new password ends every session opened with the old one.
      await db.deleteFrom('session').where('user_id', '=', userId).where('agency_id', '=', agencyId).execute();
      return true;
    },
    async emailTaken(email: string): Promise<boolean> {
      // E-mail addresses are unique across the instance, because login happens before we know the agency.
      const r = await db.selectFrom('user_account').select('user_id').where('email', '=', email).executeTakeFirst();
      return Boolean(r);
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
