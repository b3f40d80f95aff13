/**
 * Hash banks: named lists of known signals (PDQ, vPDQ, MD5, SHA-256, SimHash) that new captures are
 * matched against. The list shows the agency's own banks and, marked, the banks other agencies share
 * with it read-only; anyone with bank.read sees them, creating one needs bank.manage.
 *
 * This file also holds the bank API calls the bank screens and the item page's matches use. They go
 * through the generated typed client like `api/client.ts`, bound to the session's CSRF token by
 * `useBankApi()`, and fail with `ApiError` carrying the server's stable code and message.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import { useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { ApiError, API_BASE, CLIENT_ERROR_CODES } from '../api/client';
import type { components, paths } from '../api/schema';
import { can, useSession } from '../session';
import { SelectField } from '../fields';
import { EmptyRow } from '../tables';
import { ErrorBanner, Notice, Time, useLoad, useTitle } from '../ui';

type Schemas = components['schemas'];
export type BankView = Schemas['Bank'];
export type BankEntryView = Schemas['BankEntry'];
export type MatchView = Schemas['Match'];
export type EntryLabels = BankEntryView['labels'];
export type BankSettings = NonNullable<paths['/api/v1/banks/{bankId}']['patch']['requestBody']>['content']['application/json'];
export type NewBank = paths['/api/v1/banks']['post']['requestBody']['content']['application/json'];
export type NewEntry = paths['/api/v1/banks/{bankId}/entries']['post']['requestBody']['content']['application/json'];
export type EntryChange = paths['/api/v1/banks/{bankId}/entries/{entryId}']['patch']['requestBody']['content']['application/json'];
export type EntryQuery = NonNullable<paths['/api/v1/banks/{bankId}/entries']['get']['parameters']['query']>;
export type BulkEntryRow = paths['/api/v1/banks/{bankId}/entries/bulk']['post']['requestBody']['content']['application/json']['entries'][number];
export type BulkEntryReport = paths['/api/v1/banks/{bankId}/entries/bulk']['post']['responses'][200]['content']['application/json'];
export type AgencyOption = paths['/api/v1/agencies']['get']['responses'][200]['content']['application/json']['agencies'][number];
/** The report of POST /banks/:bankId/import: counts, the TCAP checkpoint, and every line's outcome. */
export type ImportReport = Schemas['ImportReport'];
type ImportQuery = paths['/api/v1/banks/{bankId}/import']['post']['parameters']['query'];
type ExportQuery = paths['/api/v1/banks/{bankId}/export']['get']['parameters']['query'];

export const BANK_KINDS = ['positive', 'negative'] as const;
export type BankKind = (typeof BANK_KINDS)[number];

