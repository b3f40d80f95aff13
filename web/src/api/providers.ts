/**
 * The provider registry, the messages an agency sent to providers (dispatches with their delivery
 * logs) and the provider agencies' portal inbox, as the screens use them. Typed from the generated
 * `schema.d.ts`; failures are `ApiError`s with the server's stable code and message.
 */
import { call, client } from './client';
import type { components, paths } from './schema';

type Schemas = components['schemas'];

export type ProviderView = Schemas['Provider'];
export type DispatchView = Schemas['Dispatch'];
export type DispatchAttempt = DispatchView['attempts'][number];
export type PortalMessageView = Schemas['PortalMessage'];
export type NewProvider = paths['/api/v1/providers']['post']['requestBody']['content']['application/json'];
export type ProviderChange = paths['/api/v1/providers/{providerId}']['patch']['requestBody']['content']['application/json'];
export type LegalRepresentative = NonNullable<ProviderView['legalRepresentative']>;
export type Resolution = paths['/api/v1/providers/resolve']['get']['responses'][200]['content']['application/json'];
export type WithSecret = paths['/api/v1/providers']['post']['responses'][201]['content']['application/json'];
export type NoticeAnswer = paths['/api/v1/providers/{providerId}/first-order-notice']['post']['responses'][200]['content']['application/json'];
export type DispatchQuery = NonNullable<paths['/api/v1/dispatches']['get']['parameters']['query']>;
export type PortalQuery = NonNullable<paths['/api/v1/portal/messages']['get']['parameters']['query']>;

export const DISPATCH_STATES = ['queued', 'delivering', 'delivered', 'failed'] as const;
export type DispatchState = (typeof DISPATCH_STATES)[number];
export const CHANNELS = ['webhook', 'email', 'portal'] as const;
export type Channel = (typeof CHANNELS)[number];
export const SUBJECT_KINDS = ['referral', 'order', 'notice'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/** What a message is about, in words. */
export const SUBJECT_LABELS: Record<SubjectKind, string> = {
  referral: 'referral',
  order: 'removal order',
  notice: 'notice',
};

// Compile-time drift check: each list above must name exactly the schema's members.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type ProviderSchemaDriftCheck = [
  Assert<Same<DispatchState, DispatchView['state']>>,
  Assert<Same<Channel, DispatchView['channel']>>,
  Assert<Same<SubjectKind, DispatchView['subjectKind']>>,
  Assert<Same<SubjectKind, PortalMessageView['subjectKind']>>,
];

/**
 * The server's bounds (src/domains/provider/provider.model.ts, provider.service.ts): the inputs use
 * them so the browser refuses the obvious mistakes; the server still decides and its message is shown.
 */
export const PROVIDER_NAME_MAX = 200;
export const PROVIDER_PATTERNS_MAX = 100;
export const PROVIDER_LANGUAGES_MAX = 30;
export const PROVIDER_EMAIL_MAX = 254;
export const PROVIDER_WEBHOOK_URL_MAX = 2048;
export const LEGAL_REPRESENTATIVE_NAME_MAX = 200;
export const LEGAL_REPRESENTATIVE_ADDRESS_MAX = 1000;
export const NOTICE_MESSAGE_MAX = 5000;
/** Characters of a URL the resolve box sends (URL_MAX_LENGTH in src/domains/intake/url.model.ts). */
export const RESOLVE_URL_MAX = 4096;

/** EU Member States and the other EEA states (ISO 3166-1 alpha-2), as the server accepts them. */
export const EEA_COUNTRIES = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  'IS', 'LI', 'NO',
] as const;

export const providerApi = {
  list: async (): Promise<ProviderView[]> => (await call(client.GET('/api/v1/providers'))).providers,
  get: (providerId: string): Promise<ProviderView> => call(client.GET('/api/v1/providers/{providerId}', { params: { path: { providerId } } })),
  create: (p: NewProvider): Promise<WithSecret> => call(client.POST('/api/v1/providers', { body: p })),
  update: (providerId: string, change: ProviderChange): Promise<ProviderView> =>
    call(client.PATCH('/api/v1/providers/{providerId}', { params: { path: { providerId } }, body: change })),
  rotateSecret: (providerId: string): Promise<WithSecret> =>
    call(client.POST('/api/v1/providers/{providerId}/webhook-secret', { params: { path: { providerId } } })),
  sendFirstOrderNotice: (providerId: string, message: string): Promise<NoticeAnswer> =>
    call(client.POST('/api/v1/providers/{providerId}/first-order-notice', { params: { path: { providerId } }, body: message ? { message } : {} })),
  resolve: (url: string): Promise<Resolution> => call(client.GET('/api/v1/providers/resolve', { params: { query: { url } } })),

  dispatches: (q: DispatchQuery): Promise<{ dispatches: DispatchView[]; nextBefore: string | null }> =>
    call(client.GET('/api/v1/dispatches', { params: { query: q } })),

  portalMessages: (q: PortalQuery): Promise<{ messages: PortalMessageView[]; nextBefore: string | null }> =>
    call(client.GET('/api/v1/portal/messages', { params: { query: q } })),
  markReceived: (dispatchId: string): Promise<PortalMessageView> =>
    call(client.POST('/api/v1/portal/messages/{dispatchId}/received', { params: { path: { dispatchId } } })),
};
