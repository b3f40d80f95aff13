/**
 * Watched sources: feeds, pages (their new out-links) and Telegram channel previews the server
 * checks on a schedule. Anyone with item.read sees them; adding, pausing and resuming need
 * source.manage. A source's label opens its page with the recent runs.
 */
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import { SOURCE_KINDS, type SourceKind, type SourceView } from '../api/types';
import { SelectField } from '../fields';
import { can, useSession } from '../session';
import { ActionsHeader, PlaceholderRows } from '../tables';
import { ErrorBanner, Notice, Time, useLoad, useTitle } from '../ui';

/** The server's bounds for the interval (5 minutes to 7 days); it decides, and its message is shown. */
export const SOURCE_MIN_INTERVAL_MINUTES = 5;
export const SOURCE_MAX_INTERVAL_MINUTES = 7 * 24 * 60;

const KIND_HINTS: Record<SourceKind, string> = {
  feed: 'An RSS or Atom feed: every entry and its media become items.',
  page: 'A web page: links that newly appear on it become items.',
  telegram: 'A public Telegram channel preview, https://t.me/s/NAME: new posts become items.',
};

/** "every 5 min", "every 2 h", "every 1 d 6 h". */
export function formatInterval(minutes: number): string {
  if (minutes < 60) return `every ${minutes} min`;
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return `every ${[d ? `${d} d` : '', h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean).join(' ')}`;
}

export function SourcesScreen(): ReactNode {
  useTitle('Sources');
  const session = useSession();
  const manage = can(session, 'source.manage');
  const sources = useLoad(() => api.listSources(), []);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <section aria-labelledby="sources-title">
      <h1 id="sources-title">Sources</h1>
      {manage ? (
        <CreateSourceForm
          onCreated={(s) => {
            setNotice(`Now watching “${s.label || s.url}”. The first run is due shortly.`);
            sources.reload();
          }}
        />
      ) : null}
      <Notice>{notice}</Notice>
      <ErrorBanner error={sources.error} title="Could not load watched sources." />
      <div className="table-wrap">
        <table className="data">
          <caption className="visually-hidden">Watched sources</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Source</th>
              <th scope="col">Interval</th>
              <th scope="col">Status</th>
              <th scope="col">Last run</th>
              <th scope="col">Next run</th>
              <th scope="col" className="num">
                Items found
              </th>
              {manage ? <ActionsHeader /> : null}
            </tr>
          </thead>
          <tbody>
            {sources.data?.map((s) => (
              <SourceRow
                key={s.id}
                source={s}
                manage={manage}
                onChanged={(updated) => {
                  setNotice(`${updated.paused ? 'Paused' : 'Resumed'} “${updated.label || updated.url}”.`);
                  sources.reload();
                }}
              />
            ))}
            <PlaceholderRows columns={manage ? 8 : 7} rows={sources.data} loading={sources.loading} empty="No watched sources yet." />
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function SourceStatus({ source }: { source: SourceView }): ReactNode {
  if (source.paused) return <span className="status status-job-cancelled">paused</span>;
  if (source.lastStatus === null) return <span className="status status-job-queued">not run yet</span>;
  const failing = source.consecutiveFailures > 0 || source.lastError !== null;
  return (
    <span className={`status ${failing ? 'status-bad' : 'status-ok'}`}>
      {source.lastStatus}
      {source.consecutiveFailures > 1 ? ` ×${source.consecutiveFailures}` : ''}
    </span>
  );
}

export function PauseButton({
  source,
  onChanged,
  small = true,
}: {
  source: SourceView;
  onChanged: (s: SourceView) => void;
  small?: boolean;
}): ReactNode {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const name = source.label || source.url;

  const toggle = async (): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      onChanged(await api.setSourcePaused(source.id, !source.paused));
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <>
      <button
        type="button"
        className={`button${small ? ' button-small' : ''}`}
        disabled={pending}
        onClick={() => void toggle()}
        aria-label={`${source.paused ? 'Resume' : 'Pause'} ${name}`}
      >
        {source.paused ? 'Resume' : 'Pause'}
      </button>
      <ErrorBanner error={error} />
    </>
  );
}

function SourceRow({
  source: s,
  manage,
  onChanged,
}: {
  source: SourceView;
  manage: boolean;
  onChanged: (s: SourceView) => void;
}): ReactNode {
  return (
    <tr data-source-id={s.id} className={s.paused ? 'row-inactive' : undefined}>
      <td>{s.kind}</td>
      <td className="url-cell">
        <Link to={`/sources/${s.id}`}>{s.label || s.url}</Link>
        {s.label ? <div className="mono small muted break">{s.url}</div> : null}
      </td>
      <td className="nowrap">{formatInterval(s.intervalMinutes)}</td>
      <td>
        <SourceStatus source={s} />
        {s.lastError ? <div className="error-text">{s.lastError}</div> : null}
      </td>
      <td className="nowrap">
        <Time ms={s.lastRunAt} />
      </td>
      <td className="nowrap">{s.paused ? <span className="muted">paused</span> : <Time ms={s.nextRunAt} />}</td>
      <td className="num">{s.itemsFound}</td>
      {manage ? (
        <td className="actions">
          <PauseButton source={s} onChanged={onChanged} />
        </td>
      ) : null}
    </tr>
  );
}

function CreateSourceForm({ onCreated }: { onCreated: (s: SourceView) => void }): ReactNode {
  const [kind, setKind] = useState<SourceKind>('feed');
  const [url, setUrl] = useState('');
  const [label, setLabel] = useState('');
  const [intervalMinutes, setIntervalMinutes] = useState('60');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const urlRef = useRef<HTMLInputElement>(null);

  const onSubmit = async (e: FormEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const created = await api.createSource({
        kind,
        url: url.trim(),
        intervalMinutes: Number(intervalMinutes),
        ...(label.trim() ? { label: label.trim() } : {}),
      });
      setUrl('');
      setLabel('');
      onCreated(created);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
      urlRef.current?.focus();
    }
  };

  return (
    <form className="panel" onSubmit={(e) => void onSubmit(e)} aria-labelledby="new-source-title">
      <h2 id="new-source-title">Watch a source</h2>
      <ErrorBanner error={error} title="Could not add the source." />
      <div className="form-row">
        <SelectField id="source-kind" label="Kind" width="narrow" value={kind} options={SOURCE_KINDS} describedBy="source-kind-hint" onChange={setKind} />
        <div className="field field-wide">
          <label htmlFor="source-url">URL</label>
          <input
            id="source-url"
            ref={urlRef}
            type="text"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            required
            placeholder={kind === 'telegram' ? 'https://t.me/s/channel' : 'https://…'}
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="source-label">Label</label>
          <input id="source-label" maxLength={200} value={label} onChange={(e) => setLabel(e.target.value)} />
        </div>
        <div className="field field-narrow">
          <label htmlFor="source-interval">Interval (minutes)</label>
          <input
            id="source-interval"
            type="number"
            required
            min={SOURCE_MIN_INTERVAL_MINUTES}
            max={SOURCE_MAX_INTERVAL_MINUTES}
            step={1}
            value={intervalMinutes}
            onChange={(e) => setIntervalMinutes(e.target.value)}
          />
        </div>
        <button type="submit" className="button button-primary" disabled={pending}>
          Add source
        </button>
      </div>
      <p id="source-kind-hint" className="hint">
        {KIND_HINTS[kind]} Checked at most every {SOURCE_MIN_INTERVAL_MINUTES} minutes; after failures the server
        waits longer between runs.
      </p>
    </form>
  );
}