export const SIGNAL_KINDS = ['pdq', 'vpdq', 'md5', 'sha256', 'simhash', 'video_md5'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/** Severity tiers, most urgent first. */
export const TIERS = ['threat_to_life', 'crisis', 'designated_entity', 'promotional'] as const;
export type Tier = (typeof TIERS)[number];

export const TIER_LABELS: Record<Tier, string> = {
  threat_to_life: 'threat to life',
  crisis: 'crisis',
  designated_entity: 'designated entity',
  promotional: 'promotional',
};

/** Hash-list formats for import and export: TCAP JSON, ThreatExchange / HMA text and CSV, plain CSV. */
export const EXCHANGE_FORMATS = ['tcap', 'te-text', 'te-csv', 'csv'] as const;
export type ExchangeFormat = (typeof EXCHANGE_FORMATS)[number];

export const LABEL_KEYS = ['outlet', 'group', 'ideology', 'tier', 'contentType'] as const;
export const LABEL_NAMES: Record<(typeof LABEL_KEYS)[number], string> = {
  outlet: 'Outlet',
  group: 'Group',
  ideology: 'Ideology',
  tier: 'Tier',
  contentType: 'Content type',
};

/**
 * The server's bounds (src/domains/bank/bank.model.ts): the inputs use them so the browser refuses
 * the obvious mistakes before sending; the server still decides, and its message is what is shown.
 */
export const BANK_NAME_MAX = 100;
export const BANK_DESCRIPTION_MAX = 2000;
export const BANK_PDQ_DISTANCE_MAX = 63;
export const BANK_SIMHASH_DISTANCE_MAX = 24;
export const BANK_FLOOD_MAX = 1_000_000;
export const LABEL_MAX = 200;
export const PROVENANCE_MAX = 200;
export const BANK_BULK_MAX = 5000;

/** HMA's thresholds (PDQ 31, vPDQ 31 at 80 % / 0 %), SimHash 10, flood 100 items an hour: the server's defaults. */
export const DEFAULT_SETTINGS = {
  pdqDistance: 31,
  vpdqDistance: 31,
  simhashDistance: 10,
  vpdqQueryMatchPercent: 80,
  vpdqComparedMatchPercent: 0,
  floodMaxItemsPerHour: 100,
} as const;

export const KIND_HINTS: Record<BankKind, string> = {
  positive: 'Hits make matches that go to review.',
  negative: 'Known benign content: a hit suppresses every match of that capture.',
};

// Compile-time drift check: each list above must name exactly the schema's members.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type BankSchemaDriftCheck = [
  Assert<Same<BankKind, BankView['kind']>>,
  Assert<Same<SignalKind, BankEntryView['kind']>>,
  Assert<Same<Tier, NonNullable<EntryLabels['tier']>>>,
  Assert<Same<(typeof LABEL_KEYS)[number], keyof EntryLabels>>,
  Assert<Same<ExchangeFormat, ImportQuery['format']>>,
  Assert<Same<ExchangeFormat, ExportQuery['format']>>,
];

// ---------------------------------------------------------------------------
// API calls.


interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const NETWORK_MESSAGE = 'Could not reach the Vigil server. Check your connection and try again.';

function errorFrom(response: Response, body: unknown): ApiError {
  const e = (body as { error?: { code?: unknown; message?: unknown }; requestId?: unknown } | null)?.error;
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    const requestId = (body as { requestId?: unknown }).requestId;
    return new ApiError(response.status, e.code, e.message, typeof requestId === 'string' ? requestId : null);
  }
  return new ApiError(response.status, CLIENT_ERROR_CODES.badResponse, `The server answered ${response.status} without an error description.`, response.headers.get('x-request-id'));
}

async function answer<T>(request: Promise<Answer<T>>): Promise<T> {
  let a: Answer<T>;
  try {
    a = await request;
  } catch {
    throw new ApiError(0, CLIENT_ERROR_CODES.network, NETWORK_MESSAGE, null);
  }
  if (!a.response.ok) throw errorFrom(a.response, a.error);
  return a.data as T;
}

async function rawFetch(csrfToken: string, path: string, method: 'GET' | 'POST', body?: BodyInit, contentType?: string): Promise<Response> {
  const headers = new Headers();
  if (contentType) headers.set('content-type', contentType);
  if (UNSAFE_METHODS.has(method)) headers.set('x-csrf-token', csrfToken);
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body }) });
  } catch {
    throw new ApiError(0, CLIENT_ERROR_CODES.network, NETWORK_MESSAGE, null);
  }
  if (!response.ok) {
    let parsed: unknown = null;
    try {
      parsed = await response.json();
    } catch {
      // Not JSON: errorFrom says so with the status.
    }
    throw errorFrom(response, parsed);
  }
  return response;
}

/** The content type an exchange file is sent as: TCAP is JSON, the rest is text. */
function exchangeContentType(format: ExchangeFormat): string {
  if (format === 'tcap') return 'application/json';
  return format === 'te-text' ? 'text/plain' : 'text/csv';
}

function queryString(q: ImportQuery | ExportQuery): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, v);
  return params.toString();
}

