/**
 * One bank: its settings and thresholds (editable by the owning agency, read-only on a bank shared
 * with it), who it is shared with, its entries with their labels and provenance, and the ways to
 * add entries: one at a time, a pasted list, or an exchange file (TCAP, ThreatExchange text or CSV,
 * plain CSV). Entries can be disabled (for good or until a time), enabled and released from flood
 * quarantine; the entry list pages back with the server's cursor and keeps its filters in the
 * address.
 *
 * The item page's "Matches" section lives here too (`ItemMatches`), next to the bank it links to.
 */
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../api/client';
import { LineOutcomeBadge, StatusBadge } from '../badges';
import { saveBlob } from '../download';
import { Field, FilterButtons, FormButtons, SelectField } from '../fields';
import { useFilteredPages } from '../filtered-pages';
import { CreatedUpdatedFacts, RecordHeading } from '../record-page';
import { can, useSession } from '../session';
import { ActionsHeader, EmptyRow, PageFooter } from '../tables';
import { ErrorBanner, Notice, ShortHash, Time, useLoad, useTitle } from '../ui';
import {
  BANK_BULK_MAX,
  BANK_DESCRIPTION_MAX,
  BANK_KINDS,
  BANK_NAME_MAX,
  BankKindBadge,
  EnabledBadge,
  EXCHANGE_FORMATS,
  KIND_HINTS,
  LABEL_KEYS,
  LABEL_MAX,
  LABEL_NAMES,
  LabelList,
  PROVENANCE_MAX,
  SIGNAL_KINDS,
  SignalText,
  ThresholdFields,
  thresholdDraftOf,
  thresholdsOf,
  TIER_LABELS,
  TIERS,
  useBankApi,
  type BankEntryView,
  type BankKind,
  type BankView,
  type BulkEntryReport,
  type EntryChange,
  type EntryLabels,
  type EntryQuery,
  type ExchangeFormat,
  type ImportReport,
  type SignalKind,
  type ThresholdDraft,
  type Tier,
} from './banks.screen';

const ENTRY_PAGE_SIZE = 100;
const ENTRY_FILTER_KEYS = ['kind', 'state', 'outlet'] as const;
type EntryFilterKey = (typeof ENTRY_FILTER_KEYS)[number];
type EntryFilters = Record<EntryFilterKey, string>;

/** Entry states as people ask for them, and the entries route's query for each. */
const ENTRY_STATES = ['active', 'disabled', 'quarantined'] as const;
type EntryStateName = (typeof ENTRY_STATES)[number];
const ENTRY_STATE_QUERY: Record<EntryStateName, Pick<EntryQuery, 'enabled' | 'quarantined'>> = {
  active: { enabled: true, quarantined: false },
  disabled: { enabled: false },
  quarantined: { quarantined: true },
};

const FORMAT_LABELS: Record<ExchangeFormat, string> = {
  tcap: 'TCAP hash list (JSON)',
  'te-text': 'ThreatExchange / HMA text (kind value per line)',
  'te-csv': 'ThreatExchange / HMA CSV',
  csv: 'Plain CSV (kind,value,external_id,outlet,group,ideology,tier,content_type)',
};

const FORMAT_EXTENSIONS: Record<ExchangeFormat, string> = { tcap: 'json', 'te-text': 'txt', 'te-csv': 'csv', csv: 'csv' };

function entryState(e: BankEntryView): EntryStateName {
  if (e.quarantinedAt !== null) return 'quarantined';
  return e.active ? 'active' : 'disabled';
}

function toEntryQuery(f: EntryFilters): EntryQuery {
  const kind = (SIGNAL_KINDS as readonly string[]).includes(f.kind) ? (f.kind as SignalKind) : undefined;
  const state = (ENTRY_STATES as readonly string[]).includes(f.state) ? ENTRY_STATE_QUERY[f.state as EntryStateName] : {};
  const outlet = f.outlet.trim();
  return { ...(kind ? { kind } : {}), ...state, ...(outlet ? { outlet } : {}) };
}

/** A `datetime-local` value (local time) as epoch milliseconds, or null when empty or invalid. */
function localInputToMs(v: string): number | null {
  if (!v) return null;
  const ms = new Date(v).getTime();
  return Number.isNaN(ms) ? null : ms;
}

function shortSignal(signal: string): string {
  return signal.length > 24 ? `${signal.slice(0, 24)}…` : signal;
}

/**
 * Names of the agency's people by user id, for "added by", when the user may list them (user.read);
 * otherwise empty and the id is shown. Entries added by a job or the CLI carry an actor, not an id.
 */
function usePeople(): Map<string, string> {
  const session = useSession();
  const canList = can(session, 'user.read');
  const users = useLoad(() => (canList ? api.listUsers() : Promise.resolve([])), [canList]);
  return useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u.displayName])), [users.data]);
}

export function BankRoute(): ReactNode {
  const { bankId = '' } = useParams();
  // A new key per bank: no form, filter or report carries over from one bank to the next.
  return <BankScreen key={bankId} bankId={bankId} />;
}

