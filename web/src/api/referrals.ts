/**
 * Voluntary referrals (the issuer's side and the provider portal's), TCO Art. 10 complaints and DSA
 * statements of reasons, as the screens use them. Typed from the generated `schema.d.ts`; failures
 * are `ApiError`s with the server's stable code and message.
 */
import { call, client } from './client';
import type { components, paths } from './schema';

type Schemas = components['schemas'];

export type ReferralView = Schemas['Referral'];
export type ReferralDetail = Schemas['ReferralDetail'];
export type IssuerReferralItem = ReferralDetail['items'][number];
export type ReferralEventView = ReferralDetail['events'][number];
export type ReceivedReferral = Schemas['ReceivedReferral'];
export type ReceivedReferralSummary = Schemas['ReceivedReferralSummary'];
export type ReferralItemView = Schemas['ReferralItem'];
export type NewReferral = paths['/api/v1/referrals']['post']['requestBody']['content']['application/json'];
export type ReferralQuery = NonNullable<paths['/api/v1/referrals']['get']['parameters']['query']>;
export type ItemOutcomeAnswer = paths['/api/v1/portal/referrals/{referralId}/items/{itemId}/outcome']['post']['requestBody']['content']['application/json'];

export type ComplaintView = Schemas['Complaint'];
export type ComplaintDetail = Schemas['ComplaintDetail'];
export type ComplaintSubject = ComplaintView['subject'];
export type NewComplaint = paths['/api/v1/portal/complaints']['post']['requestBody']['content']['application/json'];
export type ComplaintQuery = NonNullable<paths['/api/v1/portal/complaints']['get']['parameters']['query']>;
export type ComplaintDecision = paths['/api/v1/portal/complaints/{complaintId}/decision']['post']['requestBody']['content']['application/json'];
export type StatementsRequest = paths['/api/v1/portal/statements-of-reasons']['post']['requestBody']['content']['application/json'];
export type StatementsAnswer = paths['/api/v1/portal/statements-of-reasons']['post']['responses'][200]['content']['application/json'];

export const REFERRAL_STATES = ['draft', 'sent', 'delivered', 'acknowledged', 'actioned', 'closed'] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];
export const ITEM_OUTCOMES = ['removed', 'disabled', 'declined'] as const;
export type ItemOutcome = (typeof ITEM_OUTCOMES)[number];
export const COMPLAINT_STATES = ['open', 'upheld', 'reinstated'] as const;
export type ComplaintState = (typeof COMPLAINT_STATES)[number];
export const COMPLAINT_OUTCOMES = ['upheld', 'reinstated'] as const;
export type ComplaintOutcome = (typeof COMPLAINT_OUTCOMES)[number];

// Compile-time drift check: each list above must name exactly the schema's members.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type ReferralSchemaDriftCheck = [
  Assert<Same<ReferralState, ReferralView['state']>>,
  Assert<Same<ItemOutcome, NonNullable<ReferralItemView['outcome']>>>,
  Assert<Same<ComplaintState, ComplaintView['state']>>,
  Assert<Same<ComplaintOutcome, ComplaintDecision['outcome']>>,
];

export const REFERRAL_STATE_LABELS: Record<ReferralState, string> = {
  draft: 'draft',
  sent: 'sent',
  delivered: 'delivered',
  acknowledged: 'acknowledged',
  actioned: 'every item answered',
  closed: 'closed',
};

export const OUTCOME_LABELS: Record<ItemOutcome, string> = {
  removed: 'removed',
  disabled: 'disabled',
  declined: 'declined',
};

export const COMPLAINT_STATE_LABELS: Record<ComplaintState, string> = {
  open: 'open',
  upheld: 'removal upheld',
  reinstated: 'content reinstated',
};

/** States in which the provider may still answer (referral.model.ts ANSWERABLE_STATES). */
export const ANSWERABLE_STATES: readonly ReferralState[] = ['sent', 'delivered', 'acknowledged'];

/** The server's bounds (referral.model.ts, complaint.model.ts); the server still decides. */
export const REFERRAL_REFERENCE_MAX = 100;
export const REFERRAL_REASONS_MAX = 10_000;
export const REFERRAL_NOTE_MAX = 2_000;
export const COMPLAINT_TEXT_MAX = 10_000;
export const COMPLAINT_REASONS_MAX = 5_000;
export const MODERATION_REF_MAX = 200;

const referral = (referralId: string) => ({ params: { path: { referralId } } });

export const referralApi = {
  create: (r: NewReferral): Promise<ReferralDetail> => call(client.POST('/api/v1/referrals', { body: r })),
  list: (q: ReferralQuery): Promise<{ referrals: ReferralView[]; nextBefore: string | null }> => call(client.GET('/api/v1/referrals', { params: { query: q } })),
  get: (referralId: string): Promise<ReferralDetail> => call(client.GET('/api/v1/referrals/{referralId}', referral(referralId))),
  send: (referralId: string): Promise<ReferralDetail> => call(client.POST('/api/v1/referrals/{referralId}/send', referral(referralId))),
  close: (referralId: string, note: string): Promise<ReferralDetail> => call(client.POST('/api/v1/referrals/{referralId}/close', { ...referral(referralId), body: note ? { note } : {} })),

  portalList: (open: boolean, before?: string): Promise<{ referrals: ReceivedReferralSummary[]; nextBefore: string | null }> =>
    call(client.GET('/api/v1/portal/referrals', { params: { query: { ...(open ? { open } : {}), ...(before ? { before } : {}) } } })),
  portalGet: (referralId: string): Promise<ReceivedReferral> => call(client.GET('/api/v1/portal/referrals/{referralId}', referral(referralId))),
  acknowledge: (referralId: string): Promise<ReceivedReferral> => call(client.POST('/api/v1/portal/referrals/{referralId}/acknowledge', referral(referralId))),
  answerItem: (referralId: string, itemId: string, a: ItemOutcomeAnswer): Promise<ReceivedReferral> =>
    call(client.POST('/api/v1/portal/referrals/{referralId}/items/{itemId}/outcome', { params: { path: { referralId, itemId } }, body: a })),
};

export const complaintApi = {
  record: (c: NewComplaint): Promise<ComplaintDetail> => call(client.POST('/api/v1/portal/complaints', { body: c })),
  list: (q: ComplaintQuery): Promise<{ complaints: ComplaintView[]; nextBefore: string | null }> => call(client.GET('/api/v1/portal/complaints', { params: { query: q } })),
  get: (complaintId: string): Promise<ComplaintDetail> => call(client.GET('/api/v1/portal/complaints/{complaintId}', { params: { path: { complaintId } } })),
  decide: (complaintId: string, d: ComplaintDecision): Promise<ComplaintDetail> =>
    call(client.POST('/api/v1/portal/complaints/{complaintId}/decision', { params: { path: { complaintId } }, body: d })),
  statements: (q: StatementsRequest): Promise<StatementsAnswer> => call(client.POST('/api/v1/portal/statements-of-reasons', { body: q })),
};