/** `attachment; filename="x.csv"` → `x.csv`; only plain names, never a path. */
function attachmentName(disposition: string | null): string | null {
  const m = disposition ? /filename="([^"/\\]+)"/.exec(disposition) : null;
  return m?.[1] ?? null;
}

export function bankApi(csrfToken: string) {
  const client = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
  const csrf: Middleware = {
    onRequest({ request }) {
      if (UNSAFE_METHODS.has(request.method.toUpperCase())) request.headers.set('x-csrf-token', csrfToken);
      return request;
    },
  };
  client.use(csrf);
  const bank = (bankId: string) => ({ path: { bankId } });
  return {
    list: async (): Promise<BankView[]> => (await answer(client.GET('/api/v1/banks'))).banks,
    get: (bankId: string): Promise<BankView> => answer(client.GET('/api/v1/banks/{bankId}', { params: bank(bankId) })),
    create: (b: NewBank): Promise<BankView> => answer(client.POST('/api/v1/banks', { body: b })),
    update: (bankId: string, change: BankSettings): Promise<BankView> =>
      answer(client.PATCH('/api/v1/banks/{bankId}', { params: bank(bankId), body: change })),
    entries: (bankId: string, query: EntryQuery): Promise<{ entries: BankEntryView[]; nextBefore: string | null }> =>
      answer(client.GET('/api/v1/banks/{bankId}/entries', { params: { ...bank(bankId), query } })),
    addEntry: (bankId: string, entry: NewEntry): Promise<{ entry: BankEntryView; created: boolean }> =>
      answer(client.POST('/api/v1/banks/{bankId}/entries', { params: bank(bankId), body: entry })),
    addEntries: (bankId: string, entries: BulkEntryRow[]): Promise<BulkEntryReport> =>
      answer(client.POST('/api/v1/banks/{bankId}/entries/bulk', { params: bank(bankId), body: { entries } })),
    updateEntry: (bankId: string, entryId: string, change: EntryChange): Promise<BankEntryView> =>
      answer(client.PATCH('/api/v1/banks/{bankId}/entries/{entryId}', { params: { path: { bankId, entryId } }, body: change })),
    share: async (bankId: string, agencyId: string): Promise<void> => {
      await answer(client.POST('/api/v1/banks/{bankId}/shares/{agencyId}', { params: { path: { bankId, agencyId } } }));
    },
    unshare: async (bankId: string, agencyId: string): Promise<void> => {
      await answer(client.DELETE('/api/v1/banks/{bankId}/shares/{agencyId}', { params: { path: { bankId, agencyId } } }));
    },
    agencies: async (): Promise<AgencyOption[]> => (await answer(client.GET('/api/v1/agencies'))).agencies,
    matchesOf: async (itemId: string): Promise<MatchView[]> =>
      (await answer(client.GET('/api/v1/items/{itemId}/matches', { params: { path: { itemId } } }))).matches,
    /** The file's bytes as the body; the server parses them by `format` and reports every line. */
    importFile: async (bankId: string, file: File, format: ExchangeFormat, opts: Omit<ImportQuery, 'format'>): Promise<ImportReport> => {
      const qs = queryString({ format, kind: opts.kind, source: opts.source });
      const response = await rawFetch(csrfToken, `/banks/${encodeURIComponent(bankId)}/import?${qs}`, 'POST', file, exchangeContentType(format));
      try {
        return (await response.json()) as ImportReport;
      } catch {
        throw new ApiError(response.status, CLIENT_ERROR_CODES.badResponse, 'The server answered with something that is not JSON.', response.headers.get('x-request-id'));
      }
    },
    exportFile: async (bankId: string, format: ExchangeFormat, after?: string): Promise<{ blob: Blob; filename: string | null }> => {
      const response = await rawFetch(csrfToken, `/banks/${encodeURIComponent(bankId)}/export?${queryString({ format, after })}`, 'GET');
      return { blob: await response.blob(), filename: attachmentName(response.headers.get('content-disposition')) };
    },
  };
}

