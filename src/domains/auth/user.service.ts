/** Managing the users of one agency. Receives only that agency's handles. */
import type { Clock, Ids } from '../ports.ts';
import type { AuditLog } from '../audit/audit.service.ts';
import { VigilError } from '../../errors/vigil-error.ts';
import { passwordProblem, type Role } from './auth.model.ts';
import type { PasswordHasher } from './auth.service.ts';
import { normaliseEmail, type User } from './user.model.ts';
import type { UserRepository } from './user.repository.ts';

export interface UserServiceDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  audit: AuditLog;
  clock: Clock;
  ids: Ids;
}

export interface NewUser {
  email: string;
  displayName: string;
  password: string;
  roles: Role[];
}

function uniqueRoles(roles: Role[]): Role[] {
  return [...new Set(roles)].sort();
}

export function createUserService(deps: UserServiceDeps) {
  async function mustGet(userId: string): Promise<User> {
    const u = await deps.users.get(userId);
    if (!u) throw new VigilError('VIGIL_NOT_FOUND', `No user ${userId} in this agency.`);
    return u;
  }
  return {
    list: () => deps.users.list(),
    get: mustGet,

    async create(input: NewUser): Promise<User> {
      const email = normaliseEmail(input.email);
      const weak = passwordProblem(input.password, email);
      if (weak) throw new VigilError('VIGIL_USER_PASSWORD_WEAK', `The password ${weak}.`);
      if (await deps.users.emailTaken(email)) throw new VigilError('VIGIL_USER_EMAIL_TAKEN', `A user with e-mail ${email} already exists.`);
      const now = deps.clock.now();
      const user: User = {
        id: deps.ids.next(),
        agencyId: deps.users.agencyId,
        email,
        displayName: input.displayName.trim(),
        roles: uniqueRoles(input.roles),
        disabled: false,
        failedLogins: 0,
        lockedUntil: null,
        createdAt: now,
        updatedAt: now,
      };
      await deps.users.insert(user, await deps.hasher.hash(input.password));
      await deps.audit.record({ action: 'user.create', targetType: 'user', targetId: user.id, detail: { email, roles: user.roles } });
      return user;
    },

    async update(actorId: string, userId: string, patch: { displayName?: string; roles?: Role[]; disabled?: boolean }): Promise<User> {
      const before = await mustGet(userId);
      const roles = patch.roles ? uniqueRoles(patch.roles) : undefined;
      if (userId === actorId && (patch.disabled === true || (roles && before.roles.includes('admin') && !roles.includes('admin')))) {
        throw new VigilError('VIGIL_USER_SELF_LOCKOUT');
      }
      await deps.users.update(userId, { ...patch, ...(roles ? { roles } : {}), ...(patch.displayName ? { displayName: patch.displayName.trim() } : {}) }, deps.clock.now());
      const after = await mustGet(userId);
      await deps.audit.record({
        action: 'user.update',
        targetType: 'user',
        targetId: userId,
        detail: { before: { displayName: before.displayName, roles: before.roles, disabled: before.disabled }, after: { displayName: after.displayName, roles: after.roles, disabled: after.disabled } },
      });
      return after;
    },

    async resetPassword(userId: string, password: string): Promise<void> {
      const u = await mustGet(userId);
      const weak = passwordProblem(password, u.email);
      if (weak) throw new VigilError('VIGIL_USER_PASSWORD_WEAK', `The password ${weak}.`);
      await deps.users.setPassword(userId, await deps.hasher.hash(password), deps.clock.now());
      await deps.audit.record({ action: 'user.password_reset', targetType: 'user', targetId: userId });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
