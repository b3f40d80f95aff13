/** Background jobs: counts per state, a filtered table refreshed every 5 s, and retry for failed jobs. */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import { JOB_STATES, type JobState, type JobView } from '../api/types';
import { formatTime } from '../format';
import { can, useSession } from '../session';
import { ActionsHeader, PlaceholderRows } from '../tables';
import { ErrorBanner, Notice, Time, useLoad, useTitle } from '../ui';

const REFRESH_MS = 5_000;
const PAGE_SIZE = 100;
/** States from which the server accepts a retry. */
const RETRYABLE: readonly JobState[] = ['dead', 'cancelled'];

export function JobsScreen(): ReactNode {
  useTitle('Jobs');
  const session = useSession();
  const manage = can(session, 'job.manage');
  const [state, setState] = useState<JobState | ''>('');
  const [name, setName] = useState('');
  const [nameDraft, setNameDraft] = useState('');
  const [auto, setAuto] = useState(true);
  const [notice, setNotice] = useState<string | null>(null);
  const jobs = useLoad(
    () => api.listJobs({ state: state || undefined, name: name || undefined, limit: PAGE_SIZE }),
    [state, name],
  );
  const [loadedAt, setLoadedAt] = useState<number | null>(null);
  const { reload } = jobs;

  useEffect(() => {
    if (jobs.data) setLoadedAt(Date.now());
  }, [jobs.data]);

  useEffect(() => {
    if (!auto) return;
    const timer = window.setInterval(reload, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [auto, reload]);

  const applyName = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    setName(nameDraft.trim());
  };

  const counts = jobs.data?.counts;

  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <nav aria-label="Job states" className="counts">
        <button
          type="button"
          className={`count${state === '' ? ' count-active' : ''}`}
          aria-pressed={state === ''}
          onClick={() => setState('')}
        >
          <span className="count-label">all</span>
          <span className="count-value">{counts ? JOB_STATES.reduce((n, s) => n + (counts[s] ?? 0), 0) : '…'}</span>
        </button>
        {JOB_STATES.map((s) => (
          <button
            key={s}
            type="button"
            className={`count count-${s}${state === s ? ' count-active' : ''}`}
            aria-pressed={state === s}
            onClick={() => setState(s)}
          >
            <span className="count-label">{s}</span>
            <span className="count-value">{counts ? (counts[s] ?? 0) : '…'}</span>
          </button>
        ))}
      </nav>

      <form className="toolbar" onSubmit={applyName} aria-label="Job filters">
        <div className="field field-inline">
          <label htmlFor="jobs-name">Job name</label>
          <input
            id="jobs-name"
            placeholder="e.g. capture.fetch"
            value={nameDraft}
            onChange={(e) => setNameDraft(e.target.value)}
          />
        </div>
        <button type="submit" className="button">
          Filter
        </button>
        <label className="check" htmlFor="jobs-auto">
          <input id="jobs-auto" type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} />
          Refresh every {REFRESH_MS / 1000} s
        </label>
        <button type="button" className="button" onClick={reload}>
          Refresh now
        </button>
        <span className="muted small" aria-live="off">
          {loadedAt !== null ? `Updated ${formatTime(loadedAt)}` : null}
        </span>
      </form>

      <Notice>{notice}</Notice>
      <ErrorBanner error={jobs.error} title="Could not load jobs." />
      <div className="table-wrap">
        <table className="data">
          <caption className="visually-hidden">Jobs{state ? ` in state ${state}` : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Run at</th>
              <th scope="col">Created</th>
              <th scope="col">Updated</th>
              <th scope="col">Finished</th>
              <th scope="col">Last error</th>
              {manage ? <ActionsHeader /> : null}
            </tr>
          </thead>
          <tbody>
            {jobs.data?.jobs.map((j) => (
              <JobRow
                key={j.id}
                job={j}
                manage={manage}
                onRetried={() => {
                  setNotice(`Job ${j.name} (${j.id}) queued again.`);
                  reload();
                }}
              />
            ))}
            <PlaceholderRows columns={manage ? 9 : 8} rows={jobs.data?.jobs} loading={jobs.loading} empty={`No jobs${state ? ` in state ${state}` : ''}.`} />
          </tbody>
        </table>
      </div>
    </section>
  );
}

function JobRow({ job, manage, onRetried }: { job: JobView; manage: boolean; onRetried: () => void }): ReactNode {
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);

  const retry = async (): Promise<void> => {
    setPending(true);
    setError(null);
    try {
      await api.retryJob(job.id);
      onRetried();
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <tr data-job-id={job.id}>
      <td className="mono" title={job.id}>
        {job.name}
      </td>
      <td>
        <span className={`status status-job-${job.state}`}>{job.state}</span>
      </td>
      <td>
        {job.attempts}/{job.maxAttempts}
      </td>
      <td className="nowrap">
        <Time ms={job.runAt} />
      </td>
      <td className="nowrap">
        <Time ms={job.createdAt} />
      </td>
      <td className="nowrap">
        <Time ms={job.updatedAt} />
      </td>
      <td className="nowrap">
        <Time ms={job.finishedAt} />
      </td>
      <td className="error-text">{job.lastError ?? <span className="muted">—</span>}</td>
      {manage ? (
        <td className="actions">
          {RETRYABLE.includes(job.state) ? (
            <button
              type="button"
              className="button button-small"
              disabled={pending}
              onClick={() => void retry()}
              aria-label={`Retry job ${job.name} ${job.id}`}
            >
              Retry
            </button>
          ) : null}
          <ErrorBanner error={error} />
        </td>
      ) : null}
    </tr>
  );
}
