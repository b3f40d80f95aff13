/**
 * The outlet registry (media outlets and their known channels) as the outlet screens use it. Typed
 * from the generated `schema.d.ts`; failures are `ApiError`s with the server's stable code and message.
 */
import { call, client } from './client';
import type { components, paths } from './schema';

export type OutletView = components['schemas']['Outlet'];
export type OutletChannelView = OutletView['channels'][number];
export type NewOutlet = paths['/api/v1/outlets']['post']['requestBody']['content']['application/json'];
export type OutletChange = paths['/api/v1/outlets/{outletId}']['patch']['requestBody']['content']['application/json'];
export type ChannelInput = paths['/api/v1/outlets/{outletId}/channels']['post']['requestBody']['content']['application/json'];

export const OUTLET_IDEOLOGIES = ['islamist', 'far-right', 'far-left', 'separatist', 'other'] as const;
export type OutletIdeology = (typeof OUTLET_IDEOLOGIES)[number];
export const CHANNEL_KINDS = ['domain', 'onion', 'telegram', 'x', 'facebook', 'instagram', 'youtube', 'tiktok', 'archive_org', 'other_account'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const CHANNEL_KIND_LABELS: Record<ChannelKind, string> = {
  domain: 'web domain',
  onion: 'onion service',
  telegram: 'Telegram',
  x: 'X',
  facebook: 'Facebook',
  instagram: 'Instagram',
  youtube: 'YouTube',
  tiktok: 'TikTok',
  archive_org: 'archive.org',
  other_account: 'other account',
};

// Compile-time drift check: each list above must name exactly the schema's members.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type OutletSchemaDriftCheck = [Assert<Same<OutletIdeology, NonNullable<OutletView['ideology']>>>, Assert<Same<ChannelKind, OutletChannelView['kind']>>];

/** The server's bounds (src/domains/outlet/outlet.model.ts); the server still decides. */
export const OUTLET_NAME_MAX = 200;
export const OUTLET_ALIAS_MAX = 200;
export const OUTLET_ALIASES_MAX = 100;
export const OUTLET_GROUP_MAX = 200;
export const OUTLET_NOTES_MAX = 5000;
export const CHANNEL_INPUT_MAX = 2048;

export const outletApi = {
  list: async (includeArchived: boolean): Promise<OutletView[]> =>
    (await call(client.GET('/api/v1/outlets', { params: { query: includeArchived ? { includeArchived } : {} } }))).outlets,
  get: (outletId: string): Promise<OutletView> => call(client.GET('/api/v1/outlets/{outletId}', { params: { path: { outletId } } })),
  create: (o: NewOutlet): Promise<OutletView> => call(client.POST('/api/v1/outlets', { body: o })),
  update: (outletId: string, change: OutletChange): Promise<OutletView> =>
    call(client.PATCH('/api/v1/outlets/{outletId}', { params: { path: { outletId } }, body: change })),
  addChannel: async (outletId: string, channel: ChannelInput): Promise<OutletView> =>
    (await call(client.POST('/api/v1/outlets/{outletId}/channels', { params: { path: { outletId } }, body: channel }))).outlet,
  removeChannel: (outletId: string, channelId: string): Promise<OutletView> =>
    call(client.DELETE('/api/v1/outlets/{outletId}/channels/{channelId}', { params: { path: { outletId, channelId } } })),
};

/** One entry per line (aliases, channels), blank lines dropped. */
export function linesOf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
