/**
 * The one way the web shell talks to the server: a typed openapi-fetch client plus small named calls.
 * Screens call `api.*` and get data or an `ApiError` whose code and message come from the server's
 * error catalog, so what the user reads is exactly what the API said.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type {
  AgencyKind,
  AgencyView,
  AuditView,
  BulkReport,
  CreatedTokenView,
  CustodyEventView,
  CustodyVerifyView,
  ErrorBody,
  ItemDetailView,
  ItemOrigin,
  ItemPage,
  ItemState,
  ItemView,
  JobCounts,
  JobState,
  JobView,
  Permission,
  Role,
  SessionView,
  SourceDetailView,
  SourceKind,
  SourceView,
  TokenView,
  UserView,
} from './types';
import type { paths } from './schema';

export const API_BASE = '/api/v1';

/** An API failure: HTTP status plus the server's stable `VIGIL_…` code and human message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  /** The server's structured detail, e.g. Annex I problems per field; shape depends on the code. */
  readonly details: unknown;

  constructor(status: number, code: string, message: string, requestId: string | null, details: unknown = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }
}

/** Codes made up by the client itself, when there is no server answer to quote. */
export const CLIENT_ERROR_CODES = {
  network: 'VIGIL_WEB_NETWORK',
  badResponse: 'VIGIL_WEB_BAD_RESPONSE',
} as const;

// The CSRF token comes from the login / me answer and rides on every state-changing request;
// the session cookie itself is httpOnly and never visible here.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const csrfMiddleware: Middleware = {
  onRequest({ request }) {
    if (csrfToken !== null && UNSAFE_METHODS.has(request.method.toUpperCase())) {
      request.headers.set('x-csrf-token', csrfToken);
    }
    return request;
  },
};

type SessionLostListener = () => void;
const sessionLostListeners = new Set<SessionLostListener>();

/** Called when any request answers `VIGIL_AUTH_REQUIRED`: the session expired or was revoked. */
export function onSessionLost(listener: SessionLostListener): () => void {
  sessionLostListeners.add(listener);
  return () => sessionLostListeners.delete(listener);
}

/** The typed client with the session's CSRF token; feature API modules (`api/providers.ts` …) build on it. */
export const client = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
client.use(csrfMiddleware);

function isErrorBody(v: unknown): v is ErrorBody {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e = (v as { error: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string';
}

function toApiError(response: Response, body: unknown): ApiError {
  if (isErrorBody(body)) {
    return new ApiError(response.status, body.error.code, body.error.message, body.requestId ?? null, body.error.details ?? null);
  }
  const reason = response.statusText ? `${response.status} ${response.statusText}` : String(response.status);
  return new ApiError(
    response.status,
    CLIENT_ERROR_CODES.badResponse,
    `The server answered ${reason} without an error description.`,
    response.headers.get('x-request-id'),
  );
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Awaits a typed-client request: its data, or an `ApiError` (session loss reported to the listeners). */
export async function call<T>(request: Promise<Answer<T>>, opts: { quietAuth?: boolean } = {}): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await request;
  } catch (cause) {
    if (cause instanceof ApiError) throw cause;
    throw new ApiError(
      0,
      CLIENT_ERROR_CODES.network,
      'Could not reach the Vigil server. Check your connection and try again.',
      null,
    );
  }
  if (!answer.response.ok) {
    const err = toApiError(answer.response, answer.error);
    if (err.code === 'VIGIL_AUTH_REQUIRED' && !opts.quietAuth) {
      for (const l of sessionLostListeners) l();
    }
    throw err;
  }
  return answer.data as T;
}

/** Drops empty strings and undefined so filters left blank are not sent at all. */
function compact<T extends Record<string, unknown>>(q: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

export interface AuditQuery {
  action?: string;
  userId?: string;
  targetType?: string;
  targetId?: string;
  from?: number;
  to?: number;
  limit?: number;
  before?: string;
}

export interface JobQuery {
  state?: JobState;
  name?: string;
  limit?: number;
}

export interface NewUser {
  email: string;
  displayName: string;
  password: string;
  roles: Role[];
  agencyId?: string;
}

export interface UserChange {
  displayName?: string;
  roles?: Role[];
  disabled?: boolean;
}

export interface ItemQuery {
  state?: ItemState;
  origin?: ItemOrigin;
  host?: string;
  sourceId?: string;
  parentItemId?: string;
  before?: string;
  limit?: number;
}

export interface NewSource {
  kind: SourceKind;
  url: string;
  label?: string;
  intervalMinutes: number;
}

/** A binary answer: the bytes, the file name the server suggested, and its response headers. */
export interface Download {
  blob: Blob;
  filename: string | null;
  headers: Headers;
}

/**
 * Requests the typed client cannot express: raw bodies (bulk lists, multipart uploads) and binary
 * answers (evidence packages, captured content). Same rules as `call`: CSRF header on mutating
 * requests, errors as `ApiError`, session loss reported.
 */
async function rawCall(path: string, init: { method: string; body?: BodyInit; contentType?: string }): Promise<Response> {
  const headers = new Headers();
  if (init.contentType) headers.set('content-type', init.contentType);
  if (csrfToken !== null && UNSAFE_METHODS.has(init.method)) headers.set('x-csrf-token', csrfToken);
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method: init.method,
      headers,
      credentials: 'same-origin',
      ...(init.body === undefined ? {} : { body: init.body }),
    });
  } catch {
    throw new ApiError(0, CLIENT_ERROR_CODES.network, 'Could not reach the Vigil server. Check your connection and try again.', null);
  }
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON: toApiError says so with the status.
    }
    const err = toApiError(response, body);
    if (err.code === 'VIGIL_AUTH_REQUIRED') for (const l of sessionLostListeners) l();
    throw err;
  }
  return response;
}

