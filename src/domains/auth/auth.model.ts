/**
 * Roles, permissions and the rules of logging in. Pure: the routes ask `can(principal, permission)`
 * and never look at role names themselves, so a role's meaning lives only here.
 */

export const ROLES = ['admin', 'analyst', 'reviewer', 'approver', 'auditor', 'provider-responder', 'partner'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'instance.manage',
  'agency.read',
  'user.read',
  'user.manage',
  'token.manage',
  'audit.read',
  'job.read',
  'job.manage',
  'blob.read',
  'blob.write',
  'item.read',
  'item.write',
  'content.read',
  'evidence.export',
  'source.manage',
  'custody.verify',
  'bank.read',
  'bank.manage',
  'review.decide',
  'review.approve',
  'outlet.manage',
  'provider.read',
  'provider.manage',
  'portal.respond',
  'order.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ANALYST_WORK: readonly Permission[] = ['item.read', 'item.write', 'content.read', 'evidence.export', 'source.manage', 'custody.verify', 'bank.read', 'bank.manage', 'review.decide', 'outlet.manage', 'provider.read', 'provider.manage', 'order.read'];

const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  // Admins of a provider agency also read and acknowledge what authorities send it (the portal).
  admin: ['agency.read', 'user.read', 'user.manage', 'token.manage', 'job.read', 'job.manage', 'blob.read', 'blob.write', 'review.approve', 'portal.respond', ...ANALYST_WORK],
  analyst: ['agency.read', 'token.manage', 'job.read', 'blob.read', 'blob.write', ...ANALYST_WORK],
  reviewer: ['agency.read', 'token.manage', 'blob.read', 'item.read', 'content.read', 'evidence.export', 'bank.read', 'review.decide', 'provider.read', 'order.read'],
  approver: ['agency.read', 'token.manage', 'blob.read', 'item.read', 'content.read', 'bank.read', 'review.approve', 'provider.read', 'order.read'],
  // Auditors read the log and check the custody chain, not the content they describe.
  auditor: ['agency.read', 'user.read', 'audit.read', 'job.read', 'item.read', 'custody.verify', 'bank.read', 'provider.read', 'order.read'],
  // Providers match their own uploads against hash lists shared with them, and read and
  // acknowledge referrals and orders in the portal.
  'provider-responder': ['agency.read', 'token.manage', 'bank.read', 'portal.respond'],
  partner: ['agency.read', 'bank.read'],
};

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}

export function isPermission(v: string): v is Permission {
  return (PERMISSIONS as readonly string[]).includes(v);
}

/** Permissions of a user: the union over their roles; admins of the operator agency also run the instance. */
export function permissionsOf(roles: readonly Role[], operatorAgency: boolean): Set<Permission> {
  const out = new Set<Permission>();
  for (const r of roles) for (const p of ROLE_PERMISSIONS[r]) out.add(p);
  if (operatorAgency && roles.includes('admin')) out.add('instance.manage');
  return out;
}

/** A token never exceeds its owner: its effective permissions are the owner's, narrowed by its scopes. */
export function tokenPermissions(owner: Set<Permission>, scopes: readonly Permission[]): Set<Permission> {
  return new Set(scopes.filter((s) => owner.has(s)));
}

export interface LoginPolicy {
  maxFailures: number;
  lockoutMs: number;
}

export interface LockState {
  failedLogins: number;
  lockedUntil: number | null;
}

export function isLocked(state: LockState, now: number): boolean {
  return state.lockedUntil !== null && state.lockedUntil > now;
}

/** After a failed password: count it, and lock once the policy's threshold is reached. */
export function afterFailedLogin(state: LockState, now: number, policy: LoginPolicy): LockState {
  const failedLogins = state.failedLogins + 1;
  if (failedLogins >= policy.maxFailures) return { failedLogins: 0, lockedUntil: now + policy.lockoutMs };
  return { failedLogins, lockedUntil: state.lockedUntil };
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Returns why a new password is refused, or null. Length over composition rules (NIST SP 800-63B). */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (password.toLowerCase() === email.toLowerCase()) return 'must not be the e-mail address';
  return null;
}

export const TOKEN_DEFAULT_TTL_DAYS = 90;
export const TOKEN_MAX_TTL_DAYS = 366;
