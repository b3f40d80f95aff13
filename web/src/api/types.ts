/**
 * The view types the screens use, taken from `schema.d.ts`, which openapi-typescript generates from
 * the server's checked-in `docs/openapi.json`:
 *
 *     npx openapi-typescript docs/openapi.json -o web/src/api/schema.d.ts
 *
 * The lists below (roles, permissions, …) are values the UI iterates over; a type test at the end
 * fails the build if one drifts from the schema.
 */
import type { components, paths } from './schema';

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

export const JOB_STATES = ['queued', 'running', 'done', 'dead', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const ITEM_STATES = ['queued', 'captured', 'failed'] as const;
export type ItemState = (typeof ITEM_STATES)[number];

/** Where an item came from: people (api, ui, cli), a bulk list, a watched source, or a parent page. */
export const ITEM_ORIGINS = ['api', 'ui', 'cli', 'bulk', 'watch', 'page'] as const;
export type ItemOrigin = (typeof ITEM_ORIGINS)[number];

export const SOURCE_KINDS = ['feed', 'page', 'telegram'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export type AgencyView = Schemas['Agency'];
export type UserView = Schemas['User'];
export type SessionView = Schemas['Session'];
export type TokenView = Schemas['ApiToken'];
export type AuditView = Schemas['AuditEvent'];
export type JobView = Schemas['Job'];
export type ErrorBody = Schemas['ErrorBody'];
export type ItemView = Schemas['Item'];
export type CaptureView = Schemas['Capture'];
export type ScreenshotView = CaptureView['screenshots'][number];
export type SourceView = Schemas['WatchedSource'];
export type CustodyEventView = Schemas['CustodyEvent'];
export type OutletView = Schemas['Outlet'];
export type OutletSuggestionView = Schemas['OutletSuggestion'];
export type BulkReport = paths['/api/v1/items/bulk']['post']['responses'][200]['content']['application/json'];
export type BulkLine = BulkReport['lines'][number];
export type SourceRunView = paths['/api/v1/sources/{sourceId}']['get']['responses'][200]['content']['application/json']['runs'][number];
export type CustodyVerifyView = paths['/api/v1/custody/verify']['post']['responses'][200]['content']['application/json'];
export interface ItemDetailView {
  item: ItemView;
  captures: CaptureView[];
  children: number;
}
export interface ItemPage {
  items: ItemView[];
  total: number;
  nextBefore: string | null;
}
export interface SourceDetailView {
  source: SourceView;
  runs: SourceRunView[];
}
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
  Assert<Same<ItemState, ItemView['state']>>,
  Assert<Same<ItemOrigin, ItemView['origin']>>,
  Assert<Same<SourceKind, SourceView['kind']>>,
];
