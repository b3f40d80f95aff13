/**
 * The view types the screens use, taken from `schema.d.ts`, which openapi-typescript generates from
 * the server's checked-in `docs/openapi.json`:
 *
 *     npx openapi-typescript docs/openapi.json -o web/src/api/schema.d.ts
 *
 * The lists below (roles, permissions, …) are values the UI iterates over; a type test at the end
 * fails the build if one drifts from the schema.
 */
import type { components } from './schema';

type Schemas = components['schemas'];

export const ROLES = ['admin', 'analyst', 'reviewer', 'approver', 'auditor', 'provider-responder', 'partner'] as const;
export type Role = (typeof ROLES)[number];

export const AGENCY_KINDS = ['authority', 'flagger', 'provider'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

/** Permission names double as token scopes. */
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
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const JOB_STATES = ['queued', 'running', 'done', 'dead', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export type AgencyView = Schemas['Agency'];
export type UserView = Schemas['User'];
export type SessionView = Schemas['Session'];
export type TokenView = Schemas['ApiToken'];
export type AuditView = Schemas['AuditEvent'];
export type JobView = Schemas['Job'];
export type ErrorBody = Schemas['ErrorBody'];
export type JobCounts = Record<JobState, number>;
export interface CreatedTokenView {
  token: TokenView;
  secret: string;
}

// Compile-time drift check: each list above must name exactly the schema's members.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type SchemaDriftCheck = [
  Assert<Same<Role, UserView['roles'][number]>>,
  Assert<Same<AgencyKind, AgencyView['kind']>>,
  Assert<Same<Permission, TokenView['scopes'][number]>>,
  Assert<Same<JobState, JobView['state']>>,
];