async function rawJson<T>(path: string, init: { method: string; body?: BodyInit; contentType?: string }): Promise<T> {
  const response = await rawCall(path, init);
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiError(response.status, CLIENT_ERROR_CODES.badResponse, 'The server answered with something that is not JSON.', response.headers.get('x-request-id'));
  }
}

/** `attachment; filename="x.wacz"` → `x.wacz`; only plain names, never a path. */
function attachmentName(disposition: string | null): string | null {
  const m = disposition ? /filename="([^"/\\]+)"/.exec(disposition) : null;
  return m?.[1] ?? null;
}

/** A binary answer (documents, evidence, captured content) with the file name the server suggested. */
export async function download(path: string, method: 'GET' | 'POST'): Promise<Download> {
  const response = await rawCall(path, { method });
  return { blob: await response.blob(), filename: attachmentName(response.headers.get('content-disposition')), headers: response.headers };
}

/** The content type a bulk list is sent as, from its file name: the server picks the parser by it. */
export function bulkContentType(filename: string): string {
  const name = filename.toLowerCase();
  if (name.endsWith('.csv')) return 'text/csv';
  if (name.endsWith('.json') || name.endsWith('.jsonl')) return 'application/json';
  return 'text/plain';
}

/** Parts of a capture that can be read: body, text, warc, or a screenshot id. */
export type ContentPart = 'body' | 'text' | 'warc' | (string & {});

