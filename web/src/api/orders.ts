/**
 * TCO removal orders (Regulation 2021/784, Art. 3, 4, 11; Annex I–III) as the screens use them:
 * the issuer's side (propose, four-eyes approval, follow-ups, the signed documents) and the provider
 * portal's side (read, acknowledge, Annex II, Annex III, scrutiny request). Typed from the generated
 * `schema.d.ts`; failures are `ApiError`s with the server's code, message and details.
 */
import { ApiError, call, client, download, type Download } from './client';
import type { components, paths } from './schema';

type Schemas = components['schemas'];

export type OrderView = Schemas['Order'];
export type OrderSummary = Schemas['OrderSummary'];
export type PortalOrderView = Schemas['PortalOrder'];
export type AnnexIView = Schemas['AnnexI'];
export type ClockView = OrderView['clock'];
export type OrderEventView = OrderView['events'][number];
export type NewOrder = paths['/api/v1/orders']['post']['requestBody']['content']['application/json'];
export type OrderQuery = NonNullable<paths['/api/v1/orders']['get']['parameters']['query']>;
export type PortalOrderQuery = NonNullable<paths['/api/v1/portal/orders']['get']['parameters']['query']>;
export type AnnexIIAnswer = paths['/api/v1/portal/orders/{orderId}/annex-ii']['post']['requestBody']['content']['application/json'];
export type AnnexIIIAnswer = paths['/api/v1/portal/orders/{orderId}/annex-iii']['post']['requestBody']['content']['application/json'];
export type ScrutinyOutcome = paths['/api/v1/orders/{orderId}/scrutiny']['post']['requestBody']['content']['application/json']['outcome'];

/** An order before issue (four eyes), after rejection, and then the states of TCO Art. 3. */
export const ORDER_STATUSES = ['proposed', 'rejected', 'issued', 'running', 'suspended', 'executed', 'voided', 'withdrawn'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const MEASURES = ['removed', 'disabled'] as const;
export type Measure = (typeof MEASURES)[number];
/** Annex III section B: why an order cannot be executed yet. */
export const OBSTACLES = ['force_majeure', 'de_facto_impossibility', 'manifest_error', 'insufficient_information'] as const;
export type Obstacle = (typeof OBSTACLES)[number];
/** Annex I section E: the kind of issuing authority. */
export const AUTHORITY_TYPES = ['judge_or_prosecutor', 'law_enforcement', 'other'] as const;
export type AuthorityType = (typeof AUTHORITY_TYPES)[number];

// Compile-time drift check: each list above must name exactly the schema's members.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type OrderSchemaDriftCheck = [
  Assert<Same<OrderStatus, OrderView['status']>>,
  Assert<Same<Measure, AnnexIIAnswer['measure']>>,
  Assert<Same<Obstacle, AnnexIIIAnswer['obstacle']>>,
  Assert<Same<AuthorityType, AnnexIView['authority']['type']>>,
];

export const ORDER_STATUS_LABELS: Record<OrderStatus, string> = {
  proposed: 'awaiting approval',
  rejected: 'rejected',
  issued: 'issued, not yet received',
  running: 'clock running',
  suspended: 'suspended (Annex III)',
  executed: 'executed',
  voided: 'voided on scrutiny',
  withdrawn: 'withdrawn',
};

export const MEASURE_LABELS: Record<Measure, string> = {
  removed: 'removed the content',
  disabled: 'disabled access to it in all Member States',
};

export const OBSTACLE_LABELS: Record<Obstacle, string> = {
  force_majeure: 'force majeure',
  de_facto_impossibility: 'de facto impossibility (including technical or operational reasons)',
  manifest_error: 'manifest error in the order',
  insufficient_information: 'insufficient information to execute the order',
};

export const AUTHORITY_TYPE_LABELS: Record<AuthorityType, string> = {
  judge_or_prosecutor: 'judge, court or prosecutor',
  law_enforcement: 'law enforcement authority',
  other: 'other competent authority',
};

/** Art. 3(7): force majeure and impossibility end when they cease; Art. 3(8): errors and gaps end with a clarification. */
export function obstacleEndsWithClarification(o: Obstacle): boolean {
  return o === 'manifest_error' || o === 'insufficient_information';
}

/**
 * The server's bounds (src/domains/order/annex.model.ts, order.service.ts): inputs use them so the
 * browser refuses the obvious; the server still decides and its problems are shown per field.
 */
export const ANNEX_TEXT_MAX = 5000;
export const ANNEX_SHORT_TEXT_MAX = 500;
export const ORDER_REFERENCE_MAX = 100;
/** The Art. 4(1) copy's address (RFC 5321). */
export const EMAIL_ADDRESS_MAX = 254;
export const ORDER_NOTE_MAX = 5000;
/** Art. 11(3): non-disclosure may be extended once by six weeks. */
export const NON_DISCLOSURE_MAX_EXTENSIONS = 1;

