/**
 * The review API (queue, cases, decisions, reveals, exposure) as the screens use it, typed from the
 * generated `schema.d.ts`. The calls go through `fetch` with the same rules as `client.ts`:
 * same-origin cookie, the session's CSRF token on mutating requests, and failures as `ApiError`
 * carrying the server's code and message.
 *
 * The CSRF token is private to `client.ts`, so the calls are bound to the signed-in session by
 * `useReviewApi()`, which reads the token the session already holds.
 */
import { useMemo } from 'react';
import { ApiError, API_BASE, CLIENT_ERROR_CODES } from './client';
import type { components, paths } from './schema';
import { useSession } from '../session';

type Schemas = components['schemas'];

export type MatchView = Schemas['Match'];
export type Tier = NonNullable<Schemas['BankEntry']['labels']['tier']>;
export const TIERS = ['threat_to_life', 'crisis', 'designated_entity', 'promotional'] as const satisfies readonly Tier[];

export const CASE_STATUSES = ['open', 'draft', 'awaiting_approval', 'decided'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const VERDICTS = ['terrorist_content', 'not_terrorist_content', 'exempt', 'needs_more_information'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** TCO Art. 1(3): purposes for which material is not treated as terrorist content. */
export const EXEMPT_PURPOSES = ['educational', 'journalistic', 'artistic', 'research', 'counter_terrorism', 'public_debate'] as const;
export type ExemptPurpose = (typeof EXEMPT_PURPOSES)[number];

/** TCO Art. 2(7) points (a)–(e): what the material does; Annex I section B ticks the same boxes. */
export const GROUNDS = ['a', 'b', 'c', 'd', 'e'] as const;
export type Ground = (typeof GROUNDS)[number];

/** Short labels in plain words; the legal text is TCO Art. 2(7) and Annex I section B. */
export const GROUND_LABELS: Record<Ground, string> = {
  a: 'incites terrorist offences, for example by glorifying them',
  b: 'solicits someone to commit or contribute to a terrorist offence',
  c: 'solicits someone to take part in the activities of a terrorist group',
  d: 'instructs in making or using explosives, weapons or hazardous substances, or other methods, for a terrorist offence',
  e: 'threatens to commit a terrorist offence',
};

/** TCO Art. 1(3): the purpose is judged by what the material is really for. */
export const EXEMPT_PURPOSE_LABELS: Record<ExemptPurpose, string> = {
  educational: 'educational',
  journalistic: 'journalistic',
  artistic: 'artistic',
  research: 'research',
  counter_terrorism: 'preventing or countering terrorism',
  public_debate: 'polemic or controversial views in public debate',
};

export const VERDICT_LABELS: Record<Verdict, string> = {
  terrorist_content: 'Terrorist content',
  not_terrorist_content: 'Not terrorist content',
  exempt: 'Exempt (Art. 1(3) purpose)',
  needs_more_information: 'Needs more information',
};

export const TIER_LABELS: Record<Tier, string> = {
  threat_to_life: 'threat to life',
  crisis: 'crisis',
  designated_entity: 'designated entity',
  promotional: 'promotional',
};

export const CASE_STATUS_LABELS: Record<CaseStatus, string> = {
  open: 'open',
  draft: 'draft decision',
  awaiting_approval: 'awaiting approval',
  decided: 'decided',
};

export const DECISION_STATUSES = ['draft', 'undone', 'published', 'awaiting_approval', 'approved', 'rejected'] as const;
export type DecisionStatus = (typeof DECISION_STATUSES)[number];

type Json<P extends keyof paths, M extends 'get' | 'post', S extends number = 200> = paths[P][M] extends {
  responses: Record<S, { content: { 'application/json': infer T } }>;
}
  ? T
  : never;
type Body<P extends keyof paths> = paths[P]['post'] extends { requestBody?: { content: { 'application/json': infer T } } } ? T : never;

export type PriorityExplained = Schemas['PriorityExplained'];
export type PriorityPart = PriorityExplained['parts'][number];
export type DecisionView = Schemas['ReviewDecision'];
export type Attribution = NonNullable<DecisionView['attribution']>;
export type CaseSummary = Schemas['CaseSummary'];
export type LeadItem = CaseSummary['leadItem'];
export type CaseDetail = Json<'/api/v1/review/cases/{caseId}', 'get'>;
export type CaseItem = CaseDetail['items'][number];
export type CaseEvent = CaseDetail['events'][number];
export type QueueQuery = NonNullable<paths['/api/v1/review/queue']['get']['parameters']['query']>;
export type QueuePage = Json<'/api/v1/review/queue', 'get'>;
export type NewDecision = Body<'/api/v1/review/cases/{caseId}/decisions'>;
export type RevealView = Json<'/api/v1/items/{itemId}/reveal', 'post'>;
export type ExposureView = Json<'/api/v1/review/exposure', 'get'>;
export type OutletView = Pick<Schemas['Outlet'], 'id' | 'name'>;
export type BankChoice = Pick<Schemas['Bank'], 'id' | 'name'>;

// Compile-time drift check: each list above must name exactly the schema's members.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type ReviewSchemaDriftCheck = [
  Assert<Same<Tier, NonNullable<CaseSummary['tier']>>>,
  Assert<Same<CaseStatus, CaseSummary['status']>>,
  Assert<Same<Verdict, DecisionView['verdict']>>,
  Assert<Same<ExemptPurpose, NonNullable<DecisionView['exemptPurpose']>>>,
  Assert<Same<Ground, DecisionView['grounds'][number]>>,
  Assert<Same<DecisionStatus, DecisionView['status']>>,
];

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function queryString(q: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

async function requestJson<T>(csrfToken: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers = new Headers();
  if (body !== undefined) headers.set('content-type', 'application/json');
  if (UNSAFE_METHODS.has(method)) headers.set('x-csrf-token', csrfToken);
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, CLIENT_ERROR_CODES.network, 'Could not reach the Vigil server. Check your connection and try again.', null);
  }
  let parsed: unknown = null;
  try {
    parsed = await response.json();
  } catch {
    // Not JSON: reported below with the status.
  }
  if (!response.ok) {
    const err = (parsed as { error?: { code?: unknown; message?: unknown }; requestId?: unknown } | null)?.error;
    if (err && typeof err.code === 'string' && typeof err.message === 'string') {
      const requestId = (parsed as { requestId?: unknown }).requestId;
      throw new ApiError(response.status, err.code, err.message, typeof requestId === 'string' ? requestId : null);
    }
    throw new ApiError(response.status, CLIENT_ERROR_CODES.badResponse, `The server answered ${response.status} without an error description.`, response.headers.get('x-request-id'));
  }
  if (parsed === null) {
    throw new ApiError(response.status, CLIENT_ERROR_CODES.badResponse, 'The server answered with something that is not JSON.', response.headers.get('x-request-id'));
  }
  return parsed as T;
}

