/**
 * The audit log, newest first. Filters live in the address (so a filtered view can be linked and the
 * Users screen can open one user's history); "Load more" pages backwards with the server's cursor.
 */
import type { ReactNode } from 'react';
import { FilterButtons } from '../fields';
import { useFilteredPages } from '../filtered-pages';
import { api, type AuditQuery } from '../api/client';
import type { AuditView } from '../api/types';
import { endOfLocalDay, startOfLocalDay } from '../format';
import { EmptyRow, PageFooter } from '../tables';
import { ErrorBanner, Time, useTitle } from '../ui';

const PAGE_SIZE = 50;
const FILTER_KEYS = ['action', 'from', 'to', 'userId', 'targetType', 'targetId'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = Record<FilterKey, string>;

function toQuery(f: Filters): Omit<AuditQuery, 'limit' | 'before'> {
  return {
    action: f.action.trim() || undefined,
    userId: f.userId.trim() || undefined,
    targetType: f.targetType.trim() || undefined,
    targetId: f.targetId.trim() || undefined,
    from: startOfLocalDay(f.from),
    to: endOfLocalDay(f.to),
  };
}

export function AuditScreen(): ReactNode {
  useTitle('Audit log');
  const { applied, draft, setDraft, rows: events, nextBefore, error, loading, loadMore, apply, clear, hasFilters } = useFilteredPages(FILTER_KEYS, async (f: Filters, before?: string) => {
    const page = await api.listAudit({ ...toQuery(f), limit: PAGE_SIZE, ...(before ? { before } : {}) });
    return { rows: page.events as AuditView[], nextBefore: page.nextBefore };
  });

  const field = (k: FilterKey) => ({
    value: draft[k],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value }),
  });


  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form className="panel filters" onSubmit={apply} aria-label="Audit filters">
        <div className="form-row">
          <div className="field">
            <label htmlFor="audit-action">Action</label>
            <input id="audit-action" placeholder="e.g. user.create" {...field('action')} />
          </div>
          <div className="field field-narrow">
            <label htmlFor="audit-from">From</label>
            <input id="audit-from" type="date" {...field('from')} />
          </div>
          <div className="field field-narrow">
            <label htmlFor="audit-to">To</label>
            <input id="audit-to" type="date" {...field('to')} />
          </div>
          <div className="field">
            <label htmlFor="audit-target-type">Target type</label>
            <input id="audit-target-type" placeholder="e.g. user" {...field('targetType')} />
          </div>
          <div className="field">
            <label htmlFor="audit-target-id">Target ID</label>
            <input id="audit-target-id" className="mono" {...field('targetId')} />
          </div>
          <div className="field">
            <label htmlFor="audit-user-id">User ID</label>
            <input id="audit-user-id" className="mono" {...field('userId')} />
          </div>
        </div>
        <div className="button-row">
          <FilterButtons hasFilters={hasFilters} onClear={clear} />
          <a className="button" href={api.auditExportUrl(toQuery(applied))} download="vigil-audit.jsonl">
            Export JSON
          </a>
        </div>
      </form>

      <ErrorBanner error={error} title="Could not load the audit log." />
      <div className="table-wrap">
        <table className="data audit">
          <caption className="visually-hidden">Audit events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Client IP</th>
              <th scope="col">Request</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {events.map((ev) => (
              <AuditRow key={ev.id} event={ev} />
            ))}
            {!loading && events.length === 0 && !error ? <EmptyRow columns={7}>{hasFilters ? 'No events match these filters.' : 'No events yet.'}</EmptyRow> : null}
          </tbody>
        </table>
      </div>
      <PageFooter shown={events.length} noun={['event', 'events']} more={nextBefore !== null} loading={loading} onLoadMore={loadMore} />
    </section>
  );
}

function AuditRow({ event }: { event: AuditView }): ReactNode {
  const hasDetail = event.detail !== null && Object.keys(event.detail).length > 0;
  return (
    <tr data-audit-id={event.id}>
      <td className="nowrap">
        <Time ms={event.at} />
      </td>
      <td>{event.actor ?? <span className="muted">{event.userId ?? 'system'}</span>}</td>
      <td className="mono">{event.action}</td>
      <td>
        {event.targetType ? <span className="target-type">{event.targetType}</span> : null}
        {event.targetId ? <span className="mono target-id">{event.targetId}</span> : null}
        {!event.targetType && !event.targetId ? <span className="muted">—</span> : null}
      </td>
      <td className="mono">{event.clientIp ?? '—'}</td>
      <td className="mono small">{event.requestId ?? '—'}</td>
      <td>
        {hasDetail ? (
          <details>
            <summary>{summarise(event.detail)}</summary>
            <pre className="detail">{JSON.stringify(event.detail, null, 2)}</pre>
          </details>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}

/** One line from the detail object: the first few scalar fields, e.g. `email=a@b.c, roles=analyst`. */
function summarise(detail: Record<string, unknown> | null): string {
  if (!detail) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(detail)) {
    if (parts.length >= 3) break;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') parts.push(`${k}=${String(v)}`);
    else if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) parts.push(`${k}=${v.join('|')}`);
  }
  return parts.length > 0 ? parts.join(', ') : 'details';
}