/** One Annex I problem as the server reports it with VIGIL_ORDER_ANNEX_INCOMPLETE / VIGIL_ORDER_ANSWER_INVALID. */
export interface AnnexProblem {
  field: string;
  section: string;
  problem: string;
}

/** The per-field problems carried by a refused proposal or answer, or none. */
export function annexProblemsOf(err: unknown): AnnexProblem[] {
  if (!(err instanceof ApiError)) return [];
  const d = err.details as { problems?: unknown } | null;
  if (!d || !Array.isArray(d.problems)) return [];
  return d.problems.filter((p): p is AnnexProblem => typeof p === 'object' && p !== null && typeof (p as AnnexProblem).field === 'string' && typeof (p as AnnexProblem).problem === 'string');
}

const order = (orderId: string) => ({ params: { path: { orderId } } });

export const orderApi = {
  propose: (o: NewOrder): Promise<OrderView> => call(client.POST('/api/v1/orders', { body: o })),
  list: (q: OrderQuery): Promise<{ orders: OrderSummary[]; nextBefore: string | null }> => call(client.GET('/api/v1/orders', { params: { query: q } })),
  get: (orderId: string): Promise<OrderView> => call(client.GET('/api/v1/orders/{orderId}', order(orderId))),
  approve: (orderId: string, note: string): Promise<OrderView> => call(client.POST('/api/v1/orders/{orderId}/approve', { ...order(orderId), body: note ? { note } : {} })),
  reject: (orderId: string, note: string): Promise<OrderView> => call(client.POST('/api/v1/orders/{orderId}/reject', { ...order(orderId), body: note ? { note } : {} })),
  withdraw: (orderId: string, reason: string): Promise<OrderView> => call(client.POST('/api/v1/orders/{orderId}/withdraw', { ...order(orderId), body: { reason } })),
  obstacleCeased: (orderId: string, note: string): Promise<OrderView> => call(client.POST('/api/v1/orders/{orderId}/obstacle-ceased', { ...order(orderId), body: note ? { note } : {} })),
  clarify: (orderId: string, clarification: string): Promise<OrderView> => call(client.POST('/api/v1/orders/{orderId}/clarification', { ...order(orderId), body: { clarification } })),
  extendNonDisclosure: (orderId: string, reason: string): Promise<OrderView> => call(client.POST('/api/v1/orders/{orderId}/non-disclosure/extend', { ...order(orderId), body: { reason } })),
  recordScrutiny: (orderId: string, outcome: ScrutinyOutcome, note: string): Promise<OrderView> =>
    call(client.POST('/api/v1/orders/{orderId}/scrutiny', { ...order(orderId), body: { outcome, ...(note ? { note } : {}) } })),
  /** The signed JSON document or its PDF as issued; every read is audited. */
  document: (orderId: string, kind: 'json' | 'pdf'): Promise<Download> => download(`/orders/${encodeURIComponent(orderId)}/document.${kind}`, 'GET'),

  portalList: (q: PortalOrderQuery): Promise<{ orders: PortalOrderView[]; nextBefore: string | null }> => call(client.GET('/api/v1/portal/orders', { params: { query: q } })),
  /** The provider's copy of the signed document or its PDF; audited on both sides. */
  portalDocument: (orderId: string, kind: 'json' | 'pdf'): Promise<Download> => download(`/portal/orders/${encodeURIComponent(orderId)}/document.${kind}`, 'GET'),
  portalGet: (orderId: string): Promise<PortalOrderView> => call(client.GET('/api/v1/portal/orders/{orderId}', order(orderId))),
  acknowledge: (orderId: string): Promise<PortalOrderView> => call(client.POST('/api/v1/portal/orders/{orderId}/acknowledge', order(orderId))),
  annexII: (orderId: string, a: AnnexIIAnswer): Promise<PortalOrderView> => call(client.POST('/api/v1/portal/orders/{orderId}/annex-ii', { ...order(orderId), body: a })),
  annexIII: (orderId: string, a: AnnexIIIAnswer): Promise<PortalOrderView> => call(client.POST('/api/v1/portal/orders/{orderId}/annex-iii', { ...order(orderId), body: a })),
  requestScrutiny: (orderId: string, reason: string): Promise<PortalOrderView> =>
    call(client.POST('/api/v1/portal/orders/{orderId}/scrutiny-request', { ...order(orderId), body: reason ? { reason } : {} })),
  reinstated: (orderId: string, note: string): Promise<PortalOrderView> => call(client.POST('/api/v1/portal/orders/{orderId}/reinstated', { ...order(orderId), body: note ? { note } : {} })),
};
