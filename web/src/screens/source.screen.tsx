/** One watched source: its settings and state, its recent runs, and the items it found. */
import { useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../api/client';
import { StatusBadge } from '../badges';
import { RecordHeading } from '../record-page';
import { can, useSession } from '../session';
import { EmptyRow } from '../tables';
import { Notice, Time, useLoad, useTitle } from '../ui';
import { formatInterval, PauseButton, SourceStatus } from './sources.screen';

export function SourceScreen(): ReactNode {
  const { sourceId = '' } = useParams();
  const session = useSession();
  const manage = can(session, 'source.manage');
  const detail = useLoad(() => api.getSource(sourceId), [sourceId]);
  const [notice, setNotice] = useState<string | null>(null);
  const source = detail.data?.source;
  useTitle(source ? `Source ${source.label || source.url}` : 'Source');

  return (
    <section aria-labelledby="source-title">
      <RecordHeading
        list="/sources"
        listLabel="Sources"
        titleId="source-title"
        title={source ? source.label || source.url : 'Source'}
        error={detail.error}
        errorTitle="Could not load the source."
        loading={detail.loading && !source}
      />
      {source ? (
        <>
          <dl className="facts">
            <dt>Kind</dt>
            <dd>{source.kind}</dd>
            <dt>URL</dt>
            <dd className="mono break">{source.url}</dd>
            <dt>Interval</dt>
            <dd>{formatInterval(source.intervalMinutes)}</dd>
            <dt>Status</dt>
            <dd>
              <SourceStatus source={source} />
              {source.consecutiveFailures > 0 ? (
                <span className="muted">
                  {' '}
                  {source.consecutiveFailures} failure{source.consecutiveFailures === 1 ? '' : 's'} in a row; runs are
                  spaced out until it works again
                </span>
              ) : null}
            </dd>
            {source.lastError ? (
              <>
                <dt>Last error</dt>
                <dd className="error-text">{source.lastError}</dd>
              </>
            ) : null}
            <dt>Last run</dt>
            <dd>
              <Time ms={source.lastRunAt} />
            </dd>
            <dt>Next run</dt>
            <dd>{source.paused ? <span className="muted">paused</span> : <Time ms={source.nextRunAt} />}</dd>
            <dt>Items found</dt>
            <dd>
              {source.itemsFound > 0 ? (
                <Link to={`/items?sourceId=${source.id}`}>
                  {source.itemsFound} item{source.itemsFound === 1 ? '' : 's'}
                </Link>
              ) : (
                '0'
              )}
            </dd>
            <dt>Created</dt>
            <dd>
              <Time ms={source.createdAt} />
            </dd>
          </dl>
          {manage ? (
            <div className="button-row">
              <PauseButton
                source={source}
                small={false}
                onChanged={(s) => {
                  setNotice(s.paused ? 'Source paused: no more runs until it is resumed.' : 'Source resumed.');
                  detail.reload();
                }}
              />
            </div>
          ) : null}
          <Notice>{notice}</Notice>

          <h2>Recent runs</h2>
          <div className="table-wrap">
            <table className="data">
              <caption className="visually-hidden">Recent runs of this source, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Finished</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Seen
                  </th>
                  <th scope="col" className="num">
                    New items
                  </th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {detail.data?.runs.map((r) => (
                  <tr key={r.id}>
                    <td className="nowrap">
                      <Time ms={r.startedAt} />
                    </td>
                    <td className="nowrap">
                      <Time ms={r.finishedAt} />
                    </td>
                    <td>
                      <StatusBadge tone={r.error ? 'bad' : 'ok'}>{r.status}</StatusBadge>
                    </td>
                    <td className="num">{r.seen}</td>
                    <td className="num">{r.newItems}</td>
                    <td className="error-text">{r.error ?? <span className="muted">—</span>}</td>
                  </tr>
                ))}
                {detail.data?.runs.length === 0 ? <EmptyRow columns={6}>No runs yet.</EmptyRow> : null}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