function BankScreen({ bankId }: { bankId: string }): ReactNode {
  const session = useSession();
  const banksApi = useBankApi();
  const detail = useLoad(() => banksApi.get(bankId), [banksApi, bankId]);
  const [notice, setNotice] = useState<ReactNode>(null);
  const [entriesVersion, setEntriesVersion] = useState(0);
  const bank = detail.data;
  useTitle(bank ? `Bank ${bank.name}` : 'Bank');
  const manage = bank !== undefined && !bank.readOnly && can(session, 'bank.manage');

  const entriesChanged = (message: ReactNode): void => {
    setNotice(message);
    setEntriesVersion((v) => v + 1);
    detail.reload();
  };

  return (
    <section aria-labelledby="bank-title">
      <RecordHeading list="/banks" listLabel="Banks" titleId="bank-title" title={bank ? bank.name : 'Bank'} error={detail.error} errorTitle="Could not load the bank." loading={detail.loading && !bank} />
      {bank ? (
        <>
          <p className="bank-badges">
            <BankKindBadge kind={bank.kind} /> <EnabledBadge enabled={bank.enabled} />{' '}
            {bank.readOnly ? (
              <span className="tag">shared with your agency by {bank.ownerAgencyName}, read-only</span>
            ) : null}{' '}
            <span className="muted">
              {bank.entryCount} entr{bank.entryCount === 1 ? 'y' : 'ies'}
            </span>
          </p>
          <Notice>{notice}</Notice>
          {manage ? (
            <BankSettingsForm
              bank={bank}
              onSaved={(message) => {
                setNotice(message);
                detail.reload();
              }}
            />
          ) : (
            <BankFacts bank={bank} />
          )}
          {manage ? (
            <SharingPanel
              bank={bank}
              onChanged={(message) => {
                setNotice(message);
                detail.reload();
              }}
            />
          ) : null}
          <EntriesSection key={entriesVersion} bank={bank} manage={manage} />
          {manage ? (
            <>
              <AddEntryForm bankId={bank.id} onAdded={entriesChanged} />
              <BulkPasteForm bankId={bank.id} onDone={entriesChanged} />
            </>
          ) : null}
          <ExchangePanel bank={bank} canImport={manage} onImported={entriesChanged} />
        </>
      ) : null}
    </section>
  );
}

function BankFacts({ bank }: { bank: BankView }): ReactNode {
  return (
    <>
      <h2 id="bank-settings-title">Settings</h2>
      {bank.readOnly ? <p className="hint">Only {bank.ownerAgencyName}, which owns this bank, can change it.</p> : null}
      <dl className="facts">
        <dt>Kind</dt>
        <dd>
          {bank.kind} <span className="muted">· {KIND_HINTS[bank.kind]}</span>
        </dd>
        <dt>Status</dt>
        <dd>{bank.enabled ? 'enabled: captures are matched against it' : 'disabled: no matches are made against it'}</dd>
        <dt>Description</dt>
        <dd>{bank.description || <span className="muted">—</span>}</dd>
        <dt>PDQ distance</dt>
        <dd>≤ {bank.pdqDistance} of 256 bits</dd>
        <dt>vPDQ</dt>
        <dd>
          frame distance ≤ {bank.vpdqDistance}; {bank.vpdqQueryMatchPercent} % of the capture’s frames, {bank.vpdqComparedMatchPercent} % of the banked video’s
        </dd>
        <dt>SimHash distance</dt>
        <dd>≤ {bank.simhashDistance} of 64 bits</dd>
        <dt>Flood limit</dt>
        <dd>{bank.floodMaxItemsPerHour === 0 ? 'none' : `${bank.floodMaxItemsPerHour} items per hour per entry, then quarantine`}</dd>
        <dt>Owner</dt>
        <dd>{bank.ownerAgencyName}</dd>
        <CreatedUpdatedFacts createdAt={bank.createdAt} updatedAt={bank.updatedAt} />
      </dl>
    </>
  );
}

function BankSettingsForm({ bank, onSaved }: { bank: BankView; onSaved: (message: string) => void }): ReactNode {
  const banksApi = useBankApi();
  const [name, setName] = useState(bank.name);
  const [kind, setKind] = useState<BankKind>(bank.kind);
  const [description, setDescription] = useState(bank.description);
  const [thresholds, setThresholds] = useState<ThresholdDraft>(thresholdDraftOf(bank));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const save = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      await banksApi.update(bank.id, { name: name.trim(), kind, description: description.trim(), ...thresholdsOf(thresholds) });
      onSaved('Settings saved. Matching uses them from now on.');
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  const toggle = async (): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      const saved = await banksApi.update(bank.id, { enabled: !bank.enabled });
      onSaved(saved.enabled ? 'Bank enabled: new captures are matched against it.' : 'Bank disabled: no new matches are made against it.');
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void save(e)} aria-labelledby="bank-settings-title">
      <h2 id="bank-settings-title">Settings</h2>
      <ErrorBanner error={error} title="Could not change the bank." />
      <div className="form-row">
        <div className="field">
          <label htmlFor="bank-edit-name">Name</label>
          <input id="bank-edit-name" required maxLength={BANK_NAME_MAX} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <SelectField id="bank-edit-kind" label="Kind" width="narrow" value={kind} options={BANK_KINDS} describedBy="bank-edit-kind-hint" onChange={setKind} />
        <div className="field field-wide">
          <label htmlFor="bank-edit-description">Description</label>
          <input id="bank-edit-description" maxLength={BANK_DESCRIPTION_MAX} value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
      </div>
      <p id="bank-edit-kind-hint" className="hint">
        {KIND_HINTS[kind]}
      </p>
      <fieldset className="subform">
        <legend>Thresholds</legend>
        <ThresholdFields idPrefix="bank-edit" draft={thresholds} onChange={setThresholds} />
      </fieldset>
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={pending}>
          Save settings
        </button>
        <button type="button" className={`button${bank.enabled ? ' button-danger' : ''}`} disabled={pending} onClick={() => void toggle()}>
          {bank.enabled ? 'Disable bank' : 'Enable bank'}
        </button>
        <span className="muted small">
          Created <Time ms={bank.createdAt} />, updated <Time ms={bank.updatedAt} />
        </span>
      </div>
    </form>
  );
}