export type BankApi = ReturnType<typeof bankApi>;

export function useBankApi(): BankApi {
  const { csrfToken } = useSession();
  return useMemo(() => bankApi(csrfToken), [csrfToken]);
}

// ---------------------------------------------------------------------------
// Shared pieces.

export function BankKindBadge({ kind }: { kind: BankKind }): ReactNode {
  return <span className={`status bank-kind-${kind}`}>{kind}</span>;
}

export function EnabledBadge({ enabled }: { enabled: boolean }): ReactNode {
  return <span className={`status ${enabled ? 'status-ok' : 'status-job-cancelled'}`}>{enabled ? 'enabled' : 'disabled'}</span>;
}

/** How many characters of a signal's value a table shows; the rest is in the tooltip and the copy. */
const SIGNAL_SHOWN_CHARS = 16;

/**
 * A `kind:value` signal in monospace, shortened, with the full value in the tooltip and a copy
 * button. A vPDQ value is one line per frame and can run to megabytes: it is summarised by its
 * frame count and only copied, never put in a tooltip.
 */
export function SignalText({ signal }: { signal: string }): ReactNode {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const colon = signal.indexOf(':');
  const kind = colon > 0 ? signal.slice(0, colon) : '';
  const value = colon > 0 ? signal.slice(colon + 1) : signal;
  const isVpdq = kind === 'vpdq';
  const frames = isVpdq ? value.split('\n').filter((l) => l.trim() !== '').length : 0;
  const shown = isVpdq ? `${frames} frame${frames === 1 ? '' : 's'}` : value.length > SIGNAL_SHOWN_CHARS ? `${value.slice(0, SIGNAL_SHOWN_CHARS)}…` : value;

  const copy = async (): Promise<void> => {
    try {
      // The clipboard API exists only on https or localhost; elsewhere the tooltip still has the value.
      await navigator.clipboard.writeText(signal);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };

  return (
    <span className="signal">
      <code className="hash" title={isVpdq ? undefined : signal} data-signal={isVpdq ? undefined : signal}>
        {kind ? `${kind}:` : ''}
        {shown}
      </code>{' '}
      <button type="button" className="button button-small" onClick={() => void copy()}>
        {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed' : 'Copy'}
        <span className="visually-hidden"> the full value of {kind ? `${kind}:` : ''}{shown}</span>
      </button>
    </span>
  );
}

/** Labels as `outlet: X · tier: crisis`, or a dash. */
export function LabelList({ labels }: { labels: EntryLabels }): ReactNode {
  const parts = LABEL_KEYS.filter((k) => labels[k] !== null);
  if (parts.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="labels">
      {parts.map((k) => (
        <li key={k}>
          <span className="label-name">{LABEL_NAMES[k]}</span> {k === 'tier' && labels.tier ? TIER_LABELS[labels.tier] : labels[k]}
        </li>
      ))}
    </ul>
  );
}

/** The number field's value as an integer for the API, or undefined when left empty. */
export function intOrUndefined(v: string): number | undefined {
  return v.trim() === '' ? undefined : Number(v);
}

// ---------------------------------------------------------------------------
// The list.

export function BanksScreen(): ReactNode {
  useTitle('Banks');
  const session = useSession();
  const manage = can(session, 'bank.manage');
  const banksApi = useBankApi();
  const banks = useLoad(() => banksApi.list(), [banksApi]);
  const [notice, setNotice] = useState<ReactNode>(null);
  const own = banks.data?.filter((b) => !b.readOnly) ?? [];
  const shared = banks.data?.filter((b) => b.readOnly) ?? [];

  return (
    <section aria-labelledby="banks-title">
      <h1 id="banks-title">Banks</h1>
      <p className="lead">
        Lists of known hashes that every new capture is matched against. A positive bank’s hits go to review; a
        negative bank holds known benign content and suppresses matches.
      </p>
      {manage ? (
        <CreateBankForm
          onCreated={(b) => {
            setNotice(
              <span>
                Bank <Link to={`/banks/${b.id}`}>{b.name}</Link> created. Add entries to it on its page.
              </span>,
            );
            banks.reload();
          }}
        />
      ) : null}
      <Notice>{notice}</Notice>
      <ErrorBanner error={banks.error} title="Could not load the banks." />
      <BankTable caption="Your agency’s banks" banks={own} loading={banks.loading && !banks.data} empty={manage ? 'No banks yet. Create one above.' : 'Your agency has no banks yet.'} />
      {shared.length > 0 ? (
        <>
          <h2 id="shared-banks-title">Shared with your agency</h2>
          <p className="hint">Read-only: you can see their entries and your captures are matched against them; only their owner can change them.</p>
          <BankTable caption="Banks shared with your agency" banks={shared} loading={false} empty="" />
        </>
      ) : null}
    </section>
  );
}

function BankTable({ caption, banks, loading, empty }: { caption: string; banks: BankView[]; loading: boolean; empty: string }): ReactNode {
  return (
    <div className="table-wrap">
      <table className="data banks">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Owner</th>
            <th scope="col" className="num">
              Entries
            </th>
            <th scope="col">Thresholds</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {banks.map((b) => (
            <tr key={b.id} data-bank-id={b.id} className={b.enabled ? undefined : 'row-inactive'}>
              <td>
                <Link to={`/banks/${b.id}`}>{b.name}</Link>
                {b.description ? <div className="small muted">{b.description}</div> : null}
              </td>
              <td>
                <BankKindBadge kind={b.kind} />
              </td>
              <td>
                <EnabledBadge enabled={b.enabled} />
              </td>
              <td>
                {b.readOnly ? (
                  <>
                    <span className="tag">shared with you</span> {b.ownerAgencyName}
                  </>
                ) : (
                  <>
                    <span className="muted">yours</span>
                    {b.sharedWith && b.sharedWith.length > 0 ? <div className="small muted">shared with {b.sharedWith.map((s) => s.agencyName).join(', ')}</div> : null}
                  </>
                )}
              </td>
              <td className="num">{b.entryCount}</td>
              <td className="small nowrap">
                PDQ ≤ {b.pdqDistance} · vPDQ ≤ {b.vpdqDistance} · SimHash ≤ {b.simhashDistance}
              </td>
              <td className="nowrap">
                <Time ms={b.updatedAt} />
              </td>
            </tr>
          ))}
          {banks.length === 0 && empty ? <EmptyRow columns={7}>{loading ? 'Loading…' : empty}</EmptyRow> : null}
        </tbody>
      </table>
    </div>
  );
}

/** The threshold and flood fields, shared by the create form here and the settings form of a bank. */
export interface ThresholdDraft {
  pdqDistance: string;
  vpdqDistance: string;
  simhashDistance: string;
  vpdqQueryMatchPercent: string;
  vpdqComparedMatchPercent: string;
  floodMaxItemsPerHour: string;
}

export function thresholdDraftOf(s: { [K in keyof ThresholdDraft]: number }): ThresholdDraft {
  return {
    pdqDistance: String(s.pdqDistance),
    vpdqDistance: String(s.vpdqDistance),
    simhashDistance: String(s.simhashDistance),
    vpdqQueryMatchPercent: String(s.vpdqQueryMatchPercent),
    vpdqComparedMatchPercent: String(s.vpdqComparedMatchPercent),
    floodMaxItemsPerHour: String(s.floodMaxItemsPerHour),
  };
}

export function thresholdsOf(d: ThresholdDraft) {
  return {
    pdqDistance: intOrUndefined(d.pdqDistance),
    vpdqDistance: intOrUndefined(d.vpdqDistance),
    simhashDistance: intOrUndefined(d.simhashDistance),
    vpdqQueryMatchPercent: intOrUndefined(d.vpdqQueryMatchPercent),
    vpdqComparedMatchPercent: intOrUndefined(d.vpdqComparedMatchPercent),
    floodMaxItemsPerHour: intOrUndefined(d.floodMaxItemsPerHour),
  };
}

const THRESHOLD_FIELDS: { key: keyof ThresholdDraft; label: string; min: number; max: number; hint: string }[] = [
  { key: 'pdqDistance', label: 'PDQ distance', min: 0, max: BANK_PDQ_DISTANCE_MAX, hint: 'bits of 256 that may differ' },
  { key: 'vpdqDistance', label: 'vPDQ frame distance', min: 0, max: BANK_PDQ_DISTANCE_MAX, hint: 'per frame, bits of 256' },
  { key: 'simhashDistance', label: 'SimHash distance', min: 0, max: BANK_SIMHASH_DISTANCE_MAX, hint: 'bits of 64' },
  { key: 'vpdqQueryMatchPercent', label: 'vPDQ query match %', min: 1, max: 100, hint: 'of the capture’s frames' },
  { key: 'vpdqComparedMatchPercent', label: 'vPDQ compared match %', min: 0, max: 100, hint: 'of the banked video’s frames' },
  { key: 'floodMaxItemsPerHour', label: 'Flood limit (items per hour)', min: 0, max: BANK_FLOOD_MAX, hint: 'one entry matching more is quarantined; 0: never' },
];

export function ThresholdFields({ idPrefix, draft, onChange }: { idPrefix: string; draft: ThresholdDraft; onChange: (d: ThresholdDraft) => void }): ReactNode {
  return (
    <div className="form-row thresholds">
      {THRESHOLD_FIELDS.map((f) => (
        <div className="field field-narrow" key={f.key}>
          <label htmlFor={`${idPrefix}-${f.key}`}>{f.label}</label>
          <input
            id={`${idPrefix}-${f.key}`}
            type="number"
            required
            min={f.min}
            max={f.max}
            step={1}
            aria-describedby={`${idPrefix}-${f.key}-hint`}
            value={draft[f.key]}
            onChange={(e) => onChange({ ...draft, [f.key]: e.target.value })}
          />
          <span id={`${idPrefix}-${f.key}-hint`} className="hint small">
            {f.hint}
          </span>
        </div>
      ))}
    </div>
  );
}

function CreateBankForm({ onCreated }: { onCreated: (b: BankView) => void }): ReactNode {
  const banksApi = useBankApi();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<BankKind>('positive');
  const [description, setDescription] = useState('');
  const [thresholds, setThresholds] = useState<ThresholdDraft>(thresholdDraftOf(DEFAULT_SETTINGS));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  const onSubmit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const created = await banksApi.create({ name: name.trim(), kind, description: description.trim(), ...thresholdsOf(thresholds) });
      setName('');
      setDescription('');
      setThresholds(thresholdDraftOf(DEFAULT_SETTINGS));
      onCreated(created);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
      nameRef.current?.focus();
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void onSubmit(e)} aria-labelledby="new-bank-title">
      <h2 id="new-bank-title">Create a bank</h2>
      <ErrorBanner error={error} title="Could not create the bank." />
      <div className="form-row">
        <div className="field">
          <label htmlFor="bank-name">Name</label>
          <input id="bank-name" ref={nameRef} required maxLength={BANK_NAME_MAX} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <SelectField id="bank-kind" label="Kind" width="narrow" value={kind} options={BANK_KINDS} describedBy="bank-kind-hint" onChange={setKind} />
        <div className="field field-wide">
          <label htmlFor="bank-description">Description</label>
          <input id="bank-description" maxLength={BANK_DESCRIPTION_MAX} value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
      </div>
      <p id="bank-kind-hint" className="hint">
        {KIND_HINTS[kind]}
      </p>
      <fieldset className="subform">
        <legend>Thresholds</legend>
        <ThresholdFields idPrefix="bank-new" draft={thresholds} onChange={setThresholds} />
      </fieldset>
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={pending}>
          Create bank
        </button>
      </div>
    </form>
  );
}