const enc = encodeURIComponent;

export function reviewApi(csrfToken: string) {
  const get = <T>(path: string): Promise<T> => requestJson<T>(csrfToken, 'GET', path);
  const post = <T>(path: string, body?: unknown): Promise<T> => requestJson<T>(csrfToken, 'POST', path, body ?? {});
  return {
    queue: (q: QueueQuery): Promise<QueuePage> => get(`/review/queue${queryString({ ...q })}`),
    getCase: (caseId: string): Promise<CaseDetail> => get(`/review/cases/${enc(caseId)}`),
    decide: async (caseId: string, d: NewDecision): Promise<DecisionView> =>
      (await post<{ decision: DecisionView }>(`/review/cases/${enc(caseId)}/decisions`, d)).decision,
    undo: async (decisionId: string): Promise<DecisionView> =>
      (await post<{ decision: DecisionView }>(`/review/decisions/${enc(decisionId)}/undo`)).decision,
    approve: async (decisionId: string, note?: string): Promise<DecisionView> =>
      (await post<{ decision: DecisionView }>(`/review/decisions/${enc(decisionId)}/approve`, note ? { note } : {})).decision,
    reject: async (decisionId: string, note?: string): Promise<DecisionView> =>
      (await post<{ decision: DecisionView }>(`/review/decisions/${enc(decisionId)}/reject`, note ? { note } : {})).decision,
    split: async (caseId: string, itemIds: string[]): Promise<CaseSummary> =>
      (await post<{ case: CaseSummary }>(`/review/cases/${enc(caseId)}/split`, { itemIds })).case,
    addNote: async (caseId: string, note: string): Promise<CaseEvent> =>
      (await post<{ event: CaseEvent }>(`/review/cases/${enc(caseId)}/notes`, { note })).event,
    merge: async (caseId: string, otherCaseId: string): Promise<CaseSummary> =>
      (await post<{ case: CaseSummary }>(`/review/cases/${enc(caseId)}/merge`, { otherCaseId })).case,
    /** Audited `content.reveal`, counted in the reviewer's exposure for the day. */
    reveal: (itemId: string): Promise<RevealView> => post(`/items/${enc(itemId)}/reveal`),
    exposure: (): Promise<ExposureView> => get('/review/exposure'),
    /** The instance's outlet registry (archived outlets left out). */
    outlets: async (): Promise<OutletView[]> => (await get<{ outlets: OutletView[] }>('/outlets')).outlets,
    /** Banks the agency can match against, for the queue's bank filter (needs bank.read). */
    banks: async (): Promise<BankChoice[]> => (await get<{ banks: BankChoice[] }>('/banks')).banks,
  };
}

export type ReviewApi = ReturnType<typeof reviewApi>;

export function useReviewApi(): ReviewApi {
  const { csrfToken } = useSession();
  return useMemo(() => reviewApi(csrfToken), [csrfToken]);
}