function SharingPanel({ bank, onChanged }: { bank: BankView; onChanged: (message: string) => void }): ReactNode {
  const session = useSession();
  const banksApi = useBankApi();
  const canList = can(session, 'agency.read');
  const operator = can(session, 'instance.manage');
  const agencies = useLoad(() => (canList ? banksApi.agencies() : Promise.resolve([])), [banksApi, canList]);
  const [agencyId, setAgencyId] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const shares = bank.sharedWith ?? [];
  const options = (agencies.data ?? []).filter((a) => a.id !== bank.ownerAgencyId && !shares.some((s) => s.agencyId === a.id));
  const listed = (agencies.data ?? []).some((a) => a.id !== bank.ownerAgencyId);

  const run = async (work: () => Promise<void>, message: string): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      await work();
      setAgencyId('');
      onChanged(message);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  const share = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const id = agencyId.trim();
    const name = options.find((a) => a.id === id)?.name ?? id;
    void run(() => banksApi.share(bank.id, id), `Shared with ${name}, read-only.`);
  };

  return (
    <section className="panel" aria-labelledby="bank-sharing-title">
      <h2 id="bank-sharing-title">Sharing</h2>
      <p className="hint">
        Agencies you share with see the entries read-only and match their own captures against them. They never see who
        added an entry.
      </p>
      <ErrorBanner error={error} title="Could not change the sharing." />
      <ErrorBanner error={agencies.error} title="Could not list agencies." />
      {shares.length === 0 ? (
        <p className="muted">Not shared with any agency.</p>
      ) : (
        <ul className="share-list">
          {shares.map((s) => (
            <li key={s.agencyId}>
              {s.agencyName} <span className="muted small">since <Time ms={s.createdAt} /></span>{' '}
              <button
                type="button"
                className="button button-small"
                disabled={pending}
                onClick={() => void run(() => banksApi.unshare(bank.id, s.agencyId), `No longer shared with ${s.agencyName}.`)}
              >
                Stop sharing<span className="visually-hidden"> with {s.agencyName}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={share} aria-label="Share with an agency">
        <div className="form-row">
          {options.length > 0 ? (
            <SelectField id="bank-share-agency" label="Agency" required value={agencyId} empty="choose…" options={options.map((a) => ({ value: a.id, label: `${a.name} (${a.kind})` }))} onChange={setAgencyId} />
          ) : (
            <Field id="bank-share-agency" label="Agency ID" width="wide">
              <input
                id="bank-share-agency"
                required
                spellCheck={false}
                autoComplete="off"
                className="mono"
                aria-describedby="bank-share-hint"
                value={agencyId}
                onChange={(e) => setAgencyId(e.target.value)}
              />
            </Field>
          )}
          <button type="submit" className="button" disabled={pending || agencyId.trim() === ''}>
            Share
          </button>
        </div>
        {options.length === 0 ? (
          <p id="bank-share-hint" className="hint">
            {listed
              ? 'Every other agency on this instance already has it.'
              : operator
                ? 'There is no other agency on this instance yet; create one on the Agencies page, or paste an agency ID.'
                : 'Only the instance operator can list other agencies; paste the ID of the agency to share with.'}
          </p>
        ) : null}
      </form>
    </section>
  );
}

function EntriesSection({ bank, manage }: { bank: BankView; manage: boolean }): ReactNode {
  const banksApi = useBankApi();
  const people = usePeople();
  const { applied, draft, setDraft, rows, nextBefore, error, loading, loadMore, apply, clear, hasFilters } = useFilteredPages(
    ENTRY_FILTER_KEYS,
    async (f: EntryFilters, before?: string) => {
      const page = await banksApi.entries(bank.id, { ...toEntryQuery(f), limit: ENTRY_PAGE_SIZE, ...(before ? { before } : {}) });
      return { rows: page.entries, nextBefore: page.nextBefore };
    },
  );
  // Rows changed here replace the loaded ones, so the pages already loaded stay where they are;
  // a row loaded later than the change (a filter applied since) is the newer one.
  const [changed, setChanged] = useState<Record<string, BankEntryView>>({});
  const entries = rows.map((r) => {
    const c = changed[r.id];
    return c && c.updatedAt >= r.updatedAt ? c : r;
  });
  const columns = manage ? 6 : 5;

  return (
    <section aria-labelledby="bank-entries-title">
      <h2 id="bank-entries-title">Entries</h2>
      <form className="panel filters" onSubmit={apply} aria-label="Entry filters">
        <div className="form-row">
          <SelectField id="entries-kind" label="Signal kind" width="narrow" value={draft.kind} empty="any" options={SIGNAL_KINDS} onChange={(kind) => setDraft({ ...draft, kind })} />
          <SelectField id="entries-state" label="State" width="narrow" value={draft.state} empty="any" options={ENTRY_STATES} onChange={(state) => setDraft({ ...draft, state })} />
          <div className="field">
            <label htmlFor="entries-outlet">Outlet label</label>
            <input id="entries-outlet" maxLength={LABEL_MAX} value={draft.outlet} onChange={(e) => setDraft({ ...draft, outlet: e.target.value })} />
          </div>
          <FilterButtons hasFilters={hasFilters} onClear={clear} />
        </div>
      </form>
      <ErrorBanner error={error} title="Could not load the entries." />
      <div className="table-wrap">
        <table className="data entries">
          <caption className="visually-hidden">Entries of {bank.name}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Signal</th>
              <th scope="col">Labels</th>
              <th scope="col">Provenance</th>
              <th scope="col">State</th>
              <th scope="col">Added</th>
              {manage ? <ActionsHeader /> : null}
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <EntryRow key={e.id} bankId={bank.id} entry={e} people={people} manage={manage} columns={columns} onChanged={(updated) => setChanged((c) => ({ ...c, [updated.id]: updated }))} />
            ))}
            {!loading && entries.length === 0 && !error ? (
              <EmptyRow columns={columns}>{hasFilters ? 'No entries match these filters.' : manage ? 'No entries yet. Add some below.' : 'No entries.'}</EmptyRow>
            ) : null}
          </tbody>
        </table>
      </div>
      <PageFooter
        shown={entries.length}
        noun={['entry', 'entries']}
        more={nextBefore !== null}
        loading={loading}
        onLoadMore={loadMore}
        detail={applied.state ? ` (${applied.state})` : ''}
      />
    </section>
  );
}

function EntryStateCell({ entry: e }: { entry: BankEntryView }): ReactNode {
  const state = entryState(e);
  return (
    <>
      <StatusBadge tone={state === 'active' ? 'ok' : state === 'quarantined' ? 'bad' : 'job-cancelled'}>{state}</StatusBadge>
      {e.quarantinedAt !== null ? (
        <div className="small">
          since <Time ms={e.quarantinedAt} />
          {e.quarantineReason ? <div className="error-text quarantine-reason">{e.quarantineReason}</div> : null}
        </div>
      ) : null}
      {!e.enabled && e.disabledUntil !== null ? (
        <div className="small muted">
          {e.active ? 'disable-until passed' : 'until'} <Time ms={e.disabledUntil} />
        </div>
      ) : null}
    </>
  );
}

function EntryRow({
  bankId,
  entry: e,
  people,
  manage,
  columns,
  onChanged,
}: {
  bankId: string;
  entry: BankEntryView;
  people: Map<string, string>;
  manage: boolean;
  columns: number;
  onChanged: (e: BankEntryView) => void;
}): ReactNode {
  const banksApi = useBankApi();
  const [panel, setPanel] = useState<'none' | 'until' | 'labels'>('none');
  const [until, setUntil] = useState('');
  const [labels, setLabels] = useState<LabelDraft>(labelDraftOf(e.labels));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const name = shortSignal(e.signal);
  const panelId = `entry-panel-${e.id}`;
  const panelRef = useRef<HTMLTableRowElement>(null);

  // Opening a row's form moves focus into it, so keyboard users land where they type.
  useEffect(() => {
    if (panel !== 'none') panelRef.current?.querySelector<HTMLElement>('input, select')?.focus();
  }, [panel]);

  const change = async (patch: EntryChange): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      onChanged(await banksApi.updateEntry(bankId, e.id, patch));
      setPanel('none');
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  const disableUntil = (ev: FormEvent<HTMLFormElement>): void => {
    ev.preventDefault();
    const ms = localInputToMs(until);
    if (ms === null) return;
    void change({ disabledUntil: ms });
  };

  const saveLabels = (ev: FormEvent<HTMLFormElement>): void => {
    ev.preventDefault();
    void change({ labels: labelsOf(labels) });
  };

  return (
    <>
      <tr data-entry-id={e.id} className={e.active ? undefined : 'row-inactive'}>
        <td>
          <SignalText signal={e.signal} />
        </td>
        <td>
          <LabelList labels={e.labels} />
        </td>
        <td className="small">
          <Provenance source={e.source} externalId={e.externalId} importer={e.importer} addedBy={e.addedBy} people={people} />
        </td>
        <td>
          <EntryStateCell entry={e} />
        </td>
        <td className="nowrap">
          <Time ms={e.addedAt} />
        </td>
        {manage ? (
          <td className="actions">
            {e.quarantinedAt !== null ? (
              <button type="button" className="button button-small" disabled={pending} onClick={() => void change({ releaseQuarantine: true })} aria-label={`Release ${name} from quarantine`}>
                Release from quarantine
              </button>
            ) : null}
            {e.enabled ? (
              <button type="button" className="button button-small" disabled={pending} onClick={() => void change({ enabled: false })} aria-label={`Disable ${name}`}>
                Disable
              </button>
            ) : (
              <button type="button" className="button button-small" disabled={pending} onClick={() => void change({ enabled: true })} aria-label={`Enable ${name}`}>
                Enable
              </button>
            )}
            <button
              type="button"
              className="button button-small"
              aria-expanded={panel === 'until'}
              aria-controls={panelId}
              onClick={() => setPanel(panel === 'until' ? 'none' : 'until')}
              aria-label={`Disable ${name} until a time`}
            >
              Disable until…
            </button>
            <button
              type="button"
              className="button button-small"
              aria-expanded={panel === 'labels'}
              aria-controls={panelId}
              onClick={() => setPanel(panel === 'labels' ? 'none' : 'labels')}
              aria-label={`Edit labels of ${name}`}
            >
              Labels…
            </button>
          </td>
        ) : null}
      </tr>
      {error !== null || panel !== 'none' ? (
        <tr className="entry-panel-row" id={panelId} ref={panelRef}>
          <td colSpan={columns}>
            <ErrorBanner error={error} title={`Could not change ${name}.`} />
            {panel === 'until' ? (
              <form className="form-row" onSubmit={disableUntil} aria-label={`Disable ${name} until a time`}>
                <div className="field">
                  <label htmlFor={`${panelId}-until`}>Disable until (your local time)</label>
                  <input id={`${panelId}-until`} type="datetime-local" required value={until} onChange={(ev) => setUntil(ev.target.value)} />
                </div>
                <button type="submit" className="button button-primary" disabled={pending}>
                  Disable until then
                </button>
                <button type="button" className="button" onClick={() => setPanel('none')}>
                  Cancel
                </button>
              </form>
            ) : null}
            {panel === 'labels' ? (
              <form onSubmit={saveLabels} aria-label={`Labels of ${name}`}>
                <LabelFields idPrefix={`${panelId}-labels`} draft={labels} onChange={setLabels} />
                <FormButtons submit="Save labels" pending={pending} onCancel={() => setPanel('none')} />
              </form>
            ) : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}

function Provenance({
  source,
  externalId,
  importer,
  addedBy,
  addedAt,
  people,
}: {
  source: string;
  externalId: string | null;
  importer: string | null;
  addedBy: string | null;
  addedAt?: number;
  people: Map<string, string>;
}): ReactNode {
  const person = addedBy ? people.get(addedBy) : undefined;
  return (
    <dl className="provenance">
      <dt>Source</dt>
      <dd>{source}</dd>
      {externalId ? (
        <>
          <dt>External ID</dt>
          <dd className="mono break">{externalId}</dd>
        </>
      ) : null}
      {importer ? (
        <>
          <dt>Importer</dt>
          <dd>{importer}</dd>
        </>
      ) : null}
      {addedBy ? (
        <>
          <dt>Added by</dt>
          {person ? (
            <dd title={addedBy}>{person}</dd>
          ) : (
            <dd className="mono break">{addedBy}</dd>
          )}
        </>
      ) : null}
      {addedAt !== undefined ? (
        <>
          <dt>Added</dt>
          <dd>
            <Time ms={addedAt} />
          </dd>
        </>
      ) : null}
    </dl>
  );
}

type LabelDraft = Record<(typeof LABEL_KEYS)[number], string>;

function labelDraftOf(l: EntryLabels): LabelDraft {
  return { outlet: l.outlet ?? '', group: l.group ?? '', ideology: l.ideology ?? '', tier: l.tier ?? '', contentType: l.contentType ?? '' };
}

const NO_LABEL_DRAFT: LabelDraft = { outlet: '', group: '', ideology: '', tier: '', contentType: '' };

/** Every label, an empty field as null (the server clears it). */
function labelsOf(d: LabelDraft): EntryLabels {
  const text = (v: string): string | null => (v.trim() === '' ? null : v.trim());
  return {
    outlet: text(d.outlet),
    group: text(d.group),
    ideology: text(d.ideology),
    tier: (TIERS as readonly string[]).includes(d.tier) ? (d.tier as Tier) : null,
    contentType: text(d.contentType),
  };
}

function LabelFields({ idPrefix, draft, onChange }: { idPrefix: string; draft: LabelDraft; onChange: (d: LabelDraft) => void }): ReactNode {
  return (
    <div className="form-row">
      {LABEL_KEYS.map((k) =>
        k === 'tier' ? (
          <SelectField key={k} id={`${idPrefix}-${k}`} label={LABEL_NAMES[k]} width="narrow" value={draft.tier} empty="none" options={TIERS} labels={TIER_LABELS} onChange={(tier) => onChange({ ...draft, tier })} />
        ) : (
          <div className="field" key={k}>
            <label htmlFor={`${idPrefix}-${k}`}>{LABEL_NAMES[k]}</label>
            <input id={`${idPrefix}-${k}`} maxLength={LABEL_MAX} value={draft[k]} onChange={(e) => onChange({ ...draft, [k]: e.target.value })} />
          </div>
        ),
      )}
    </div>
  );
}

function AddEntryForm({ bankId, onAdded }: { bankId: string; onAdded: (message: ReactNode) => void }): ReactNode {
  const banksApi = useBankApi();
  const [kind, setKind] = useState<SignalKind | ''>('');
  const [value, setValue] = useState('');
  const [labels, setLabels] = useState<LabelDraft>(NO_LABEL_DRAFT);
  const [source, setSource] = useState('');
  const [externalId, setExternalId] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const valueRef = useRef<HTMLTextAreaElement>(null);

  const onSubmit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const { entry, created } = await banksApi.addEntry(bankId, {
        ...(kind ? { kind } : {}),
        value: value.trim(),
        labels: labelsOf(labels),
        ...(source.trim() ? { source: source.trim() } : {}),
        ...(externalId.trim() ? { externalId: externalId.trim() } : {}),
      });
      setValue('');
      setExternalId('');
      onAdded(
        created ? (
          <span>
            Added <code className="hash">{shortSignal(entry.signal)}</code>.
          </span>
        ) : (
          <span>
            The bank already holds <code className="hash">{shortSignal(entry.signal)}</code>; nothing was added.
          </span>
        ),
      );
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
      valueRef.current?.focus();
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void onSubmit(e)} aria-labelledby="add-entry-title">
      <h2 id="add-entry-title">Add an entry</h2>
      <ErrorBanner error={error} title="Could not add the entry." />
      <div className="form-row">
        <SelectField id="entry-kind" label="Signal kind" width="narrow" value={kind} empty="from the value’s prefix" options={SIGNAL_KINDS} onChange={setKind} />
        <div className="field field-wide">
          <label htmlFor="entry-value">Signal</label>
          <textarea
            id="entry-value"
            ref={valueRef}
            required
            rows={2}
            spellCheck={false}
            autoComplete="off"
            className="mono"
            aria-describedby="entry-value-hint"
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        </div>
      </div>
      <p id="entry-value-hint" className="hint">
        Written as <code>kind:value</code>: <code>pdq:</code> and 64 hex digits, <code>md5:</code> 32, <code>sha256:</code> 64,{' '}
        <code>simhash:</code> 16, <code>video_md5:</code> 32, or <code>vpdq:</code> with reference lines or HMA JSON. With a kind
        chosen, the bare value is enough.
      </p>
      <fieldset className="subform">
        <legend>Labels</legend>
        <LabelFields idPrefix="entry-labels" draft={labels} onChange={setLabels} />
      </fieldset>
      <div className="form-row">
        <div className="field">
          <label htmlFor="entry-source">Source</label>
          <input id="entry-source" maxLength={PROVENANCE_MAX} placeholder="manual" value={source} onChange={(e) => setSource(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="entry-external-id">External ID</label>
          <input id="entry-external-id" maxLength={PROVENANCE_MAX} spellCheck={false} value={externalId} onChange={(e) => setExternalId(e.target.value)} />
        </div>
        <button type="submit" className="button button-primary" disabled={pending}>
          Add entry
        </button>
      </div>
    </form>
  );
}

function BulkPasteForm({ bankId, onDone }: { bankId: string; onDone: (message: ReactNode) => void }): ReactNode {
  const banksApi = useBankApi();
  const [text, setText] = useState('');
  const [source, setSource] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<{ lines: { line: number; input: string }[]; answer: BulkEntryReport } | null>(null);

  const onSubmit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setError(null);
    const lines = text
      .split(/\r?\n/)
      .map((input, i) => ({ line: i + 1, input: input.trim() }))
      .filter((l) => l.input !== '');
    if (lines.length === 0) return;
    if (lines.length > BANK_BULK_MAX) {
      setError(new Error(`At most ${BANK_BULK_MAX} signals at a time; this list has ${lines.length}. Import larger lists as a file below.`));
      return;
    }
    setPending(true);
    try {
      const answer = await banksApi.addEntries(
        bankId,
        lines.map((l) => ({ value: l.input, ...(source.trim() ? { source: source.trim() } : {}) })),
      );
      setReport({ lines, answer });
      if (answer.rejected === 0) setText('');
      onDone(`${answer.added} added, ${answer.duplicate} already held, ${answer.rejected} rejected.`);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void onSubmit(e)} aria-labelledby="bulk-entries-title">
      <h2 id="bulk-entries-title">Paste a list</h2>
      <ErrorBanner error={error} title="Could not add the list." />
      <div className="form-row">
        <div className="field field-wide">
          <label htmlFor="bulk-entries">Signals, one kind:value per line</label>
          <textarea
            id="bulk-entries"
            rows={6}
            spellCheck={false}
            autoComplete="off"
            className="mono"
            required
            placeholder={'pdq:…\nmd5:…'}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
      </div>
      <div className="form-row">
        <div className="field">
          <label htmlFor="bulk-source">Source for every line</label>
          <input id="bulk-source" maxLength={PROVENANCE_MAX} placeholder="manual" value={source} onChange={(e) => setSource(e.target.value)} />
        </div>
        <button type="submit" className="button button-primary" disabled={pending}>
          Add list
        </button>
      </div>
      <p className="hint">Bad lines are reported by line number and never stop the good ones; lines the bank already holds are counted, not added twice.</p>
      {report ? <BulkReportView report={report} /> : null}
    </form>
  );
}

function BulkReportView({ report }: { report: { lines: { line: number; input: string }[]; answer: BulkEntryReport } }): ReactNode {
  const { answer, lines } = report;
  return (
    <div className="bulk-report" aria-labelledby="bulk-report-title">
      <h3 id="bulk-report-title">Result</h3>
      <Counts counts={[['added', answer.added], ['duplicate', answer.duplicate], ['rejected', answer.rejected]]} />
      <div className="table-wrap">
        <table className="data">
          <caption className="visually-hidden">Outcome of every pasted line</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                Line
              </th>
              <th scope="col">Signal</th>
              <th scope="col">Outcome</th>
              <th scope="col">Code</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {answer.results.map((r) => (
              <tr key={r.index} className={r.outcome === 'rejected' ? 'row-rejected' : undefined}>
                <td className="num">{lines[r.index]?.line ?? r.index + 1}</td>
                <td className="mono break">{shortSignal(lines[r.index]?.input ?? '')}</td>
                <OutcomeCells outcome={r.outcome} code={r.code} reason={r.reason} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** The outcome of one pasted or imported line, with the server's code and reason when it was not added. */
function OutcomeCells({ outcome, code, reason }: { outcome: string; code: string | null; reason: string | null }): ReactNode {
  return (
    <>
      <td>
        <LineOutcomeBadge outcome={outcome} />
      </td>
      <td>{code ? <code>{code}</code> : <span className="muted">—</span>}</td>
      <td>{reason ?? <span className="muted">—</span>}</td>
    </>
  );
}

function Counts({ counts }: { counts: [string, number][] }): ReactNode {
  return (
    <div className="counts">
      {counts.map(([label, n]) => (
        <div key={label} className={`count count-static count-${label}`}>
          <span className="count-value">{n}</span> <span className="count-label">{label}</span>
        </div>
      ))}
    </div>
  );
}

function ExchangePanel({ bank, canImport, onImported }: { bank: BankView; canImport: boolean; onImported: (message: ReactNode) => void }): ReactNode {
  const banksApi = useBankApi();
  const [format, setFormat] = useState<ExchangeFormat>('tcap');
  const [kind, setKind] = useState<SignalKind | ''>('');
  const [source, setSource] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<{ name: string; report: ImportReport } | null>(null);
  const [exportFormat, setExportFormat] = useState<ExchangeFormat>('tcap');
  const [after, setAfter] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [exported, setExported] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  const doImport = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    if (!file) return;
    setPending(true);
    setError(null);
    setExported(null);
    try {
      const r = await banksApi.importFile(bank.id, file, format, { kind: format !== 'tcap' && kind ? kind : undefined, source: source.trim() || undefined });
      setReport({ name: file.name, report: r });
      setFile(null);
      if (fileRef.current) fileRef.current.value = '';
      onImported(`Imported ${file.name}: ${r.added} added, ${r.duplicate} already held, ${r.removed} removed, ${r.rejected} rejected.`);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  const doExport = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    setExported(null);
    try {
      const d = await banksApi.exportFile(bank.id, exportFormat, exportFormat === 'tcap' && after.trim() ? after.trim() : undefined);
      const name = d.filename ?? `${bank.name.replace(/[^A-Za-z0-9._-]+/g, '-')}.${FORMAT_EXTENSIONS[exportFormat]}`;
      saveBlob(d.blob, name);
      setExported(name);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  const problems = report?.report.lines.filter((l) => l.outcome !== 'added') ?? [];

  return (
    <section className="panel" aria-labelledby="bank-exchange-title">
      <h2 id="bank-exchange-title">{canImport ? 'Import and export' : 'Export'}</h2>
      <ErrorBanner error={error} title="The exchange did not work." />
      {canImport ? (
        <form onSubmit={(e) => void doImport(e)} aria-label="Import a hash list">
          <h3>Import a file</h3>
          <div className="form-row">
            <SelectField id="import-format" label="Format" value={format} options={EXCHANGE_FORMATS} labels={FORMAT_LABELS} onChange={setFormat} />
            {format !== 'tcap' ? (
              <SelectField id="import-kind" label="Kind of rows that name none" width="narrow" value={kind} empty="none" options={SIGNAL_KINDS} onChange={setKind} />
            ) : null}
            <div className="field">
              <label htmlFor="import-source">Source</label>
              <input id="import-source" maxLength={PROVENANCE_MAX} placeholder={format} value={source} onChange={(e) => setSource(e.target.value)} />
            </div>
            <div className="field field-wide">
              <label htmlFor="import-file">Hash list file</label>
              <input id="import-file" ref={fileRef} type="file" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            </div>
            <button type="submit" className="button button-primary" disabled={pending || !file}>
              Import file
            </button>
          </div>
          <p className="hint">Importing the same file again changes nothing. TCAP tombstones disable the entries they name; bad lines are reported and the good ones kept.</p>
        </form>
      ) : null}
      {report ? (
        <div className="import-report">
          <h3>Imported {report.name}</h3>
          <Counts
            counts={[
              ['added', report.report.added],
              ['duplicate', report.report.duplicate],
              ['removed', report.report.removed],
              ['rejected', report.report.rejected],
            ]}
          />
          {report.report.checkpoint ? (
            <p>
              Checkpoint <code>{report.report.checkpoint}</code>: give it as “after” to export only what changed since.
            </p>
          ) : null}
          {problems.length > 0 ? (
            <div className="table-wrap">
              <table className="data">
                <caption className="visually-hidden">Lines of {report.name} that were not added</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      Line
                    </th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Code</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {problems.map((l) => (
                    <tr key={l.line}>
                      <td className="num">{l.line}</td>
                      <OutcomeCells outcome={l.outcome} code={l.code} reason={l.reason} />
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </div>
      ) : null}
      <form className={canImport ? 'exchange-export' : undefined} onSubmit={(e) => void doExport(e)} aria-label="Export the bank">
        {canImport ? <h3>Export</h3> : null}
        <div className="form-row">
          <SelectField id="export-format" label="Format" value={exportFormat} options={EXCHANGE_FORMATS} labels={FORMAT_LABELS} onChange={setExportFormat} />
          {exportFormat === 'tcap' ? (
            <div className="field">
              <label htmlFor="export-after">After checkpoint (optional)</label>
              <input id="export-after" spellCheck={false} autoComplete="off" className="mono" placeholder="1700000000,entry-id" value={after} onChange={(e) => setAfter(e.target.value)} />
            </div>
          ) : null}
          <button type="submit" className="button" disabled={pending}>
            Download export
          </button>
        </div>
        <p className="hint">The export is recorded in the audit log. With a checkpoint, TCAP holds only the entries changed since, disabled ones as tombstones.</p>
      </form>
      <Notice>{exported ? `Downloaded ${exported}.` : null}</Notice>
    </section>
  );
}

// ---------------------------------------------------------------------------
// The item page's matches.

/**
 * The bank matches of one item, newest first, each with the labels and provenance its entry had
 * when it matched. Bank names come from the banks list when the user may read it (bank.read);
 * otherwise the bank's id is shown. Matching runs as part of the capture, so a new capture
 * (`capturedAt`) is the moment to look again.
 */
export function ItemMatches({ itemId, capturedAt }: { itemId: string; capturedAt: number | null }): ReactNode {
  const session = useSession();
  const banksApi = useBankApi();
  const people = usePeople();
  const canReadBanks = can(session, 'bank.read');
  const matches = useLoad(() => banksApi.matchesOf(itemId), [banksApi, itemId, capturedAt]);
  const banks = useLoad(() => (canReadBanks ? banksApi.list() : Promise.resolve([])), [banksApi, canReadBanks, capturedAt]);
  const bankById = new Map((banks.data ?? []).map((b) => [b.id, b]));
  const list = matches.data ?? [];

  return (
    <section aria-labelledby="matches-title">
      <h2 id="matches-title">Matches</h2>
      <ErrorBanner error={matches.error} title="Could not load the matches." />
      {list.length === 0 ? (
        <p className="muted">
          {matches.loading && !matches.data ? 'Loading…' : 'No bank matches.'}{' '}
          <button type="button" className="button button-small" onClick={matches.reload}>
            Look again
          </button>
        </p>
      ) : (
        <div className="table-wrap">
          <table className="data matches">
            <caption className="visually-hidden">Bank matches of this item, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Bank</th>
                <th scope="col">Entry</th>
                <th scope="col">Signal</th>
                <th scope="col" className="num">
                  Distance
                </th>
                <th scope="col">Orientation</th>
                <th scope="col">Suppressed</th>
                <th scope="col">Labels</th>
                <th scope="col">Provenance</th>
                <th scope="col">Matched</th>
              </tr>
            </thead>
            <tbody>
              {list.map((m) => {
                const b = bankById.get(m.bankId);
                return (
                  <tr key={m.id} data-match-id={m.id} className={m.suppressed ? 'row-inactive' : undefined}>
                    <td>
                      {b ? (
                        <>
                          <Link to={`/banks/${m.bankId}`}>{b.name}</Link> <BankKindBadge kind={b.kind} />
                          {b.readOnly ? <div className="small muted">shared by {b.ownerAgencyName}</div> : null}
                        </>
                      ) : canReadBanks ? (
                        <Link to={`/banks/${m.bankId}`} className="mono">
                          {m.bankId}
                        </Link>
                      ) : (
                        <span className="mono">{m.bankId}</span>
                      )}
                    </td>
                    <td>
                      <ShortHash hash={m.entryId} chars={8} />
                    </td>
                    <td>{m.signalKind}</td>
                    <td className="num">{m.distance}</td>
                    <td>{m.dihedral ?? <span className="muted">—</span>}</td>
                    <td>{m.suppressed ? <StatusBadge tone="warn">suppressed</StatusBadge> : <span className="muted">no</span>}</td>
                    <td>
                      <LabelList labels={m.labels} />
                    </td>
                    <td className="small">
                      <Provenance {...m.provenance} people={people} />
                    </td>
                    <td className="nowrap">
                      <Time ms={m.createdAt} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