function queryString(q: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(compact(q))) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export const api = {
  login: (email: string, password: string): Promise<SessionView> =>
    call(client.POST('/api/v1/auth/login', { body: { email, password } }), { quietAuth: true }),
  me: (): Promise<SessionView> => call(client.GET('/api/v1/auth/me'), { quietAuth: true }),
  logout: async (): Promise<void> => {
    await call(client.POST('/api/v1/auth/logout'), { quietAuth: true });
  },

  listAgencies: async (): Promise<AgencyView[]> => (await call(client.GET('/api/v1/agencies'))).agencies,
  createAgency: (name: string, kind: AgencyKind): Promise<AgencyView> =>
    call(client.POST('/api/v1/agencies', { body: { name, kind } })),

  listUsers: async (agencyId?: string): Promise<UserView[]> =>
    (await call(client.GET('/api/v1/users', { params: { query: compact({ agencyId }) } }))).users,
  createUser: (user: NewUser): Promise<UserView> => call(client.POST('/api/v1/users', { body: user })),
  updateUser: (userId: string, change: UserChange): Promise<UserView> =>
    call(client.PATCH('/api/v1/users/{userId}', { params: { path: { userId } }, body: change })),
  setPassword: async (userId: string, password: string): Promise<void> => {
    await call(client.POST('/api/v1/users/{userId}/password', { params: { path: { userId } }, body: { password } }));
  },

  listTokens: async (): Promise<TokenView[]> => (await call(client.GET('/api/v1/tokens'))).tokens,
  createToken: (name: string, scopes: Permission[], expiresInDays?: number): Promise<CreatedTokenView> =>
    call(client.POST('/api/v1/tokens', { body: { name, scopes, ...(expiresInDays === undefined ? {} : { expiresInDays }) } })),
  revokeToken: (tokenId: string): Promise<TokenView> =>
    call(client.DELETE('/api/v1/tokens/{tokenId}', { params: { path: { tokenId } } })),

  listAudit: (q: AuditQuery): Promise<{ events: AuditView[]; nextBefore: string | null }> =>
    call(client.GET('/api/v1/audit', { params: { query: compact({ ...q }) } })),
  /** A plain link: the browser downloads the JSON lines with the session cookie. */
  auditExportUrl: (q: Omit<AuditQuery, 'before' | 'limit'>): string => `${API_BASE}/audit/export${queryString({ ...q })}`,

  listJobs: (q: JobQuery): Promise<{ jobs: JobView[]; counts: JobCounts }> =>
    call(client.GET('/api/v1/jobs', { params: { query: compact({ ...q }) } })),
  retryJob: (jobId: string): Promise<JobView> =>
    call(client.POST('/api/v1/jobs/{jobId}/retry', { params: { path: { jobId } } })),

  submitUrl: (url: string): Promise<{ item: ItemView; created: boolean }> =>
    call(client.POST('/api/v1/items', { body: { url } })),
  /** The file's bytes as the body; the server streams and parses them by content type. */
  submitBulk: (file: File): Promise<BulkReport> =>
    rawJson('/items/bulk', { method: 'POST', body: file, contentType: bulkContentType(file.name) }),
  /** multipart/form-data with the field `file`; the browser sets the boundary. */
  uploadFile: (file: File): Promise<{ item: ItemView; created: boolean }> => {
    const form = new FormData();
    form.append('file', file, file.name);
    return rawJson('/items/upload', { method: 'POST', body: form });
  },
  listItems: (q: ItemQuery): Promise<ItemPage> => call(client.GET('/api/v1/items', { params: { query: compact({ ...q }) } })),
  getItem: (itemId: string): Promise<ItemDetailView> =>
    call(client.GET('/api/v1/items/{itemId}', { params: { path: { itemId } } })),
  recapture: (itemId: string): Promise<ItemView> =>
    call(client.POST('/api/v1/items/{itemId}/capture', { params: { path: { itemId } } })),
  itemCustody: async (itemId: string): Promise<CustodyEventView[]> =>
    (await call(client.GET('/api/v1/items/{itemId}/custody', { params: { path: { itemId } } }))).events,
  /** The signed WACZ; the server records the export in the custody chain. */
  evidencePackage: (itemId: string): Promise<Download> => download(`/items/${encodeURIComponent(itemId)}/evidence`, 'POST'),
  /** Captured bytes or a screenshot. Every call is an audited content view. */
  captureContent: (captureId: string, part: ContentPart): Promise<Download> =>
    download(`/captures/${encodeURIComponent(captureId)}/content/${encodeURIComponent(part)}`, 'GET'),

  listSources: async (): Promise<SourceView[]> => (await call(client.GET('/api/v1/sources'))).sources,
  createSource: (source: NewSource): Promise<SourceView> => call(client.POST('/api/v1/sources', { body: source })),
  getSource: (sourceId: string): Promise<SourceDetailView> =>
    call(client.GET('/api/v1/sources/{sourceId}', { params: { path: { sourceId } } })),
  setSourcePaused: (sourceId: string, paused: boolean): Promise<SourceView> =>
    call(client.POST('/api/v1/sources/{sourceId}/paused', { params: { path: { sourceId } }, body: { paused } })),

  verifyCustody: (): Promise<CustodyVerifyView> => call(client.POST('/api/v1/custody/verify')),
};

/** Turns anything thrown into something a person can read; unknown errors keep their message. */
export function describeError(err: unknown): { code: string | null; message: string; requestId: string | null } {
  if (err instanceof ApiError) return { code: err.code, message: err.message, requestId: err.requestId };
  if (err instanceof Error) return { code: null, message: err.message, requestId: null };
  return { code: null, message: String(err), requestId: null };
}
